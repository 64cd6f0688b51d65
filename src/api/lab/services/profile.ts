import { factories } from '@strapi/strapi';
import { parseProfileInstructions } from './profile-instructions';

export default factories.createCoreService('api::lab.profile', () => ({
  /** The WattRex grammar, reachable from controllers and importers through the profile service. */
  parseInstructions: parseProfileInstructions,
}));
