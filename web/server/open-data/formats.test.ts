import { describe, expect, it } from 'vitest';
import type { DatasetField } from './catalogue.ts';
import { toCsv, toGeoJson } from './formats.ts';

const field = (name: string): DatasetField => ({ name, type: 'string', unit: null, descriptionZh: name, descriptionEn: name });

describe('open-data formats', () => {
  it('writes CSV with a BOM and header, quotes separators and guards formula cells, keeps negative numbers', () => {
    const csv = toCsv(
      [field('name'), field('value')],
      [
        { values: { name: 'a, "b"', value: -3.5 }, lngLat: null },
        { values: { name: '=HYPERLINK("x")', value: 1 }, lngLat: null },
        { values: { name: 'line\nbreak' }, lngLat: null },
      ],
    );
    expect(csv).toBe('\uFEFFname,value\r\n"a, ""b""",-3.5\r\n"\'=HYPERLINK(""x"")",1\r\n"line\nbreak",\r\n');
  });

  it('writes a FeatureCollection of points, a row without a place as a null geometry', () => {
    expect(
      toGeoJson([
        { values: { a: 1 }, lngLat: [114.3, 30.6] },
        { values: { a: 2 }, lngLat: null },
      ]),
    ).toEqual({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [114.3, 30.6] }, properties: { a: 1 } },
        { type: 'Feature', geometry: null, properties: { a: 2 } },
      ],
    });
  });
});
