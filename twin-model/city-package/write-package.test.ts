import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CityModel, RoadGraph } from '../city/city-types.ts';
import { generateCity, isInCity } from '../city/index.ts';
import { RoadRouter, generateFleet } from '../dispatch/index.ts';
import { createRandom } from '../random.ts';
import { cityPackageFiles, loadCityPackage, modelFromPackage, validateCityPackage, writeCityPackage } from './index.ts';

const scratch = mkdtempSync(join(tmpdir(), 'city-package-write-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A graph edge by what it is, independent of ids: its end coordinates and its attributes. */
function edgeSignatures(graph: RoadGraph): string[] {
  return graph.edges
    .map((e) => {
      const a = graph.nodes[e.from]!;
      const b = graph.nodes[e.to]!;
      return `${a.lng},${a.lat}>${b.lng},${b.lat} ${e.roadClass} ${e.roadId ?? '-'} ${e.lengthM} ${e.speedKmh} ${e.travelTimeS} ${e.underpass} ${e.bridge} ${e.tunnel} ${e.oneway ?? false}`;
    })
    .sort();
}

const nodeAt = (graph: RoadGraph, id: number | undefined) => (id === undefined ? undefined : [graph.nodes[id]!.lng, graph.nodes[id]!.lat]);
const edgeAt = (graph: RoadGraph, id: number | undefined) =>
  id === undefined ? undefined : [nodeAt(graph, graph.edges[id]!.from), nodeAt(graph, graph.edges[id]!.to)];

describe('the generated Wuhan written as a package and loaded back', () => {
  const city = generateCity();
  const fleet = generateFleet(city);
  const files = cityPackageFiles(city, { fleet });
  const { report, parsed } = validateCityPackage({
    origin: 'wuhan',
    files: new Map([...files].map(([path, text]) => [path, new TextEncoder().encode(text)])),
  });
  const loaded = modelFromPackage(parsed!);

  it('passes the check without a warning', () => {
    expect(report.problems).toEqual([]);
    expect(report.summary).toMatchObject({
      districts: 13,
      sensors: 3000,
      units: 186,
      sources: 25,
      graphNodes: city.graph.nodes.length,
      graphEdges: city.graph.edges.length,
    });
  });

  it('keeps the city facts, districts and sources', () => {
    expect(loaded).toMatchObject({
      source: 'package',
      id: 'wuhan',
      timezone: 'Asia/Shanghai',
      seed: city.seed,
      center: city.center,
      zoom: city.zoom,
      bbox: city.bbox,
    });
    // Where the simulator's storms cross Wuhan travels with the package (city.json `storms`).
    expect(loaded.storms).toEqual(city.storms);
    expect(loaded.districts).toEqual(city.districts);
    expect(loaded.sources).toEqual(city.sources);
    expect(loaded.rivers.map((r) => [r.id, r.widthM, r.centreline])).toEqual(city.rivers.map((r) => [r.id, r.widthM, r.centreline]));
    expect(loaded.lakes).toEqual(city.lakes);
  });

  it('rebuilds the same road graph: node and edge counts, every edge with its attributes', () => {
    expect(loaded.graph.nodes).toHaveLength(city.graph.nodes.length);
    expect(loaded.graph.edges).toHaveLength(city.graph.edges.length);
    expect(edgeSignatures(loaded.graph)).toEqual(edgeSignatures(city.graph));
    expect(loaded.roads.map((r) => r.id).sort()).toEqual(city.roads.map((r) => r.id).sort());
  });

  it('gives equal shortest-path travel times between the same places', () => {
    const before = new RoadRouter(city.graph);
    const after = new RoadRouter(loaded.graph);
    const index = new Map(loaded.graph.nodes.map((n) => [`${n.lng},${n.lat}`, n.id]));
    const same = (id: number) => index.get(`${city.graph.nodes[id]!.lng},${city.graph.nodes[id]!.lat}`)!;
    const random = createRandom(11);
    for (let i = 0; i < 6; i++) {
      const from = random.int(city.graph.nodes.length);
      const to = random.int(city.graph.nodes.length);
      const a = before.route(from, to)!;
      const b = after.route(same(from), same(to))!;
      expect(b.travelTimeS).toBeCloseTo(a.travelTimeS, 6);
      expect(b.lengthM).toBeCloseTo(a.lengthM, 6);
    }
  });

  it('keeps every sensor: id, position, kind, source, district, asset, lowness and its edge', () => {
    const byId = new Map(loaded.sensorSites.map((s) => [s.id, s]));
    expect(loaded.sensorSites.map((s) => s.id)).toEqual(city.sensorSites.map((s) => s.id));
    for (const s of city.sensorSites) {
      const l = byId.get(s.id)!;
      expect([l.kind, l.lng, l.lat, l.sourceId, l.district, l.assetId, l.lowness, l.nameZh, l.nameEn, l.roadId]).toEqual([
        s.kind,
        s.lng,
        s.lat,
        s.sourceId,
        s.district,
        s.assetId,
        s.lowness,
        s.nameZh,
        s.nameEn,
        s.roadId,
      ]);
      expect(edgeAt(loaded.graph, l.edgeId)).toEqual(edgeAt(city.graph, s.edgeId));
    }
  });

  it('keeps every asset at the same node and edge', () => {
    expect(
      loaded.assets.map((a) => [
        a.id,
        a.kind,
        a.lng,
        a.lat,
        a.district,
        a.synthetic,
        a.roadId,
        nodeAt(loaded.graph, a.nodeId),
        edgeAt(loaded.graph, a.edgeId),
      ]),
    ).toEqual(
      city.assets.map((a) => [
        a.id,
        a.kind,
        a.lng,
        a.lat,
        a.district,
        a.synthetic,
        a.roadId,
        nodeAt(city.graph, a.nodeId),
        edgeAt(city.graph, a.edgeId),
      ]),
    );
  });

  it('registers the generated fleet, so the loaded city has the same units', () => {
    const again = generateFleet(loaded);
    const view = (model: CityModel, units: typeof fleet) =>
      units.map((u) => [
        u.id,
        u.kind,
        u.nameZh,
        u.nameEn,
        u.capabilities,
        u.homeStationId,
        u.homeDistrict,
        u.homeLng,
        u.homeLat,
        nodeAt(model.graph, u.homeNodeId),
        u.shift,
      ]);
    expect(view(loaded, again)).toEqual(view(city, fleet));
  });

  it('draws the city outline from districts and water: the same inside/outside for almost every point', () => {
    const random = createRandom(3);
    const [w, s, e, n] = city.bbox;
    let agree = 0;
    const samples = 5000;
    for (let i = 0; i < samples; i++) {
      const lng = random.range(w, e);
      const lat = random.range(s, n);
      if (isInCity(city, lng, lat) === isInCity(loaded, lng, lat)) agree++;
    }
    // The hand-drawn outline is not in the format; the union differs only where rivers run past it.
    expect(agree / samples).toBeGreaterThan(0.99);
  });
});

describe('writeCityPackage', () => {
  it('writes a folder that loadCityPackage reads back', () => {
    const small = generateCity({ seed: 7, sensorCount: 200 });
    const dir = join(scratch, 'wuhan-small');
    writeCityPackage(small, dir);
    expect(readdirSync(dir).sort()).toEqual([
      'assets.geojson',
      'city.json',
      'districts.geojson',
      'roads.geojson',
      'sensors.csv',
      'sources.csv',
      'units.csv',
      'water.geojson',
    ]);
    const back = loadCityPackage(dir);
    expect(back.sensorSites).toHaveLength(small.sensorSites.length);
    expect(back.units).toHaveLength(generateFleet(small).length);
    expect(back.seed).toBe(7);
  });

  it('writes a loaded package again with its one-way streets, vocabulary, rules and buildings', () => {
    const first = generateCity({ sensorCount: 0 });
    const oneWay: CityModel = {
      ...first,
      graph: { nodes: first.graph.nodes, edges: first.graph.edges.map((e, i) => (i === 0 ? { ...e, oneway: true } : e)) },
      units: [],
      vocabulary: [{ kind: 'noise_level', label: { zh: '噪声', en: 'Noise' }, metrics: { noise_dba: 'dB' } }],
      buildings: [
        {
          id: 'b1',
          heightM: 30,
          polygons: [
            [
              [
                [114.3, 30.6],
                [114.301, 30.6],
                [114.301, 30.601],
                [114.3, 30.6],
              ],
            ],
          ],
        },
      ],
      rules: {
        alarms: {
          noise_level: {
            staleAfterMs: 60_000,
            metrics: [{ metric: 'noise_dba', direction: 'above', warning: { enter: 65, exit: 60 }, alarm: { enter: 75, exit: 70 } }],
          },
        },
      },
    };
    const files = cityPackageFiles(oneWay);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['vocabulary.json', 'buildings.geojson', 'rules/alarms.json']));
    const { report, parsed } = validateCityPackage({
      origin: 'x',
      files: new Map([...files].map(([p, t]) => [p, new TextEncoder().encode(t)])),
    });
    // Edge 0 made one-way in a graph drawn two-way may trap a corner: a warning, not an error.
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const back = modelFromPackage(parsed!);
    expect(back.graph.edges.filter((e) => e.oneway)).toHaveLength(1);
    expect(back.vocabulary).toEqual(oneWay.vocabulary);
    expect(back.buildings).toEqual(oneWay.buildings);
    expect(back.rules?.alarms).toEqual(oneWay.rules?.alarms);
    expect(back.units).toEqual([]);
  });
});
