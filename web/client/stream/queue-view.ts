/**
 * What the incident queue shows of the active incidents, pure (no DOM) so it is unit-tested:
 * the operator's filter (time range, district, severity, status), the grouping, and the order
 * held while the pointer is on the list, so that no row moves under the mouse. The filter is
 * remembered per browser as versioned JSON ({@link parseQueuePrefs}).
 */
import type { IncidentView } from '../../shared/protocol.ts';

/** The time ranges offered ("incidents since"), in hours; null = every active incident. */
export const SINCE_HOURS = [1, 6, 24, null] as const;
export type SinceHours = (typeof SINCE_HOURS)[number];

export const GROUPINGS = ['none', 'district', 'severity', 'status'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export const STATUS_FILTERS = ['all', 'open', 'acknowledged'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface QueueFilter {
  /** Only incidents opened in the last so many hours (null: all). */
  sinceH: SinceHours;
  /** A district code, or null for every district. */
  district: string | null;
  /** Lowest severity shown (1 = all). */
  minSeverity: number;
  status: StatusFilter;
  groupBy: Grouping;
}

export const DEFAULT_FILTER: Readonly<QueueFilter> = { sinceH: null, district: null, minSeverity: 1, status: 'all', groupBy: 'none' };

/** Version of the stored preferences; an older or unknown shape falls back to the defaults. */
export const QUEUE_PREFS_VERSION = 1;

/** Whether the filter hides anything (the grouping does not). */
export function isFiltered(f: QueueFilter): boolean {
  return f.sinceH !== null || f.district !== null || f.minSeverity > 1 || f.status !== 'all';
}

/** The incidents the filter lets through, in the order given. `now`: server time (epoch ms). */
export function filterIncidents(items: readonly IncidentView[], f: QueueFilter, now: number): IncidentView[] {
  const since = f.sinceH === null ? -Infinity : now - f.sinceH * 3600_000;
  return items.filter(
    (i) =>
      i.openedAt >= since &&
      (f.district === null || i.district === f.district) &&
      i.severity >= f.minSeverity &&
      (f.status === 'all' || i.status === f.status),
  );
}

/** A group of rows: its key (a district code, a severity, a status; '' without grouping) and its incidents. */
export interface QueueGroup {
  key: string;
  items: IncidentView[];
}

/** Key of the group that collects incidents arrived while the order was held. */
export const ARRIVED_GROUP = '\u0000arrived';

/** Key of the group of incidents without a district. */
export const NO_DISTRICT = '\u0000none';

function groupKey(i: IncidentView, by: Grouping): string {
  switch (by) {
    case 'none':
      return '';
    case 'district':
      return i.district ?? NO_DISTRICT;
    case 'severity':
      return String(i.severity);
    case 'status':
      return i.status;
  }
}

/**
 * Groups `items` (already in queue order; order kept inside each group). Severity groups run
 * 5 → 1, status groups open before acknowledged, district groups by their most severe incident
 * (the queue order of their first row), so the group at the top holds the queue's first row.
 */
export function arrange(items: readonly IncidentView[], by: Grouping): QueueGroup[] {
  const groups = new Map<string, IncidentView[]>();
  for (const i of items) {
    const k = groupKey(i, by);
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  }
  const out = [...groups].map(([key, list]) => ({ key, items: list }));
  if (by === 'severity') out.sort((a, b) => Number(b.key) - Number(a.key));
  if (by === 'status') out.sort((a, b) => Number(a.key !== 'open') - Number(b.key !== 'open'));
  return out;
}

/** The arrangement as ids only: what is held while the pointer is on the list. */
export type HeldArrangement = ReadonlyArray<{ key: string; ids: readonly string[] }>;

/**
 * What to hold of `groups`, or null when they hold no row: an empty list has nothing that could
 * move under the pointer, and holding it would send every later incident to the arrivals.
 */
export function holdOf(groups: readonly QueueGroup[]): HeldArrangement | null {
  if (groups.every((g) => g.items.length === 0)) return null;
  return groups.map((g) => ({ key: g.key, ids: g.items.map((i) => i.id) }));
}

/**
 * The current incidents laid out as `held` was: every incident still shown stays in its row and
 * group (with its current data), ones that left are dropped, and ones that arrived meanwhile go
 * to an {@link ARRIVED_GROUP} at the end — so no row moves under the pointer.
 */
export function holdArrangement(current: readonly QueueGroup[], held: HeldArrangement): QueueGroup[] {
  const byId = new Map<string, IncidentView>();
  for (const g of current) for (const i of g.items) byId.set(i.id, i);
  const placed = new Set<string>();
  const out: QueueGroup[] = [];
  for (const g of held) {
    const items: IncidentView[] = [];
    for (const id of g.ids) {
      const i = byId.get(id);
      if (i) {
        items.push(i);
        placed.add(id);
      }
    }
    if (items.length > 0) out.push({ key: g.key, items });
  }
  const arrived: IncidentView[] = [];
  for (const g of current) for (const i of g.items) if (!placed.has(i.id)) arrived.push(i);
  if (arrived.length > 0) out.push({ key: ARRIVED_GROUP, items: arrived });
  return out;
}

/** Whether holding changed anything the operator would see once released (an order or group moved). */
export function holdDiffers(current: readonly QueueGroup[], held: readonly QueueGroup[]): boolean {
  if (current.length !== held.length) return true;
  return current.some((g, k) => {
    const h = held[k]!;
    return g.key !== h.key || g.items.length !== h.items.length || g.items.some((i, n) => i.id !== h.items[n]!.id);
  });
}

/** Reads stored preferences; anything unreadable or of another version gives the defaults. */
export function parseQueuePrefs(text: string | null): QueueFilter {
  if (!text) return { ...DEFAULT_FILTER };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ...DEFAULT_FILTER };
  }
  if (typeof v !== 'object' || v === null || (v as { v?: unknown }).v !== QUEUE_PREFS_VERSION) return { ...DEFAULT_FILTER };
  const o = v as Record<string, unknown>;
  return {
    sinceH: (SINCE_HOURS as readonly unknown[]).includes(o.sinceH) ? (o.sinceH as SinceHours) : DEFAULT_FILTER.sinceH,
    district: typeof o.district === 'string' && o.district.length <= 32 ? o.district : null,
    minSeverity:
      Number.isInteger(o.minSeverity) && (o.minSeverity as number) >= 1 && (o.minSeverity as number) <= 5 ? (o.minSeverity as number) : 1,
    status: (STATUS_FILTERS as readonly unknown[]).includes(o.status) ? (o.status as StatusFilter) : 'all',
    groupBy: (GROUPINGS as readonly unknown[]).includes(o.groupBy) ? (o.groupBy as Grouping) : 'none',
  };
}

export function serializeQueuePrefs(f: QueueFilter): string {
  return JSON.stringify({ v: QUEUE_PREFS_VERSION, ...f });
}
