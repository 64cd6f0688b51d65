import * as React from 'react';
import { Flex } from '@strapi/design-system';
import { Upload } from '@strapi/icons';

/**
 * The file picker of the admin upload pages (Battery file import, New experiment's profile file): the
 * upload icon beside the browser's own input, labelled so screen readers and tests find it by name.
 */
export function FileInput({ label, accept, testId, onFile }: { label: string; accept: string; testId?: string; onFile: (file: File | null) => void }) {
  return (
    <Flex gap={2} alignItems="center">
      <Upload />
      <input type="file" accept={accept} aria-label={label} data-testid={testId} onChange={(e) => onFile(e.target.files?.[0] ?? null)} />
    </Flex>
  );
}
