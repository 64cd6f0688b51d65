import fs from 'fs';
import path from 'path';
import type { Core } from '@strapi/strapi';

/**
 * The student progress page: plain HTML + a script (no build step), served by Strapi so it shares the
 * API's origin. Files: src/plugins/dashboards/classroom-page/.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const file = (name: string) => fs.readFileSync(path.join(strapi.dirs.app.root, 'src', 'plugins', 'dashboards', 'classroom-page', name), 'utf8');
  return {
    async html(ctx) {
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = file('index.html');
    },
    async script(ctx) {
      ctx.type = 'application/javascript; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = file('student.js');
    },
  };
};
