import { describe, expect, it } from 'vitest';
import { DATASETS } from '../../server/open-data/catalogue.ts';
import { cellText, columnHead, fieldType, fieldUnit } from './open-cells.ts';

const air = DATASETS.find((d) => d.id === 'air-quality-hourly')!;
const field = (name: string) => air.fields.find((f) => f.name === name)!;
const districts = [{ code: '420102', nameZh: '江岸区', nameEn: 'Jiang’an' }];
const row = { hour: '2026-12-05T06:00:00.000Z', district: '420102', metric: 'pm25', mean: 15.5, max: 21, sensors: 3 };

describe('the open-data preview in words', () => {
  it('heads every column of every dataset in the page’s language, never with a field’s name', () => {
    for (const d of DATASETS)
      for (const f of d.fields) {
        const zh = columnHead(f, 'zh');
        expect(zh, f.name).not.toBe(f.name);
        expect(zh, f.name).toMatch(/[\u4e00-\u9fff]/);
        expect(columnHead(f, 'en'), f.name).toMatch(/^[A-Z][a-z ]+$/);
      }
    expect(columnHead(field('district'), 'zh')).toBe('行政区');
    expect(columnHead(field('mean'), 'en')).toBe('Mean');
    for (const d of DATASETS) for (const f of d.fields) expect(fieldType(f, 'zh'), f.type).toMatch(/^[\u4e00-\u9fff]+$/);
  });

  it('writes values with their metric’s unit as the console does, and the hour on the city’s clock', () => {
    expect(cellText(row, field('mean'), 'zh', 'Asia/Shanghai', districts)).toBe('15.5 µg/m³');
    expect(cellText({ ...row, metric: 'aqi', mean: 48 }, field('mean'), 'en', 'Asia/Shanghai', districts)).toBe('48');
    expect(cellText(row, field('hour'), 'zh', 'Asia/Shanghai', districts)).toBe('2026-12-05 14:00');
    expect(cellText(row, field('district'), 'en', 'Asia/Shanghai', districts)).toBe('Jiang’an');
    expect(cellText(row, field('metric'), 'zh', 'Asia/Shanghai', districts)).not.toBe('pm25');
    expect(cellText(row, field('sensors'), 'zh', 'Asia/Shanghai', districts)).toBe('3');
    const stations = DATASETS.find((d) => d.id === 'monitoring-stations')!;
    const lng = stations.fields.find((f) => f.name === 'lng')!;
    expect(cellText({ lng: 114.30512 }, lng, 'zh', 'Asia/Shanghai')).toBe('114.30512');
    const kind = stations.fields.find((f) => f.name === 'kind')!;
    expect(cellText({ kind: 'air_quality' }, kind, 'en', 'Asia/Shanghai')).not.toBe('air_quality');
  });

  it('says a field’s units go by metric instead of listing unit codes, in its description too', () => {
    expect(fieldUnit(field('mean'), 'zh', '随指标')).toBe('随指标');
    for (const d of DATASETS)
      for (const f of d.fields) {
        for (const text of [f.descriptionZh, f.descriptionEn]) expect(text, `${d.id}.${f.name}`).not.toMatch(/ug\/m3|\b1, |mm\/h/);
      }
  });
});
