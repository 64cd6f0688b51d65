/**
 * Where this instance shares its admin jobs with the others (src/platform/admin-jobs.ts): Redis when the
 * plugin's `redisUrl` is set (REDIS_URL, as for socket.io's adapter), else none (one instance).
 * Connected on first use, closed by the plugin's destroy.
 */
import type { Core } from '@strapi/strapi';
import { redisJobBoard, type JobBoard } from '../../../../../platform/admin-jobs';
import { PLUGIN_ID } from '../utils';

const jobBoard = ({ strapi }: { strapi: Core.Strapi }) => {
  let board: JobBoard | null | undefined;
  return {
    board(): JobBoard | null {
      if (board === undefined) {
        const url = strapi.plugin(PLUGIN_ID).config<string | undefined>('redisUrl');
        board = url ? redisJobBoard(url, strapi.plugin(PLUGIN_ID).config<string>('redisKey'), strapi.log) : null;
      }
      return board;
    },
    async close() {
      await board?.close();
      board = undefined;
    },
  };
};

export type JobBoardService = ReturnType<typeof jobBoard>;
export default jobBoard;
