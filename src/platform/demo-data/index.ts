/**
 * Demo data for every domain (`npm run seed`). Idempotent: documents are looked up by a natural key
 * and only created when missing, never updated, so a second run creates nothing and leaves edits
 * made in the admin alone.
 */
import type { Core } from '@strapi/strapi';
import { DOMAINS, type Domain } from '../roles';
import { DemoSeeder } from './seeder';
import { seedLab } from './lab';
import { seedRace } from './race';
import { seedLogs } from './logs';
import { seedRobotics } from './robotics';
import { seedClassroom } from './classroom';

const SEEDERS: Record<Domain, (seeder: DemoSeeder) => Promise<void>> = {
  lab: seedLab,
  race: seedRace,
  logs: seedLogs,
  robotics: seedRobotics,
  classroom: seedClassroom,
};

/**
 * Seeds every domain in turn and returns how many rows this run created, per content-type UID
 * (plus `lab_samples`, the plain samples table); all zero when the demo data is already there.
 * `report` receives one progress line per domain.
 */
export async function seedDemoData(
  strapi: Core.Strapi,
  report: (line: string) => void = () => {},
): Promise<Record<string, number>> {
  const seeder = new DemoSeeder(strapi);
  for (const domain of DOMAINS) {
    await SEEDERS[domain](seeder);
    report(`[seed] ${domain}: ${seeder.describe(domain)}`);
  }
  return seeder.createdCounts();
}
