import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { InputError } from '../services/new-experiment';
import { idParam, respond } from './respond';

const COMMANDS = ['pause', 'resume', 'stop'];

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async options(ctx) {
    await respond(ctx, () => getService('newExperiment', strapi).options(ctx.query));
  },
  async check(ctx) {
    await respond(ctx, async () => ({ data: await getService('newExperiment', strapi).check(ctx.request.body ?? {}) }));
  },
  async create(ctx) {
    await respond(ctx, async () => {
      const data = await getService('newExperiment', strapi).create(ctx.request.body ?? {});
      ctx.status = 201;
      return { data };
    });
  },
  async command(ctx) {
    await respond(ctx, async () => {
      const id = idParam(ctx.params.id);
      const command = ctx.request.body?.command;
      if (!COMMANDS.includes(command)) throw new InputError('command', `command must be one of ${COMMANDS.join(', ')}`);
      await getService('stations', strapi).sendCommand(id, command);
      return { data: { sent: command } };
    });
  },
});
