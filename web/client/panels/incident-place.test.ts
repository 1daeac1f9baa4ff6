import { describe, expect, it } from 'vitest';
import { incidentPlace } from './incident-place.ts';

const districts = new Map([['420105', '汉阳区']]);
const assets = new Map([['upass-420105-04', '汉阳区下穿通道 04']]);
const districtName = (code: string | null) => (code ? (districts.get(code) ?? null) : null);
const assetName = (id: string | null) => (id ? (assets.get(id) ?? null) : null);

describe('where an incident is, in words', () => {
  it('names its asset, not the asset’s id', () => {
    const at = { district: '420105', assetId: 'upass-420105-04', lng: 114.2, lat: 30.5 };
    expect(incidentPlace(at, districtName, assetName)).toBe('汉阳区 · 汉阳区下穿通道 04');
  });

  it('keeps the codes while the names are not known, and the coordinates when there are none', () => {
    expect(incidentPlace({ district: '420199', assetId: 'bridge-9', lng: 114.2, lat: 30.5 }, districtName, assetName)).toBe(
      '420199 · bridge-9',
    );
    expect(incidentPlace({ district: null, assetId: null, lng: 114.2, lat: 30.5 }, districtName, assetName)).toBe('114.200, 30.500');
  });
});
