import { requireAdminAction } from '../../../../../platform/admin-policies';
import { ACTIONS } from '../utils';

const admin = (action: string) => ({ policies: requireAdminAction(action) });

/** Routes as data; the contract is docs/lap-control.md. */
export default {
  'content-api': {
    type: 'content-api',
    routes: [
      // Audience screens: no login, names only.
      { method: 'GET', path: '/public/statistics', handler: 'public.statistics', config: { auth: false } },
      { method: 'GET', path: '/public/queue', handler: 'public.queue', config: { auth: false } },
      // Registration kiosk: users-permissions role Competition (granted in src/platform/roles.ts).
      { method: 'GET', path: '/kiosk/lookup', handler: 'kiosk.lookup', config: { policies: [] } },
      { method: 'POST', path: '/kiosk/queue', handler: 'kiosk.queue', config: { policies: [] } },
      { method: 'POST', path: '/kiosk/register', handler: 'kiosk.register', config: { policies: [] } },
      { method: 'GET', path: '/kiosk/options', handler: 'kiosk.options', config: { policies: [] } },
    ],
  },
  admin: {
    type: 'admin',
    routes: [
      { method: 'GET', path: '/state', handler: 'crew.state', config: admin(ACTIONS.read) },
      { method: 'POST', path: '/advance', handler: 'crew.advance', config: admin(ACTIONS.control) },
      { method: 'POST', path: '/reverse', handler: 'crew.reverse', config: admin(ACTIONS.control) },
      { method: 'POST', path: '/queue', handler: 'crew.queueJoin', config: admin(ACTIONS.queue) },
      { method: 'POST', path: '/queue/register', handler: 'crew.queueRegister', config: admin(ACTIONS.queue) },
      { method: 'POST', path: '/queue/move', handler: 'crew.queueMove', config: admin(ACTIONS.queue) },
      { method: 'DELETE', path: '/queue/:ticketId', handler: 'crew.queueRemove', config: admin(ACTIONS.queue) },
      { method: 'GET', path: '/runners/:id', handler: 'crew.runner', config: admin(ACTIONS.read) },
      { method: 'GET', path: '/query/without-shift', handler: 'crew.withoutShift', config: admin(ACTIONS.read) },
      { method: 'GET', path: '/query/in-shift', handler: 'crew.inShift', config: admin(ACTIONS.read) },
      { method: 'GET', path: '/query/search', handler: 'crew.search', config: admin(ACTIONS.read) },
      { method: 'GET', path: '/options', handler: 'crew.options', config: admin(ACTIONS.read) },
      { method: 'GET', path: '/laps.csv', handler: 'crew.lapsCsv', config: admin(ACTIONS.lapsExport) },
    ],
  },
};
