/**
 * KPI of the hotline cases (pure aggregates over cases, for the big screen and the departments'
 * league table): cases by status and department, the on-time rate, satisfaction, and repeat
 * callers per place. Nothing here identifies a citizen: places are coarsened to ≈500 m cells
 * (case-view.ts), a place is listed only with at least `minCasesPerPlace` cases, and callers are
 * counted by their keyed hash, never named.
 *
 * On time: a case whose reply deadline has passed or that has been replied. It is on time when
 * the reply came by the deadline; a case still unanswered after it is late. Cases not yet due and
 * unanswered are not counted either way.
 */
import { CASE_STATUSES, type CaseStatus, type HotlineCase } from './case-types.ts';
import { COARSE_PLACE_M, cellCentre, coarseCell } from './case-view.ts';

export interface CaseKpiOptions {
  /** The moment the figures are for (ctx time). */
  now: number;
  /** Cell size of places, metres. */
  placeCellM?: number;
  /** Places with fewer cases are left out (they could point at one household). */
  minCasesPerPlace?: number;
  /** The most places listed (by repeat callers, then cases). */
  maxPlaces?: number;
}

export interface OnTime {
  /** Replied by the deadline. */
  onTime: number;
  /** Replied late, or unanswered past the deadline. */
  late: number;
  /** onTime / (onTime + late); null when nothing is due yet. */
  rate: number | null;
}

export interface Satisfaction {
  /** Feedback given. */
  count: number;
  /** Mean of 1–5, two decimals; null without feedback. */
  average: number | null;
  /** How many gave 1, 2, 3, 4, 5. */
  distribution: [number, number, number, number, number];
}

export interface DepartmentKpi {
  department: string;
  total: number;
  byStatus: Record<CaseStatus, number>;
  /** Accept or reply limits missed, among cases still open. */
  overdueOpen: number;
  onTime: OnTime;
  satisfaction: Satisfaction;
}

export interface RepeatPlace {
  /** Centre of the cell. */
  lng: number;
  lat: number;
  district: string | null;
  cases: number;
  /** Cases marked as repeats. */
  repeatCases: number;
  /** Distinct callers with two or more cases at this place. */
  repeatCallers: number;
}

export interface CaseKpi {
  total: number;
  byStatus: Record<CaseStatus, number>;
  byDepartment: DepartmentKpi[];
  /** Cases not yet with a department (received, returned) or never assigned. */
  unassigned: number;
  onTime: OnTime;
  satisfaction: Satisfaction;
  repeatCases: number;
  repeatPlaces: RepeatPlace[];
}

const zeroStatuses = (): Record<CaseStatus, number> => Object.fromEntries(CASE_STATUSES.map((s) => [s, 0])) as Record<CaseStatus, number>;

interface Tally {
  onTime: number;
  late: number;
  ratings: [number, number, number, number, number];
}

const newTally = (): Tally => ({ onTime: 0, late: 0, ratings: [0, 0, 0, 0, 0] });

function count(t: Tally, c: HotlineCase, now: number): void {
  if (c.reply) {
    if (c.reply.onTime) t.onTime++;
    else t.late++;
  } else if (c.status !== 'closed' && now > c.sla.replyBy) {
    t.late++;
  }
  const s = c.feedback?.satisfaction;
  if (s !== undefined && s >= 1 && s <= 5) t.ratings[s - 1]!++;
}

function onTimeOf(t: Tally): OnTime {
  const due = t.onTime + t.late;
  return { onTime: t.onTime, late: t.late, rate: due === 0 ? null : Math.round((t.onTime / due) * 10_000) / 10_000 };
}

function satisfactionOf(t: Tally): Satisfaction {
  const n = t.ratings.reduce((a, b) => a + b, 0);
  const sum = t.ratings.reduce((a, b, i) => a + b * (i + 1), 0);
  return { count: n, average: n === 0 ? null : Math.round((sum / n) * 100) / 100, distribution: [...t.ratings] };
}

/** The KPI of a set of cases (each case once, as it is now: the store's latest snapshots, or the desk's). */
export function caseKpi(cases: Iterable<HotlineCase>, options: CaseKpiOptions): CaseKpi {
  const { now } = options;
  const cellM = options.placeCellM ?? COARSE_PLACE_M;
  const minCases = options.minCasesPerPlace ?? 3;
  const byStatus = zeroStatuses();
  const all = newTally();
  const departments = new Map<string, { total: number; byStatus: Record<CaseStatus, number>; overdueOpen: number; tally: Tally }>();
  // Per cell: counts; callers and districts in flat maps keyed by cell (no map per place).
  const places = new Map<string, { x: number; y: number; cases: number; repeatCases: number; repeatCallers: number }>();
  const callerCases = new Map<string, number>();
  const districtCases = new Map<string, number>();
  let total = 0;
  let unassigned = 0;
  let repeatCases = 0;
  for (const c of cases) {
    total++;
    byStatus[c.status]++;
    count(all, c, now);
    if (c.repeat) repeatCases++;
    if (c.department === null) unassigned++;
    else {
      let d = departments.get(c.department);
      if (!d) {
        d = { total: 0, byStatus: zeroStatuses(), overdueOpen: 0, tally: newTally() };
        departments.set(c.department, d);
      }
      d.total++;
      d.byStatus[c.status]++;
      count(d.tally, c, now);
      const overdue = c.sla.acceptOverdueAt !== null || c.sla.replyOverdueAt !== null;
      if (overdue && c.status !== 'closed' && c.status !== 'replied') d.overdueOpen++;
    }
    const { x, y } = coarseCell(c.place.lng, c.place.lat, cellM);
    const key = `${x},${y}`;
    let p = places.get(key);
    if (!p) {
      p = { x, y, cases: 0, repeatCases: 0, repeatCallers: 0 };
      places.set(key, p);
    }
    p.cases++;
    if (c.repeat) p.repeatCases++;
    if (c.place.district) {
      const k = `${key}|${c.place.district}`;
      districtCases.set(k, (districtCases.get(k) ?? 0) + 1);
    }
    if (c.callerHash) {
      const k = `${key}|${c.callerHash}`;
      const n = (callerCases.get(k) ?? 0) + 1;
      callerCases.set(k, n);
      // The caller's second case here makes them a repeat caller of the place (counted once).
      if (n === 2) p.repeatCallers++;
    }
  }
  const topDistrict = new Map<string, { district: string; n: number }>();
  for (const [k, n] of districtCases) {
    const cut = k.indexOf('|');
    const cell = k.slice(0, cut);
    const district = k.slice(cut + 1);
    const best = topDistrict.get(cell);
    if (!best || n > best.n || (n === best.n && district < best.district)) topDistrict.set(cell, { district, n });
  }
  const repeatPlaces: RepeatPlace[] = [];
  for (const [key, p] of places) {
    if (p.cases < minCases || (p.repeatCallers === 0 && p.repeatCases === 0)) continue;
    repeatPlaces.push({
      ...cellCentre(p.x, p.y, cellM),
      district: topDistrict.get(key)?.district ?? null,
      cases: p.cases,
      repeatCases: p.repeatCases,
      repeatCallers: p.repeatCallers,
    });
  }
  repeatPlaces.sort(
    (a, b) => b.repeatCallers - a.repeatCallers || b.repeatCases - a.repeatCases || b.cases - a.cases || a.lng - b.lng || a.lat - b.lat,
  );
  return {
    total,
    byStatus,
    byDepartment: [...departments]
      .map(([department, d]) => ({
        department,
        total: d.total,
        byStatus: d.byStatus,
        overdueOpen: d.overdueOpen,
        onTime: onTimeOf(d.tally),
        satisfaction: satisfactionOf(d.tally),
      }))
      .sort((a, b) => b.total - a.total || a.department.localeCompare(b.department)),
    unassigned,
    onTime: onTimeOf(all),
    satisfaction: satisfactionOf(all),
    repeatCases,
    repeatPlaces: repeatPlaces.slice(0, options.maxPlaces ?? 50),
  };
}
