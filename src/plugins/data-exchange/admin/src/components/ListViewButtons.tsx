import * as React from 'react';
import { useParams } from 'react-router-dom';
import { useRBAC } from '@strapi/strapi/admin';
import { Flex } from '@strapi/design-system';
import { EXPORT_PERMISSIONS, IMPORT_PERMISSIONS } from '../constants';
import { ExportDialog } from './ExportDialog';
import { ImportDialog } from './ImportDialog';

/**
 * Injected into every Content Manager list view; the component gets no props, so the content type
 * comes from the route. Buttons show only for the app's own collection types and the actions the
 * admin role holds (the server checks both again, with the type's own permissions).
 */
export const ListViewButtons = () => {
  const { collectionType, slug } = useParams<{ collectionType: string; slug: string }>();
  const { allowedActions: canExport } = useRBAC(EXPORT_PERMISSIONS);
  const { allowedActions: canImport } = useRBAC(IMPORT_PERMISSIONS);
  if (collectionType !== 'collection-types' || !slug?.startsWith('api::')) return null;
  const exportAllowed = (canExport as Record<string, boolean>).canExport;
  const importAllowed = (canImport as Record<string, boolean>).canImport;
  if (!exportAllowed && !importAllowed) return null;
  return (
    <Flex gap={2}>
      {exportAllowed ? <ExportDialog uid={slug} /> : null}
      {importAllowed ? <ImportDialog uid={slug} /> : null}
    </Flex>
  );
};
