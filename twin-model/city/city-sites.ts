/**
 * Seeded point assets (hospitals, fire stations, …, flood-prone underpasses) placed on the
 * generated road graph, and what every site placer shares (sensor sites: sensor-sites.ts). All
 * synthetic, except the few landmark assets (railway stations, the airport) which carry
 * `synthetic: false`.
 */
import type { Asset, District, GraphEdge, GraphNode, KnownAssetKind, LngLat } from './city-types.ts';
import type { Geography } from './city-geography.ts';
import type { BuiltGraph } from './road-graph.ts';
import { PointGrid, offsetM, toXY } from './geometry.ts';
import { nearestNode } from './city-queries.ts';
import { lowness, streetSpacingM, urbanDensity } from './terrain.ts';
import { DISTRICT_SPECS, LANDMARK_SPECS } from './wuhan-geography.ts';
import type { Random } from '../random.ts';

/** The 7 central districts (more assets, more underpasses). */
const CENTRAL_CODES = new Set(DISTRICT_SPECS.filter((d) => d.central).map((d) => d.code));

/** What the site placers share. */
export interface SiteEnv {
  geo: Geography;
  built: BuiltGraph;
  /** Urban density at each graph node. */
  nodeDensity: Float64Array;
  /** Ground lowness at each graph node (edge scores use the mean of their ends). */
  nodeLowness: Float64Array;
}

/** Precomputes per-node density and lowness for the placers. */
export function createSiteEnv(geo: Geography, built: BuiltGraph): SiteEnv {
  const nodeDensity = Float64Array.from(built.graph.nodes, (n) => urbanDensity([n.lng, n.lat]));
  const nodeLowness = Float64Array.from(built.graph.nodes, (n) => lowness([n.lng, n.lat], geo.waterEdges));
  return { geo, built, nodeDensity, nodeLowness };
}

export function edgeLowness(env: SiteEnv, edge: GraphEdge): number {
  return ((env.nodeLowness[edge.from] as number) + (env.nodeLowness[edge.to] as number)) / 2;
}

export function districtOf(env: SiteEnv, p: LngLat): District | null {
  const k = env.geo.districtIndexes.findIndex((index) => index.contains(p[0], p[1]));
  return k >= 0 ? (env.geo.districts[k] ?? null) : null;
}

/** On land, inside the outline and inside a district. */
export function isSiteLand(env: SiteEnv, p: LngLat): boolean {
  return env.geo.outlineIndex.contains(p[0], p[1]) && !env.geo.waterIndex.contains(p[0], p[1]) && districtOf(env, p) !== null;
}

export function lownessAt(env: SiteEnv, p: LngLat): number {
  return Math.round(lowness(p, env.geo.waterEdges) * 1000) / 1000;
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function randomOffset(rnd: Random, p: LngLat, minM: number, maxM: number): LngLat {
  const a = rnd.range(0, 2 * Math.PI);
  const r = rnd.range(minM, maxM);
  return offsetM(p, r * Math.cos(a), r * Math.sin(a));
}

/** Picks an index with probability proportional to its weight (cumulative sums + bisection). */
export class WeightedPicker {
  private readonly cumulative: Float64Array;

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += Math.max(0, w);
      this.cumulative[i] = sum;
    });
  }

  get empty(): boolean {
    return this.cumulative.length === 0 || (this.cumulative[this.cumulative.length - 1] as number) <= 0;
  }

  pick(rnd: Random): number {
    const total = this.cumulative[this.cumulative.length - 1] as number;
    const x = rnd.next() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------------------------
// Underpasses

/** Underpasses per district: the old towns have many rail and arterial underpasses. */
const UNDERPASS_QUOTA = { central: 9, outer: 4 } as const;
const UNDERPASS_SPACING_M = 800;

/**
 * Flags some street and arterial edges in low-lying, built-up spots as underpasses (the
 * places that flood first in a rainstorm) and returns their ids, district by district.
 */
export function markUnderpasses(env: SiteEnv, rnd: Random): number[] {
  const { graph, nodeDistrict } = env.built;
  const byDistrict = new Map<string, Array<{ edge: GraphEdge; score: number; mid: LngLat }>>();
  for (const edge of graph.edges) {
    if (edge.roadClass !== 'street' && edge.roadClass !== 'arterial') continue;
    if (edge.bridge || edge.tunnel || edge.lengthM < 120 || edge.lengthM > 900) continue;
    const district = nodeDistrict[edge.from];
    if (!district || district !== nodeDistrict[edge.to]) continue;
    const a = graph.nodes[edge.from] as GraphNode;
    const b = graph.nodes[edge.to] as GraphNode;
    const mid: LngLat = [(a.lng + b.lng) / 2, (a.lat + b.lat) / 2];
    const density = urbanDensity(mid);
    if (density < 0.2) continue;
    const score = edgeLowness(env, edge) + 0.3 * rnd.next();
    const list = byDistrict.get(district) ?? [];
    list.push({ edge, score, mid });
    byDistrict.set(district, list);
  }
  const chosen: number[] = [];
  for (const district of env.geo.districts) {
    const spec = CENTRAL_CODES.has(district.code) ? UNDERPASS_QUOTA.central : UNDERPASS_QUOTA.outer;
    const list = (byDistrict.get(district.code) ?? []).sort((p, q) => q.score - p.score || p.edge.id - q.edge.id);
    const grid = new PointGrid(UNDERPASS_SPACING_M);
    let count = 0;
    for (const c of list) {
      if (count >= spec) break;
      const [x, y] = toXY(c.mid[0], c.mid[1]);
      if (grid.within(x, y, UNDERPASS_SPACING_M) >= 0) continue;
      grid.add(x, y);
      c.edge.underpass = true;
      chosen.push(c.edge.id);
      count++;
    }
  }
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// Assets

type PlacedKind = Exclude<KnownAssetKind, 'underpass'>;

/** Asset id prefix per kind: `hosp-420106-03`. */
const ASSET_PREFIX: Readonly<Record<KnownAssetKind, string>> = {
  hospital: 'hosp',
  fire_station: 'fire',
  pump_depot: 'pump',
  police_station: 'police',
  underpass: 'upass',
  metro_station: 'metro',
  camera: 'cam',
  substation: 'subst',
  service_hall: 'hall',
};

interface AssetPlan {
  central: number;
  outer: number;
  /** Minimum spacing between assets of the kind in the core; grows with street spacing. */
  spacingM: number;
  zh: string;
  en: string;
  digits: number;
  /** Preference for a node given its urban density and lowness. */
  weight: (density: number, low: number) => number;
}

/** Per-kind asset plans (counts per district, spacing, naming, where they cluster). */
const ASSET_PLANS: Readonly<Record<PlacedKind, AssetPlan>> = {
  hospital: { central: 6, outer: 4, spacingM: 1500, zh: '医院', en: 'Hospital', digits: 2, weight: (d) => 0.05 + d * d },
  fire_station: { central: 4, outer: 4, spacingM: 2500, zh: '消防站', en: 'Fire Station', digits: 2, weight: (d) => 0.15 + d },
  pump_depot: {
    central: 3,
    outer: 2,
    spacingM: 2000,
    zh: '排水抢险站',
    en: 'Pump Team Depot',
    digits: 2,
    weight: (d, low) => (0.1 + d) * (0.3 + low),
  },
  police_station: { central: 6, outer: 5, spacingM: 1200, zh: '派出所', en: 'Police Station', digits: 2, weight: (d) => 0.1 + d },
  metro_station: { central: 20, outer: 8, spacingM: 800, zh: '地铁站', en: 'Metro Station', digits: 2, weight: (d) => 0.01 + d ** 2.5 },
  camera: { central: 35, outer: 15, spacingM: 250, zh: '视频监控', en: 'Camera', digits: 3, weight: (d) => 0.03 + d * d },
  substation: { central: 10, outer: 8, spacingM: 1200, zh: '110kV变电站', en: '110 kV Substation', digits: 2, weight: (d) => 0.15 + d },
  service_hall: {
    central: 5,
    outer: 4,
    spacingM: 1000,
    zh: '便民服务中心',
    en: 'Service Center',
    digits: 2,
    weight: (d) => 0.05 + d ** 1.5,
  },
};

const PLACED_KINDS = Object.keys(ASSET_PLANS) as PlacedKind[];

/** Places every asset: landmarks, underpasses, then each kind district by district. */
export function placeAssets(env: SiteEnv, underpassEdges: readonly number[], rnd: Random): Asset[] {
  const { graph, nodeDistrict, nodeOpen } = env.built;
  const assets: Asset[] = [];

  for (const lm of LANDMARK_SPECS) {
    if (!lm.asset) continue;
    const district = districtOf(env, lm.at);
    if (!district || !isSiteLand(env, lm.at)) {
      throw new Error(`landmark ${lm.id} at ${lm.at.join(',')} is not on land inside a district`);
    }
    assets.push({
      id: `${ASSET_PREFIX[lm.asset]}-${lm.id}`,
      kind: lm.asset,
      nameZh: lm.nameZh,
      nameEn: lm.nameEn,
      lng: lm.at[0],
      lat: lm.at[1],
      district: district.code,
      nodeId: nearestNode(graph, lm.at[0], lm.at[1]).id,
      synthetic: false,
    });
  }

  const underpassSeq = new Map<string, number>();
  for (const edgeId of underpassEdges) {
    const edge = graph.edges[edgeId] as GraphEdge;
    const a = graph.nodes[edge.from] as GraphNode;
    const b = graph.nodes[edge.to] as GraphNode;
    // Within 150 m of a node, so the asset is always close to where a unit can stop.
    const t = Math.min(0.5, 150 / edge.lengthM);
    const p: LngLat = [a.lng + (b.lng - a.lng) * t, a.lat + (b.lat - a.lat) * t];
    const district = districtOf(env, p);
    if (!district) continue;
    const seq = (underpassSeq.get(district.code) ?? 0) + 1;
    underpassSeq.set(district.code, seq);
    const asset: Asset = {
      id: `${ASSET_PREFIX.underpass}-${district.code}-${pad(seq, 2)}`,
      kind: 'underpass',
      nameZh: `${district.nameZh}下穿通道 ${pad(seq, 2)}`,
      nameEn: `${district.nameEn} Underpass ${pad(seq, 2)}`,
      lng: p[0],
      lat: p[1],
      district: district.code,
      nodeId: nearestNode(graph, p[0], p[1]).id,
      edgeId: edge.id,
      synthetic: true,
    };
    if (edge.roadId) asset.roadId = edge.roadId;
    assets.push(asset);
  }

  for (const kind of PLACED_KINDS) {
    const plan = ASSET_PLANS[kind];
    const kindRnd = rnd.fork(kind);
    for (const district of env.geo.districts) {
      const count = CENTRAL_CODES.has(district.code) ? plan.central : plan.outer;
      const candidates: number[] = [];
      const weights: number[] = [];
      for (let i = 0; i < graph.nodes.length; i++) {
        if (nodeDistrict[i] !== district.code || !nodeOpen[i]) continue;
        candidates.push(i);
        weights.push(plan.weight(env.nodeDensity[i] as number, env.nodeLowness[i] as number));
      }
      const picker = new WeightedPicker(weights);
      if (picker.empty) continue;
      const grid = new PointGrid(plan.spacingM);
      let placed = 0;
      let relax = 1;
      for (let attempt = 0; placed < count && attempt < count * 60; attempt++) {
        if (attempt > 0 && attempt % (count * 10) === 0) relax *= 0.7;
        const node = graph.nodes[candidates[picker.pick(kindRnd)] as number] as GraphNode;
        const p = randomOffset(kindRnd, [node.lng, node.lat], 20, 140);
        if (!isSiteLand(env, p) || districtOf(env, p)?.code !== district.code) continue;
        const spacing = plan.spacingM * Math.min(3, streetSpacingM(p) / 300) * relax;
        const [x, y] = toXY(p[0], p[1]);
        if (grid.within(x, y, spacing) >= 0) continue;
        grid.add(x, y);
        placed++;
        const seq = pad(placed, plan.digits);
        const main = kind === 'service_hall' && placed === 1;
        assets.push({
          id: `${ASSET_PREFIX[kind]}-${district.code}-${seq}`,
          kind,
          nameZh: main ? `${district.nameZh}政务服务中心` : `${district.nameZh}${plan.zh} ${seq}`,
          nameEn: main ? `${district.nameEn} Government Service Center` : `${district.nameEn} ${plan.en} ${seq}`,
          lng: p[0],
          lat: p[1],
          district: district.code,
          nodeId: nearestNode(graph, p[0], p[1]).id,
          synthetic: true,
        });
      }
    }
  }
  return assets;
}
