import { describe, expect, it } from 'vitest';
import { generateCity } from '../../../twin-model/city/index.ts';
import type { ResponseUnit, SensorEntry } from '../../../twin-model/index.ts';
import {
  cityCandidates,
  incidentCandidate,
  normalize,
  search,
  sensorCandidate,
  unitCandidate,
  type SearchCandidate,
} from './search-index.ts';

const city = generateCity({ sensorCount: 50 });
const things = cityCandidates(city);

function sensor(id: string, name: string | null, kind: SensorEntry['kind'] = 'water_level'): SensorEntry {
  return { id, name, kind, lng: 114.3, lat: 30.6, district: '420103' } as SensorEntry;
}

const kinds = (hits: { kind: string }[]) => hits.map((h) => h.kind);

describe('search', () => {
  it('finds a district by its zh-CN name, its English name (any case) and its code', () => {
    for (const q of ['江汉区', 'jianghan', 'JiangHan', '420103']) {
      const { hits } = search(things, q, 5);
      expect(hits[0]?.kind, q).toBe('district');
      expect(hits[0]?.nameZh, q).toBe('江汉区');
      expect(hits[0]?.bbox, q).not.toBeNull();
    }
  });

  it('finds a road by name, with its line to highlight (thinned) and its extent', () => {
    const road = city.roads.find((r) => r.nameZh.length >= 3)!;
    const { hits } = search(things, road.nameZh, 5);
    const hit = hits.find((h) => h.id === road.id)!;
    expect(hit.kind).toBe('road');
    expect(hit.lines?.[0]?.length).toBeGreaterThan(1);
    expect(hit.lines!.flat().length).toBeLessThanOrEqual(401 * hit.lines!.length);
    expect(hit.bbox![0]).toBeLessThanOrEqual(hit.bbox![2]);
  });

  it('finds an asset by part of its name, in either language', () => {
    const asset = city.assets.find((a) => a.nameEn.includes(' '))!;
    const word = asset.nameEn.split(' ')[1]!;
    expect(search(things, asset.nameZh, 50).hits.map((h) => h.id)).toContain(asset.id);
    expect(search(things, `${asset.nameEn.split(' ')[0]} ${word}`, 50).hits.map((h) => h.id)).toContain(asset.id);
  });

  it('ranks a whole match over a start over a word start over inside, then by kind', () => {
    const named = (id: string, nameEn: string): SearchCandidate => sensorCandidate(sensor(id, nameEn), nameEn)!;
    const cands = [named('s-3', 'East pump'), named('s-2', 'Pumping hall'), named('s-4', 'Sump'), named('s-1', 'Pump')];
    expect(search(cands, 'pump', 10).hits.map((h) => h.id)).toEqual(['s-1', 's-2', 's-3']);
    // All inside a word: the shorter name first.
    expect(search(cands, 'ump', 10).hits.map((h) => h.id)).toEqual(['s-1', 's-4', 's-3', 's-2']);
  });

  it('needs every word to match, scores the kind and the place lower than the name', () => {
    const gauge = sensorCandidate(sensor('wl-1', '建设大道下穿'), 'Jianshe Avenue underpass')!;
    expect(search([gauge], 'jianshe underpass', 5).hits).toHaveLength(1);
    expect(search([gauge], 'jianshe tunnel', 5).hits).toHaveLength(0);
    // By its kind's label only: found, but below a thing named so.
    const named = sensorCandidate(sensor('x-1', '积水监测'), 'Water level')!;
    expect(search([gauge, named], '积水监测', 5).hits.map((h) => h.id)).toEqual(['x-1', 'wl-1']);
  });

  it('finds incidents by type name and by place, and units by name and id', () => {
    const inc = { id: 'inc-000042', type: 'waterlogging' as const, district: '420103', lng: 114.3, lat: 30.6 };
    const c = incidentCandidate(inc, ['江汉区', 'Jianghan']);
    expect(search([c], '积水', 5).hits[0]?.nameEn).toBe('Waterlogging');
    expect(search([c], 'jianghan', 5).hits[0]?.id).toBe('inc-000042');
    expect(search([c], 'inc-000042', 5).hits[0]?.kind).toBe('incident');
    const unit = {
      id: 'pump-07',
      kind: 'pump_team',
      nameZh: '江汉排水7队',
      nameEn: 'Jianghan pump team 7',
      lng: 114.3,
      lat: 30.6,
    } as ResponseUnit;
    expect(kinds(search([unitCandidate(unit)], 'pump team 7', 5).hits)).toEqual(['unit']);
    expect(kinds(search([unitCandidate(unit)], 'PUMP-07', 5).hits)).toEqual(['unit']);
  });

  it('returns nothing for a blank query, caps the hits and says so', () => {
    expect(search(things, '   ', 5)).toEqual({ hits: [], truncated: false });
    const many = search(things, '区', 3);
    expect(many.hits).toHaveLength(3);
    expect(many.truncated).toBe(true);
  });

  it('normalises full-width letters and spaces', () => {
    expect(normalize('  ＪＩＡＮＧ　Han ')).toBe('jiang han');
  });

  it('leaves out a sensor without a position (nowhere to fly)', () => {
    expect(sensorCandidate({ ...sensor('s', 'x'), lng: null, lat: null }, null)).toBeNull();
  });
});
