/**
 * Writes the hand-made city package test/fixtures/cities/river-town/: Flusstal, a fictional
 * river town in Central Europe (48.2° N, 15.6° E, Europe/Vienna) — NOT Wuhan, and not a real
 * map. Deterministic (no clock, seeded randomness only); the committed files are its output,
 * and a test checks they still are.
 *
 *   npx tsx test/support/make-city-fixtures.ts
 *
 * The town, in metres from the centre (x east, y north):
 * - a river 120 m wide flowing east along y = 0, crossed only by the two ring-road bridges at
 *   x = −1700 and x = +1700 (bridge segments y −200 → 200);
 * - on each bank a street grid, x = −1200 … 1200 and |y| = 200 … 1400 every 300 m, with the
 *   riverside street (|y| = 200, secondary, 40 km/h) and the main street (x = 0, primary,
 *   50 km/h); the rest residential, 30 km/h;
 * - a ring road (trunk, 60 km/h) around both banks, joined by the riverside streets, the main
 *   streets and the y = ±800 streets;
 * - one-way streets in the old town (north-west): Marktgasse (y = 500, x 0 → −1200, drawn
 *   westward) and Kirchgasse (y = 800, x −1200 → 0, drawn eastward);
 * - a railway underpass on Bahnhofstraße (x = 600, y −800 → −1100, south bank);
 * - 4 districts (the two banks split at x = 0), 31 sensors of 10 kinds (one declared in
 *   vocabulary.json: noise_level), 11 units of 5 kinds, buildings with heights.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { LngLat } from '../../twin-model/city/city-types.ts';
import { createRandom } from '../../twin-model/random.ts';
import { formatCsv } from '../../twin-model/city-package/index.ts';
import waterloggingRule from '../../twin-model/incidents/rules/waterlogging.json' with { type: 'json' };

const LNG0 = 15.6;
const LAT0 = 48.2;
const M_PER_DEG_LNG = 111_320 * Math.cos((LAT0 * Math.PI) / 180);
const M_PER_DEG_LAT = 111_132.954 - 559.822 * Math.cos((2 * LAT0 * Math.PI) / 180);

/** Metres from the centre → [lng, lat], rounded to 7 decimals (≈ 1 cm); the same (x, y) always gives the same pair. */
export function at(x: number, y: number): LngLat {
  const r = (v: number) => Math.round(v * 1e7) / 1e7;
  return [r(LNG0 + x / M_PER_DEG_LNG), r(LAT0 + y / M_PER_DEG_LAT)];
}

type Props = Record<string, unknown>;
interface Feature {
  type: 'Feature';
  properties: Props;
  geometry: { type: string; coordinates: unknown };
}
const line = (points: Array<[number, number]>, properties: Props): Feature => ({
  type: 'Feature',
  properties,
  geometry: { type: 'LineString', coordinates: points.map(([x, y]) => at(x, y)) },
});
const box = (x0: number, y0: number, x1: number, y1: number, properties: Props): Feature => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Polygon', coordinates: [[at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]] },
});
const point = (x: number, y: number, properties: Props): Feature => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Point', coordinates: at(x, y) },
});
const fc = (features: Feature[]): string =>
  `{"type":"FeatureCollection","features":[\n${features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;

const GRID_X = [-1200, -900, -600, -300, 0, 300, 600, 900, 1200];
const BANK_Y = [200, 500, 800, 1100, 1400];
const RING = 1700;
/** Vertices along [a, b] at every grid crossing in between (so crossing streets share them). */
const span = (from: number, to: number, stops: readonly number[]): number[] => {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const inner = stops.filter((v) => v > lo && v < hi);
  const list = [from, ...inner, to];
  return from <= to ? list.sort((a, b) => a - b) : list.sort((a, b) => b - a);
};

function roads(): Feature[] {
  const f: Feature[] = [];
  for (const side of [1, -1]) {
    const bank = side === 1 ? 'n' : 's';
    // Streets along the river (x direction).
    for (const yAbs of BANK_Y) {
      const y = side * yAbs;
      if (side === 1 && yAbs === 500) {
        f.push(
          line(
            span(0, -1200, GRID_X).map((x) => [x, y]),
            { id: 'marktgasse', class: 'residential', oneway: true, name_zh: '市场巷', name_en: 'Marktgasse' },
          ),
        );
        f.push(
          line(
            span(0, 1200, GRID_X).map((x) => [x, y]),
            { id: `${bank}-street-${yAbs}-e`, class: 'residential' },
          ),
        );
        continue;
      }
      if (side === 1 && yAbs === 800) {
        f.push(
          line(
            span(-RING, -1200, []).map((x) => [x, y]),
            { id: 'kirchgasse-link', class: 'residential' },
          ),
        );
        f.push(
          line(
            span(-1200, 0, GRID_X).map((x) => [x, y]),
            { id: 'kirchgasse', class: 'residential', oneway: true, name_zh: '教堂巷', name_en: 'Kirchgasse' },
          ),
        );
        f.push(
          line(
            span(0, RING, GRID_X).map((x) => [x, y]),
            { id: `${bank}-street-${yAbs}-e`, class: 'residential' },
          ),
        );
        continue;
      }
      const reachRing = yAbs === 200 || yAbs === 800;
      const xs = reachRing ? span(-RING, RING, GRID_X) : GRID_X;
      const props: Props =
        yAbs === 200
          ? {
              id: `${bank}-uferstrasse`,
              class: 'secondary',
              name_zh: side === 1 ? '北岸滨河路' : '南岸滨河路',
              name_en: side === 1 ? 'Nordufer' : 'Südufer',
            }
          : { id: `${bank}-street-${yAbs}`, class: 'residential' };
      f.push(
        line(
          xs.map((x) => [x, y]),
          props,
        ),
      );
    }
    // Streets away from the river (y direction).
    for (const x of GRID_X) {
      const ys = span(
        side * 200,
        side * (x === 0 ? RING : 1400),
        BANK_Y.map((v) => side * v),
      );
      if (side === -1 && x === 600) {
        // Bahnhofstraße dips under the railway between y = −800 and −1100.
        f.push(
          line(
            [
              [600, -200],
              [600, -500],
              [600, -800],
            ],
            { id: 'bahnhofstrasse', class: 'residential', name_zh: '车站路', name_en: 'Bahnhofstraße' },
          ),
        );
        f.push(
          line(
            [
              [600, -800],
              [600, -1100],
            ],
            { id: 'bahnhofstrasse', class: 'residential', asset: 'up-bahnhof', speed_kmh: 30, name_zh: '车站路', name_en: 'Bahnhofstraße' },
          ),
        );
        f.push(
          line(
            [
              [600, -1100],
              [600, -1400],
            ],
            { id: 'bahnhofstrasse', class: 'residential', name_zh: '车站路', name_en: 'Bahnhofstraße' },
          ),
        );
        continue;
      }
      const props: Props =
        x === 0
          ? {
              id: `${bank}-hauptstrasse`,
              class: 'primary',
              name_zh: side === 1 ? '北大街' : '南大街',
              name_en: side === 1 ? 'Hauptstraße Nord' : 'Hauptstraße Süd',
            }
          : { id: `${bank}-street-x${x}`, class: 'residential' };
      f.push(
        line(
          ys.map((y) => [x, y]),
          props,
        ),
      );
    }
  }
  // The ring: each half drawn once, through every vertex where a street joins it.
  const north: Array<[number, number]> = [
    [RING, 200],
    [RING, 800],
    [RING, 1000],
    [1000, RING],
    [0, RING],
    [-1000, RING],
    [-RING, 1000],
    [-RING, 800],
    [-RING, 200],
  ];
  const south: Array<[number, number]> = [
    [-RING, -200],
    [-RING, -800],
    [-RING, -1000],
    [-1000, -RING],
    [0, -RING],
    [1000, -RING],
    [RING, -1000],
    [RING, -800],
    [RING, -200],
  ];
  f.push(line(north, { id: 'ring-nord', class: 'trunk', name_zh: '环路北段', name_en: 'Ring North' }));
  f.push(line(south, { id: 'ring-sued', class: 'trunk', name_zh: '环路南段', name_en: 'Ring South' }));
  f.push(
    line(
      [
        [-RING, 200],
        [-RING, -200],
      ],
      { id: 'westbruecke', class: 'trunk', bridge: true, name_zh: '西桥', name_en: 'Westbrücke' },
    ),
  );
  f.push(
    line(
      [
        [RING, -200],
        [RING, 200],
      ],
      { id: 'ostbruecke', class: 'trunk', bridge: true, name_zh: '东桥', name_en: 'Ostbrücke' },
    ),
  );
  return f;
}

function districts(): Feature[] {
  const d = (id: string, zh: string, en: string, x0: number, y0: number, x1: number, y1: number): Feature =>
    box(x0, y0, x1, y1, { id, name_zh: zh, name_en: en });
  return [
    d('altstadt', '老城区', 'Altstadt', -1800, 60, 0, 1800),
    d('nordost', '东北区', 'Nordost', 0, 60, 1800, 1800),
    d('suedwest', '西南区', 'Südwest', -1800, -1800, 0, -60),
    d('bahnhof', '车站区', 'Bahnhofsviertel', 0, -1800, 1800, -60),
  ];
}

function water(): Feature[] {
  return [
    box(-2200, -60, 2200, 60, { kind: 'river', id: 'fluss', name_zh: '弗卢斯河', name_en: 'Fluss', width_m: 120 }),
    line(
      [
        [-2200, 0],
        [2200, 0],
      ],
      { kind: 'river', id: 'fluss', name_zh: '弗卢斯河', name_en: 'Fluss', width_m: 120 },
    ),
    box(-1100, 1180, -950, 1300, { kind: 'lake', id: 'stadtparkteich', name_zh: '城市公园池塘', name_en: 'Stadtparkteich' }),
  ];
}

function assets(): Feature[] {
  const a = (id: string, type: string, zh: string, en: string, x: number, y: number, extra: Props = {}): Feature =>
    point(x, y, { id, type, name_zh: zh, name_en: en, ...extra });
  return [
    a('up-bahnhof', 'underpass', '车站地下通道', 'Bahnhof underpass', 600, -950),
    a('br-west', 'bridge', '西桥', 'Westbrücke', -RING, 0, { district: 'suedwest' }),
    a('br-ost', 'bridge', '东桥', 'Ostbrücke', RING, 0, { district: 'bahnhof' }),
    a('hosp-lk', 'hospital', '弗卢斯塔尔医院', 'Landesklinikum Flusstal', 900, 1100),
    a('fw-haupt', 'fire_station', '消防总站', 'Hauptfeuerwache', -300, -500),
    a('pol-alt', 'police_station', '老城警察局', 'Polizeiinspektion Altstadt', -600, 1100),
    a('pump-hafen', 'pump_depot', '港口排水站', 'Pumpwerk Hafen', 300, -200),
    a('uw-nord', 'substation', '北变电站', 'Umspannwerk Nord', 1200, 1400),
    a('uw-sued', 'substation', '南变电站', 'Umspannwerk Süd', -1200, -1400),
    a('rathaus', 'service_hall', '市政厅服务中心', 'Rathaus Bürgerservice', 0, 500),
    a('schule-sued', 'school', '南岸学校', 'Schule Südufer', -900, -1100),
  ];
}

function buildings(): Feature[] {
  const rnd = createRandom(48_2);
  const out: Feature[] = [];
  let n = 0;
  for (const side of [1, -1]) {
    for (let i = 0; i + 1 < GRID_X.length; i += 2) {
      for (let j = 0; j + 1 < BANK_Y.length; j += 2) {
        const x = GRID_X[i]! + 40;
        const y = side * (BANK_Y[j]! + 40);
        const w = 120 + Math.round(rnd.range(0, 100));
        const h = 120 + Math.round(rnd.range(0, 100));
        n++;
        out.push(
          box(x, side === 1 ? y : y - h, x + w, side === 1 ? y + h : y, {
            id: `b-${String(n).padStart(3, '0')}`,
            height_m: Math.round(rnd.range(9, 32)),
          }),
        );
      }
    }
  }
  return out;
}

const SOURCES: string[][] = [
  ['hydro.rain', '雨量监测网', 'Rain gauge network', '水文局', 'public', 'Hydrographic Service'],
  ['hydro.river', '河流水位', 'River levels', '水文局', 'public', 'Hydrographic Service'],
  ['env.air', '空气质量监测', 'Air quality monitoring', '环境局', 'public', 'Environment Office'],
  ['env.weather', '自动气象站', 'Automatic weather stations', '环境局', 'public', 'Environment Office'],
  ['roads.waterlogging', '道路积水监测', 'Road waterlogging monitoring', '道路局', 'internal', 'Roads Department'],
  ['roads.traffic', '交通流量计数', 'Traffic counts', '道路局', 'internal', 'Roads Department'],
  ['grid.substations', '变电站负荷', 'Substation load', '城市电网', 'internal', 'Stadtwerke Grid'],
  ['city.services', '市民服务排队', 'Citizen service queues', '市政府', 'internal', 'Town Hall'],
  ['env.noise', '噪声监测', 'Noise monitoring', '环境局', 'internal', 'Environment Office'],
  ['health.ed', '急诊负荷', 'Emergency department load', '医院', 'sensitive', 'Landesklinikum'],
];

function sensors(): string[][] {
  const rows: string[][] = [];
  const s = (id: string, kind: string, x: number, y: number, source: string, zh: string, en: string, asset = '', ext = '') => {
    const [lng, lat] = at(x, y);
    rows.push([id, kind, String(lng), String(lat), source, zh, en, asset, ext]);
  };
  s('rg-alt', 'rain_gauge', -750, 950, 'hydro.rain', '老城雨量计', 'Rain gauge Altstadt', '', 'urn:dev:ow:10e2073a01080063:');
  s('rg-nord', 'rain_gauge', 750, 950, 'hydro.rain', '东北雨量计', 'Rain gauge Nordost');
  s('rg-sw', 'rain_gauge', -750, -950, 'env.weather', '西南气象站雨量', 'Weather station rain Südwest');
  s('rg-bhf', 'rain_gauge', 750, -650, 'hydro.rain', '车站区雨量计', 'Rain gauge Bahnhof');
  s(
    'wl-up-bahnhof',
    'water_level',
    600,
    -950,
    'roads.waterlogging',
    '车站地下通道积水',
    'Bahnhof underpass water level',
    'up-bahnhof',
    'urn:dev:mac:0024befffe804ff1:',
  );
  s('wl-ufer-n', 'water_level', -450, 200, 'roads.waterlogging', '北岸滨河路积水', 'Nordufer water level');
  s('wl-ufer-s', 'water_level', 450, -200, 'roads.waterlogging', '南岸滨河路积水', 'Südufer water level');
  s('rl-west', 'river_level', -1600, 90, 'hydro.river', '西桥水位', 'Fluss level Westbrücke', 'br-west');
  s('rl-ost', 'river_level', 1600, -90, 'hydro.river', '东桥水位', 'Fluss level Ostbrücke', 'br-ost');
  s('tf-west-n', 'traffic_flow', -RING, 200, 'roads.traffic', '西桥北端车流', 'Westbrücke north traffic');
  s('tf-west-s', 'traffic_flow', -RING, -200, 'roads.traffic', '西桥南端车流', 'Westbrücke south traffic');
  s('tf-ost-n', 'traffic_flow', RING, 200, 'roads.traffic', '东桥北端车流', 'Ostbrücke north traffic');
  s('tf-ost-s', 'traffic_flow', RING, -200, 'roads.traffic', '东桥南端车流', 'Ostbrücke south traffic');
  s('tf-haupt-n', 'traffic_flow', 0, 650, 'roads.traffic', '北大街车流', 'Hauptstraße Nord traffic');
  s('tf-haupt-s', 'traffic_flow', 0, -650, 'roads.traffic', '南大街车流', 'Hauptstraße Süd traffic');
  s('aq-alt', 'air_quality', -450, 650, 'env.air', '老城空气质量', 'Air quality Altstadt');
  s('aq-nord', 'air_quality', 1050, 650, 'env.air', '东北空气质量', 'Air quality Nordost');
  s('aq-bhf', 'air_quality', 450, -1250, 'env.air', '车站区空气质量', 'Air quality Bahnhof');
  s('tp-alt', 'temperature', -750, 350, 'env.weather', '老城气温', 'Temperature Altstadt');
  s('tp-nord', 'temperature', 750, 1250, 'env.weather', '东北气温', 'Temperature Nordost');
  s('tp-sw', 'temperature', -1050, -650, 'env.weather', '西南气温', 'Temperature Südwest');
  s('ps-nord-1', 'power_substation', 1200, 1400, 'grid.substations', '北变电站1号主变', 'Umspannwerk Nord transformer 1', 'uw-nord');
  s('ps-sued-1', 'power_substation', -1200, -1400, 'grid.substations', '南变电站1号主变', 'Umspannwerk Süd transformer 1', 'uw-sued');
  s('ed-lk', 'hospital_ed', 900, 1100, 'health.ed', '医院急诊', 'Landesklinikum ED', 'hosp-lk');
  s('sh-rathaus', 'service_hall', 0, 500, 'city.services', '市政厅排队叫号', 'Rathaus queue', 'rathaus');
  s('nz-markt', 'noise_level', -450, 500, 'env.noise', '市场巷噪声', 'Marktgasse noise');
  s('nz-ring-n', 'noise_level', 0, RING, 'env.noise', '环路北段噪声', 'Ring North noise');
  s('nz-bahnhof', 'noise_level', 600, -1250, 'env.noise', '车站噪声', 'Bahnhof noise', '', 'urn:dev:ow:10e2073a0108006a:;gw-7/noise-3');
  s('nz-schule', 'noise_level', -900, -1100, 'env.noise', '学校噪声', 'Schule noise', 'schule-sued');
  s('nz-ufer-s', 'noise_level', -450, -200, 'env.noise', '南岸噪声', 'Südufer noise');
  s('aq-sw', 'air_quality', -1050, -1250, 'env.air', '西南空气质量', 'Air quality Südwest');
  return rows;
}

function units(): string[][] {
  const rows: string[][] = [];
  const u = (id: string, kind: string, x: number, y: number, zh: string, en: string, capabilities = '', station = '', shift = '') => {
    const [lng, lat] = at(x, y);
    rows.push([id, kind, String(lng), String(lat), zh, en, capabilities, station, shift]);
  };
  u('pump-1', 'pump_team', 300, -200, '排水抢险队 1', 'Pump team 1', '', 'pump-hafen');
  u('pump-2', 'pump_team', 300, -200, '排水抢险队 2', 'Pump team 2', '', 'pump-hafen', '08-20');
  u('pump-3', 'pump_team', -900, 1400, '排水抢险队 3', 'Pump team 3 (north)', 'pumping');
  u('fire-1', 'fire_engine', -300, -500, '消防车 1', 'Fire engine 1', '', 'fw-haupt');
  u('fire-2', 'fire_engine', -300, -500, '消防车 2', 'Fire engine 2', '', 'fw-haupt');
  u('fire-3', 'fire_engine', -300, -500, '消防车 3', 'Fire engine 3', 'firefighting;rescue;medical', 'fw-haupt', '20-08');
  u('amb-1', 'ambulance', 900, 1100, '救护车 1', 'Ambulance 1', '', 'hosp-lk');
  u('amb-2', 'ambulance', 900, 1100, '救护车 2', 'Ambulance 2', '', 'hosp-lk');
  u('pol-1', 'police', -600, 1100, '巡警 1', 'Police patrol 1', '', 'pol-alt');
  u('pol-2', 'police', -600, 1100, '巡警 2', 'Police patrol 2');
  u('tpol-1', 'traffic_police', -600, 1100, '交警 1', 'Traffic police 1', '', 'pol-alt');
  return rows;
}

/** The files of the river-town package, by path. */
export function riverTownFiles(): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'city.json',
    `${JSON.stringify({ id: 'flusstal', name: { zh: '弗卢斯塔尔（示例河镇）', en: 'Flusstal (sample river town)' }, center: at(0, 0), zoom: 14, timezone: 'Europe/Vienna' }, null, 2)}\n`,
  );
  files.set('districts.geojson', fc(districts()));
  files.set('roads.geojson', fc(roads()));
  files.set('water.geojson', fc(water()));
  files.set('assets.geojson', fc(assets()));
  files.set('buildings.geojson', fc(buildings()));
  files.set('sources.csv', formatCsv(['id', 'name_zh', 'name_en', 'department', 'classification', 'department_en'], SOURCES));
  files.set('sensors.csv', formatCsv(['id', 'kind', 'lng', 'lat', 'source', 'name_zh', 'name_en', 'asset', 'external_ids'], sensors()));
  files.set('units.csv', formatCsv(['id', 'kind', 'lng', 'lat', 'name_zh', 'name_en', 'capabilities', 'station', 'shift'], units()));
  files.set(
    'vocabulary.json',
    `${JSON.stringify({ kinds: [{ kind: 'noise_level', label: { zh: '噪声', en: 'Noise level' }, metrics: { noise_dba: 'dB' } }] }, null, 2)}\n`,
  );
  const noise = {
    staleAfterMs: 600_000,
    metrics: [
      { metric: 'noise_dba', direction: 'above', warning: { enter: 65, exit: 62 }, alarm: { enter: 75, exit: 72 }, onDelayMs: 300_000 },
    ],
  };
  files.set('rules/alarms.json', `${JSON.stringify({ noise_level: noise }, null, 2)}\n`);
  // The shipped rule, with rain counted within 1.5 km: the town is small.
  const waterlogging = {
    ...waterloggingRule,
    signals: waterloggingRule.signals.map((s) => (s.id === 'heavy_rain' ? { ...s, radiusM: 1500 } : s)),
  };
  files.set('rules/incidents/waterlogging.json', `${JSON.stringify(waterlogging, null, 2)}\n`);
  // Targets of the town's KPI screen (kpi.json, an extension): steps not listed keep the defaults.
  files.set(
    'kpi.json',
    `${JSON.stringify({ responseTargets: { acknowledge: { medianS: 120, p90S: 180 }, arrive: { medianS: 900, p90S: 1200 } } }, null, 2)}\n`,
  );
  files.set(
    'README.md',
    '# Flusstal — a sample city package\n\nA fictional river town (not a real map) used by the tests. Generated by\n`npx tsx test/support/make-city-fixtures.ts`; do not edit by hand.\n',
  );
  return files;
}

export const RIVER_TOWN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cities', 'river-town');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { writePackageFiles } = await import('../../twin-model/city-package/package-io.ts');
  writePackageFiles(RIVER_TOWN_DIR, riverTownFiles());
  process.stdout.write(`wrote ${RIVER_TOWN_DIR}\n`);
}
