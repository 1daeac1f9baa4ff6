import { describe, expect, it } from 'vitest';
import { resolveSensorMeta } from './sensor-register.ts';

const site = {
  id: 'ed-1',
  kind: 'hospital_ed' as const,
  lng: 114.27,
  lat: 30.58,
  district: '420103',
  sourceId: 'wjw.hospital-ed',
  nameZh: '协和医院急诊',
  nameEn: 'Union Hospital ED',
  lowness: 0,
};

describe('resolveSensorMeta', () => {
  it('takes the meta of a sensor outside the register as it is', () => {
    const meta = { kind: 'water_level' as const, lng: 1, lat: 2, name: 'x', source: 'y', classification: 'public' as const };
    expect(resolveSensorMeta(undefined, meta)).toEqual({ meta, refused: [] });
    expect(resolveSensorMeta(undefined, null)).toEqual({ meta: null, refused: [] });
  });

  it("accepts the register's own values (coordinates rounded by a gateway, either name) without refusal", () => {
    for (const name of [site.nameZh, site.nameEn, undefined]) {
      const r = resolveSensorMeta(site, {
        kind: 'hospital_ed',
        lng: 114.270001,
        lat: 30.579999,
        source: 'wjw.hospital-ed',
        ...(name ? { name } : {}),
      });
      expect(r.refused).toEqual([]);
      expect(r.meta).toMatchObject({ lng: 114.27, lat: 30.58, name: site.nameZh, source: site.sourceId, district: '420103' });
    }
  });

  it("names every field a device tried to change, keeps the register's, and passes unit and classification", () => {
    const r = resolveSensorMeta(site, {
      kind: 'air_quality',
      lng: 114.3,
      lat: 30.58,
      name: 'moved',
      source: 'sthjj.air-quality',
      unit: '%',
      classification: 'public',
    });
    expect(r.refused).toEqual(['kind', 'position', 'name', 'source']);
    expect(r.meta).toEqual({
      kind: 'hospital_ed',
      lng: 114.27,
      lat: 30.58,
      name: site.nameZh,
      district: '420103',
      source: site.sourceId,
      unit: '%',
      classification: 'public',
    });
  });

  it('refuses an empty meta (deregistration) of a registered sensor', () => {
    expect(resolveSensorMeta(site, null)).toEqual({ meta: null, refused: ['registration'] });
  });
});
