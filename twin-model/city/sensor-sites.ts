/**
 * Planned sensor sites of every kind, placed by rule on the generated city (rain gauges evenly,
 * water levels at underpasses then low streets, river levels on the banks, traffic on every
 * bridge and tunnel end then along trunk roads, substation, hospital, metro and service-hall
 * sensors at their assets, city-code scans around crowded places). The assets they use are
 * placed first (city-sites.ts).
 */
import type { Asset, AssetKind, District, GraphEdge, GraphNode, LngLat, Road, SensorSite } from './city-types.ts';
import { PointGrid, fromXY, pointSegmentM, polygonAreaKm2, ringCentroid, toXY } from './geometry.ts';
import { lowness, urbanDensity } from './terrain.ts';
import { SOURCE_IDS } from './city-sources.ts';
import { HAN, LANDMARK_SPECS, YANGTZE } from './wuhan-geography.ts';
import { districtOf, edgeLowness, isSiteLand, lownessAt, pad, randomOffset, WeightedPicker, type SiteEnv } from './city-sites.ts';
import { KIND_LABELS, SENSOR_KINDS, type SensorKind } from '../vocabulary.ts';
import type { Random } from '../random.ts';

/** Share of the sensor budget per kind (sums to 3000 for the default budget). */
const SENSOR_WEIGHTS: Readonly<Record<SensorKind, number>> = {
  rain_gauge: 300,
  water_level: 420,
  river_level: 130,
  traffic_flow: 600,
  air_quality: 190,
  power_substation: 240,
  hospital_ed: 130,
  metro_station: 300,
  city_code: 330,
  service_hall: 120,
  temperature: 240,
};

/** Id prefix per kind: `wl-420106-0012`. */
const SENSOR_PREFIX: Readonly<Record<SensorKind, string>> = {
  rain_gauge: 'rg',
  water_level: 'wl',
  river_level: 'rl',
  traffic_flow: 'tf',
  air_quality: 'aq',
  power_substation: 'ps',
  hospital_ed: 'ed',
  metro_station: 'ms',
  city_code: 'cc',
  service_hall: 'sh',
  temperature: 'tp',
};

/**
 * Splits the budget over the kinds by weight (largest remainder, so it sums exactly), giving
 * every kind at least one site when the budget allows.
 */
export function allocateSensors(total: number): Record<SensorKind, number> {
  const weightSum = SENSOR_KINDS.reduce((s, k) => s + SENSOR_WEIGHTS[k], 0);
  const raw = SENSOR_KINDS.map((k) => (total * SENSOR_WEIGHTS[k]) / weightSum);
  const counts = raw.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i] = (counts[i] as number) + 1;
    left--;
  }
  if (total >= SENSOR_KINDS.length) {
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== 0) continue;
      const donor = counts.indexOf(Math.max(...counts));
      counts[donor] = (counts[donor] as number) - 1;
      counts[i] = 1;
    }
  }
  return Object.fromEntries(SENSOR_KINDS.map((k, i) => [k, counts[i] as number])) as Record<SensorKind, number>;
}

interface SiteFields {
  sourceId: string;
  name: (district: District, seq: string) => { zh: string; en: string };
  lowness?: number;
  assetId?: string;
  roadId?: string;
  edgeId?: number;
}

/** Collects sites, numbering them per kind and district. */
class SiteBook {
  readonly sites: SensorSite[] = [];
  private readonly seq = new Map<string, number>();

  constructor(private readonly env: SiteEnv) {}

  add(kind: SensorKind, p: LngLat, fields: SiteFields): SensorSite | null {
    if (!isSiteLand(this.env, p)) return null;
    const district = districtOf(this.env, p);
    if (!district) return null;
    const key = `${kind}/${district.code}`;
    const n = (this.seq.get(key) ?? 0) + 1;
    this.seq.set(key, n);
    const seq = pad(n, 4);
    const name = fields.name(district, seq);
    const site: SensorSite = {
      id: `${SENSOR_PREFIX[kind]}-${district.code}-${seq}`,
      kind,
      lng: p[0],
      lat: p[1],
      district: district.code,
      sourceId: fields.sourceId,
      nameZh: name.zh,
      nameEn: name.en,
      lowness: fields.lowness ?? lownessAt(this.env, p),
    };
    if (fields.assetId !== undefined) site.assetId = fields.assetId;
    if (fields.roadId !== undefined) site.roadId = fields.roadId;
    if (fields.edgeId !== undefined) site.edgeId = fields.edgeId;
    this.sites.push(site);
    return site;
  }
}

const genericName = (kind: SensorKind) => (d: District, seq: string) => ({
  zh: `${d.nameZh}${KIND_LABELS[kind].zh} ${seq}`,
  en: `${d.nameEn} ${KIND_LABELS[kind].en.toLowerCase()} ${seq}`,
});

/**
 * Scatters `count` sites over the land: candidates are uniform over the city, kept with
 * probability `weight(p)` (so they cluster where it is high) and at least `spacing(p)` from
 * each other; the spacing relaxes if the city fills up.
 */
function scatter(
  env: SiteEnv,
  rnd: Random,
  count: number,
  weight: (p: LngLat) => number,
  spacing: (p: LngLat) => number,
  place: (p: LngLat) => boolean,
): void {
  if (count <= 0) return;
  const [w, s, e, n] = env.geo.outlineIndex.bbox;
  const grid = new PointGrid(1000);
  let placed = 0;
  let relax = 1;
  const maxAttempts = count * 600;
  for (let attempt = 1; placed < count && attempt <= maxAttempts; attempt++) {
    if (attempt % (count * 60) === 0) relax *= 0.75;
    const p: LngLat = [rnd.range(w, e), rnd.range(s, n)];
    if (rnd.next() > weight(p)) continue;
    if (!isSiteLand(env, p)) continue;
    const [x, y] = toXY(p[0], p[1]);
    if (grid.within(x, y, spacing(p) * relax) >= 0) continue;
    if (!place(p)) continue;
    grid.add(x, y);
    placed++;
  }
}

/** Land area of the city (districts), km². */
function landAreaKm2(env: SiteEnv): number {
  let sum = 0;
  for (const d of env.geo.districts) for (const p of d.polygons) sum += polygonAreaKm2(p);
  return sum;
}

function nearestEdgeOnRoad(env: SiteEnv, roadId: string, p: LngLat): GraphEdge | undefined {
  const { nodes, edges } = env.built.graph;
  let best: GraphEdge | undefined;
  let bestD = Infinity;
  for (const e of edges) {
    if (e.roadId !== roadId) continue;
    const a = nodes[e.from] as GraphNode;
    const b = nodes[e.to] as GraphNode;
    const d = pointSegmentM(p[0], p[1], a.lng, a.lat, b.lng, b.lat);
    if (d < bestD) {
      bestD = d;
      best = e;
    }
  }
  return best;
}

/** Places the planned sensor sites for a budget of `sensorCount`. */
export function placeSensorSites(env: SiteEnv, assets: readonly Asset[], sensorCount: number, rnd: Random): SensorSite[] {
  const counts = allocateSensors(sensorCount);
  const book = new SiteBook(env);
  const area = landAreaKm2(env) * 1e6;
  const baseSpacing = (count: number): number => Math.sqrt(area / Math.max(1, count));
  const assetsOf = (kind: AssetKind): Asset[] => assets.filter((a) => a.kind === kind);

  for (const kind of SENSOR_KINDS) {
    const count = counts[kind];
    const r = rnd.fork(kind);
    switch (kind) {
      case 'rain_gauge': {
        // Even cover, a little denser in the core (drainage districts are smaller there).
        const spacing = baseSpacing(count) * 0.75;
        let k = 0;
        scatter(
          env,
          r,
          count,
          (p) => 0.45 + 0.55 * urbanDensity(p),
          (p) => spacing * (1 - 0.55 * urbanDensity(p)),
          (p) => {
            // Three in ten gauges are the weather bureau's automatic stations.
            const sourceId = k++ % 10 < 3 ? SOURCE_IDS.weatherRain : SOURCE_IDS.rainGauges;
            return book.add(kind, p, { sourceId, name: genericName(kind) }) !== null;
          },
        );
        break;
      }
      case 'water_level':
        placeWaterLevels(env, book, assetsOf('underpass'), count, r);
        break;
      case 'river_level':
        placeRiverLevels(env, book, count, r);
        break;
      case 'traffic_flow':
        placeTraffic(env, book, count, r);
        break;
      case 'air_quality': {
        const spacing = baseSpacing(count) * 0.55;
        scatter(
          env,
          r,
          count,
          (p) => 0.1 + 0.9 * urbanDensity(p),
          (p) => spacing * (1 - 0.8 * urbanDensity(p)),
          (p) => book.add(kind, p, { sourceId: SOURCE_IDS.airQuality, name: genericName(kind) }) !== null,
        );
        break;
      }
      case 'temperature': {
        const spacing = baseSpacing(count) * 0.65;
        scatter(
          env,
          r,
          count,
          (p) => 0.3 + 0.7 * urbanDensity(p),
          (p) => spacing * (1 - 0.7 * urbanDensity(p)),
          (p) => book.add(kind, p, { sourceId: SOURCE_IDS.temperature, name: genericName(kind) }) !== null,
        );
        break;
      }
      case 'power_substation':
        placeAtAssets(env, book, kind, assetsOf('substation'), count, r, SOURCE_IDS.substations, (a, k) => ({
          zh: `${a.nameZh} ${k}号主变`,
          en: `${a.nameEn} transformer ${k}`,
        }));
        break;
      case 'hospital_ed':
        placeAtAssets(env, book, kind, assetsOf('hospital'), count, r, SOURCE_IDS.hospitalEd, (a, k) => ({
          zh: `${a.nameZh} 急诊${k > 1 ? ` ${k}` : ''}`,
          en: `${a.nameEn} ED${k > 1 ? ` ${k}` : ''}`,
        }));
        break;
      case 'metro_station':
        placeAtAssets(env, book, kind, assetsOf('metro_station'), count, r, SOURCE_IDS.metro, (a, k) => ({
          zh: `${a.nameZh} 闸机${k}`,
          en: `${a.nameEn} gates ${k}`,
        }));
        break;
      case 'service_hall':
        placeAtAssets(env, book, kind, assetsOf('service_hall'), count, r, SOURCE_IDS.serviceHalls, (a, k) => ({
          zh: `${a.nameZh} 排队叫号${k}`,
          en: `${a.nameEn} queue ${k}`,
        }));
        break;
      case 'city_code':
        placeCityCode(env, book, assets, count, r);
        break;
      default: {
        const unreachable: never = kind;
        throw new Error(`no placement rule for sensor kind ${String(unreachable)}`);
      }
    }
  }
  return book.sites;
}

function placeAtAssets(
  env: SiteEnv,
  book: SiteBook,
  kind: SensorKind,
  assets: readonly Asset[],
  count: number,
  rnd: Random,
  sourceId: string,
  name: (asset: Asset, k: number) => { zh: string; en: string },
): void {
  if (assets.length === 0) return;
  // Round-robin: every asset gets one before any gets a second.
  for (let i = 0; i < count; i++) {
    const asset = assets[i % assets.length] as Asset;
    const k = Math.floor(i / assets.length) + 1;
    let p: LngLat = [asset.lng, asset.lat];
    if (k > 1) {
      const moved = randomOffset(rnd, p, 15, 45);
      if (isSiteLand(env, moved) && districtOf(env, moved)?.code === asset.district) p = moved;
    }
    const n = name(asset, k);
    book.add(kind, p, { sourceId, assetId: asset.id, name: () => n });
  }
}

function placeWaterLevels(env: SiteEnv, book: SiteBook, underpasses: readonly Asset[], count: number, rnd: Random): void {
  let placed = 0;
  for (const u of underpasses) {
    if (placed >= count) return;
    const l = lowness([u.lng, u.lat], env.geo.waterEdges);
    const fields: SiteFields = {
      sourceId: SOURCE_IDS.waterlogging,
      assetId: u.id,
      // Underpasses sit below the street: they flood first whatever the ground around them.
      lowness: Math.round((0.75 + 0.25 * l) * 1000) / 1000,
      name: () => ({ zh: `${u.nameZh} 积水监测`, en: `${u.nameEn} water level` }),
    };
    if (u.roadId !== undefined) fields.roadId = u.roadId;
    if (u.edgeId !== undefined) fields.edgeId = u.edgeId;
    if (book.add('water_level', [u.lng, u.lat], fields)) placed++;
  }
  // The rest watch low streets: the lowest built-up edges, spread out.
  const { nodes, edges } = env.built.graph;
  const candidates: Array<{ edge: GraphEdge; mid: LngLat; score: number }> = [];
  for (const edge of edges) {
    if (edge.roadClass !== 'street' && edge.roadClass !== 'arterial') continue;
    if (edge.bridge || edge.tunnel || edge.underpass) continue;
    const a = nodes[edge.from] as GraphNode;
    const b = nodes[edge.to] as GraphNode;
    const mid: LngLat = [(a.lng + b.lng) / 2, (a.lat + b.lat) / 2];
    if (urbanDensity(mid) < 0.1) continue;
    candidates.push({ edge, mid, score: edgeLowness(env, edge) + 0.15 * rnd.next() });
  }
  candidates.sort((p, q) => q.score - p.score || p.edge.id - q.edge.id);
  // Midpoints first, as spread out as the spacing allows; with a large budget the spacing
  // shrinks and later passes add points elsewhere along the same low edges.
  const uses = new Map<number, number>();
  for (let spacing = 600; placed < count && spacing > 5; spacing /= 2) {
    const grid = new PointGrid(Math.max(100, spacing));
    for (const s of book.sites) {
      if (s.kind !== 'water_level') continue;
      const [x, y] = toXY(s.lng, s.lat);
      grid.add(x, y);
    }
    for (const c of candidates) {
      if (placed >= count) break;
      const used = uses.get(c.edge.id) ?? 0;
      let p = c.mid;
      if (used > 0) {
        const a = nodes[c.edge.from] as GraphNode;
        const b = nodes[c.edge.to] as GraphNode;
        const t = rnd.range(0.1, 0.9);
        p = [a.lng + (b.lng - a.lng) * t, a.lat + (b.lat - a.lat) * t];
      }
      const [x, y] = toXY(p[0], p[1]);
      if (grid.within(x, y, spacing) >= 0) continue;
      const fields: SiteFields = {
        sourceId: SOURCE_IDS.waterlogging,
        edgeId: c.edge.id,
        name: (d, seq) => ({ zh: `${d.nameZh}低洼路段积水 ${seq}`, en: `${d.nameEn} low street water level ${seq}` }),
      };
      if (c.edge.roadId !== undefined) fields.roadId = c.edge.roadId;
      if (!book.add('water_level', p, fields)) continue;
      uses.set(c.edge.id, used + 1);
      grid.add(x, y);
      placed++;
    }
  }
}

function placeRiverLevels(env: SiteEnv, book: SiteBook, count: number, rnd: Random): void {
  const yangtze = Math.round(count * 0.5);
  const han = Math.round(count * 0.2);
  const lakes = count - yangtze - han;
  const grid = new PointGrid(1000);
  const spaced = (p: LngLat, spacing: number): boolean => {
    const [x, y] = toXY(p[0], p[1]);
    if (grid.within(x, y, spacing) >= 0) return false;
    grid.add(x, y);
    return true;
  };
  const banks = (riverIndex: number, want: number): void => {
    const river = env.geo.rivers[riverIndex];
    if (!river || want <= 0) return;
    const line = river.centreline;
    const lengths: number[] = [];
    let total = 0;
    for (let i = 0; i + 1 < line.length; i++) {
      const [ax, ay] = toXY(...(line[i] as LngLat));
      const [bx, by] = toXY(...(line[i + 1] as LngLat));
      const l = Math.hypot(bx - ax, by - ay);
      lengths.push(l);
      total += l;
    }
    const widths = riverIndex === 0 ? YANGTZE.widthsM : HAN.widthsM;
    let placed = 0;
    let spacing = (total / want) * 0.6;
    for (let attempt = 1; placed < want && attempt < want * 400; attempt++) {
      if (attempt % (want * 40) === 0) spacing *= 0.7;
      let d = rnd.next() * total;
      let i = 0;
      while (i < lengths.length - 1 && d > (lengths[i] as number)) d -= lengths[i++] as number;
      const t = d / (lengths[i] as number);
      const [ax, ay] = toXY(...(line[i] as LngLat));
      const [bx, by] = toXY(...(line[i + 1] as LngLat));
      const hw = ((widths[i] ?? 0) + ((widths[i + 1] ?? 0) - (widths[i] ?? 0)) * t) / 2;
      const len = lengths[i] as number;
      const side = rnd.next() < 0.5 ? 1 : -1;
      const off = side * (hw + rnd.range(60, 200));
      const x = ax + (bx - ax) * t - ((by - ay) / len) * off;
      const y = ay + (by - ay) * t + ((bx - ax) / len) * off;
      const p = fromXY(x, y);
      if (!isSiteLand(env, p) || !spaced(p, spacing)) continue;
      const site = book.add('river_level', p, {
        sourceId: SOURCE_IDS.riverLevels,
        name: (dist, seq) => ({
          zh: `${river.nameZh}${dist.nameZh}段水位 ${seq}`,
          en: `${river.nameEn} level, ${dist.nameEn} ${seq}`,
        }),
      });
      if (site) placed++;
    }
  };
  banks(0, yangtze);
  banks(1, han);
  const lakeList = env.geo.lakes;
  const picker = new WeightedPicker(lakeList.map((l) => Math.sqrt(l.areaKm2)));
  let placed = 0;
  for (let attempt = 1; placed < lakes && attempt < lakes * 400; attempt++) {
    const lake = lakeList[picker.pick(rnd)];
    const ring = lake?.polygon[0];
    if (!lake || !ring || ring.length < 4) continue;
    // A point on a random shore edge, pushed out from the lake's centre onto the bank.
    const k = rnd.int(ring.length - 1);
    const v0 = ring[k] as LngLat;
    const v1 = ring[k + 1] as LngLat;
    const f = rnd.next();
    const v: LngLat = [v0[0] + (v1[0] - v0[0]) * f, v0[1] + (v1[1] - v0[1]) * f];
    const c = ringCentroid(ring);
    const [vx, vy] = toXY(v[0], v[1]);
    const [cx, cy] = toXY(c[0], c[1]);
    const l = Math.hypot(vx - cx, vy - cy) || 1;
    const p = fromXY(vx + ((vx - cx) / l) * 90, vy + ((vy - cy) / l) * 90);
    if (!isSiteLand(env, p) || !spaced(p, 700 * 0.7 ** Math.floor(attempt / (lakes * 40)))) continue;
    const site = book.add('river_level', p, {
      sourceId: SOURCE_IDS.lakeLevels,
      name: (_d, seq) => ({ zh: `${lake.nameZh}水位 ${seq}`, en: `${lake.nameEn} level ${seq}` }),
    });
    if (site) placed++;
  }
}

function placeTraffic(env: SiteEnv, book: SiteBook, count: number, rnd: Random): void {
  const trunkRoads = env.geo.trunk;
  const roadById = new Map<string, Road>(trunkRoads.map((t) => [t.road.id, t.road]));
  let placed = 0;
  // Every bridge and tunnel first: one counter at each end (bank or portal), on land.
  const crossings = trunkRoads.filter((t) => t.bridge || t.tunnel);
  for (const end of [0, 1]) {
    for (const t of crossings) {
      if (placed >= count) return;
      const line = t.road.line;
      const p = t.bridge ? line[end === 0 ? 1 : line.length - 2] : line[end === 0 ? 0 : line.length - 1];
      if (!p) continue;
      const edge = nearestEdgeOnRoad(env, t.road.id, p);
      const fields: SiteFields = {
        sourceId: SOURCE_IDS.bridgeTunnelFlow,
        roadId: t.road.id,
        name: (_d, seq) => ({ zh: `${t.road.nameZh}车流 ${seq}`, en: `${t.road.nameEn} traffic ${seq}` }),
      };
      if (edge) fields.edgeId = edge.id;
      if (book.add('traffic_flow', p, fields)) placed++;
    }
  }
  // The rest along the other trunk roads, denser in the core.
  const { nodes, edges } = env.built.graph;
  const trunkEdges = edges.filter((e) => e.roadId !== undefined && !e.bridge && !e.tunnel);
  const picker = new WeightedPicker(
    trunkEdges.map((e) => {
      const a = nodes[e.from] as GraphNode;
      const b = nodes[e.to] as GraphNode;
      return e.lengthM * (0.25 + urbanDensity([(a.lng + b.lng) / 2, (a.lat + b.lat) / 2]));
    }),
  );
  if (picker.empty) return;
  const grid = new PointGrid(500);
  let spacing = 700;
  const want = count - placed;
  for (let attempt = 1; placed < count && attempt < want * 400; attempt++) {
    if (attempt % (want * 40) === 0) spacing *= 0.7;
    const edge = trunkEdges[picker.pick(rnd)] as GraphEdge;
    const a = nodes[edge.from] as GraphNode;
    const b = nodes[edge.to] as GraphNode;
    const t = rnd.range(0.2, 0.8);
    const p: LngLat = [a.lng + (b.lng - a.lng) * t, a.lat + (b.lat - a.lat) * t];
    const [x, y] = toXY(p[0], p[1]);
    if (grid.within(x, y, spacing) >= 0) continue;
    const road = roadById.get(edge.roadId ?? '');
    if (!road) continue;
    const site = book.add('traffic_flow', p, {
      sourceId: SOURCE_IDS.trafficFlow,
      roadId: road.id,
      edgeId: edge.id,
      name: (_d, seq) => ({ zh: `${road.nameZh}车流 ${seq}`, en: `${road.nameEn} traffic ${seq}` }),
    });
    if (!site) continue;
    grid.add(x, y);
    placed++;
  }
}

function placeCityCode(env: SiteEnv, book: SiteBook, assets: readonly Asset[], count: number, rnd: Random): void {
  // City-code scans stand in for crowd density: around stations, hospitals, service halls and
  // landmarks, plus a scatter over the busiest streets.
  const anchors: Array<{ p: LngLat; zh: string; en: string; w: number }> = [];
  for (const a of assets) {
    const w = a.kind === 'metro_station' ? 3 : a.kind === 'hospital' || a.kind === 'service_hall' ? 2 : 0;
    if (w > 0) anchors.push({ p: [a.lng, a.lat], zh: a.nameZh, en: a.nameEn, w });
  }
  for (const lm of LANDMARK_SPECS) anchors.push({ p: lm.at, zh: lm.nameZh, en: lm.nameEn, w: 4 });
  const anchored = Math.round(count * 0.75);
  const picker = new WeightedPicker(anchors.map((a) => a.w));
  const grid = new PointGrid(250);
  let placed = 0;
  let spacing = 150;
  for (let attempt = 1; placed < anchored && attempt < anchored * 400 && !picker.empty; attempt++) {
    if (attempt % (anchored * 40) === 0) spacing *= 0.7;
    const anchor = anchors[picker.pick(rnd)];
    if (!anchor) continue;
    const p = randomOffset(rnd, anchor.p, 30, 250);
    const [x, y] = toXY(p[0], p[1]);
    if (grid.within(x, y, spacing) >= 0) continue;
    const site = book.add('city_code', p, {
      sourceId: SOURCE_IDS.cityCode,
      name: (_d, seq) => ({ zh: `${anchor.zh} 扫码点 ${seq}`, en: `${anchor.en} city-code point ${seq}` }),
    });
    if (!site) continue;
    grid.add(x, y);
    placed++;
  }
  const rest = count - placed;
  scatter(
    env,
    rnd,
    rest,
    (p) => urbanDensity(p) ** 2,
    (p) => 600 * (1 - 0.6 * urbanDensity(p)),
    (p) => {
      const [x, y] = toXY(p[0], p[1]);
      if (grid.within(x, y, 100) >= 0) return false;
      const site = book.add('city_code', p, {
        sourceId: SOURCE_IDS.cityCode,
        name: (d, seq) => ({ zh: `${d.nameZh}人员密集场所 ${seq}`, en: `${d.nameEn} crowded place ${seq}` }),
      });
      if (site) grid.add(x, y);
      return site !== null;
    },
  );
}
