import { describe, expect, it } from 'vitest';
import { fromStoredSensor, registryRowOf, sensorColumns, storedClassification, type StoredSensor } from './registry-store.ts';

const AT = 1_767_225_600_000;

describe('registry rows', () => {
  it('writes a registration with the meta it gives and empty text for what it leaves out', () => {
    const row = registryRowOf('wl-1', { kind: 'water_level', lng: 114.3, lat: 30.6, district: '420106', source: 'waterlogging' }, AT);
    expect(row).toEqual({
      sensorId: 'wl-1',
      kind: 'water_level',
      lng: 114.3,
      lat: 30.6,
      name: '',
      unit: '',
      district: '420106',
      source: 'waterlogging',
      classification: null,
      deleted: false,
      updatedAt: AT,
    });
    expect(sensorColumns(row)).toEqual(['wl-1', 'water_level', 114.3, 30.6, '', '', '420106', 'waterlogging', '', 0, AT]);
  });

  it('writes a deregistration as a deleted row with empty columns', () => {
    expect(sensorColumns(registryRowOf('wl-1', null, AT))).toEqual(['wl-1', '', 0, 0, '', '', '', '', '', 1, AT]);
  });

  it('keeps the classification of the meta in its column', () => {
    const row = registryRowOf('cc-1', { kind: 'city_code', lng: 114.3, lat: 30.5, name: '江汉路', classification: 'sensitive' }, AT);
    expect(sensorColumns(row)).toEqual(['cc-1', 'city_code', 114.3, 30.5, '江汉路', '', '', '', 'sensitive', 0, AT]);
  });

  it('reads a stored row back into the row it was written from', () => {
    const written = registryRowOf(
      'aq-7',
      { kind: 'air_quality', lng: 114.25, lat: 30.55, name: 'Hankou', unit: 'µg/m³', source: 'env', classification: 'internal' },
      AT,
    );
    const [sensorId, kind, lng, lat, name, unit, district, source, classification, deleted, updatedAt] = sensorColumns(written);
    // As JSONEachRow gives them: numbers, except 64-bit integers (the update time) quoted.
    const stored: StoredSensor = {
      sensor_id: sensorId,
      kind,
      lng,
      lat,
      name,
      unit,
      district,
      source,
      classification,
      deleted,
      updated_ms: String(updatedAt),
    };
    expect(fromStoredSensor(stored)).toEqual(written);
  });

  it('reads a deleted row as deleted and an unknown or empty classification as none', () => {
    const stored: StoredSensor = {
      sensor_id: 'x-1',
      kind: '',
      lng: 0,
      lat: 0,
      name: '',
      unit: '',
      district: '',
      source: '',
      classification: '',
      deleted: 1,
      updated_ms: '5',
    };
    expect(fromStoredSensor(stored)).toMatchObject({ deleted: true, classification: null, updatedAt: 5 });
    expect(storedClassification('secret')).toBeNull();
    expect(storedClassification('public')).toBe('public');
  });
});
