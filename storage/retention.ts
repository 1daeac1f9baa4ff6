/**
 * How long each table keeps its rows (docs/storage.md#retention): the policy as data, its
 * `CITYTWIN_RETENTION` syntax, and the ClickHouse TTL clause it turns into. Pure: no I/O; the
 * TTLs are applied by retention-store.ts.
 *
 * A rule names a table (`readings=400d`), a classification (`sensitive=180d`: every table that
 * carries classified sensor values) or both (`readings_1m.sensitive=2y`). For a row of table T
 * and classification C the most specific rule wins: `T.C`, then `C`, then `T`, then the
 * default of T. A classification rule replaces the table's retention for its rows, longer or
 * shorter: `public=10y` keeps public readings ten years while the others go after 400 days.
 *
 * The TTL text is written exactly as ClickHouse prints it back in `system.tables.engine_full`
 * (`toIntervalDay(N)`, `WHERE classification = '…'`), so "is it already applied?" is a string
 * comparison and re-applying an unchanged policy does nothing.
 */
import { CLASSIFICATIONS, type Classification } from '../twin-model/index.ts';

/** Days a row is kept, or null: kept forever. */
export type RetentionDays = number | null;

export interface RetentionTable {
  table: string;
  /** The time the retention counts from. */
  timeColumn: string;
  /** Rows carry `classification` (migration 12): classification rules apply. */
  classified: boolean;
  defaultDays: RetentionDays;
  /** Shortest retention accepted, with the reason (quoted in the error). */
  minDays?: { days: number; why: string };
  /** What the table holds (docs, errors). */
  what: string;
  /**
   * The classification of every row of an unclassified table that holds one kind of data as a
   * whole (`cases`: sensitive): a rule for the classification applies to it, after a rule for the table.
   */
  tableClass?: Classification;
}

/**
 * Every table with a retention. Tables not listed hold state rather than history (accounts,
 * tokens, the sensor registry, migrations) or one row per incident (`incident_marks`) and
 * keep their rows.
 */
export const RETENTION_TABLES: readonly RetentionTable[] = [
  { table: 'readings', timeColumn: 'ts', classified: true, defaultDays: 400, what: 'raw numeric readings' },
  { table: 'readings_text', timeColumn: 'ts', classified: true, defaultDays: 400, what: 'raw SenML text, boolean and data values' },
  // The replay rollup follows the raw readings: a replay may ask for any moment they still hold.
  { table: 'readings_10s', timeColumn: 'bucket', classified: true, defaultDays: 400, what: 'replay rollup per 10 s' },
  { table: 'readings_60s', timeColumn: 'minute', classified: true, defaultDays: 400, what: 'replay rollup per minute' },
  { table: 'readings_1m', timeColumn: 'minute', classified: true, defaultDays: 1825, what: 'per-minute rollup (long-range charts)' },
  { table: 'events', timeColumn: 'ts', classified: false, defaultDays: 730, what: 'hotline cases, video detections, manual reports' },
  { table: 'unit_positions', timeColumn: 'ts', classified: false, defaultDays: 400, what: 'AVL fixes of response units' },
  {
    table: 'dead_letters',
    timeColumn: 'received_at',
    classified: false,
    defaultDays: 30,
    what: 'rejected messages with their raw payloads',
  },
  {
    table: 'security_events',
    timeColumn: 'ts',
    classified: false,
    defaultDays: 400,
    // 《网络安全法》第二十一条: network operators keep network logs for no less than six months.
    minDays: { days: 180, why: 'network logs are kept at least six months (Cybersecurity Law of the PRC, art. 21)' },
    what: 'logins, refusals and account changes',
  },
  {
    table: 'incident_changes',
    timeColumn: 'at',
    classified: false,
    defaultDays: null,
    what: 'every change of every incident (its history and replay)',
  },
  {
    table: 'sensor_activity_5m',
    timeColumn: 'bucket',
    classified: false,
    defaultDays: 800,
    what: 'KPI rollup: readings per sensor and 5 minutes',
  },
  {
    table: 'service_queue_5m',
    timeColumn: 'bucket',
    classified: false,
    defaultDays: 800,
    what: 'KPI rollup: service-hall queues per 5 minutes',
  },
  { table: 'events_1h', timeColumn: 'hour', classified: false, defaultDays: 1825, what: 'KPI rollup: events per hour' },
  { table: 'dead_letters_1m', timeColumn: 'minute', classified: false, defaultDays: 400, what: 'KPI rollup: rejected messages per minute' },
  {
    // What citizens said, where and their phone numbers: sensitive as a whole, so the
    // `sensitive` rule (180 days by default) applies unless `cases=` says otherwise. Every row
    // carries the case with its whole history, so dropping old changes keeps the case as it is.
    table: 'cases',
    timeColumn: 'at',
    classified: false,
    tableClass: 'sensitive',
    defaultDays: 180,
    what: 'hotline cases: every change with the case after it (text, caller, place, reply)',
  },
  {
    table: 'notification_deliveries',
    timeColumn: 'queued_at',
    classified: false,
    defaultDays: 400,
    what: 'notification delivery log: who was sent what, when, and how it went',
  },
];

/**
 * Tables that are never trimmed, with the reason given when a rule names them. The dispatch
 * log is a hash chain verified from its first entry: removing old entries would make every
 * later one fail verification, and it is the record of who sent which unit where and why.
 */
export const KEPT_FOREVER: Readonly<Record<string, string>> = {
  dispatch_log:
    'the dispatch log is kept forever: it is a hash chain verified from its first entry, and the record of every dispatch decision (docs/storage.md#retention)',
};

/** Classification rules that apply unless configured otherwise: data minimisation for sensitive sources. */
export const DEFAULT_CLASS_DAYS: Readonly<Partial<Record<Classification, RetentionDays>>> = { sensitive: 180 };

/** The classification a reading of a sensor with none (and no classified source) is stored under: web/server/auth/policy.ts UNCLASSIFIED_AS. */
export const UNCLASSIFIED_CLASS: Classification = 'internal';

/** A parsed `CITYTWIN_RETENTION`: rule key (`readings`, `sensitive`, `readings.sensitive`) → days. */
export interface RetentionPolicy {
  rules: ReadonlyMap<string, RetentionDays>;
}

const MAX_DAYS = 36_500;
const DURATION = /^(\d{1,6})([dwy])$/;
const UNIT_DAYS: Readonly<Record<string, number>> = { d: 1, w: 7, y: 365 };

const tableByName = new Map(RETENTION_TABLES.map((t) => [t.table, t]));
const isClass = (s: string): s is Classification => (CLASSIFICATIONS as readonly string[]).includes(s);

/** What `CITYTWIN_RETENTION` accepts, for error messages and `citytwin help`. */
export const RETENTION_SYNTAX =
  'comma-separated key=duration, key one of a table, a classification or table.classification, duration Nd, Nw, Ny (365 days) or forever';

function parseDuration(key: string, raw: string): RetentionDays {
  if (raw === 'forever') return null;
  const m = DURATION.exec(raw);
  if (!m)
    throw new Error(
      `"${key}=${raw}": the duration must be a whole number of days (d), weeks (w) or years (y, 365 days), e.g. 400d, 26w, 5y, or forever`,
    );
  const days = Number(m[1]) * UNIT_DAYS[m[2]!]!;
  if (days < 1 || days > MAX_DAYS)
    throw new Error(`"${key}=${raw}": the duration must be from 1 day to ${MAX_DAYS} days (100 years), or forever`);
  return days;
}

function checkKey(key: string): { table: RetentionTable | null; cls: Classification | null } {
  const [first, second, ...rest] = key.split('.');
  const tables = RETENTION_TABLES.map((t) => t.table).join(', ');
  if (rest.length > 0 || first === undefined || first === '')
    throw new Error(`"${key}": expected a table, a classification or table.classification`);
  if (KEPT_FOREVER[first]) throw new Error(`"${key}": ${KEPT_FOREVER[first]}`);
  if (second === undefined) {
    if (isClass(first)) return { table: null, cls: first };
    const table = tableByName.get(first);
    if (!table)
      throw new Error(`"${key}" is neither a table with a retention (${tables}) nor a classification (${CLASSIFICATIONS.join(', ')})`);
    return { table, cls: null };
  }
  const table = tableByName.get(first);
  if (!table) throw new Error(`"${key}": "${first}" is not a table with a retention (${tables})`);
  if (!table.classified)
    throw new Error(
      `"${key}": ${first} carries no classification; classification rules apply to ${RETENTION_TABLES.filter((t) => t.classified)
        .map((t) => t.table)
        .join(', ')}`,
    );
  if (!isClass(second)) throw new Error(`"${key}": "${second}" is not a classification (${CLASSIFICATIONS.join(', ')})`);
  return { table, cls: second };
}

/**
 * Parses `CITYTWIN_RETENTION`, e.g. `readings=400d,dead_letters=30d,sensitive=180d`. Throws an
 * error naming the entry at fault and what is accepted. An empty text is the defaults.
 */
export function parseRetention(text: string): RetentionPolicy {
  const rules = new Map<string, RetentionDays>();
  for (const [cls, days] of Object.entries(DEFAULT_CLASS_DAYS)) rules.set(cls, days ?? null);
  const seen = new Set<string>();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`"${entry}": expected key=duration (${RETENTION_SYNTAX})`);
    const key = entry.slice(0, eq).trim();
    const raw = entry.slice(eq + 1).trim();
    if (seen.has(key)) throw new Error(`"${key}" is given twice`);
    seen.add(key);
    const { table } = checkKey(key);
    const days = parseDuration(key, raw);
    // A floor applies to the table whatever the classification of its rows.
    if (table?.minDays && days !== null && days < table.minDays.days) {
      throw new Error(`"${key}=${raw}": ${table.table} must be kept at least ${table.minDays.days} days: ${table.minDays.why}`);
    }
    rules.set(key, days);
  }
  return { rules };
}

/** The defaults (no `CITYTWIN_RETENTION`). */
export const DEFAULT_RETENTION: RetentionPolicy = parseRetention('');

/** Days a row of `table` (of classification `cls`, for classified tables) is kept; null = forever. */
export function retentionDays(policy: RetentionPolicy, table: string, cls: Classification | null = null): RetentionDays {
  const t = tableByName.get(table);
  if (!t) throw new Error(`no retention is defined for table "${table}"`);
  const r = policy.rules;
  if (t.classified && cls) {
    if (r.has(`${table}.${cls}`)) return r.get(`${table}.${cls}`)!;
    if (r.has(cls)) return r.get(cls)!;
  }
  if (r.has(table)) return r.get(table)!;
  if (t.tableClass && r.has(t.tableClass)) return r.get(t.tableClass)!;
  return t.defaultDays;
}

const quote = (c: string) => `'${c}'`;

/**
 * The TTL clause for `table` under `policy`, as ClickHouse prints it (without the leading
 * `TTL`), or null when every row is kept forever. A classified table whose classes differ gets
 * one DELETE rule per distinct retention, each with a WHERE on `classification`; the rule for
 * unclassified rows (`internal`) matches every value not named by another, so a row is never
 * left without a rule by an unexpected value.
 */
export function ttlClause(policy: RetentionPolicy, table: string): string | null {
  const t = tableByName.get(table);
  if (!t) throw new Error(`no retention is defined for table "${table}"`);
  const expire = (days: number) => `toDateTime(${t.timeColumn}) + toIntervalDay(${days})`;
  if (!t.classified) {
    const days = retentionDays(policy, table);
    return days === null ? null : expire(days);
  }
  const groups = new Map<RetentionDays, Classification[]>();
  for (const c of CLASSIFICATIONS) {
    const days = retentionDays(policy, table, c);
    groups.set(days, [...(groups.get(days) ?? []), c]);
  }
  if (groups.size === 1) {
    const [days] = groups.keys();
    return days === null || days === undefined ? null : expire(days);
  }
  const rules: string[] = [];
  for (const [days, classes] of groups) {
    if (days === null) continue;
    let where: string;
    if (classes.includes(UNCLASSIFIED_CLASS)) {
      const others = CLASSIFICATIONS.filter((c) => !classes.includes(c));
      where = others.length === 1 ? `classification != ${quote(others[0]!)}` : `classification NOT IN (${others.map(quote).join(', ')})`;
    } else {
      where = classes.length === 1 ? `classification = ${quote(classes[0]!)}` : `classification IN (${classes.map(quote).join(', ')})`;
    }
    rules.push(`${expire(days)} WHERE ${where}`);
  }
  return rules.join(', ');
}

/** Human-readable days: `400d`, `forever`. */
export function formatDays(days: RetentionDays): string {
  return days === null ? 'forever' : `${days}d`;
}
