import { describe, expect, it } from 'vitest';
import { generateCity } from './generate-city.ts';
import { districtAt, haversineM, isOnLand, isOnWater } from './city-queries.ts';
import { polygonAreaKm2 } from './geometry.ts';
import { CLASSIFICATIONS, ID_PATTERN, SENSOR_KINDS } from '../vocabulary.ts';

// One default model for the read-only checks (generation takes a fraction of a second).
const city = generateCity();

const EXPECTED_DISTRICTS: Array<[string, string, string]> = [
  ['420102', '江岸区', "Jiang'an"],
  ['420103', '江汉区', 'Jianghan'],
  ['420104', '硚口区', 'Qiaokou'],
  ['420105', '汉阳区', 'Hanyang'],
  ['420106', '武昌区', 'Wuchang'],
  ['420107', '青山区', 'Qingshan'],
  ['420111', '洪山区', 'Hongshan'],
  ['420112', '东西湖区', 'Dongxihu'],
  ['420113', '汉南区', 'Hannan'],
  ['420114', '蔡甸区', 'Caidian'],
  ['420115', '江夏区', 'Jiangxia'],
  ['420116', '黄陂区', 'Huangpi'],
  ['420117', '新洲区', 'Xinzhou'],
];

describe('generateCity determinism', () => {
  it('gives an identical model for the same seed', () => {
    const again = generateCity();
    expect(JSON.stringify(again)).toEqual(JSON.stringify(city));
  });

  it('gives different sensor sites and streets for a different seed, with the same geography', () => {
    const other = generateCity({ seed: 7 });
    expect(other.seed).toBe(7);
    expect(JSON.stringify(other.districts)).toEqual(JSON.stringify(city.districts));
    expect(JSON.stringify(other.roads)).toEqual(JSON.stringify(city.roads));
    const positions = (m: typeof city): string => m.sensorSites.map((s) => `${s.lng},${s.lat}`).join(';');
    expect(positions(other)).not.toEqual(positions(city));
    expect(other.graph.nodes.length).not.toEqual(0);
  });
});

describe('generateCity options', () => {
  it('rejects bad options, quoting the value', () => {
    expect(() => generateCity({ sensorCount: -1 })).toThrow(/sensorCount .* got -1/);
    expect(() => generateCity({ sensorCount: 1.5 })).toThrow(/got 1.5/);
    expect(() => generateCity({ seed: Number.NaN })).toThrow(/seed .* got NaN/);
  });

  it('honours sensorCount exactly, with every kind present once the budget allows', () => {
    const small = generateCity({ sensorCount: 11 });
    expect(small.sensorSites).toHaveLength(11);
    expect(new Set(small.sensorSites.map((s) => s.kind))).toEqual(new Set(SENSOR_KINDS));
    expect(generateCity({ sensorCount: 0 }).sensorSites).toHaveLength(0);
  });
});

describe('districts and geography', () => {
  it('has the 13 districts with their GB/T 2260 codes and names', () => {
    expect(city.districts.map((d) => [d.code, d.nameZh, d.nameEn])).toEqual(EXPECTED_DISTRICTS);
    for (const d of city.districts) {
      expect(d.schematic).toBe(true);
      expect(d.polygons.length).toBeGreaterThan(0);
      expect(districtAt(city, d.seat[0], d.seat[1])?.code).toBe(d.code);
    }
  });

  it('draws the 7 central districts small and the 6 outer ones large', () => {
    const area = (code: string): number =>
      city.districts.find((d) => d.code === code)?.polygons.reduce((s, p) => s + polygonAreaKm2(p), 0) ?? 0;
    const central = ['420102', '420103', '420104', '420105', '420106', '420107'];
    const outer = ['420112', '420113', '420114', '420115', '420116', '420117'];
    const largestCentral = Math.max(...central.map(area));
    for (const code of outer) expect(area(code)).toBeGreaterThan(largestCentral);
  });

  it('keeps the outline within the design extent', () => {
    const [w, s, e, n] = city.bbox;
    expect(w).toBeCloseTo(113.7, 1);
    expect(s).toBeCloseTo(29.97, 1);
    expect(e).toBeCloseTo(115.08, 1);
    expect(n).toBeCloseTo(31.36, 1);
  });

  it('draws plausible lakes and rivers', () => {
    const lake = (id: string): number => city.lakes.find((l) => l.id === id)?.areaKm2 ?? 0;
    expect(lake('east-lake')).toBeCloseTo(33, 0);
    expect(lake('tangxun-lake')).toBeCloseTo(47, 0);
    expect(city.lakes.map((l) => l.id)).toEqual(
      expect.arrayContaining(['south-lake', 'sha-lake', 'moshui-lake', 'houguan-lake', 'liangzi-lake']),
    );
    expect(isOnWater(city, 114.415, 30.568)).toBe(true); // East Lake
    expect(isOnWater(city, 114.289, 30.551)).toBe(true); // Yangtze at the first bridge
    const yangtze = city.rivers.find((r) => r.id === 'yangtze');
    const han = city.rivers.find((r) => r.id === 'han');
    expect(yangtze?.widthM).toBeGreaterThanOrEqual(1100);
    expect(yangtze?.widthM).toBeLessThanOrEqual(1600);
    expect(han?.widthM).toBeGreaterThanOrEqual(200);
    expect(han?.widthM).toBeLessThanOrEqual(400);
  });

  it('has the five functional zones', () => {
    expect(city.zones.map((z) => z.nameZh)).toEqual(['东湖高新区', '武汉经开区', '临空港经开区', '东湖风景区', '长江新区']);
  });

  it('keeps every trunk road on land except where it is a bridge or tunnel', () => {
    for (const road of city.roads) {
      for (const [lng, lat] of road.line) {
        const onBridgeOrTunnel = road.roadClass === 'bridge' || road.roadClass === 'tunnel';
        if (!onBridgeOrTunnel) expect(isOnLand(city, lng, lat), `${road.id} at ${lng},${lat}`).toBe(true);
      }
    }
  });
});

describe('sensor sites', () => {
  it('has every sensor kind with at least 20 sites by default', () => {
    expect(city.sensorSites).toHaveLength(3000);
    for (const kind of SENSOR_KINDS) {
      expect(city.sensorSites.filter((s) => s.kind === kind).length, kind).toBeGreaterThanOrEqual(20);
    }
  });

  it('puts every site on land, inside the outline, in the district districtAt() gives', () => {
    const wrong = city.sensorSites.filter((s) => !isOnLand(city, s.lng, s.lat) || districtAt(city, s.lng, s.lat)?.code !== s.district);
    expect(wrong.map((s) => s.id)).toEqual([]);
  });

  it('gives unique, valid ids, registered sources and lowness in 0..1', () => {
    const ids = city.sensorSites.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const sources = new Set(city.sources.map((s) => s.id));
    for (const s of city.sensorSites) {
      expect(s.id).toMatch(ID_PATTERN);
      expect(s.id).toMatch(/^[a-z]{2}-\d{6}-\d{4}$/);
      expect(sources.has(s.sourceId), s.sourceId).toBe(true);
      expect(s.lowness).toBeGreaterThanOrEqual(0);
      expect(s.lowness).toBeLessThanOrEqual(1);
      expect(s.nameZh.length).toBeGreaterThan(0);
      expect(s.nameEn.length).toBeGreaterThan(0);
    }
  });

  it('watches every underpass with a water-level site on its flagged edge, low-lying', () => {
    const underpasses = city.assets.filter((a) => a.kind === 'underpass');
    expect(underpasses.length).toBeGreaterThanOrEqual(20);
    for (const u of underpasses) {
      const site = city.sensorSites.find((s) => s.kind === 'water_level' && s.assetId === u.id);
      expect(site, u.id).toBeDefined();
      expect(site?.lowness).toBeGreaterThanOrEqual(0.75);
      expect(city.graph.edges[u.edgeId ?? -1]?.underpass).toBe(true);
    }
  });

  it('counts traffic on every bridge and tunnel, and every traffic site names its road', () => {
    const traffic = city.sensorSites.filter((s) => s.kind === 'traffic_flow');
    const roadIds = new Set(city.roads.map((r) => r.id));
    for (const s of traffic) expect(roadIds.has(s.roadId ?? ''), s.id).toBe(true);
    for (const road of city.roads.filter((r) => r.roadClass === 'bridge' || r.roadClass === 'tunnel')) {
      expect(
        traffic.some((s) => s.roadId === road.id),
        road.id,
      ).toBe(true);
    }
  });

  it('ties substation, hospital, metro and service-hall sites to assets of the right kind', () => {
    const assets = new Map(city.assets.map((a) => [a.id, a]));
    const expected = {
      power_substation: 'substation',
      hospital_ed: 'hospital',
      metro_station: 'metro_station',
      service_hall: 'service_hall',
    } as const;
    for (const [kind, assetKind] of Object.entries(expected)) {
      for (const s of city.sensorSites.filter((x) => x.kind === kind)) {
        expect(assets.get(s.assetId ?? '')?.kind, s.id).toBe(assetKind);
      }
    }
  });

  it('puts more sites per km² in the core than in the outer districts', () => {
    const density = (codes: string[]): number => {
      const n = city.sensorSites.filter((s) => codes.includes(s.district)).length;
      const area = city.districts
        .filter((d) => codes.includes(d.code))
        .reduce((sum, d) => sum + d.polygons.reduce((a, p) => a + polygonAreaKm2(p), 0), 0);
      return n / area;
    };
    expect(density(['420102', '420103', '420104', '420106'])).toBeGreaterThan(10 * density(['420115', '420116', '420117']));
  });
});

describe('assets and sources', () => {
  it('snaps every asset to a graph node within 300 m, with unique valid ids', () => {
    const ids = city.assets.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of city.assets) {
      expect(a.id).toMatch(ID_PATTERN);
      const node = city.graph.nodes[a.nodeId];
      expect(node, a.id).toBeDefined();
      if (node) expect(haversineM(node, [a.lng, a.lat]), a.id).toBeLessThanOrEqual(300);
      expect(isOnLand(city, a.lng, a.lat), a.id).toBe(true);
      expect(districtAt(city, a.lng, a.lat)?.code, a.id).toBe(a.district);
    }
  });

  it('has every asset kind in every district, synthetic except the landmarks', () => {
    const kinds = ['hospital', 'fire_station', 'pump_depot', 'police_station', 'metro_station', 'camera', 'substation', 'service_hall'];
    for (const d of city.districts) {
      for (const kind of kinds) {
        expect(
          city.assets.some((a) => a.district === d.code && a.kind === kind),
          `${d.code} ${kind}`,
        ).toBe(true);
      }
    }
    const real = city.assets.filter((a) => !a.synthetic).map((a) => a.nameZh);
    expect(real).toEqual(expect.arrayContaining(['汉口站', '武昌站', '武汉站', '天河机场']));
  });

  it('registers about 25 sources with departments and classifications', () => {
    expect(city.sources.length).toBeGreaterThanOrEqual(20);
    const ids = city.sources.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of city.sources) {
      expect(s.id).toMatch(ID_PATTERN);
      expect(CLASSIFICATIONS).toContain(s.classification);
      expect(s.departmentZh.length * s.departmentEn.length).toBeGreaterThan(0);
    }
    const byKind = (kind: string): Set<string> => new Set(city.sensorSites.filter((s) => s.kind === kind).map((s) => s.sourceId));
    const classOf = (id: string): string | undefined => city.sources.find((s) => s.id === id)?.classification;
    for (const id of [...byKind('hospital_ed'), ...byKind('city_code')]) expect(classOf(id)).toBe('sensitive');
    for (const id of byKind('rain_gauge')) expect(classOf(id)).toBe('public');
  });
});
