/**
 * The city's registers — its sensors, response units and data sources — compared with what is
 * stored: which entries are new, moved, renamed, re-sourced, re-kinded, reclassified or
 * otherwise changed, which are gone (retired: kept with their history, no longer live) and how
 * many are unchanged. Used when the product starts on a city package (bin/parts/registry-sync.ts)
 * and meant for register imports (a sensors CSV through the admin API) alike.
 *
 * Pure: registers in, a diff out. Applying a diff to storage is the caller's (storage/
 * city-register-store.ts); applying the same register twice gives an empty diff, so a restart
 * on an unchanged package writes nothing.
 */
import type { CityModel } from './city/city-types.ts';

/** What a register entry is. */
export const REGISTER_ENTITIES = ['sensor', 'unit', 'source'] as const;
export type RegisterEntity = (typeof REGISTER_ENTITIES)[number];

/**
 * One entry of a register as the city declares it: a row of sensors.csv, units.csv or
 * sources.csv. Fields that do not apply to the entity are `''` (text) or 0 (position).
 */
export interface RegisterEntry {
  entity: RegisterEntity;
  id: string;
  /** Sensor kind or unit kind; `''` for a source. */
  kind: string;
  /** Position (a unit's home station); 0, 0 for a source. */
  lng: number;
  lat: number;
  nameZh: string;
  nameEn: string;
  /** A sensor's data source; `''` otherwise. */
  source: string;
  /** A sensor's district; `''` otherwise. */
  district: string;
  /** A source's classification; `''` otherwise. */
  classification: string;
  /**
   * The rest of the entry as canonical JSON (a sensor's asset and external ids, a unit's
   * capabilities, station and shift, a source's departments and event-source names).
   */
  detail: string;
}

/** A stored entry: the newest version, retired or not. */
export interface StoredRegisterEntry extends RegisterEntry {
  retired: boolean;
  /** When this version was stored (epoch ms). */
  updatedAt: number;
}

/** What changed on an entry present in both registers. */
export const REGISTER_CHANGES = ['moved', 'renamed', 'resourced', 'rekinded', 'reclassified', 'redetailed'] as const;
export type RegisterChange = (typeof REGISTER_CHANGES)[number];

export interface ChangedEntry {
  entry: RegisterEntry;
  before: StoredRegisterEntry;
  changes: RegisterChange[];
}

export interface RegisterDiff {
  /** Entries not stored before, or stored as retired (then also in `reinstated`). */
  added: RegisterEntry[];
  /** Ids (`entity/id`) of added entries that had been retired. */
  reinstated: string[];
  changed: ChangedEntry[];
  /** Stored entries (not yet retired) that the new register no longer has. */
  retired: StoredRegisterEntry[];
  /** How many entries of each entity are as stored. */
  unchanged: Record<RegisterEntity, number>;
}

export interface DiffOptions {
  /**
   * Whether stored entries missing from `next` are retired (a whole register, as a city
   * package's) or left alone (a partial import: only adds and updates). Default true.
   */
  retireMissing?: boolean;
  /** Positions closer than this (degrees on either axis) are the same. Default 1e-9 (stored Float64 round-trips exactly). */
  positionToleranceDeg?: number;
}

/** `entity/id`: entries of different entities may share an id. */
export function registerKey(e: Pick<RegisterEntry, 'entity' | 'id'>): string {
  return `${e.entity}/${e.id}`;
}

/** What differs between a stored entry and the register's. */
export function entryChanges(before: RegisterEntry, entry: RegisterEntry, toleranceDeg = 1e-9): RegisterChange[] {
  const out: RegisterChange[] = [];
  if (Math.abs(before.lng - entry.lng) > toleranceDeg || Math.abs(before.lat - entry.lat) > toleranceDeg) out.push('moved');
  if (before.nameZh !== entry.nameZh || before.nameEn !== entry.nameEn) out.push('renamed');
  if (before.source !== entry.source) out.push('resourced');
  if (before.kind !== entry.kind) out.push('rekinded');
  if (before.classification !== entry.classification) out.push('reclassified');
  // The district follows the position and the districts' shapes; a change of it alone is a detail.
  if (before.detail !== entry.detail || before.district !== entry.district) out.push('redetailed');
  return out;
}

/**
 * Compares the register `next` with the `stored` entries (one per key, the newest version).
 * Entries are matched by entity and id; an id listed twice in `next` is an error of the
 * register, refused here with the id named.
 */
export function diffRegister(
  next: readonly RegisterEntry[],
  stored: readonly StoredRegisterEntry[],
  options: DiffOptions = {},
): RegisterDiff {
  const tolerance = options.positionToleranceDeg ?? 1e-9;
  const before = new Map(stored.map((s) => [registerKey(s), s]));
  const seen = new Set<string>();
  const diff: RegisterDiff = { added: [], reinstated: [], changed: [], retired: [], unchanged: { sensor: 0, unit: 0, source: 0 } };
  for (const entry of next) {
    const key = registerKey(entry);
    if (seen.has(key)) throw new RangeError(`the register lists ${entry.entity} ${JSON.stringify(entry.id)} twice; each id once`);
    seen.add(key);
    const old = before.get(key);
    if (!old || old.retired) {
      diff.added.push(entry);
      if (old) diff.reinstated.push(key);
      continue;
    }
    const changes = entryChanges(old, entry, tolerance);
    if (changes.length === 0) diff.unchanged[entry.entity]++;
    else diff.changed.push({ entry, before: old, changes });
  }
  if (options.retireMissing ?? true) {
    for (const [key, old] of before) if (!old.retired && !seen.has(key)) diff.retired.push(old);
  }
  return diff;
}

/** Whether applying the diff would change anything. */
export function isEmptyDiff(diff: RegisterDiff): boolean {
  return diff.added.length === 0 && diff.changed.length === 0 && diff.retired.length === 0;
}

/** Counts of a diff per entity, as the audit log records them. */
export type RegisterDiffCounts = Record<RegisterEntity, Record<'added' | 'reinstated' | RegisterChange | 'retired' | 'unchanged', number>>;

export function diffCounts(diff: RegisterDiff): RegisterDiffCounts {
  const zero = () => ({
    added: 0,
    reinstated: 0,
    moved: 0,
    renamed: 0,
    resourced: 0,
    rekinded: 0,
    reclassified: 0,
    redetailed: 0,
    retired: 0,
    unchanged: 0,
  });
  const out: RegisterDiffCounts = { sensor: zero(), unit: zero(), source: zero() };
  for (const e of diff.added) out[e.entity].added++;
  for (const key of diff.reinstated) {
    const entity = key.slice(0, key.indexOf('/')) as RegisterEntity;
    out[entity].reinstated++;
  }
  for (const c of diff.changed) for (const change of c.changes) out[c.entry.entity][change]++;
  for (const e of diff.retired) out[e.entity].retired++;
  for (const entity of REGISTER_ENTITIES) out[entity].unchanged = diff.unchanged[entity];
  return out;
}

/** JSON with keys in a fixed order (the order given), so equal details compare equal as text. */
function detailOf(fields: Record<string, unknown>): string {
  return JSON.stringify(fields);
}

/** The registers of a city model: its sensors (v1 and declared kinds), its units and its sources. */
export function registerOf(city: CityModel): RegisterEntry[] {
  const out: RegisterEntry[] = [];
  for (const s of [...city.sensorSites, ...(city.declaredSensorSites ?? [])]) {
    out.push({
      entity: 'sensor',
      id: s.id,
      kind: s.kind,
      lng: s.lng,
      lat: s.lat,
      nameZh: s.nameZh,
      nameEn: s.nameEn,
      source: s.sourceId,
      district: s.district,
      classification: '',
      detail: detailOf({ asset: s.assetId ?? null, externalIds: s.externalIds ?? [] }),
    });
  }
  for (const u of city.units ?? []) {
    out.push({
      entity: 'unit',
      id: u.id,
      kind: u.kind,
      lng: u.lng,
      lat: u.lat,
      nameZh: u.nameZh,
      nameEn: u.nameEn,
      source: '',
      district: '',
      classification: '',
      detail: detailOf({ capabilities: u.capabilities, station: u.stationId ?? null, shift: u.shift ?? null }),
    });
  }
  for (const s of city.sources) {
    out.push({
      entity: 'source',
      id: s.id,
      kind: '',
      lng: 0,
      lat: 0,
      nameZh: s.nameZh,
      nameEn: s.nameEn,
      source: '',
      district: '',
      classification: s.classification,
      detail: detailOf({ departmentZh: s.departmentZh, departmentEn: s.departmentEn, eventSources: s.eventSources ?? [] }),
    });
  }
  return out;
}
