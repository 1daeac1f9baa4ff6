import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { RIVER_TOWN_DIR, at, riverTownFiles } from '../../test/support/make-city-fixtures.ts';
import { nearestNode } from '../city/index.ts';
import { RoadRouter, generateFleet } from '../dispatch/index.ts';
import { ruleSetsOfCity } from '../rules/city-rules.ts';
import {
  CityPackageError,
  checkCityPackage,
  formatReport,
  loadCityPackage,
  readPackageFiles,
  validateCityPackage,
  type PackageFiles,
  type PackageProblem,
} from './index.ts';

const BROKEN_DIR = join(RIVER_TOWN_DIR, '..', 'broken');
const scratch = mkdtempSync(join(tmpdir(), 'city-package-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The river town in memory, with some files replaced (a string) or removed (null). */
function riverTown(changes: Record<string, string | null> = {}): PackageFiles {
  const files = new Map<string, Uint8Array>();
  for (const [path, text] of riverTownFiles()) files.set(path, new TextEncoder().encode(text));
  for (const [path, text] of Object.entries(changes)) {
    if (text === null) files.delete(path);
    else files.set(path, new TextEncoder().encode(text));
  }
  return { origin: 'river-town', files };
}

const codes = (problems: readonly PackageProblem[]) =>
  problems.map((p) =>
    `${p.severity} ${p.code} ${p.file}${p.line !== undefined ? `:${p.line}` : ''}${p.feature !== undefined ? `#${p.feature}` : ''} ${p.field ?? ''}`.trim(),
  );

describe('the river-town fixture', () => {
  it('is what the generator script writes (committed files up to date)', () => {
    for (const [path, text] of riverTownFiles()) expect(readFileSync(join(RIVER_TOWN_DIR, path), 'utf8'), path).toBe(text);
  });

  it('passes the check without a warning', () => {
    const report = checkCityPackage(RIVER_TOWN_DIR);
    expect(codes(report.problems)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.summary).toEqual({
      districts: 4,
      roadSegments: 37,
      graphNodes: 100,
      graphEdges: 172,
      oneWayEdges: 8,
      largestComponentNodes: 100,
      assets: 11,
      buildings: 16,
      waterFeatures: 3,
      sources: 10,
      sensors: 31,
      units: 11,
      declaredKinds: 1,
    });
    expect(formatReport(report)).toMatch(/OK \(0 warnings\)\n$/);
  });

  const city = loadCityPackage(RIVER_TOWN_DIR);

  it('loads into a city model with its own ids, time zone, register and vocabulary', () => {
    expect(city).toMatchObject({ source: 'package', id: 'flusstal', timezone: 'Europe/Vienna', zoom: 14, center: at(0, 0) });
    expect(city.districts.map((d) => d.code)).toEqual(['altstadt', 'nordost', 'suedwest', 'bahnhof']);
    expect(city.districts.every((d) => d.schematic === false)).toBe(true);
    expect(city.sensorSites).toHaveLength(26);
    expect(city.declaredSensorSites?.map((s) => s.id)).toEqual(['nz-markt', 'nz-ring-n', 'nz-bahnhof', 'nz-schule', 'nz-ufer-s']);
    expect(city.vocabulary).toEqual([{ kind: 'noise_level', label: { zh: '噪声', en: 'Noise level' }, metrics: { noise_dba: 'dB' } }]);
    expect(new Set(city.sources.map((s) => s.classification))).toEqual(new Set(['public', 'internal', 'sensitive']));
    expect(city.buildings).toHaveLength(16);
    expect(city.buildings!.every((b) => b.heightM >= 9 && b.heightM <= 32)).toBe(true);
    const alarms = city.rules!.alarms as Record<string, { metrics: Array<{ metric: string }> }>;
    expect(alarms.noise_level?.metrics[0]?.metric).toBe('noise_dba');
    expect(Object.keys(city.rules?.incidents ?? {})).toEqual(['waterlogging.json']);
    expect(city.rivers.map((r) => [r.id, r.widthM, r.centreline.length, r.polygon.length])).toEqual([['fluss', 120, 2, 1]]);
    expect(city.lakes.map((l) => l.id)).toEqual(['stadtparkteich']);
    expect(city.sensorSites.find((s) => s.id === 'rg-alt')?.externalIds).toEqual(['urn:dev:ow:10e2073a01080063:']);
    expect(city.declaredSensorSites?.find((s) => s.id === 'nz-bahnhof')?.externalIds).toEqual([
      'urn:dev:ow:10e2073a0108006a:',
      'gw-7/noise-3',
    ]);
  });

  it('crosses the river only on its two bridges', () => {
    const bridges = city.graph.edges.filter((e) => e.bridge);
    expect(bridges.map((e) => e.roadId).sort()).toEqual(['ostbruecke', 'westbruecke']);
    // Every other edge stays on one bank (the river runs along y = 0).
    const { nodes } = city.graph;
    const crossing = city.graph.edges.filter(
      (e) => Math.sign(nodes[e.from]!.lat - at(0, 0)[1]) !== Math.sign(nodes[e.to]!.lat - at(0, 0)[1]),
    );
    expect(crossing).toEqual(bridges);
  });

  it('flags the underpass edge, and its water-level sensor sits on it and floods first', () => {
    const underpass = city.assets.find((a) => a.id === 'up-bahnhof')!;
    const edge = city.graph.edges[underpass.edgeId!]!;
    expect(edge.underpass).toBe(true);
    expect(city.graph.edges.filter((e) => e.underpass)).toEqual([edge]);
    const sensor = city.sensorSites.find((s) => s.id === 'wl-up-bahnhof')!;
    expect(sensor).toMatchObject({ assetId: 'up-bahnhof', edgeId: edge.id, roadId: 'bahnhofstrasse', district: 'bahnhof' });
    expect(sensor.lowness).toBeGreaterThanOrEqual(0.75);
    const rainGauges = city.sensorSites.filter((s) => s.kind === 'rain_gauge');
    expect(rainGauges.every((s) => s.lowness < sensor.lowness)).toBe(true);
  });

  it('routes one-way streets in their direction only: Marktgasse east is a detour (lengths by hand)', () => {
    const router = new RoadRouter(city.graph);
    const node = (x: number, y: number) => {
      const n = nearestNode(city.graph, ...at(x, y));
      expect([n.lng, n.lat]).toEqual(at(x, y));
      return n.id;
    };
    const a = node(-900, 500);
    const b = node(-300, 500);
    // B → A: 600 m west along Marktgasse (one-way westward), residential 30 km/h → 72 s.
    const west = router.route(b, a)!;
    expect(west.lengthM).toBeCloseTo(600, -1);
    expect(west.travelTimeS).toBeCloseTo(600 / (30 / 3.6), -1);
    // A → B may not use Marktgasse: down x = −900 (300 m, 30 km/h), east on Nordufer (600 m,
    // 40 km/h), up x = −300 (300 m, 30 km/h) = 1200 m in 36 + 54 + 36 = 126 s; the way round by
    // Kirchgasse (eastward) is as long but all at 30 km/h (144 s).
    const east = router.route(a, b)!;
    expect(east.lengthM).toBeCloseTo(1200, -1);
    expect(east.travelTimeS).toBeCloseTo(126, -1);
    expect(east.nodes).toContain(node(-600, 200));
    expect(east.edges.some((e) => city.graph.edges[e]!.roadId === 'marktgasse')).toBe(false);
    // Units are ranked by the reverse tree: the same times as driving there.
    expect(router.travelTimesTo(b).timeS[a]).toBeCloseTo(east.travelTimeS, 6);
    expect(router.travelTimesTo(a).timeS[b]).toBeCloseTo(west.travelTimeS, 6);
  });

  it('gives the fleet of its register: stations named, found nearby, or none', () => {
    const fleet = generateFleet(city);
    expect(fleet.map((u) => u.id)).toEqual([
      'pump-1',
      'pump-2',
      'pump-3',
      'fire-1',
      'fire-2',
      'fire-3',
      'amb-1',
      'amb-2',
      'pol-1',
      'pol-2',
      'tpol-1',
    ]);
    expect(new Set(fleet.map((u) => u.kind)).size).toBe(5);
    const byId = new Map(fleet.map((u) => [u.id, u]));
    expect(byId.get('pump-2')).toMatchObject({
      homeStationId: 'pump-hafen',
      homeDistrict: 'bahnhof',
      shift: { startHour: 8, endHour: 20 },
    });
    expect(byId.get('pump-3')).toMatchObject({ homeStationId: '', homeDistrict: 'altstadt', capabilities: ['pumping'] });
    expect(byId.get('pol-2')).toMatchObject({ homeStationId: 'pol-alt' });
    expect(byId.get('fire-3')!.capabilities).toEqual(['firefighting', 'rescue', 'medical']);
  });

  it('is accepted as a .zip, with or without a top folder', () => {
    const entries: Record<string, Uint8Array> = {};
    for (const [path, text] of riverTownFiles()) entries[`flusstal/${path}`] = new TextEncoder().encode(text);
    const nested = join(scratch, 'flusstal.zip');
    writeFileSync(nested, zipSync(entries));
    expect(checkCityPackage(nested).ok).toBe(true);
    const flat: Record<string, Uint8Array> = {};
    for (const [path, bytes] of Object.entries(entries)) flat[path.slice('flusstal/'.length)] = bytes;
    const plain = join(scratch, 'flat.zip');
    writeFileSync(plain, zipSync(flat));
    const zipped = loadCityPackage(plain);
    expect(zipped.graph.edges).toHaveLength(city.graph.edges.length);
    expect(zipped.sensorSites).toEqual(city.sensorSites);
  });
});

describe('the broken fixture', () => {
  it('gets a report naming every one of its problems', () => {
    const report = checkCityPackage(BROKEN_DIR);
    expect(report.ok).toBe(false);
    // Every problem planted in test/fixtures/cities/broken, and nothing else.
    expect(codes(report.problems).sort()).toEqual(
      [
        'error unknown_file rules/notes.json',
        'warning unknown_file sensor.csv',
        'error invalid_value city.json id',
        'error invalid_value city.json zoom',
        'warning unknown_property city.json population',
        'error invalid_timezone city.json timezone',
        'error invalid_geometry districts.geojson#2 geometry.coordinates[0]',
        'error duplicate_id districts.geojson#1 id',
        'error invalid_value districts.geojson#3 properties.name_en',
        'error duplicate_id assets.geojson#1 id',
        'error invalid_value assets.geojson#2 properties.type',
        'error unknown_reference assets.geojson#3 properties.district',
        'warning underpass_not_on_road assets.geojson#4 properties.id',
        'error invalid_value roads.geojson#1 properties.class',
        'error invalid_value roads.geojson#2 properties.oneway',
        'error unknown_reference roads.geojson#4 properties.asset',
        'error outside_extent roads.geojson#5 geometry.coordinates[1]',
        'error roads_disconnected roads.geojson#3 properties.id',
        'warning road_oneway_trap roads.geojson#6 properties.id',
        'error invalid_json water.geojson:2',
        'error invalid_geojson buildings.geojson crs',
        'error vocabulary_redefines_v1 vocabulary.json kinds.0.kind',
        'error invalid_senml_unit vocabulary.json kinds.1.metrics.snow_in',
        'error vocabulary_redefines_v1 vocabulary.json kinds.2.metrics.river_level_m',
        'error duplicate_id sources.csv:3 id',
        'error invalid_value sources.csv:4 classification',
        'error csv_quote sensors.csv:10',
        'error csv_field_count sensors.csv:9',
        'warning unknown_column sensors.csv:1 note',
        'error unknown_sensor_kind sensors.csv:3 kind',
        'error unknown_reference sensors.csv:4 source',
        'error unknown_reference sensors.csv:5 asset',
        'error invalid_value sensors.csv:6 lng',
        'error outside_extent sensors.csv:7 lng,lat',
        'error duplicate_id sensors.csv:8 id',
        'error duplicate_external_id sensors.csv:11 external_ids',
        'error invalid_value sensors.csv:12 id',
        'error missing_column units.csv:1 name_en',
        'error invalid_value units.csv:3 kind',
        'error invalid_value units.csv:4 capabilities',
        'error invalid_value units.csv:5 shift',
        'error unknown_reference units.csv:6 station',
        'error unknown_sensor_kind rules/alarms.json lava',
        'error invalid_rule rules/alarms.json rain_gauge.metrics.0.metric',
        'error invalid_rule rules/incidents/fire.json windowS',
      ].sort(),
    );
  });

  it('quotes the bad value and says what is allowed', () => {
    const { problems } = checkCityPackage(BROKEN_DIR);
    const find = (file: string, field: string) => problems.find((p) => p.file === file && p.field === field)!;
    expect(find('roads.geojson', 'properties.class')).toMatchObject({
      value: '"highway"',
      message: expect.stringContaining('motorway, trunk, primary, secondary, tertiary, residential, service'),
    });
    expect(find('sensors.csv', 'kind')).toMatchObject({ value: '"noise"', message: expect.stringContaining('soil_moisture') });
    expect(find('city.json', 'timezone')).toMatchObject({ value: '"Europe/Atlantis"', message: expect.stringContaining('Europe/Vienna') });
    expect(find('units.csv', 'capabilities')).toMatchObject({ value: '"flying"', message: expect.stringContaining('traffic_control') });
    expect(find('roads.geojson', 'properties.id').message).toContain('5 of 7 graph nodes');
  });

  it('refuses to load, carrying the report', () => {
    let error: unknown;
    try {
      loadCityPackage(BROKEN_DIR);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CityPackageError);
    expect((error as CityPackageError).report.problems.filter((p) => p.severity === 'error')).toHaveLength(40);
    expect((error as CityPackageError).message).toContain('NOT LOADABLE: 40 errors, 5 warnings');
  });
});

describe('validateCityPackage', () => {
  it('reports missing required files and an unreadable path', () => {
    const { report, parsed } = validateCityPackage(riverTown({ 'roads.geojson': null, 'sources.csv': null }));
    expect(parsed).toBeNull();
    // Without sources.csv the sensors cannot be checked against it, so only the files are named.
    expect(codes(report.problems)).toEqual(['error missing_file roads.geojson', 'error missing_file sources.csv']);
    expect(codes(checkCityPackage(join(scratch, 'nothing-here')).problems)).toEqual([
      `error unreadable_package ${join(scratch, 'nothing-here')}`,
    ]);
    const notZip = join(scratch, 'city.json');
    writeFileSync(notZip, '{}');
    expect(checkCityPackage(notZip).problems[0]!.message).toMatch(/not a \.zip archive/);
  });

  it('checks alarm-rule hysteresis and accepts a UTF-8 byte-order mark in JSON and CSV', () => {
    const rules = {
      noise_level: {
        staleAfterMs: 60_000,
        metrics: [{ metric: 'noise_dba', direction: 'above', warning: { enter: 65, exit: 70 }, alarm: { enter: 60, exit: 58 } }],
      },
    };
    const files = riverTownFiles();
    const { report } = validateCityPackage(
      riverTown({
        'rules/alarms.json': JSON.stringify(rules),
        'city.json': `\uFEFF${files.get('city.json')}`,
        'sources.csv': `\uFEFF${files.get('sources.csv')}`,
      }),
    );
    expect(codes(report.problems)).toEqual([
      'error invalid_rule rules/alarms.json noise_level.metrics.0.warning.exit',
      'error invalid_rule rules/alarms.json noise_level.metrics.0.alarm.enter',
    ]);
  });

  it('accepts rules/alarms.json in the rule-set format version 1 and names each problem of one by its path', () => {
    const ruleSet = {
      schemaVersion: 1,
      kinds: {
        noise_level: {
          staleAfterMs: 60_000,
          rules: {
            noise_dba: {
              type: 'threshold',
              metric: 'noise_dba',
              direction: 'above',
              warning: { enter: 65, exit: 62 },
              alarm: { enter: 75, exit: 72 },
            },
            surge: { type: 'rate', metric: 'noise_dba', direction: 'rise', delta: 15, windowMs: 60_000, level: 'warning' },
          },
        },
      },
      sensors: { 'nz-markt': { noise_level: { rules: { surge: { enabled: false } } } } },
    };
    const good = validateCityPackage(riverTown({ 'rules/alarms.json': JSON.stringify(ruleSet) }));
    expect(codes(good.report.problems)).toEqual([]);
    expect(good.parsed?.rules.alarms).toEqual(ruleSet);
    const loaded = ruleSetsOfCity({ rules: good.parsed!.rules, vocabulary: good.parsed!.vocabulary });
    expect(loaded.alarms.kinds.noise_level?.rules.surge).toMatchObject({ type: 'rate', delta: 15 });

    const { sensors: _, ...kindsOnly } = ruleSet;
    const bad = structuredClone(kindsOnly) as typeof kindsOnly & { kinds: Record<string, unknown> };
    bad.kinds.noise_level.rules.surge.delta = -3;
    bad.kinds.lava = { staleAfterMs: 60_000, rules: {} };
    const { report } = validateCityPackage(riverTown({ 'rules/alarms.json': JSON.stringify(bad) }));
    expect(codes(report.problems)).toEqual([
      'error invalid_rule rules/alarms.json kinds.noise_level.rules.surge.delta',
      'error unknown_sensor_kind rules/alarms.json kinds.lava',
    ]);
    expect(report.problems[0]).toMatchObject({ value: '-3', message: 'above 0' });
  });

  it('reads KPI targets from kpi.json, and names a misspelt step or a p90 below the median', () => {
    expect(loadCityPackage(RIVER_TOWN_DIR).kpi).toEqual({
      responseTargets: { acknowledge: { medianS: 120, p90S: 180 }, arrive: { medianS: 900, p90S: 1200 } },
    });
    const { report } = validateCityPackage(
      riverTown({
        'kpi.json': JSON.stringify({ responseTargets: { acknowlege: { medianS: 60, p90S: 90 }, arrive: { medianS: 900, p90S: 600 } } }),
      }),
    );
    expect(codes(report.problems)).toEqual([
      'error invalid_value kpi.json responseTargets.acknowlege',
      'error invalid_value kpi.json responseTargets.arrive.p90S',
    ]);
    expect(report.problems[0]?.message).toMatch(/allowed: acknowledge, dispatch, arrive, resolve/);
    expect(validateCityPackage(riverTown({ 'kpi.json': null })).parsed?.kpi).toBeUndefined();
  });

  it('needs every sensor kind known: declared kinds go when vocabulary.json goes', () => {
    const { report } = validateCityPackage(riverTown({ 'vocabulary.json': null, 'rules/alarms.json': null }));
    expect(report.problems.filter((p) => p.code === 'unknown_sensor_kind').map((p) => p.line)).toEqual([27, 28, 29, 30, 31]);
  });

  it('reads event source names of sources: each a topic id, each naming one source', () => {
    const lines = riverTownFiles().get('sources.csv')!.trimEnd().split('\r\n');
    const withNames = (names: Record<number, string>) =>
      `${[`${lines[0]},event_sources`, ...lines.slice(1).map((l, i) => `${l},${names[i + 2] ?? ''}`)].join('\r\n')}\r\n`;
    const good = validateCityPackage(riverTown({ 'sources.csv': withNames({ 3: 'pegel-gw;river-gauges', 11: 'er-desk' }) }));
    expect(good.report.problems).toEqual([]);
    expect(good.parsed!.sources.find((s) => s.id === 'hydro.river')!.eventSources).toEqual(['pegel-gw', 'river-gauges']);
    expect(good.parsed!.sources.find((s) => s.id === 'hydro.rain')).not.toHaveProperty('eventSources');

    const { report } = validateCityPackage(
      riverTown({ 'sources.csv': withNames({ 2: 'gw-1', 3: 'gw-1', 4: 'env.noise', 5: 'bad name' }) }),
    );
    const inSources = report.problems.filter((p) => p.file === 'sources.csv');
    expect(codes(inSources)).toEqual([
      'error invalid_value sources.csv:5 event_sources',
      'error duplicate_event_source sources.csv:3 event_sources',
      'error duplicate_event_source sources.csv:4 event_sources',
    ]);
    const [bad, taken, isId] = inSources;
    expect(bad!.message).toContain('event source names separated by ";"');
    expect(taken).toMatchObject({ value: '"gw-1"', message: expect.stringContaining('an event source name of source hydro.rain') });
    expect(isId).toMatchObject({ value: '"env.noise"', message: expect.stringContaining('the id of source env.noise') });
  });

  it('gives a department one English name: a second department_en for it is refused, naming the first', () => {
    const csv = riverTownFiles()
      .get('sources.csv')!
      .replace(
        'hydro.river,河流水位,River levels,水文局,public,Hydrographic Service',
        'hydro.river,河流水位,River levels,水文局,public,River Office',
      );
    const { report } = validateCityPackage(riverTown({ 'sources.csv': csv }));
    expect(codes(report.problems)).toEqual(['error invalid_value sources.csv:3 department_en']);
    expect(report.problems[0]).toMatchObject({
      value: '"River Office"',
      message: expect.stringContaining('department "水文局" is named "Hydrographic Service" in English on line 2'),
    });
    const blank = riverTownFiles()
      .get('sources.csv')!
      .replace('River levels,水文局,public,Hydrographic Service', 'River levels,水文局,public,');
    expect(validateCityPackage(riverTown({ 'sources.csv': blank })).report.problems).toEqual([]);
  });

  it('reads a folder package the same as the same files in memory', () => {
    const fromDisk = validateCityPackage(readPackageFiles(RIVER_TOWN_DIR));
    const inMemory = validateCityPackage(riverTown());
    expect(fromDisk.report.summary).toEqual(inMemory.report.summary);
    expect(fromDisk.parsed?.sensors).toEqual(inMemory.parsed?.sensors);
  });
});
