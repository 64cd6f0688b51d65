/**
 * Extends @strapi/plugin-documentation: adds the content-API routes of every local plugin (each
 * described in its route's config.openapi, see ./openapi.ts) before the document is generated.
 */
import type { Core } from '@strapi/strapi';
import { localPluginsOverride } from './openapi';

const INFO = {
  title: 'Tallyboard API',
  description: 'Generated REST API of every content type plus the content-API routes of the local plugins (docs/openapi.md).',
  contact: { name: 'Tallyboard' },
};

export default (plugin: any) => {
  const register = plugin.register;
  plugin.register = async (args: { strapi: Core.Strapi }) => {
    // The plugin's configuration is merged by now; its services read it when first used.
    const { termsOfService, ...info } = args.strapi.config.get('plugin::documentation.info', {}) as Record<string, unknown>;
    void termsOfService;
    args.strapi.config.set('plugin::documentation.info', { ...info, ...INFO });
    return register?.(args);
  };
  const bootstrap = plugin.bootstrap;
  plugin.bootstrap = async (args: { strapi: Core.Strapi }) => {
    // Here, not in register: every plugin's routes are loaded by then, and the plugin's own
    // bootstrap (called next) generates the document.
    args.strapi.plugin('documentation').service('override').registerOverride(localPluginsOverride(args.strapi));
    return bootstrap(args);
  };
  return plugin;
};
