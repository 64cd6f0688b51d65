import { applyAdminLabels, humanLabel } from '../../src/platform/admin-labels';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';

describe('readable Content Manager labels', () => {
  it.each([
    ['nominal_capacity_ah', 'Nominal capacity (Ah)'],
    ['min_voltage_v', 'Min voltage (V)'],
    ['test_time_seconds', 'Test time seconds'],
    ['mqtt_client_id', 'MQTT client ID'],
    ['queued_at', 'Queued at'],
    ['electrolyte_volume_l', 'Electrolyte volume (L)'],
  ])('%s -> %s', (name, label) => expect(humanLabel(name)).toBe(label));

  describe('in the admin', () => {
    let app: TestApp;
    let auth: { Authorization: string };
    const url = '/content-manager/content-types/api::lab.battery/configuration';
    beforeAll(async () => {
      app = await startStrapi();
      auth = { Authorization: `Bearer ${await adminToken(app, ['Super Admin'])}` };
    });
    afterAll(async () => {
      await app?.stop();
    });

    it('shows readable labels on edit and list views, and keeps an administrator\'s own label', async () => {
      const res = await app.http().get(url).set(auth);
      expect(res.status).toBe(200);
      const metadatas = res.body.data.contentType.metadatas;
      expect(metadatas.nominal_capacity_ah.edit.label).toBe('Nominal capacity (Ah)');
      expect(metadatas.max_voltage_v.list.label).toBe('Max voltage (V)');
      expect(metadatas.name.edit.label).toBe('Name');

      const service = app.strapi.plugin('content-manager').service('content-types') as any;
      const model = app.strapi.contentTypes['api::lab.battery'];
      const { uid, ...configuration } = await service.findConfiguration(model);
      configuration.metadatas.nominal_capacity_ah.edit.label = 'Rated capacity';
      await service.updateConfiguration(model, configuration);
      await applyAdminLabels(app.strapi);
      const after = (await app.http().get(url).set(auth)).body.data.contentType.metadatas;
      expect(after.nominal_capacity_ah.edit.label).toBe('Rated capacity');
      expect(uid).toBe('api::lab.battery');
    });
  });
});
