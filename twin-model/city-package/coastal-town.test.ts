import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RIVER_TOWN_DIR } from '../../test/support/make-city-fixtures.ts';
import { DEFAULT_CASE_SLA, caseRoutingOf, caseRules, routeCase } from '../cases/index.ts';
import { cityProjection } from '../city/local-projection.ts';
import {
  checkCityPackage,
  formatReport,
  loadCityPackage,
  modelFromPackage,
  readPackageFiles,
  validateCityPackage,
  type PackageFiles,
} from './index.ts';

/** The worked example of docs/city-packages.md: a coastal town on Asia/Kolkata, written by hand. */
const COASTAL_TOWN_DIR = join(RIVER_TOWN_DIR, '..', 'coastal-town');

/** The example read from disk, with some files' text changed. */
function coastalTown(change: (path: string, text: string) => string = (_p, t) => t): PackageFiles {
  const pkg = readPackageFiles(COASTAL_TOWN_DIR);
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of pkg.files) files.set(path, new TextEncoder().encode(change(path, new TextDecoder().decode(bytes))));
  return { origin: 'coastal-town', files };
}

describe('the coastal-town example package (docs/city-packages.md)', () => {
  it('passes the check without a warning', () => {
    const report = checkCityPackage(COASTAL_TOWN_DIR);
    expect(report.problems).toEqual([]);
    expect(report.summary).toMatchObject({ districts: 3, sources: 4, sensors: 30, units: 5, declaredKinds: 1, largestComponentNodes: 28 });
    expect(formatReport(report)).toMatch(/OK \(0 warnings\)\n$/);
  });

  it('loads with its own zone, districts, departments, register and rules', () => {
    const city = loadCityPackage(COASTAL_TOWN_DIR);
    expect(city).toMatchObject({ source: 'package', id: 'porto-salgado', timezone: 'Asia/Kolkata', center: [73.25, 17.25] });
    expect(city.districts.map((d) => [d.code, d.nameEn])).toEqual([
      ['ribeira', 'Ribeira'],
      ['centro', 'Centro'],
      ['alto', 'Alto'],
    ]);
    expect(new Set(city.sources.map((s) => s.departmentEn))).toEqual(new Set(['Water Authority', 'Environment Office']));
    const kinds = [...city.sensorSites, ...(city.declaredSensorSites ?? [])].map((s) => s.kind);
    expect(new Set(kinds)).toEqual(new Set(['rain_gauge', 'water_level', 'air_quality', 'tide_gauge']));
    expect(kinds).toHaveLength(30);
    expect(city.units?.map((u) => u.id)).toEqual(['pump-1', 'pump-2', 'fire-1', 'amb-1', 'pol-1']);
    const alarms = city.rules!.alarms as Record<string, { metrics: Array<{ metric: string }> }>;
    expect(alarms.tide_gauge?.metrics[0]?.metric).toBe('tide_level_cm');
    expect(Object.keys(city.rules?.incidents ?? {})).toEqual(['waterlogging.json']);
    const underpass = city.assets.find((a) => a.id === 'up-ribeira')!;
    expect(city.graph.edges[underpass.edgeId!]?.underpass).toBe(true);
  });

  it("routes hotline cases to the town's own departments by its rules/cases.json", () => {
    const city = loadCityPackage(COASTAL_TOWN_DIR);
    expect(city.rules?.cases).toMatchObject({ fallback: '水务局' });
    const rules = caseRules({
      timeZone: city.timezone!,
      sources: city.sources,
      districts: city.districts.map((d) => d.code),
      routing: caseRoutingOf(city, 'hotline-12345'),
      sla: DEFAULT_CASE_SLA,
    });
    expect(rules.departments).toEqual(['水务局', '环境局']);
    expect(routeCase(rules.routing, 'waterlogging', 'ribeira')).toEqual({ department: '水务局', match: 'category' });
    expect(routeCase(rules.routing, 'pollution', 'centro')).toEqual({ department: '环境局', match: 'category' });
    expect(routeCase(rules.routing, 'other', 'alto')).toEqual({ department: '环境局', match: 'district' });
    expect(routeCase(rules.routing, 'other', 'ribeira')).toEqual({ department: '水务局', match: 'fallback' });
  });

  it('refuses a case routing table naming a department or district the town does not have', () => {
    const { report } = validateCityPackage(
      coastalTown((path, text) =>
        path === 'rules/cases.json'
          ? text
              .replace('"category": "noise", "department": "环境局"', '"category": "noise", "department": "港务局"')
              .replace('"district": "alto"', '"district": "420102"')
          : text,
      ),
    );
    const problem = report.problems.find((p) => p.file === 'rules/cases.json');
    expect(problem).toMatchObject({ severity: 'error', code: 'invalid_rule' });
    expect(problem?.message).toContain(
      'rules.2.department: "港务局" is not a department of the source catalogue; departments are "水务局", "环境局"',
    );
    expect(problem?.message).toContain('rules.4.district: "420102" is not a district of the city');
    expect(report.ok).toBe(false);
  });

  it('broken six ways at once, is refused with every problem named', () => {
    const broken = coastalTown((path, text) => {
      if (path === 'city.json') return text.replace('"Asia/Kolkata"', '"Asia/Calcutta+1"');
      if (path === 'districts.geojson')
        return text
          .replace('"id":"alto",', '') // a required field missing
          .replace('[73.255,17.255],[73.245,17.255],[73.245,17.245]]', '[73.255,17.255]]'); // an open ring of 3 positions
      if (path === 'sensors.csv') return text.replace('aq-6,air_quality,', 'aq-6,air_qualty,').replace('rg-3,', 'rg-2,');
      if (path === 'rules/alarms.json') return text.replace('"metric": "tide_level_cm"', '"metric": "tide_cm"');
      return text;
    });
    const { report, parsed } = validateCityPackage(broken);
    expect(parsed).toBeNull();
    const errors = report.problems.filter((p) => p.severity === 'error');
    const named = (code: string, file: string, field: string) =>
      errors.find((p) => p.code === code && p.file === file && p.field === field);
    expect(named('invalid_timezone', 'city.json', 'timezone')?.value).toContain('Asia/Calcutta+1');
    expect(named('invalid_value', 'districts.geojson', 'properties.id')?.feature).toBe(2);
    expect(named('invalid_geometry', 'districts.geojson', 'geometry.coordinates[0]')?.feature).toBe(1);
    expect(named('unknown_sensor_kind', 'sensors.csv', 'kind')).toMatchObject({ line: 23, value: expect.stringContaining('air_qualty') });
    expect(named('duplicate_id', 'sensors.csv', 'id')).toMatchObject({ line: 4, value: expect.stringContaining('rg-2') });
    expect(named('invalid_rule', 'rules/alarms.json', 'tide_gauge.metrics.0.metric')?.message).toMatch(/allowed: tide_level_cm/);
    expect(formatReport(report)).toMatch(/NOT LOADABLE: \d+ errors/);
  });
});

/**
 * The example moved `dLng` degrees east (every position of its GeoJSON files, city.json and the
 * registers), longitudes past 180° written from −180° as GeoJSON has them; then `change`.
 */
function shiftedTown(dLng: number, change: (path: string, text: string) => string = (_p, t) => t): PackageFiles {
  const lng = (x: number): number => {
    const v = Math.round((x + dLng) * 1e6) / 1e6;
    return v > 180 ? Math.round((v - 360) * 1e6) / 1e6 : v;
  };
  const move = (c: unknown): unknown =>
    Array.isArray(c) && typeof c[0] === 'number' ? [lng(c[0]), ...c.slice(1)] : Array.isArray(c) ? c.map(move) : c;
  return coastalTown((path, text) => {
    let out = text;
    if (path.endsWith('.geojson')) {
      const fc = JSON.parse(text) as { features: Array<{ geometry: { coordinates: unknown } }> };
      for (const f of fc.features) f.geometry.coordinates = move(f.geometry.coordinates);
      out = JSON.stringify(fc);
    } else if (path === 'city.json') {
      const city = JSON.parse(text) as { center: unknown };
      city.center = move(city.center);
      out = JSON.stringify(city);
    } else if (path === 'sensors.csv' || path === 'units.csv') {
      // lng is the third column of both.
      out = text.replace(/^([^,\n]*,[^,\n]*,)(-?[0-9.]+)/gm, (_m, head: string, x: string) => `${head}${lng(Number(x))}`);
    }
    return change(path, out);
  });
}

describe('a town at ±180° longitude', () => {
  it('loads on one side of it (179.97° E to 179.9985° E) and measures as it does at 73° E', () => {
    const near = shiftedTown(106.7335);
    const { report, parsed } = validateCityPackage(near);
    expect(report.problems).toEqual([]);
    const city = modelFromPackage(parsed!);
    expect(city.districts.map((d) => d.code)).toEqual(['ribeira', 'centro', 'alto']);
    expect(city.bbox[0]).toBeCloseTo(179.9685, 6);
    expect(city.bbox[2]).toBeCloseTo(179.9985, 6);
    // The same town at 73° E: the same river surface and road lengths.
    const home = loadCityPackage(COASTAL_TOWN_DIR);
    const riverKm2 = (m: typeof city) => cityProjection(m).polygonAreaKm2(m.rivers[0]!.polygon);
    expect(riverKm2(city)).toBeCloseTo(riverKm2(home), 6);
    expect(city.graph.edges.map((e) => e.lengthM.toFixed(3))).toEqual(home.graph.edges.map((e) => e.lengthM.toFixed(3)));
  });

  it('refuses a sensor that lies across ±180° from a town ending near it', () => {
    const near = shiftedTown(106.7335, (path, text) =>
      path === 'sensors.csv' ? `${text}far-1,rain_gauge,-179.999,17.25,water.rain,远,Far,,\n` : text,
    );
    const { report, parsed } = validateCityPackage(near);
    expect(parsed).toBeNull();
    expect(report.problems).toMatchObject([
      { severity: 'error', code: 'crosses_antimeridian', file: 'sensors.csv', line: 32, field: 'lng,lat', value: '[-179.999,17.25]' },
    ]);
  });

  it('refuses districts across it with one problem naming them, and still names every other problem', () => {
    const across = shiftedTown(106.75123, (path, text) => {
      if (path !== 'sensors.csv') return text;
      return `${text.replace('aq-6,air_quality,', 'aq-6,air_qualty,')}far-1,rain_gauge,179.5,17.25,water.rain,远,Far,,\n`;
    });
    const { report, parsed } = validateCityPackage(across);
    expect(parsed).toBeNull();
    expect(report.problems.map((p) => `${p.severity} ${p.code} ${p.file}:${p.line ?? p.feature} ${p.field}`)).toEqual([
      'error crosses_antimeridian districts.geojson:1 geometry.coordinates',
      'error unknown_sensor_kind sensors.csv:23 kind',
      'error outside_extent sensors.csv:32 lng,lat',
    ]);
    const [antimeridian] = report.problems;
    expect(antimeridian?.message).toContain(
      'across it: centro; east longitudes (up to 180° E): ribeira; west longitudes (from 180° W): alto',
    );
    expect(antimeridian?.message).toContain('is not supported');
    expect(formatReport(report)).toMatch(/NOT LOADABLE: 3 errors, 0 warnings\n$/);
  });
});
