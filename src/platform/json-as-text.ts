import type { Core } from '@strapi/strapi';

/**
 * PostgreSQL `json` columns (lab_samples.extra) read back as their text, as Strapi makes pg read
 * `jsonb` ones (its dialect turns that parser off): a row's JSON has one shape on both databases.
 * The pg driver's type parsers are process-wide; Strapi's own tables have no `json` column.
 */
export function readJsonAsText(strapi: Core.Strapi): void {
  const types = (strapi.db.connection.client as { driver?: { types?: any } }).driver?.types;
  if (types?.setTypeParser) types.setTypeParser(types.builtins.JSON, 'text', (text: string) => text);
}
