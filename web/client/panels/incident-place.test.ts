import { describe, expect, it } from 'vitest';
import { evidenceReference, incidentPlace, sourceNamesByEventName } from './incident-place.ts';

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

describe('an evidence reference, in words', () => {
  const sources = new Map([['field-staff', '外勤人员']]);
  const sourceName = (id: string) => sources.get(id) ?? null;
  const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  const ts = Date.UTC(2026, 11, 5, 14, 38, 28);

  it('names the source and the time, not the raw reference', () => {
    const ref = evidenceReference({ id: 'event:field-staff:walk-10', source: 'field-staff', ts }, sourceName, clock);
    expect(ref).toBe('外勤人员 · 14:38:28');
    expect(ref).not.toContain('walk-10');
  });

  it('reads the source from the id when the evidence does not carry it, and keeps the id while the name is unknown', () => {
    expect(evidenceReference({ id: 'event:field-staff:walk-10', ts }, sourceName, clock)).toBe('外勤人员 · 14:38:28');
    expect(evidenceReference({ id: 'event:city-hotline:c-7', ts }, sourceName, clock)).toBe('city-hotline · 14:38:28');
  });
});

describe('sources named by the names their reports arrive under', () => {
  it('names a report that arrives under a gateway name after the source that declares it', () => {
    const names = sourceNamesByEventName([
      { id: 'hotline.12345-cases', nameZh: '12345 热线工单', nameEn: '12345 hotline cases', eventSources: ['hotline-12345'] },
      { id: 'hydro.rain', nameZh: '雨量监测网', nameEn: 'Rain gauge network' },
    ]);
    expect(names.get('hotline-12345')).toEqual({ zh: '12345 热线工单', en: '12345 hotline cases' });
    expect(names.get('hotline.12345-cases')?.en).toBe('12345 hotline cases');
    expect(names.get('hydro.rain')?.zh).toBe('雨量监测网');
    expect(names.has('field-staff')).toBe(false);
  });
});
