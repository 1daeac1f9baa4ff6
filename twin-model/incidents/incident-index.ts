/**
 * Indexes over the incident correlator's state (incident-correlator.ts), so that one evidence or
 * one alarm clear costs about the same with ten incidents as with ten thousand (docs/incidents.md,
 * "Indexed correlation"):
 *
 * - the active incidents of a type, and those the twin resolved (late evidence may reopen them),
 *   by district, by asset and on a grid whose cells are as wide as the rule's farthest reach —
 *   every incident that `same_district`, `same_asset`, `near` or `spill_over` could accept;
 * - the incidents holding an active alarm, by the alarm's evidence id;
 * - the pending evidence of a type, by id, and by district, asset and grid like the incidents.
 *
 * An index only narrows the candidates: the correlator applies its full tests to each, in the
 * order a walk of `state.incidents`, `state.resolvedByTwin` or the pending pool would have met them, so every
 * decision — ties broken by the first seen included — is the walk's. The index follows the
 * changes `applyIncidentInput` returns; state changed outside it (a restore, another rule set,
 * incidents added or removed by hand) is noticed at the next input and the index rebuilt.
 */
import type { IncidentType } from '../vocabulary.ts';
import { M_PER_DEG } from '../city/city-queries.ts';
import type { IncidentRule } from './incident-rules.ts';
import { ACTIVE } from './incident-refresh.ts';
import type { Evidence, Incident, IncidentChange, IncidentState, LinkedEvidence } from './incident-types.ts';

interface Entry {
  incident: Incident;
  /** Its position in `state.incidents` (insertion order). */
  seq: number;
  /** Its position in `state.resolvedByTwin`, while there. */
  resolvedSeq: number | null;
  /** Where it is filed: active or resolved buckets of its type, place, district, asset. */
  filed: { active: boolean; type: IncidentType; cell: string; district: string | null; assetId: string | null } | null;
  /** The ids of the active alarms it holds, as filed. */
  alarms: readonly string[];
}

interface Buckets<T = Entry> {
  byDistrict: Map<string, Set<T>>;
  byAsset: Map<string, Set<T>>;
  grid: Map<string, Set<T>>;
}

interface TypeIndex {
  rule: IncidentRule;
  /** The farthest `near` or `spill_over` can link, metres. */
  reachM: number;
  /** Cell size, degrees of latitude (and of longitude: a cell is narrower than it is tall away from the equator). */
  cellDeg: number;
  active: Buckets;
  resolved: Buckets;
}

interface Index {
  incidents: IncidentState['incidents'];
  rules: IncidentState['rules'];
  resolvedByTwin: IncidentState['resolvedByTwin'];
  entries: Map<string, Entry>;
  nextSeq: number;
  nextResolvedSeq: number;
  types: Map<IncidentType, TypeIndex>;
  alarms: Map<string, Set<Entry>>;
  pending: IncidentState['pending'];
  /** The pending evidence of each type: by id (the newest item of that id: the only one in its pool, when there) and by place. */
  pools: Map<IncidentType, PoolIndex>;
  /** Pending items in the order they joined their pool: a pool is sorted by it (items only leave, or join at its end). */
  poolSeq: WeakMap<LinkedEvidence, number>;
  nextPoolSeq: number;
}

interface PoolIndex {
  byId: Map<string, LinkedEvidence>;
  /** Filed by place; an item that left the pool other than by the tick stays filed until it is met or the pool is re-filed. */
  places: Buckets<LinkedEvidence>;
  filed: Set<LinkedEvidence>;
  cellDeg: number;
}

const indexes = new WeakMap<IncidentState, Index>();
/** Up to this many incidents (pending items of a type), a lookup returns all of them: the walk costs less. */
const SMALL = 32;
const DEG = Math.PI / 180;

/** The farthest any evidence of `rule` can link by distance, `near` or `spill_over`, metres. */
export function linkReachM(rule: IncidentRule): number {
  let m = rule.spatial.radiusM;
  for (const s of rule.signals) m = Math.max(m, s.radiusM ?? 0, s.joinRadiusM ?? 0);
  return m;
}

const emptyBuckets = <T = Entry>(): Buckets<T> => ({ byDistrict: new Map(), byAsset: new Map(), grid: new Map() });

function typeIndex(rule: IncidentRule): TypeIndex {
  const reachM = linkReachM(rule);
  const cellDeg = Math.max(reachM, 1) / M_PER_DEG;
  return { rule, reachM, cellDeg, active: emptyBuckets(), resolved: emptyBuckets() };
}

const cellOf = (cellDeg: number, lng: number, lat: number): string => `${Math.floor(lng / cellDeg)}:${Math.floor(lat / cellDeg)}`;

function put<K, T>(map: Map<K, Set<T>>, key: K, entry: T): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(entry);
}

function take<K, T>(map: Map<K, Set<T>>, key: K, entry: T): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(entry);
  if (set.size === 0) map.delete(key);
}

function unfile(index: Index, entry: Entry): void {
  const f = entry.filed;
  if (f) {
    const t = index.types.get(f.type);
    if (t) {
      const b = f.active ? t.active : t.resolved;
      take(b.grid, f.cell, entry);
      if (f.district !== null) take(b.byDistrict, f.district, entry);
      if (f.assetId !== null) take(b.byAsset, f.assetId, entry);
    }
    entry.filed = null;
  }
  for (const id of entry.alarms) take(index.alarms, id, entry);
  entry.alarms = [];
}

/** Files an incident where it belongs now (its status, place, district, asset, active alarms). */
function file(index: Index, state: IncidentState, entry: Entry): void {
  unfile(index, entry);
  const i = entry.incident;
  const resolved = state.resolvedByTwin.has(i.id);
  if (!resolved) entry.resolvedSeq = null;
  else if (entry.resolvedSeq === null) entry.resolvedSeq = index.nextResolvedSeq++;
  const active = ACTIVE.has(i.status);
  const t = index.types.get(i.type);
  if (t && (active || resolved)) {
    const b = active ? t.active : t.resolved;
    const cell = cellOf(t.cellDeg, i.lng, i.lat);
    put(b.grid, cell, entry);
    if (i.district !== null) put(b.byDistrict, i.district, entry);
    if (i.assetId !== null) put(b.byAsset, i.assetId, entry);
    entry.filed = { active, type: i.type, cell, district: i.district, assetId: i.assetId };
  }
  const alarms: string[] = [];
  for (const e of i.evidence) if (e.active && e.id.startsWith('alarm:')) alarms.push(e.id);
  // Alarms held beyond the evidence cap hold the incident as listed ones do (incident-evidence-cap.ts).
  for (const id of i.beyondCap?.active ?? []) if (!alarms.includes(id)) alarms.push(id);
  for (const id of alarms) put(index.alarms, id, entry);
  entry.alarms = alarms;
}

function build(state: IncidentState): Index {
  const index: Index = {
    incidents: state.incidents,
    rules: state.rules,
    resolvedByTwin: state.resolvedByTwin,
    pending: state.pending,
    entries: new Map(),
    nextSeq: 0,
    nextResolvedSeq: 0,
    types: new Map([...state.rules.values()].map((r) => [r.type, typeIndex(r)])),
    alarms: new Map(),
    pools: new Map(),
    poolSeq: new WeakMap(),
    nextPoolSeq: 0,
  };
  let r = 0;
  const resolvedOrder = new Map<string, number>();
  for (const id of state.resolvedByTwin.keys()) resolvedOrder.set(id, r++);
  index.nextResolvedSeq = r;
  for (const [id, incident] of state.incidents) {
    const entry: Entry = { incident, seq: index.nextSeq++, resolvedSeq: resolvedOrder.get(id) ?? null, filed: null, alarms: [] };
    index.entries.set(id, entry);
    file(index, state, entry);
  }
  for (const [type, pool] of state.pending) filePool(index, type, pool);
  indexes.set(state, index);
  return index;
}

function indexOf(state: IncidentState): Index {
  return indexes.get(state) ?? build(state);
}

/**
 * Before an input: drops the index when the state changed outside the correlator (maps replaced
 * or resized, rules changed), so the next lookup rebuilds it from the state.
 */
export function checkIndex(state: IncidentState): void {
  const index = indexes.get(state);
  if (!index) return;
  if (
    index.incidents !== state.incidents ||
    index.rules !== state.rules ||
    index.resolvedByTwin !== state.resolvedByTwin ||
    index.pending !== state.pending ||
    index.entries.size !== state.incidents.size
  ) {
    indexes.delete(state);
    return;
  }
  for (const t of index.types.values())
    if (state.rules.get(t.rule.type) !== t.rule) {
      indexes.delete(state);
      return;
    }
}

/** Forgets the index of `state` (its incidents were replaced, e.g. restored from the store). */
export function dropIndex(state: IncidentState): void {
  indexes.delete(state);
}

/** After an input: the incidents its changes are about filed again where they belong now. */
export function noteChanges(state: IncidentState, changes: readonly IncidentChange[]): void {
  const index = indexes.get(state);
  if (!index || changes.length === 0) return;
  for (const id of new Set(changes.map((c) => c.incidentId))) {
    const incident = state.incidents.get(id);
    const entry = index.entries.get(id);
    if (!incident) {
      if (entry) forget(index, id, entry);
    } else if (!entry) {
      const added: Entry = { incident, seq: index.nextSeq++, resolvedSeq: null, filed: null, alarms: [] };
      index.entries.set(id, added);
      file(index, state, added);
    } else if (entry.incident !== incident) {
      indexes.delete(state);
      return;
    } else file(index, state, entry);
  }
}

function forget(index: Index, id: string, entry: Entry): void {
  unfile(index, entry);
  index.entries.delete(id);
}

/**
 * The twin resolved incident `id` now (it was just added to `state.resolvedByTwin`): numbered
 * among the resolved in that map's order, whatever order the input's changes are filed in.
 */
export function noteResolved(state: IncidentState, id: string): void {
  const index = indexes.get(state);
  const entry = index?.entries.get(id);
  if (index && entry) entry.resolvedSeq = index.nextResolvedSeq++;
}

/** An incident leaving `state.incidents` (kept a day after it ended). */
export function unindexIncident(state: IncidentState, id: string): void {
  const index = indexes.get(state);
  const entry = index?.entries.get(id);
  if (index && entry) forget(index, id, entry);
}

/**
 * The incidents of `rule`'s type, active (`resolved` false) or resolved by the twin, that could
 * link `e` (by district, asset or distance), in the order a walk of `state.incidents` (of
 * `state.resolvedByTwin`) meets them. A superset: the caller applies its own tests.
 */
export function candidateIncidents(state: IncidentState, rule: IncidentRule, e: Evidence, resolved: boolean): Incident[] {
  const walk = () =>
    resolved ? [...state.resolvedByTwin.keys()].flatMap((id) => state.incidents.get(id) ?? []) : [...state.incidents.values()];
  // A handful of incidents: the walk itself is cheaper than a lookup.
  if (state.incidents.size <= SMALL) return walk();
  let t = indexOf(state).types.get(rule.type);
  if (!t || t.rule !== rule) t = build(state).types.get(rule.type);
  // A rule not in force (no caller of the correlator asks for one): every incident is a candidate.
  if (!t || t.rule !== rule) return walk();
  const b = resolved ? t.resolved : t.active;
  const found = new Set<Entry>();
  near(
    b,
    t.cellDeg,
    t.reachM,
    e.lng,
    e.lat,
    rule.spatial.sameDistrict ? e.district : undefined,
    rule.spatial.sameAsset ? e.assetId : undefined,
    found,
  );
  const list = [...found];
  if (resolved) list.sort((p, q) => p.resolvedSeq! - q.resolvedSeq!);
  else list.sort((p, q) => p.seq - q.seq);
  return list.map((x) => x.incident);
}

/**
 * Into `found`: what is filed under `district`, under `assetId`, and on the grid within `reachM`
 * of the point (|Δlat| ≤ reach, |Δlng| ≤ reach / cos(the mean latitude), the cosine at its smallest).
 */
function near<T>(
  b: Buckets<T>,
  cellDeg: number,
  reachM: number,
  lng: number,
  lat: number,
  district: string | null | undefined,
  assetId: string | null | undefined,
  found: Set<T>,
): void {
  const add = (set: Set<T> | undefined) => {
    if (set) for (const x of set) found.add(x);
  };
  if (district) add(b.byDistrict.get(district));
  if (assetId) add(b.byAsset.get(assetId));
  const rDeg = (reachM / M_PER_DEG) * 1.001;
  const cos = Math.cos(Math.min(90, Math.abs(lat) + rDeg) * DEG);
  const lngDeg = rDeg / cos;
  const x0 = Math.floor((lng - lngDeg) / cellDeg);
  const x1 = Math.floor((lng + lngDeg) / cellDeg);
  const y0 = Math.floor((lat - rDeg) / cellDeg);
  const y1 = Math.floor((lat + rDeg) / cellDeg);
  const cells = (x1 - x0 + 1) * (y1 - y0 + 1);
  if (!(cos > 1e-9) || !Number.isFinite(cells) || cells > b.grid.size) for (const set of b.grid.values()) add(set);
  else for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) add(b.grid.get(`${x}:${y}`));
}

/** The incidents holding an active alarm of evidence id `id`, in `state.incidents` order (a superset). */
export function incidentsWithAlarm(state: IncidentState, id: string): Incident[] {
  const set = indexOf(state).alarms.get(id);
  if (!set) return [];
  return [...set].sort((p, q) => p.seq - q.seq).map((x) => x.incident);
}

function poolIndex(index: Index, type: IncidentType): PoolIndex {
  let pi = index.pools.get(type);
  if (!pi) {
    const rule = index.rules.get(type);
    pi = { byId: new Map(), places: emptyBuckets(), filed: new Set(), cellDeg: Math.max(rule ? linkReachM(rule) : 0, 1) / M_PER_DEG };
    index.pools.set(type, pi);
  }
  return pi;
}

function filePending(index: Index, pi: PoolIndex, p: LinkedEvidence): void {
  if (!index.poolSeq.has(p)) index.poolSeq.set(p, index.nextPoolSeq++);
  pi.byId.set(p.id, p);
  if (pi.filed.has(p)) return;
  pi.filed.add(p);
  put(pi.places.grid, cellOf(pi.cellDeg, p.lng, p.lat), p);
  if (p.district) put(pi.places.byDistrict, p.district, p);
  if (p.assetId) put(pi.places.byAsset, p.assetId, p);
}

function unfilePending(pi: PoolIndex, p: LinkedEvidence): void {
  if (!pi.filed.delete(p)) return;
  take(pi.places.grid, cellOf(pi.cellDeg, p.lng, p.lat), p);
  if (p.district) take(pi.places.byDistrict, p.district, p);
  if (p.assetId) take(pi.places.byAsset, p.assetId, p);
}

function filePool(index: Index, type: IncidentType, pool: readonly LinkedEvidence[]): void {
  index.pools.delete(type);
  const pi = poolIndex(index, type);
  for (const p of pool) filePending(index, pi, p);
}

/** Pending evidence `p` joined the end of the pool of `type` (it replaced any item of its id there). */
export function notePending(state: IncidentState, type: IncidentType, p: LinkedEvidence): void {
  const index = indexOf(state);
  filePending(index, poolIndex(index, type), p);
}

/**
 * The pool of `type` was trimmed from `before` to `kept`, a subsequence of it (the tick, an opening): what left
 * it is forgotten; the pool is re-filed when items that left it otherwise outnumber those in it.
 */
export function notePool(
  state: IncidentState,
  type: IncidentType,
  before: readonly LinkedEvidence[],
  kept: readonly LinkedEvidence[],
): void {
  const index = indexOf(state);
  const pi = index.pools.get(type);
  if (!pi || pi.filed.size > 2 * kept.length + 64) {
    filePool(index, type, kept);
    return;
  }
  let j = 0;
  for (const p of before) {
    if (p === kept[j]) j++;
    else {
      unfilePending(pi, p);
      if (pi.byId.get(p.id) === p) pi.byId.delete(p.id);
    }
  }
}

/** Where the item of id `id` is in the pool of `type`, or -1 (`pool.findIndex` by id, without the walk's string compares). */
export function pendingPosition(state: IncidentState, type: IncidentType, pool: readonly LinkedEvidence[], id: string): number {
  const p = indexOf(state).pools.get(type)?.byId.get(id);
  return p ? pool.indexOf(p) : -1;
}

/**
 * The items of the pool of `rule`'s type that could link to a place (`lng`, `lat`, its district
 * and asset where the rule links by them), in pool order: those filed under the district or the
 * asset, and those within the rule's farthest reach. A superset: the caller applies its own tests.
 */
export function pendingNear(
  state: IncidentState,
  rule: IncidentRule,
  lng: number,
  lat: number,
  district: string | null | undefined,
  assetId: string | null | undefined,
): readonly LinkedEvidence[] {
  const pool = state.pending.get(rule.type) ?? [];
  // A short pool: the walk itself is cheaper than a lookup.
  if (pool.length <= SMALL) return pool;
  const index = indexOf(state);
  const pi = poolIndex(index, rule.type);
  const found = new Set<LinkedEvidence>();
  near(
    pi.places,
    pi.cellDeg,
    linkReachM(rule),
    lng,
    lat,
    rule.spatial.sameDistrict ? district : undefined,
    rule.spatial.sameAsset ? assetId : undefined,
    found,
  );
  // Still in the pool? Items leave it from its front (older than its first), for a newer item of
  // their id, or through notePool / forgetPending (unfiled there); items that left are unfiled as met.
  const first = pool.length ? index.poolSeq.get(pool[0]!)! : Number.POSITIVE_INFINITY;
  const out: Array<[number, LinkedEvidence]> = [];
  for (const p of found) {
    const seq = index.poolSeq.get(p)!;
    if (seq >= first && pi.byId.get(p.id) === p) out.push([seq, p]);
    else unfilePending(pi, p);
  }
  return out.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
}

/**
 * The pending item of id `id` in the pool of each type, if it may be there: the newest one of
 * that id (an item that left its pool since may be among them; changing it changes nothing).
 */
export function pendingWithId(state: IncidentState, id: string): Array<[IncidentType, LinkedEvidence]> {
  const out: Array<[IncidentType, LinkedEvidence]> = [];
  for (const [type, pi] of indexOf(state).pools) {
    const p = pi.byId.get(id);
    if (p) out.push([type, p]);
  }
  return out;
}

/** An item of id `id` was taken out of every pool (a withdrawn alarm). */
export function forgetPending(state: IncidentState, id: string): void {
  for (const pi of indexOf(state).pools.values()) {
    const p = pi.byId.get(id);
    if (p) unfilePending(pi, p);
    pi.byId.delete(id);
  }
}
