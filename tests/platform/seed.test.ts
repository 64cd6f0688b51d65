import { seedDemoData } from '../../src/platform/demo-data';
import { startStrapi, type TestApp } from '../helpers/strapi';

describe('demo data (npm run seed)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const rowCounts = async () => {
    const counts: Record<string, number> = {};
    for (const uid of Object.keys(app.strapi.contentTypes).filter((u) => u.startsWith('api::'))) {
      counts[uid] = await app.strapi.db.query(uid as any).count({});
    }
    const [{ n }] = await app.strapi.db.connection('lab_samples').count({ n: '*' });
    counts.lab_samples = Number(n);
    return counts;
  };

  it('fills every domain, and a second run changes nothing', async () => {
    const lines: string[] = [];
    const first = await seedDemoData(app.strapi, (line) => lines.push(line));
    const afterFirst = await rowCounts();
    expect(lines.map((l) => l.split(':')[0])).toEqual(['[seed] lab', '[seed] race', '[seed] logs', '[seed] robotics', '[seed] classroom']);
    for (const domain of ['lab', 'race', 'logs', 'robotics', 'classroom']) {
      const created = Object.entries(first).filter(([uid]) => uid.startsWith(`api::${domain}.`));
      expect([domain, created.some(([, n]) => n > 0)]).toEqual([domain, true]);
    }
    expect(afterFirst.lab_samples).toBeGreaterThan(100);
    expect(first).toEqual(Object.fromEntries(Object.entries(first).map(([uid]) => [uid, afterFirst[uid]])));

    const updatedAt = (await app.strapi.db.query('api::race.runner').findMany({ orderBy: { id: 'asc' } })).map((r) => r.updatedAt);
    const second = await seedDemoData(app.strapi);
    expect(Object.values(second).every((n) => n === 0)).toBe(true);
    expect(await rowCounts()).toEqual(afterFirst);
    expect((await app.strapi.db.query('api::race.runner').findMany({ orderBy: { id: 'asc' } })).map((r) => r.updatedAt)).toEqual(updatedAt);
  });
});
