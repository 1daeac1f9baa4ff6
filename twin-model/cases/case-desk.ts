/**
 * The case desk: every case in hand, with the indexes intake needs — the hotline's ids (idempotent
 * intake), recent cases by caller and place (repeats), and the day's case numbers. Each case is an
 * immutable value replaced on every change by the pure workflow (case-workflow.ts); the desk's
 * maps are updated in place and the desk returned, as the incident correlator does with its
 * state: the desk is an index over the cases, owned by one caller.
 *
 * Deterministic: time from `ctx`, the phone hash and the district lookup injected.
 */
import {
  applyCaseCommand,
  ROUTING,
  type CaseCommand,
  type CaseEvent,
  type CaseRefusal,
  type CaseWorkflowContext,
} from './case-workflow.ts';
import { addRepeatEntry, createRepeatIndex, findRepeat, pruneRepeats, type RepeatIndex } from './case-repeats.ts';
import { routeCase } from './case-routing.ts';
import type { CaseRules } from './case-rules.ts';
import { slaDeadline, slaLimitOf } from './case-sla.ts';
import type { CaseActor, CaseContext, CaseIntake, CaseStatus, HotlineCase } from './case-types.ts';
import { localDateTime } from '../local-time.ts';

/** Closed cases stay in hand this long after closing (feedback, reopening); the store keeps them all. */
export const KEEP_CLOSED_MS = 7 * 86_400_000;
/** How often the repeat index drops what fell out of its window. */
const PRUNE_EVERY_MS = 3_600_000;

/** `case-YYYYMMDD-NNNNN` (five digits at least; a sixth after 99,999 cases in a day). */
export const CASE_ID_PATTERN = /^case-(\d{8})-(\d{5,})$/;

export interface CaseDesk {
  rules: CaseRules;
  cases: Map<string, HotlineCase>;
  /**
   * `source` NUL `externalId` → the case and when it was received: kept for the repeat window,
   * longer than the case itself stays in hand (older ids: `CaseStore.findByExternalRef`).
   */
  byExternal: Map<string, { caseId: string; at: number }>;
  repeats: RepeatIndex;
  /** The local day (`YYYYMMDD`) of the last number given, and that number. */
  numbering: { day: string; last: number };
  prunedAt: number;
}

export interface CaseDeskContext extends CaseContext {
  /** Keyed hash of a normalised phone number (phone-hash.ts); the phone itself never enters an index. */
  hashPhone(phone: string): string;
  /** The city's district at a place, for intakes that name none. */
  districtOf?(lng: number, lat: number): string | null;
}

const externalKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;

export function createCaseDesk(rules: CaseRules): CaseDesk {
  return { rules, cases: new Map(), byExternal: new Map(), repeats: createRepeatIndex(), numbering: { day: '', last: 0 }, prunedAt: 0 };
}

/**
 * The desk after a restart: the cases in hand (open ones and those closed or received within the
 * repeat window, as the store returns them) and the highest case number stored for its day.
 */
export function restoreCaseDesk(rules: CaseRules, cases: Iterable<HotlineCase>, lastId: string | null = null): CaseDesk {
  const desk = createCaseDesk(rules);
  for (const c of cases) {
    desk.cases.set(c.id, c);
    desk.byExternal.set(externalKey(c.externalRef.source, c.externalRef.id), { caseId: c.id, at: c.receivedAt });
    addRepeatEntry(desk.repeats, c.id, {
      category: c.category,
      callerHash: c.callerHash,
      lng: c.place.lng,
      lat: c.place.lat,
      at: c.receivedAt,
    });
    noteNumber(desk, c.id);
  }
  if (lastId) noteNumber(desk, lastId);
  return desk;
}

function noteNumber(desk: CaseDesk, id: string): void {
  const m = CASE_ID_PATTERN.exec(id);
  if (!m) return;
  const [day, n] = [m[1]!, Number(m[2])];
  if (day > desk.numbering.day) desk.numbering = { day, last: n };
  else if (day === desk.numbering.day && n > desk.numbering.last) desk.numbering.last = n;
}

function nextCaseId(desk: CaseDesk, now: number): string {
  const t = localDateTime(now, desk.rules.timeZone);
  const day = `${t.year}${String(t.month).padStart(2, '0')}${String(t.day).padStart(2, '0')}`;
  // A day earlier than the last numbered (a clock set back) keeps counting on that day: ids stay unique.
  if (day > desk.numbering.day) desk.numbering = { day, last: 0 };
  desk.numbering.last++;
  return `case-${desk.numbering.day}-${String(desk.numbering.last).padStart(5, '0')}`;
}

/** The case the desk made for a hotline id from a source, while it remembers the id (the repeat window), or null. */
export function caseOfExternal(desk: CaseDesk, source: string, externalId: string): string | null {
  return desk.byExternal.get(externalKey(source, externalId))?.caseId ?? null;
}

export type IntakeOutcome = { caseId: string; duplicate: boolean; emitted: CaseEvent[] };

/**
 * Takes a case in: a new case (numbered, placed in its district, checked for repeats, with its
 * reply deadline), assigned at once by the routing table unless the table says otherwise. The
 * same hotline id from the same source gives back the case already made (`duplicate`), nothing
 * emitted.
 */
export function intakeCase(desk: CaseDesk, intake: CaseIntake, ctx: CaseDeskContext): IntakeOutcome {
  const key = externalKey(intake.source, intake.externalId);
  const existing = desk.byExternal.get(key);
  if (existing !== undefined) return { caseId: existing.caseId, duplicate: true, emitted: [] };
  const { rules } = desk;
  const now = ctx.now();
  const id = nextCaseId(desk, now);
  const district = intake.district ?? ctx.districtOf?.(intake.lng, intake.lat) ?? null;
  const callerHash = intake.caller.phone ? ctx.hashPhone(intake.caller.phone) : null;
  const probe = { category: intake.category, callerHash, lng: intake.lng, lat: intake.lat, at: intake.receivedAt };
  const repeat = findRepeat(desk.repeats, probe, rules.repeats);
  const limit = slaLimitOf(rules.sla, intake.category);
  const replyBy = slaDeadline(intake.receivedAt, limit.replyH, limit.time, rules.sla.calendar, rules.timeZone);
  const actor: CaseActor = { user: intake.source, role: 'hotline' };
  const params = { channel: intake.channel, category: intake.category, repeats: repeat?.count ?? 0, replyBy };
  const received: HotlineCase = {
    id,
    externalRef: { source: intake.source, id: intake.externalId },
    source: intake.source,
    channel: intake.channel,
    category: intake.category,
    reportedCategory: intake.reportedCategory,
    severity: intake.severity,
    text: intake.text,
    caller: { ...intake.caller },
    callerHash,
    place: { lng: intake.lng, lat: intake.lat, address: intake.address, district },
    receivedAt: intake.receivedAt,
    status: 'received',
    department: null,
    round: 1,
    sla: {
      time: limit.time,
      acceptH: limit.acceptH,
      replyH: limit.replyH,
      acceptBy: null,
      replyBy,
      acceptOverdueAt: null,
      replyOverdueAt: null,
    },
    acceptedAt: null,
    reply: null,
    closedAt: null,
    feedback: null,
    repeat,
    incident: null,
    history: [{ at: now, actor, what: 'received', reason: null, params }],
    updatedAt: now,
  };
  const emitted: CaseEvent[] = [{ type: 'case_received', caseId: id, at: now, actor, reason: null, params, case: received }];
  let current = received;
  if (rules.routing.autoAssign) {
    const route = routeCase(rules.routing, received.category, district);
    const result = applyCaseCommand(received, { type: 'assign', actor: ROUTING, department: route.department }, workflowContext(desk, ctx));
    // The routing's own department is always assignable (the table was validated against the catalogue).
    if (result.ok) {
      current = result.state;
      emitted.push(...result.emitted);
    }
  }
  desk.cases.set(id, current);
  desk.byExternal.set(key, { caseId: id, at: intake.receivedAt });
  addRepeatEntry(desk.repeats, id, probe);
  return { caseId: id, duplicate: false, emitted };
}

function workflowContext(desk: CaseDesk, ctx: CaseContext): CaseWorkflowContext {
  return { now: () => ctx.now(), rules: desk.rules };
}

export type CaseDeskResult = { ok: true; state: HotlineCase; emitted: CaseEvent[] } | { ok: false; refusal: CaseRefusal };

/** Applies a command to one case in hand. */
export function applyCaseDeskCommand(desk: CaseDesk, caseId: string, command: CaseCommand, ctx: CaseContext): CaseDeskResult {
  const c = desk.cases.get(caseId);
  if (!c) return { ok: false, refusal: { code: 'unknown_case', params: { caseId } } };
  const result = applyCaseCommand(c, command, workflowContext(desk, ctx));
  if (result.ok) desk.cases.set(caseId, result.state);
  return result;
}

/**
 * The time-limit clock, about once a minute: marks every limit missed since the last tick
 * (`case_overdue`, once per limit), lets go of cases closed more than KEEP_CLOSED_MS ago, and
 * drops repeat entries that fell out of the window.
 */
export function tickCaseDesk(desk: CaseDesk, ctx: CaseContext): CaseEvent[] {
  const now = ctx.now();
  const wctx = workflowContext(desk, ctx);
  const emitted: CaseEvent[] = [];
  for (const [id, c] of desk.cases) {
    if (c.status === 'closed') {
      if (c.closedAt !== null && now - c.closedAt > KEEP_CLOSED_MS) desk.cases.delete(id);
      continue;
    }
    const result = applyCaseCommand(c, { type: 'tick' }, wctx);
    if (result.ok && result.emitted.length > 0) {
      desk.cases.set(id, result.state);
      emitted.push(...result.emitted);
    }
  }
  if (now - desk.prunedAt >= PRUNE_EVERY_MS) {
    const before = now - desk.rules.repeats.windowDays * 86_400_000;
    pruneRepeats(desk.repeats, before);
    for (const [key, e] of desk.byExternal) if (e.at < before && !desk.cases.has(e.caseId)) desk.byExternal.delete(key);
    desk.prunedAt = now;
  }
  return emitted;
}

/** The cases in hand, optionally of one department and of some statuses, newest first. */
export function casesInHand(desk: CaseDesk, filter: { department?: string; statuses?: readonly CaseStatus[] } = {}): HotlineCase[] {
  const out: HotlineCase[] = [];
  for (const c of desk.cases.values()) {
    if (filter.department !== undefined && c.department !== filter.department) continue;
    if (filter.statuses && !filter.statuses.includes(c.status)) continue;
    out.push(c);
  }
  return out.sort((a, b) => b.receivedAt - a.receivedAt || b.id.localeCompare(a.id));
}
