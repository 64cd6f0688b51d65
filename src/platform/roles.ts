/**
 * Roles of the platform, created at bootstrap when missing (never overwritten afterwards, so edits a
 * Super Admin makes in Settings survive restarts). The list is documented in docs/ROLES.md.
 */
import type { Core } from '@strapi/strapi';

export type Domain = 'lab' | 'race' | 'logs' | 'robotics' | 'classroom';
export const DOMAINS: Domain[] = ['lab', 'race', 'logs', 'robotics', 'classroom'];

// Content Manager action uids (section contentTypes); publish is absent: Draft & Publish is off.
const cm = (action: string) => `plugin::content-manager.explorer.${action}`;
const EDIT = ['create', 'read', 'update', 'delete'].map(cm);
const READ = ['read'].map(cm);

interface AdminRoleSpec {
  name: string;
  description: string;
  domains: Domain[];
  actions: string[];
  /**
   * Plugin actions (section plugins/settings, no subject) granted when the role is created. Only actions
   * registered at that moment are granted; a database created before a plugin existed keeps its roles
   * as they are (grant the action in Settings > Roles).
   */
  extraActions?: string[];
  /** Content Manager fields left out of the role's permissions (personal data the role must not read). */
  withoutFields?: Record<string, string[]>;
}

/** Staff roles of the admin panel: Content Manager access limited to their domains. */
export const ADMIN_ROLES: AdminRoleSpec[] = [
  {
    name: 'Lab technician',
    description: 'Batteries, cycler stations, profiles, experiments and alarms.',
    domains: ['lab'],
    actions: EDIT,
    extraActions: ['plugin::cycler-bridge.monitor.read', 'plugin::cycler-bridge.experiments.create', 'plugin::data-exchange.lab-import'],
  },
  {
    name: 'Race crew',
    description: 'Runners, queue, laps, teams and the race settings of the 24-hour run.',
    domains: ['race'],
    actions: EDIT,
    extraActions: ['plugin::lap-control.control', 'plugin::lap-control.queue', 'plugin::lap-control.read', 'plugin::lap-control.laps.export'],
  },
  { name: 'Teacher', description: 'Classroom (courses, students, notebooks) and the robotics platform data.', domains: ['classroom', 'robotics'], actions: EDIT, extraActions: ['plugin::dashboards.classroom.read', 'plugin::dashboards.classroom.personal', 'plugin::dashboards.classroom.import', 'plugin::dashboards.robotics.read', 'plugin::ingest.robotics.upload'] },
  { name: 'Analyst', description: 'Reads every domain; edits nothing.', domains: DOMAINS, actions: READ, extraActions: ['plugin::dashboards.logs.read', 'plugin::lap-control.read', 'plugin::lap-control.laps.export', 'plugin::dashboards.classroom.read', 'plugin::cycler-bridge.monitor.read', 'plugin::dashboards.robotics.read'], withoutFields: { 'api::classroom.student': ['real_name', 'email', 'private_attributes'] } },
];

// CSV export for every staff role, import for the editing ones (data-exchange plugin); the Content
// Manager permissions on each type and field still decide what they may read and write.
for (const spec of ADMIN_ROLES) {
  spec.extraActions = [...(spec.extraActions ?? []), 'plugin::data-exchange.export', ...(spec.actions === EDIT ? ['plugin::data-exchange.import'] : [])];
}

// Classroom progress routes (the controller narrows a Student to their own rows, names hidden).
const CLASSROOM_READ_ACTIONS = ['plugin::dashboards.classroom.snapshots', 'plugin::dashboards.classroom.heatmap', 'plugin::dashboards.classroom.student'];

/** users-permissions roles for people who log in to the platform's own pages (not the admin panel). */
export const END_USER_ROLES: Array<{ type: string; name: string; description: string; actions?: string[] }> = [
  {
    type: 'competition',
    name: 'Competition',
    description: 'Race registration kiosk: queues runners up.',
    // Content-API actions granted when the role is created (plugin::<plugin>.<controller>.<action>).
    actions: ['plugin::lap-control.kiosk.lookup', 'plugin::lap-control.kiosk.queue', 'plugin::lap-control.kiosk.register', 'plugin::lap-control.kiosk.options'],
  },
  { type: 'teacher', name: 'Teacher', description: 'Teachers following their classes.', actions: CLASSROOM_READ_ACTIONS },
  { type: 'student', name: 'Student', description: 'Students seeing their own progress.', actions: CLASSROOM_READ_ACTIONS },
];

export const domainContentTypes = (strapi: Core.Strapi, domains: Domain[]): string[] =>
  Object.keys(strapi.contentTypes).filter((uid) => domains.some((d) => uid.startsWith(`api::${d}.`)));

async function ensureAdminRoles(strapi: Core.Strapi): Promise<void> {
  const roleService = strapi.service('admin::role') as any;
  const { actionProvider } = strapi.service('admin::permission') as any;
  const contentTypeService = strapi.service('admin::content-type') as any;

  for (const spec of ADMIN_ROLES) {
    if (await roleService.findOne({ name: spec.name })) continue;
    const subjects = new Set(domainContentTypes(strapi, spec.domains));
    const actions = actionProvider
      .values()
      .filter((a: { section: string; actionId: string }) => a.section === 'contentTypes' && spec.actions.includes(a.actionId));
    const permissions = contentTypeService
      .getPermissionsWithNestedFields(actions)
      .filter((p: { subject: string }) => subjects.has(p.subject))
      .map((p: { subject: string; properties?: { fields?: string[] } }) => {
        const hidden = spec.withoutFields?.[p.subject];
        if (!hidden || !p.properties?.fields) return p;
        return { ...p, properties: { ...p.properties, fields: p.properties.fields.filter((f) => !hidden.includes(f)) } };
      });
    for (const action of spec.extraActions ?? []) {
      if (actionProvider.has(action)) permissions.push({ action, subject: null, properties: {}, conditions: [] });
    }
    const role = await roleService.create({ name: spec.name, description: spec.description });
    await roleService.assignPermissions(role.id, permissions);
    strapi.log.info(`[roles] created admin role "${spec.name}" (${subjects.size} content types)`);
  }
}

async function ensureEndUserRoles(strapi: Core.Strapi): Promise<void> {
  const roles = strapi.db.query('plugin::users-permissions.role');
  for (const spec of END_USER_ROLES) {
    if (await roles.findOne({ where: { type: spec.type } })) continue;
    const { actions = [], ...data } = spec;
    const role = await roles.create({ data });
    for (const action of actions) {
      await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
    }
    strapi.log.info(`[roles] created users-permissions role "${spec.name}"`);
  }
}

export async function ensureRoles(strapi: Core.Strapi): Promise<void> {
  await ensureAdminRoles(strapi);
  await ensureEndUserRoles(strapi);
}
