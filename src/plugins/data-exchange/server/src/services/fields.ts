/**
 * The columns of a content type as CSV sees them: system columns, scalar attributes, relations
 * (by the target's display field or id), components and dynamic zones (JSON text). Export and
 * import share this one description so a file exported here imports back unchanged.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';

export type FieldKind = 'system' | 'scalar' | 'relation' | 'component' | 'dynamiczone' | 'media';

export interface FieldInfo {
  name: string;
  label: string;
  kind: FieldKind;
  type: string;
  required: boolean;
  unique: boolean;
  private: boolean;
  /** Written by an import (system columns, media and morph relations are not). */
  writable: boolean;
  enum?: string[];
  repeatable?: boolean;
  default?: unknown;
  min?: number;
  max?: number;
  relation?: { target: string; many: boolean; mainField: string };
}

export interface ContentTypeInfo {
  uid: string;
  displayName: string;
  localized: boolean;
  fields: FieldInfo[];
}

const SYSTEM_COLUMNS = ['id', 'documentId', 'createdAt', 'updatedAt'];
/** Never a CSV column: bookkeeping of Strapi itself, or secrets. */
const SKIPPED = new Set(['publishedAt', 'createdBy', 'updatedBy', 'locale', 'localizations']);

const MANY = new Set(['oneToMany', 'manyToMany', 'manyWay', 'morphMany', 'morphToMany']);

export const isCollectionType = (strapi: Core.Strapi, uid: string) =>
  uid.startsWith('api::') && (strapi.contentTypes as any)[uid]?.kind === 'collectionType';

const fieldsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const contentManager = () => strapi.plugin('content-manager').service('content-types') as any;

  async function configuration(uid: string): Promise<{ settings: any; metadatas: Record<string, any> }> {
    const contentType = strapi.contentType(uid as any);
    try {
      return (await contentManager().findConfiguration(contentType)) ?? { settings: {}, metadatas: {} };
    } catch {
      return { settings: {}, metadatas: {} };
    }
  }

  return {
    /** 404 for anything but an api:: collection type (single types and plugin types have no list to exchange). */
    assertExchangeable(uid: string): void {
      if (!isCollectionType(strapi, uid)) {
        throw new errors.NotFoundError(`uid: ${uid} is not a collection type of this application`);
      }
    },

    async describe(uid: string): Promise<ContentTypeInfo> {
      this.assertExchangeable(uid);
      const contentType = strapi.contentType(uid as any) as any;
      const { metadatas } = await configuration(uid);
      const label = (name: string) => metadatas?.[name]?.edit?.label || name;
      const fields: FieldInfo[] = SYSTEM_COLUMNS.map((name) => ({
        name,
        label: name,
        kind: 'system' as const,
        type: name === 'id' ? 'integer' : name === 'documentId' ? 'string' : 'datetime',
        required: false,
        unique: name === 'id' || name === 'documentId',
        private: false,
        writable: false,
      }));
      for (const [name, attribute] of Object.entries<any>(contentType.attributes)) {
        if (SKIPPED.has(name) || SYSTEM_COLUMNS.includes(name) || attribute.type === 'password') continue;
        const base = {
          name,
          label: label(name),
          type: attribute.type,
          required: Boolean(attribute.required),
          unique: Boolean(attribute.unique),
          private: Boolean(attribute.private),
          default: attribute.default,
          min: attribute.min ?? attribute.minLength,
          max: attribute.max ?? attribute.maxLength,
        };
        if (attribute.type === 'relation') {
          if (!attribute.target || attribute.relation?.startsWith('morph')) continue;
          const targetConfig = await configuration(attribute.target);
          const mainField = metadatas?.[name]?.edit?.mainField || targetConfig.settings?.mainField || 'id';
          fields.push({ ...base, kind: 'relation', writable: true, relation: { target: attribute.target, many: MANY.has(attribute.relation), mainField } });
        } else if (attribute.type === 'component' || attribute.type === 'dynamiczone') {
          fields.push({ ...base, kind: attribute.type, writable: true, repeatable: Boolean(attribute.repeatable) });
        } else if (attribute.type === 'media') {
          fields.push({ ...base, kind: 'media', writable: false });
        } else {
          fields.push({ ...base, kind: 'scalar', writable: true, enum: attribute.enum });
        }
      }
      return {
        uid,
        displayName: contentType.info?.displayName ?? uid,
        localized: Boolean(contentType.pluginOptions?.i18n?.localized),
        fields,
      };
    },
  };
};

export type FieldsService = ReturnType<typeof fieldsService>;
export default fieldsService;
