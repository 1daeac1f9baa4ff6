/**
 * A synthetic city package of any size for the start-up bench (city-start-bench.ts): a square
 * street grid of `segments` road segments (one LineString feature per block side, joined at
 * shared corners, every 7th street one-way), 16 districts tiling it, one data source per sensor
 * kind, `sensors` sensors scattered over the grid (kinds in turn) and a small fleet. Pure and
 * seeded: the same options give the same files.
 */
import { SENSOR_KINDS } from '../../twin-model/vocabulary.ts';
import { UNIT_KINDS } from '../../twin-model/dispatch/unit-types.ts';

export interface GridCityOptions {
  /** Road segments (block sides) to write. */
  segments: number;
  /** Sensors to write. */
  sensors: number;
  /** Response units to write (default 50). */
  units?: number;
  seed?: number;
}

/** Block side ≈ 110 m east–west and north–south, around a made-up place in Central Europe. */
const ORIGIN: [number, number] = [16.0, 47.5];
const STEP_LNG = 0.0015;
const STEP_LAT = 0.001;
const DISTRICT_SIDE = 4;

/** A small deterministic generator (the benchmarks' own: their numbers stay comparable across runs). */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const round = (v: number): number => Math.round(v * 1e7) / 1e7;

/** The package's files (name → text), for `writePackageFiles`. */
export function gridCityFiles(options: GridCityOptions): Map<string, string> {
  const random = lcg(options.seed ?? 1);
  // n × n corners give 2·n·(n−1) block sides.
  let n = 2;
  while (2 * n * (n - 1) < options.segments) n++;
  const corner = (i: number, j: number): [number, number] => [round(ORIGIN[0] + i * STEP_LNG), round(ORIGIN[1] + j * STEP_LAT)];
  const files = new Map<string, string>();
  const center = corner((n - 1) / 2, (n - 1) / 2);
  files.set(
    'city.json',
    `${JSON.stringify({ id: 'gridtown', name: { zh: '网格镇（基准）', en: 'Gridtown (bench)' }, center, zoom: 12, timezone: 'Europe/Vienna' }, null, 2)}\n`,
  );

  // Districts: a 4 × 4 tiling of the grid with half a block of margin.
  const features: string[] = [];
  const [w, s] = corner(-0.5, -0.5);
  const [e, nn] = corner(n - 0.5, n - 0.5);
  for (let a = 0; a < DISTRICT_SIDE; a++)
    for (let b = 0; b < DISTRICT_SIDE; b++) {
      const x0 = round(w + ((e - w) * a) / DISTRICT_SIDE);
      const x1 = round(w + ((e - w) * (a + 1)) / DISTRICT_SIDE);
      const y0 = round(s + ((nn - s) * b) / DISTRICT_SIDE);
      const y1 = round(s + ((nn - s) * (b + 1)) / DISTRICT_SIDE);
      const id = `d${a}${b}`;
      const ring = [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ];
      features.push(
        JSON.stringify({
          type: 'Feature',
          properties: { id, name_zh: `第${a * DISTRICT_SIDE + b + 1}区`, name_en: `District ${id}` },
          geometry: { type: 'Polygon', coordinates: [ring] },
        }),
      );
    }
  files.set('districts.geojson', `{"type":"FeatureCollection","features":[\n${features.join(',\n')}\n]}\n`);

  // Roads: every block side, main streets every 10th line, every 7th line one-way.
  const roads: string[] = [];
  const road = (id: string, from: [number, number], to: [number, number], line: number, oneway: boolean): void => {
    const cls = line % 10 === 0 ? 'primary' : line % 5 === 0 ? 'secondary' : 'residential';
    const props: Record<string, unknown> = { id, class: cls };
    if (oneway) props.oneway = true;
    roads.push(JSON.stringify({ type: 'Feature', properties: props, geometry: { type: 'LineString', coordinates: [from, to] } }));
  };
  for (let j = 0; j < n && roads.length < options.segments; j++)
    for (let i = 0; i + 1 < n && roads.length < options.segments; i++) road(`h${j}-${i}`, corner(i, j), corner(i + 1, j), j, j % 7 === 3);
  for (let i = 0; i < n && roads.length < options.segments; i++)
    for (let j = 0; j + 1 < n && roads.length < options.segments; j++) road(`v${i}-${j}`, corner(i, j), corner(i, j + 1), i, i % 7 === 3);
  files.set('roads.geojson', `{"type":"FeatureCollection","features":[\n${roads.join(',\n')}\n]}\n`);

  // One source per kind.
  const sources = ['id,name_zh,name_en,department,classification'];
  for (const [k, kind] of SENSOR_KINDS.entries())
    sources.push(`src.${kind},${kind} 监测网,${kind} network,部门 ${k + 1},${k % 5 === 4 ? 'internal' : 'public'}`);
  files.set('sources.csv', `${sources.join('\n')}\n`);

  // Sensors: scattered over the grid, kinds in turn.
  const sensors = ['id,kind,lng,lat,source,name_zh,name_en,asset,external_ids'];
  for (let k = 0; k < options.sensors; k++) {
    const kind = SENSOR_KINDS[k % SENSOR_KINDS.length]!;
    const [lng, lat] = corner(random() * (n - 1), random() * (n - 1));
    sensors.push(`s${k},${kind},${lng},${lat},src.${kind},传感器 ${k},Sensor ${k},,`);
  }
  files.set('sensors.csv', `${sensors.join('\n')}\n`);

  // Units at corners of the grid.
  const units = ['id,kind,lng,lat,name_zh,name_en'];
  for (let u = 0; u < (options.units ?? 50); u++) {
    const kind = UNIT_KINDS[u % UNIT_KINDS.length]!;
    const [lng, lat] = corner(Math.floor(random() * n), Math.floor(random() * n));
    units.push(`u${u},${kind},${lng},${lat},单位 ${u},Unit ${u}`);
  }
  files.set('units.csv', `${units.join('\n')}\n`);
  return files;
}
