/**
 * OpenStreetMap import end to end: real files through the real readers (saxes for XML,
 * osm-pbf-parser-node for PBF), the package written to a temporary folder and read back.
 * Fixtures: test/fixtures/osm/ (README.md there says how the PBF files were made).
 *
 * The road graph is built here the way the city-package contract defines it: lines joined at
 * exactly equal coordinates, one edge per line from its first to its last point, a `oneway`
 * line drivable only in its drawn direction; lengths by haversine (the project's `haversineM`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportOsmCli } from '../bin/city-import-osm.ts';
import { haversineM } from '../twin-model/city/index.ts';
import { PACKAGE_FILES } from '../twin-model/osm-import/index.ts';
import { GRID_SIZE, gridTownOsm, hospitalBlocks } from './fixtures/osm/grid-town.ts';
import { TSX } from './support/citytwin-process.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/osm/', import.meta.url));
const SMALL_XML = join(FIXTURES, 'small-town.osm');
const SMALL_PBF = join(FIXTURES, 'small-town.osm.pbf');
const GRID_PBF = join(FIXTURES, 'grid-town.osm.pbf');

type Position = [number, number];
interface Feature {
  type: 'Feature';
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}
interface Line {
  id: string;
  coords: Position[];
  oneway: boolean;
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'citytwin-osm-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let runs = 0;
/** Runs the command in-process; returns its exit code, output and the package folder. */
async function importCli(file: string, ...args: string[]): Promise<{ code: number; out: string; err: string; dir: string }> {
  const dir = join(work, `pkg-${++runs}`);
  let out = '';
  let err = '';
  const code = await runImportOsmCli([file, '--out', dir, ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err, dir };
}

async function layer(dir: string, name: string): Promise<Feature[]> {
  const collection = JSON.parse(await readFile(join(dir, `${name}.geojson`), 'utf8')) as { type: string; features: Feature[] };
  expect(collection.type).toBe('FeatureCollection');
  return collection.features;
}

function linesOf(roads: Feature[]): Line[] {
  return roads.map((f) => ({
    id: f.properties.id as string,
    coords: f.geometry.coordinates as Position[],
    oneway: f.properties.oneway === true,
  }));
}

/** The routing graph of the contract: nodes at line ends, joined at equal coordinates. */
function buildGraph(lines: Line[]) {
  const index = new Map<string, number>();
  const key = (p: Position): string => `${p[0]},${p[1]}`;
  const nodeOf = (p: Position): number => {
    let id = index.get(key(p));
    if (id === undefined) {
      id = index.size;
      index.set(key(p), id);
    }
    return id;
  };
  const arcs: { from: number; to: number; lengthM: number; line: string }[] = [];
  for (const l of lines) {
    const a = nodeOf(l.coords[0]!);
    const b = nodeOf(l.coords[l.coords.length - 1]!);
    let lengthM = 0;
    for (let i = 1; i < l.coords.length; i++) lengthM += haversineM(l.coords[i - 1]!, l.coords[i]!);
    arcs.push({ from: a, to: b, lengthM, line: l.id });
    if (!l.oneway) arcs.push({ from: b, to: a, lengthM, line: l.id });
  }
  const node = (p: Position): number => {
    const id = index.get(key(p));
    if (id === undefined) throw new Error(`no graph node at ${key(p)}`);
    return id;
  };
  /** Shortest distance (m), or Infinity (Dijkstra; the graphs here are small, so a linear scan for the minimum). */
  const distance = (from: number, to: number): number => {
    const n = index.size;
    const dist = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    const done = new Array<boolean>(n).fill(false);
    dist[from] = 0;
    for (let round = 0; round < n; round++) {
      let u = -1;
      for (let i = 0; i < n; i++) if (!done[i] && (u < 0 || dist[i]! < dist[u]!)) u = i;
      if (u < 0 || dist[u] === Number.POSITIVE_INFINITY) break;
      done[u] = true;
      for (const arc of arcs) if (arc.from === u && dist[u]! + arc.lengthM < dist[arc.to]!) dist[arc.to] = dist[u]! + arc.lengthM;
    }
    return dist[to]!;
  };
  /** Nodes reachable from `from` ignoring direction (a component). */
  const component = (from: number): number => {
    const adjacent = new Map<number, number[]>();
    for (const a of arcs) {
      adjacent.set(a.from, [...(adjacent.get(a.from) ?? []), a.to]);
      adjacent.set(a.to, [...(adjacent.get(a.to) ?? []), a.from]);
    }
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length > 0)
      for (const v of adjacent.get(stack.pop()!) ?? []) {
        if (seen.has(v)) continue;
        seen.add(v);
        stack.push(v);
      }
    return seen.size;
  };
  return { nodeCount: index.size, edgeCount: lines.length, arcCount: arcs.length, node, distance, component };
}

/** Every coordinate that two lines share is an end of both: the graph joins nowhere else. */
function sharedCoordinatesAreEnds(lines: Line[]): string[] {
  const uses = new Map<string, { line: string; end: boolean }[]>();
  for (const l of lines) {
    l.coords.forEach((p, i) => {
      const k = `${p[0]},${p[1]}`;
      uses.set(k, [...(uses.get(k) ?? []), { line: l.id, end: i === 0 || i === l.coords.length - 1 }]);
    });
  }
  return [...uses.entries()].filter(([, u]) => new Set(u.map((x) => x.line)).size > 1 && u.some((x) => !x.end)).map(([k]) => k);
}

// Grid of the small town: lon = 114.300 + 0.001·x, lat = 30.500 + 0.001·y (see the fixture's comment).
const at = (x: number, y: number): Position => [Math.round((114.3 + 0.001 * x) * 1e7) / 1e7, Math.round((30.5 + 0.001 * y) * 1e7) / 1e7];

describe('OSM import of the small town (XML)', () => {
  let pkg: Awaited<ReturnType<typeof importCli>>;
  beforeAll(async () => {
    pkg = await importCli(SMALL_XML, '--timezone', 'Asia/Shanghai', '--name', 'Small Town');
  });

  it('writes every package file and prints a summary with counts and dropped ways', async () => {
    expect(pkg.err).toBe('');
    expect(pkg.code).toBe(0);
    expect((await readdir(pkg.dir)).sort()).toEqual([...PACKAGE_FILES].sort());
    expect(pkg.out).toContain('imported: districts 2, roads 18, water 3, assets 6, buildings 3 (from 14 road ways)');
    expect(pkg.out).toContain('admin levels (assembled/found): 6: 1/1, 8: 2/2; districts from admin_level 8');
    expect(pkg.out).toMatch(/roads +2 +footway, path, cycleway, steps or similar/);
    expect(pkg.out).toContain('1 road node(s) shared exact coordinates with another node');
    expect(pkg.out).toContain(`city package written to ${pkg.dir}`);
  });

  it('writes city.json from the data and the options, and CSV templates', async () => {
    const city = JSON.parse(await readFile(join(pkg.dir, 'city.json'), 'utf8'));
    // Extent of the data: x 0…6, y −0.8…4.5 → centre (3, 1.85); 0.006° × 0.0053° fits at zoom 16.4.
    expect(city).toEqual({
      id: 'Small-Town',
      name: { zh: 'Small Town', en: 'Small Town' },
      center: [114.303, 30.50185],
      zoom: 16.4,
      timezone: 'Asia/Shanghai',
    });
    const sources = (await readFile(join(pkg.dir, 'sources.csv'), 'utf8')).trimEnd().split('\n');
    expect(sources).toEqual([
      'id,name_zh,name_en,department,classification',
      'openstreetmap,开放街道地图,OpenStreetMap,"© OpenStreetMap contributors, ODbL 1.0",public',
    ]);
    expect(await readFile(join(pkg.dir, 'sensors.csv'), 'utf8')).toBe('id,kind,lng,lat,source,name_zh,name_en,asset,external_ids\n');
    expect(await readFile(join(pkg.dir, 'units.csv'), 'utf8')).toBe('id,kind,lng,lat,name_zh,name_en,capabilities\n');
  });

  it('maps road properties: class, one-way, speed, bridge, tunnel, layer, names', async () => {
    const roads = await layer(pkg.dir, 'roads');
    const byId = new Map(roads.map((f) => [f.properties.id as string, f]));
    expect(byId.get('w102')!.properties).toEqual({
      id: 'w102',
      class: 'primary',
      speed_kmh: 50,
      oneway: false,
      bridge: true,
      tunnel: false,
      layer: 1,
      name_zh: '主街',
      name_en: 'Main Street',
      osm_way: 102,
    });
    expect(byId.get('w104')!.properties).toMatchObject({ class: 'residential', oneway: true, name_zh: '市场街', name_en: 'Market Street' });
    expect(byId.get('w105')!.properties).toMatchObject({ class: 'residential', name_zh: 'North Lane', name_en: 'North Lane' }); // living_street; name for both
    expect(byId.get('w106')!.properties).toMatchObject({ class: 'residential', oneway: false }); // unclassified
    expect(byId.get('w107-1')!.properties).toMatchObject({ class: 'tertiary', oneway: true, name_zh: '环岛', name_en: 'Town Circle' }); // roundabout
    expect(byId.get('w110')!.properties).toMatchObject({ tunnel: true, layer: -1, asset: 'underpass-w110' });
    expect(byId.get('w111')!.properties).toMatchObject({ class: 'service' });
    expect(byId.get('w111')!.properties.speed_kmh).toBeUndefined(); // maxspeed=none
    expect(byId.get('w112-1')!.properties).toMatchObject({ class: 'motorway', oneway: true, speed_kmh: 96.6 }); // 60 mph, implied one-way
    expect(byId.get('w113')!.properties).toMatchObject({ class: 'motorway', oneway: true }); // motorway_link
    // South Lane is oneway=-1: drawn again from its south end (1, 0) to the roundabout (1, 0.8).
    expect(byId.get('w109')!.geometry.coordinates).toEqual([at(1, 0), at(1, 0.8)]);
    expect(byId.get('w109')!.properties).toMatchObject({ oneway: true, name_zh: '', name_en: 'South Lane' });
    // Main Street 101 is cut where North Lane and Roundabout Road join; 103 is not cut where a footway joins.
    expect([...byId.keys()].filter((id) => id.startsWith('w101') || id.startsWith('w103'))).toEqual(['w101-1', 'w101-2', 'w101-3', 'w103']);
  });

  it('builds the road graph: joined where OSM joins, not where the bridge passes over Riverside Road', async () => {
    const lines = linesOf(await layer(pkg.dir, 'roads'));
    expect(sharedCoordinatesAreEnds(lines)).toEqual([]);
    const g = buildGraph(lines);
    // Nodes: m0 m1 m2 m3 m4 m6, q0 q2, roundabout north and south, South Lane end, the two
    // tunnel portals, k0 k1 k2, Riverside Road's two ends = 18. Edges: one per line = 18, of
    // which 7 one-way (Market Street, the two roundabout halves, South Lane, the expressway's
    // two pieces, the link): 11 × 2 + 7 = 29 arcs.
    expect(g.nodeCount).toBe(18);
    expect(g.edgeCount).toBe(18);
    expect(g.arcCount).toBe(29);
    expect(g.component(g.node(at(0, 2)))).toBe(16);
    expect(g.component(g.node(at(3.25, 1)))).toBe(2); // Riverside Road: under the bridge, not on it
    expect(g.distance(g.node(at(3.25, 1)), g.node(at(3, 2)))).toBe(Number.POSITIVE_INFINITY);
  });

  it('routes by hand-computed lengths, honouring one-way streets', async () => {
    const g = buildGraph(linesOf(await layer(pkg.dir, 'roads')));
    const route = (a: Position, b: Position): number => g.distance(g.node(a), g.node(b));
    // One 0.001° step of longitude at 30.502° N is 6 371 008.8 m · cos(30.502°) · 0.001 · π/180
    // = 95.807 m; one of latitude 111.195 m.
    // Main Street m0 → m6 over the bridge: 6 steps = 574.84 m.
    expect(route(at(0, 2), at(6, 2))).toBeCloseTo(574.84, 1);
    // Market Street q0 → q2, with its one-way: 2 steps at 30.503° = 2 · 95.806 = 191.61 m.
    expect(route(at(0, 3), at(2, 3))).toBeCloseTo(191.61, 1);
    // q2 → q0 against it: North Lane down (111.195), Main Street west 2 steps (191.614), West Lane up (111.195) = 414.00 m.
    expect(route(at(2, 3), at(0, 3))).toBeCloseTo(414.0, 1);
    // South Lane end → m1: up 0.0008° (88.956), the roundabout counter-clockwise south → east → north
    // (two diagonals of 0.0002° × 0.0002°, 29.355 m each), up Roundabout Road (88.956) = 236.62 m.
    expect(route(at(1, 0), at(1, 2))).toBeCloseTo(236.62, 1);
    // …and not back: South Lane is one-way northbound.
    expect(route(at(1, 2), at(1, 0))).toBe(Number.POSITIVE_INFINITY);
    // Tunnel north portal → k2 by the link (0.0005° × 0.001°: 121.07 m) and the expressway (95.805 m) = 216.88 m.
    expect(route(at(5.5, 3), at(6, 4))).toBeCloseTo(216.88, 1);
    // The expressway and its link are one-way: from k0 there is no way back to the tunnel.
    expect(route(at(4, 4), at(5.5, 3))).toBe(Number.POSITIVE_INFINITY);
  });

  it('writes water, districts, assets and buildings', async () => {
    const water = await layer(pkg.dir, 'water');
    expect(water.map((f) => [f.properties.id, f.properties.kind, f.geometry.type])).toEqual([
      ['w201', 'river', 'LineString'],
      ['w204', 'pond', 'Polygon'],
      ['r301', 'lake', 'Polygon'],
    ]);
    const lake = water[2]!.geometry.coordinates as Position[][];
    expect(lake).toHaveLength(2); // the island is a hole
    expect(water[0]!.properties).toMatchObject({ name_zh: '清河', name_en: 'Clear River' });

    const districts = await layer(pkg.dir, 'districts');
    expect(districts.map((f) => [f.properties.id, f.properties.name_zh, f.properties.name_en, f.geometry.type])).toEqual([
      ['WD', '西区', 'West District', 'Polygon'],
      ['XX-ED', '东区', 'East District', 'Polygon'],
    ]);
    // West District: its two member ways, one reversed, close along the river (x = 3.5).
    expect((districts[0]!.geometry.coordinates as Position[][])[0]).toEqual([at(3.5, 5), at(-1, 5), at(-1, -1), at(3.5, -1), at(3.5, 5)]);

    const assets = await layer(pkg.dir, 'assets');
    expect(assets.map((f) => [f.properties.id, f.properties.type, f.geometry.coordinates])).toEqual([
      ['hospital-n46', 'hospital', at(2.5, 2.5)],
      ['police_station-n47', 'police_station', at(0.5, 2.5)],
      ['substation-n48', 'substation', at(5.2, 0.8)],
      ['metro_station-n49', 'metro_station', at(2.5, 1.5)],
      ['fire_station-w601', 'fire_station', at(4.4, 2.8)], // centroid of the station's outline
      ['underpass-w110', 'underpass', at(5.5, 2)], // where Tunnel Road passes under Main Street
    ]);
    expect(assets[0]!.properties).toMatchObject({ name_zh: '镇医院', name_en: 'Town Hospital' });

    const buildings = await layer(pkg.dir, 'buildings');
    expect(buildings.map((f) => [f.properties.id, f.properties.height_m, f.properties.height_source])).toEqual([
      ['w601', 3, 'default'],
      ['w602', 12, 'height'],
      ['w603', 15, 'levels'],
    ]);
  });

  it('gives byte-identical files from the PBF made of the same data', async () => {
    const fromPbf = await importCli(SMALL_PBF, '--timezone', 'Asia/Shanghai', '--name', 'Small Town');
    expect(fromPbf.code).toBe(0);
    expect(fromPbf.out.replace(fromPbf.dir, 'DIR')).toBe(pkg.out.replace(pkg.dir, 'DIR'));
    for (const file of PACKAGE_FILES) {
      expect(await readFile(join(fromPbf.dir, file), 'utf8'), file).toBe(await readFile(join(pkg.dir, file), 'utf8'));
    }
  });
});

describe('OSM import options on the small town', () => {
  it('takes districts from the admin level asked for', async () => {
    const six = await importCli(SMALL_PBF, '--admin-level', '6');
    expect(six.code).toBe(0);
    expect((await layer(six.dir, 'districts')).map((f) => [f.properties.id, f.properties.name_en])).toEqual([['r503', 'Small Town']]);
    expect(six.out).toContain('warning: no time zone given (--timezone); city.json says UTC');
  });

  it('makes one district of the bbox, with a warning, when no boundary is at that level', async () => {
    const seven = await importCli(SMALL_XML, '--admin-level', '7', '--bbox', '114.2995,30.4985,114.3075,30.5055');
    expect(seven.code).toBe(0);
    expect(seven.out).toContain(
      'warning: no administrative boundary at admin_level 7 could be assembled; one district "small-town" covers the bbox 114.2995,30.4985,114.3075,30.5055',
    );
    const districts = await layer(seven.dir, 'districts');
    expect(districts).toHaveLength(1);
    expect(districts[0]!.properties).toEqual({ id: 'city', name_zh: 'small-town', name_en: 'small-town' });
  });

  it('keeps only ways with a node inside the bbox, uncut', async () => {
    // West of x = 2.5: Main Street's first way (cut at its junctions) stays whole; the bridge and beyond go.
    const west = await importCli(SMALL_XML, '--bbox', '114.2995,30.4985,114.3025,30.5055');
    expect(west.code).toBe(0);
    const ids = (await layer(west.dir, 'roads')).map((f) => f.properties.id);
    expect(ids).toEqual(['w101-1', 'w101-2', 'w101-3', 'w104', 'w105', 'w106', 'w107-1', 'w107-2', 'w108', 'w109']);
    // Dropped: the bridge (102), Main Street east (103), the tunnel (110), the service road (111),
    // the expressway (112) and its link (113), Riverside Road (114).
    expect(west.out).toMatch(/roads +7 +no node inside --bbox/);
  });

  it('refuses a folder that holds files unless --force', async () => {
    const first = await importCli(SMALL_XML);
    let err = '';
    const again = await runImportOsmCli([SMALL_XML, '--out', first.dir], { out: () => undefined, err: (s) => (err += s) });
    expect(again).toBe(1);
    expect(err).toContain(`output folder ${JSON.stringify(first.dir)} is not empty`);
    expect(await runImportOsmCli([SMALL_XML, '--out', first.dir, '--force'], { out: () => undefined, err: () => undefined })).toBe(0);
  });
});

describe('OSM import of bad files', () => {
  it('names the file, line and column of malformed XML', async () => {
    const bad = join(work, 'broken.osm');
    await writeFile(bad, '<?xml version="1.0"?>\n<osm version="0.6">\n  <node id="1" lat="30.5" lon="114.3">\n  </way>\n</osm>\n');
    const result = await importCli(bad);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken\.osm: not well-formed XML: .*4:/);
  });

  it('quotes a bad coordinate', async () => {
    const bad = join(work, 'bad-coordinate.osm');
    await writeFile(bad, '<osm version="0.6">\n<node id="1" lat="north" lon="114.3"/>\n</osm>\n');
    const result = await importCli(bad);
    expect(result.code).toBe(1);
    expect(result.err).toContain('bad-coordinate.osm:2:');
    expect(result.err).toContain('<node> has lat="north"; a number is expected');
  });

  it('says a truncated PBF cannot be read', async () => {
    const cut = join(work, 'cut.osm.pbf');
    await writeFile(cut, (await readFile(GRID_PBF)).subarray(0, 5000));
    const result = await importCli(cut);
    expect(result.code).toBe(1);
    expect(result.err).toContain('cut.osm.pbf: cannot read as OSM PBF');
  });

  it('says a missing file is missing', async () => {
    const result = await importCli(join(work, 'nowhere.osm.pbf'));
    expect(result.code).toBe(2);
    expect(result.err).toContain('nowhere.osm.pbf" does not exist or is not a file');
  });
});

describe('OSM import of the grid town (a larger PBF made by osmium)', () => {
  const cells = (GRID_SIZE - 1) ** 2;

  it('imports every street cut at every crossing, every building, hospital and quarter', async () => {
    const grid = await importCli(GRID_PBF, '--timezone', 'Asia/Shanghai');
    expect(grid.code).toBe(0);
    // 60 west-east and 60 south-north streets, each crossed by 60 others: 59 lines each.
    expect(grid.out).toContain(
      `imported: districts 4, roads ${2 * GRID_SIZE * (GRID_SIZE - 1)}, water 0, assets ${hospitalBlocks(GRID_SIZE).length}, buildings ${cells} (from ${2 * GRID_SIZE} road ways)`,
    );
    const lines = linesOf(await layer(grid.dir, 'roads'));
    const g = buildGraph(lines);
    expect(g.nodeCount).toBe(GRID_SIZE * GRID_SIZE);
    expect(g.component(0)).toBe(GRID_SIZE * GRID_SIZE);
    expect((await layer(grid.dir, 'districts')).map((f) => f.properties.id)).toEqual(['Q1', 'Q2', 'Q3', 'Q4']);

    // The same town as XML, streamed in 64 KiB chunks: the same package.
    const xml = join(work, 'grid-town.osm');
    await writeFile(xml, gridTownOsm(GRID_SIZE));
    const fromXml = await importCli(xml, '--timezone', 'Asia/Shanghai');
    for (const file of PACKAGE_FILES)
      expect(await readFile(join(fromXml.dir, file), 'utf8'), file).toBe(await readFile(join(grid.dir, file), 'utf8'));
  });

  it('clips to a bbox of 10 × 10 crossings', async () => {
    // Streets 0–9 each way have nodes inside; each is kept whole and cut only at the 10 kept
    // crossings: 9 lines inside and one running on to the far edge = 10 lines × 20 streets.
    const part = await importCli(GRID_PBF, '--bbox', '114.1995,30.3995,114.2095,30.4095');
    expect(part.code).toBe(0);
    expect(part.out).toContain('imported: districts 1, roads 200, water 0, assets 0, buildings 100 (from 20 road ways)');
    expect(part.out).toMatch(/roads +100 +no node inside --bbox/);
    expect(part.out).toMatch(new RegExp(`buildings +${cells - 100} +no node inside --bbox`));
  });
});

describe('citytwin city import-osm (the command)', () => {
  it('runs from bin/citytwin.ts and prints the summary', async () => {
    const dir = join(work, 'from-command');
    const { stdout } = await promisify(execFile)(
      TSX,
      ['bin/citytwin.ts', 'city', 'import-osm', SMALL_PBF, '--out', dir, '--timezone', 'UTC'],
      { timeout: 60_000 },
    );
    expect(stdout).toContain('imported: districts 2, roads 18, water 3, assets 6, buildings 3');
    expect((await readdir(dir)).sort()).toEqual([...PACKAGE_FILES].sort());
  });

  it('exits 2 with the usage on a bad argument', async () => {
    const failed = await promisify(execFile)(
      TSX,
      ['bin/citytwin.ts', 'city', 'import-osm', SMALL_PBF, '--out', join(work, 'never'), '--bbox', '4,3,2,1'],
      { timeout: 60_000 },
    ).catch((e: { code: number; stderr: string }) => e);
    expect('code' in failed && failed.code).toBe(2);
    expect((failed as { stderr: string }).stderr).toContain('--bbox "4,3,2,1" is not west,south,east,north');
  });
});
