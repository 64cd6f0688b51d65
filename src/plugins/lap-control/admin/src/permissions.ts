/** Admin permissions of the race pages (registered by the server half, docs/lap-control.md). */
export const RACE_READ = [{ action: 'plugin::lap-control.read', subject: null }];
export const RACE_CONTROL = [{ action: 'plugin::lap-control.control', subject: null }];
export const RACE_QUEUE = [{ action: 'plugin::lap-control.queue', subject: null }];

export const RACE_PAGE_PATH = '/plugins/lap-control';
