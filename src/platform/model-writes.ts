import type { Core } from '@strapi/strapi';

/** Calls `forget` after any create, update or delete of `models` on this instance (cache invalidation). */
export function onModelWrite(strapi: Core.Strapi, models: string[], forget: () => void): void {
  strapi.db.lifecycles.subscribe({
    models,
    afterCreate: forget,
    afterCreateMany: forget,
    afterUpdate: forget,
    afterUpdateMany: forget,
    afterDelete: forget,
    afterDeleteMany: forget,
  });
}
