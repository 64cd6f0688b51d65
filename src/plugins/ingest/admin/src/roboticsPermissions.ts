/** Admin permission and path of the robotics log upload page (the action is registered by the server half). */
export const ROBOTICS_UPLOAD = [{ action: 'plugin::ingest.robotics.upload', subject: null }];
export const ROBOTICS_UPLOAD_PATH = '/plugins/ingest/robotics-upload';
