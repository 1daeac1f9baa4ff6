import { describe, expect, it } from 'vitest';
import { sourceFamilyLabel } from '../i18n/incident-labels.ts';
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
  const zh = (eventType: string | undefined) => sourceFamilyLabel(eventType, 'zh');
  const en = (eventType: string | undefined) => sourceFamilyLabel(eventType, 'en');
  const ts = Date.UTC(2026, 11, 5, 14, 38, 28);

  it('names the source and the time, not the raw reference', () => {
    const ref = evidenceReference({ id: 'event:field-staff:walk-10', source: 'field-staff', ts }, sourceName, clock, zh);
    expect(ref.text).toBe('外勤人员 · 14:38:28');
    expect(ref.text).not.toContain('walk-10');
    expect(ref.title).toBe('event:field-staff:walk-10');
  });

  it('reads the source from the id when the evidence does not carry it', () => {
    expect(evidenceReference({ id: 'event:field-staff:walk-10', ts }, sourceName, clock, zh).text).toBe('外勤人员 · 14:38:28');
  });

  it("names a source the city does not register by its report's family in the page's language, the raw id only in the title", () => {
    const manual = { id: 'event:crew-app:r-7', source: 'crew-app', ts, eventType: 'manual_report' };
    expect(evidenceReference(manual, sourceName, clock, zh)).toEqual({ text: '外勤人员 · 14:38:28', title: 'event:crew-app:r-7' });
    expect(evidenceReference(manual, sourceName, clock, en).text).toBe('Field staff · 14:38:28');
    const hotline = { id: 'event:city-hotline:c-7', ts, eventType: 'citizen_report' };
    expect(evidenceReference(hotline, sourceName, clock, zh).text).toBe('市民热线 · 14:38:28');
    expect(evidenceReference(hotline, sourceName, clock, en).text).toBe('Citizen hotline · 14:38:28');
    const untyped = evidenceReference({ id: 'event:odd-feed:1', ts }, sourceName, clock, en);
    expect(untyped.text).toBe('Unregistered source · 14:38:28');
    expect(untyped.text).not.toContain('odd-feed');
    expect(evidenceReference({ id: 'event:odd-feed:1', ts, eventType: 'newer_type' }, sourceName, clock, zh).text).toBe(
      '未登记来源 · 14:38:28',
    );
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

  it('leaves out the sources the city does not register (listed under their raw id), and never lets one shadow an alias', () => {
    const names = sourceNamesByEventName([
      { id: 'field-staff', nameZh: 'field-staff', nameEn: 'field-staff', registered: false },
      { id: 'aihub-video', nameZh: 'aihub-video', nameEn: 'aihub-video', registered: false },
      {
        id: 'dsj.video-algorithms',
        nameZh: '算法超市视频识别',
        nameEn: 'Algorithm marketplace video detections',
        eventSources: ['aihub-video'],
        registered: true,
      },
    ]);
    expect(names.has('field-staff')).toBe(false);
    expect(names.get('aihub-video')).toEqual({ zh: '算法超市视频识别', en: 'Algorithm marketplace video detections' });
  });
});
