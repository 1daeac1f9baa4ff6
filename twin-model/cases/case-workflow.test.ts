import { describe, expect, it } from 'vitest';
import { applyCaseDeskCommand, createCaseDesk, intakeCase, type CaseDesk } from './case-desk.ts';
import type { CaseActor, HotlineCase } from './case-types.ts';
import { applyCaseCommand, type CaseCommand, type CaseRefusalCode } from './case-workflow.ts';
import {
  clock,
  CONSTRUCTION,
  deskContext,
  dispatcher,
  ECOLOGY,
  handler,
  HOUR,
  hotline,
  intake,
  MIN,
  operator,
  routing,
  shanghai,
  WATER,
  wuhanRules,
} from './fixtures/case-fixtures.ts';

const T0 = shanghai(2026, 7, 1, 10, 0);
const water = handler(WATER);
const rules = wuhanRules();

/** A desk with one waterlogging case, taken in (and assigned to the water authority) at T0. */
function deskWithCase(): { desk: CaseDesk; id: string; time: ReturnType<typeof clock> } {
  const time = clock(T0);
  const desk = createCaseDesk(rules);
  const { caseId } = intakeCase(desk, intake(), deskContext(time));
  return { desk, id: caseId, time };
}

/** Applies commands in turn (each a minute after the last), failing the test on a refusal. */
function run(desk: CaseDesk, id: string, time: ReturnType<typeof clock>, ...commands: CaseCommand[]): HotlineCase {
  for (const command of commands) {
    time.advance(MIN);
    const r = applyCaseDeskCommand(desk, id, command, time);
    if (!r.ok) throw new Error(`${command.type} refused: ${JSON.stringify(r.refusal)}`);
  }
  return desk.cases.get(id)!;
}

describe('the lifecycle of a case', () => {
  it('intake, automatic assignment, accept, reply, close, feedback, reopen, return, override, close again', () => {
    const { desk, id, time } = deskWithCase();
    const taken = desk.cases.get(id)!;
    expect(id).toBe('case-20260701-00001');
    expect(taken.status).toBe('assigned');
    expect(taken.department).toBe(WATER);
    // Waterlogging: accept within 30 min, reply within 4 h, calendar time.
    expect(taken.sla).toMatchObject({ time: 'calendar', acceptBy: T0 + 30 * MIN, replyBy: T0 + 4 * HOUR });
    expect(taken.history.map((h) => [h.what, h.actor.user])).toEqual([
      ['received', 'hotline-12345'],
      ['assigned', 'routing'],
    ]);
    expect(taken.history[1]!.params).toMatchObject({ department: WATER, routed: WATER, match: 'category', override: false });

    let c = run(desk, id, time, { type: 'accept', actor: water });
    expect(c.status).toBe('accepted');
    expect(c.acceptedAt).toBe(T0 + MIN);
    c = run(desk, id, time, { type: 'reply', actor: water, text: '已派排水抢险队抽排，通道已恢复通行。' });
    expect(c.status).toBe('replied');
    expect(c.reply).toMatchObject({ department: WATER, onTime: true, by: 'wang.fang' });
    c = run(desk, id, time, { type: 'close', actor: dispatcher });
    expect(c.status).toBe('closed');
    c = run(desk, id, time, { type: 'feedback', actor: hotline, satisfaction: 2, comment: '第二天又积水了' });
    expect(c.feedback).toMatchObject({ satisfaction: 2, comment: '第二天又积水了' });

    // The citizen is not satisfied: the hotline reopens, a new round with a new reply deadline.
    const reopenedAt = time.now() + MIN;
    c = run(desk, id, time, { type: 'reopen', actor: hotline, reason: '市民反映问题未解决' });
    expect(c).toMatchObject({ status: 'reopened', round: 2, reply: null, feedback: null, closedAt: null, department: WATER });
    expect(c.sla.replyBy).toBe(reopenedAt + 4 * HOUR);

    // Back to the same department, as the table says: no reason needed.
    c = run(desk, id, time, { type: 'assign', actor: dispatcher, department: WATER });
    expect(c.status).toBe('assigned');
    c = run(desk, id, time, { type: 'return', actor: water, reason: '属地下管网改造，非本单位职责' });
    expect(c).toMatchObject({ status: 'returned', department: null });
    // Elsewhere than the table says: an override, with its reason.
    c = run(desk, id, time, { type: 'assign', actor: dispatcher, department: CONSTRUCTION, reason: '管网改造工地由城建局负责' });
    expect(c.history.at(-1)).toMatchObject({ what: 'assigned', reason: '管网改造工地由城建局负责' });
    expect(c.history.at(-1)!.params).toMatchObject({ department: CONSTRUCTION, routed: WATER, override: true, reassign: false });
    const construction = handler(CONSTRUCTION, 'liu.yang');
    c = run(
      desk,
      id,
      time,
      { type: 'accept', actor: construction },
      { type: 'reply', actor: construction, text: '已督促施工单位疏通排水。' },
      { type: 'close', actor: construction },
      { type: 'feedback', actor: hotline, satisfaction: 5 },
    );
    expect(c).toMatchObject({ status: 'closed', round: 2, department: CONSTRUCTION, feedback: { satisfaction: 5, comment: null } });
    expect(c.history.map((h) => h.what)).toEqual([
      'received',
      'assigned',
      'accepted',
      'replied',
      'closed',
      'feedback',
      'reopened',
      'assigned',
      'returned',
      'assigned',
      'accepted',
      'replied',
      'closed',
      'feedback',
    ]);
  });

  it('emits one event per change, carrying the case after it', () => {
    const { desk, id, time } = deskWithCase();
    time.advance(MIN);
    const r = applyCaseDeskCommand(desk, id, { type: 'accept', actor: water }, time);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.emitted).toHaveLength(1);
    expect(r.emitted[0]).toMatchObject({ type: 'case_accepted', caseId: id, at: T0 + MIN, actor: water, params: { onTime: true } });
    expect(r.emitted[0]!.case).toBe(r.state);
  });

  it('a dispatcher re-assigns a case a department holds, with a reason', () => {
    const { desk, id, time } = deskWithCase();
    const c = run(
      desk,
      id,
      time,
      { type: 'accept', actor: water },
      { type: 'assign', actor: dispatcher, department: ECOLOGY, reason: '水体污染' },
    );
    expect(c).toMatchObject({ status: 'assigned', department: ECOLOGY, acceptedAt: null });
    expect(c.history.at(-1)!.params).toMatchObject({ reassign: true, from: WATER });
    expect(c.sla.acceptBy).toBe(time.now() + 30 * MIN);
  });

  it('links a case to an incident, and moves the link when incidents merge', () => {
    const { desk, id, time } = deskWithCase();
    let c = run(desk, id, time, { type: 'link_incident', actor: routing, incidentId: 'inc-000012', how: 'joined' });
    expect(c.incident).toEqual({ incidentId: 'inc-000012', how: 'joined', at: T0 + MIN });
    c = run(desk, id, time, { type: 'link_incident', actor: operator, incidentId: 'inc-000015', how: 'joined' });
    expect(c.history.at(-1)!.params).toMatchObject({ incidentId: 'inc-000015', previous: 'inc-000012' });
  });
});

describe('the time-limit clock', () => {
  it('marks a missed acceptance once, then a missed reply once', () => {
    const { desk, id } = deskWithCase();
    const c0 = desk.cases.get(id)!;
    const ctx = (now: number) => ({ now: () => now, rules });
    expect(applyCaseCommand(c0, { type: 'tick' }, ctx(T0 + 30 * MIN))).toMatchObject({ ok: true, emitted: [] });
    const late = applyCaseCommand(c0, { type: 'tick' }, ctx(T0 + 31 * MIN));
    if (!late.ok) throw new Error('tick refused');
    expect(late.emitted.map((e) => [e.type, e.params.stage, e.params.overdueMin])).toEqual([['case_overdue', 'accept', 1]]);
    expect(late.state.sla.acceptOverdueAt).toBe(T0 + 31 * MIN);
    const again = applyCaseCommand(late.state, { type: 'tick' }, ctx(T0 + 2 * HOUR));
    expect(again.ok && again.emitted).toEqual([]);
    const noReply = applyCaseCommand(late.state, { type: 'tick' }, ctx(T0 + 4 * HOUR + MIN));
    if (!noReply.ok) throw new Error('tick refused');
    expect(noReply.emitted.map((e) => [e.type, e.params.stage, e.params.department])).toEqual([['case_overdue', 'reply', WATER]]);
    expect(noReply.state.history.at(-1)).toMatchObject({ what: 'overdue', actor: { user: 'sla-clock', role: 'system' } });
  });

  it('raises both at once when a tick comes after both deadlines', () => {
    const { desk, id } = deskWithCase();
    const r = applyCaseCommand(desk.cases.get(id)!, { type: 'tick' }, { now: () => T0 + 5 * HOUR, rules });
    expect(r.ok && r.emitted.map((e) => e.params.stage)).toEqual(['accept', 'reply']);
  });

  it('does not raise a limit that was met, nor a reply limit once replied', () => {
    const { desk, id, time } = deskWithCase();
    const c = run(desk, id, time, { type: 'accept', actor: water }, { type: 'reply', actor: water, text: '已处理' });
    const r = applyCaseCommand(c, { type: 'tick' }, { now: () => T0 + 10 * HOUR, rules });
    expect(r.ok && r.emitted).toEqual([]);
  });

  it('a reply after its deadline is recorded late', () => {
    const { desk, id, time } = deskWithCase();
    run(desk, id, time, { type: 'accept', actor: water });
    time.set(T0 + 5 * HOUR);
    const c = run(desk, id, time, { type: 'reply', actor: water, text: '已处理' });
    expect(c.reply!.onTime).toBe(false);
  });
});

describe('every refused transition', () => {
  const other = handler(ECOLOGY, 'zhao.lei');

  /** The refusal of `command` on the case after `before`; the case itself unchanged. */
  function refusal(before: CaseCommand[], command: CaseCommand, code: CaseRefusalCode) {
    const { desk, id, time } = deskWithCase();
    const c = run(desk, id, time, ...before);
    time.advance(MIN);
    const r = applyCaseDeskCommand(desk, id, command, time);
    expect(r.ok).toBe(false);
    expect(desk.cases.get(id)).toBe(c);
    if (r.ok) throw new Error('not refused');
    expect(r.refusal.code).toBe(code);
    return r.refusal.params;
  }
  const accepted: CaseCommand[] = [{ type: 'accept', actor: water }];
  const replied: CaseCommand[] = [...accepted, { type: 'reply', actor: water, text: '已处理' }];
  const closed: CaseCommand[] = [...replied, { type: 'close', actor: dispatcher }];
  const as = (actor: CaseActor) => actor;

  it('an actor without a name', () => {
    refusal([], { type: 'accept', actor: { ...water, user: ' ' } }, 'actor_required');
  });

  it('a role that may not do it', () => {
    expect(refusal([], { type: 'assign', actor: water, department: WATER }, 'role_not_allowed')).toEqual({
      role: 'department',
      command: 'assign',
      allowed: 'dispatcher, system',
    });
    refusal([], { type: 'accept', actor: dispatcher }, 'role_not_allowed');
    refusal(accepted, { type: 'reply', actor: hotline, text: 'x' }, 'role_not_allowed');
    refusal(replied, { type: 'close', actor: operator }, 'role_not_allowed');
    refusal(closed, { type: 'feedback', actor: water, satisfaction: 5 }, 'role_not_allowed');
    refusal(closed, { type: 'reopen', actor: water, reason: 'x' }, 'role_not_allowed');
    refusal([], { type: 'link_incident', actor: water, incidentId: 'inc-1', how: 'joined' }, 'role_not_allowed');
  });

  it('a department actor that names no department', () => {
    refusal([], { type: 'accept', actor: as({ user: 'wang.fang', role: 'department' }) }, 'department_required');
  });

  it("a department acting on another department's case", () => {
    expect(refusal([], { type: 'accept', actor: other }, 'other_department')).toEqual({ department: ECOLOGY, caseDepartment: WATER });
    refusal([], { type: 'return', actor: other, reason: '不归我们' }, 'other_department');
    refusal(accepted, { type: 'reply', actor: other, text: '已处理' }, 'other_department');
    refusal(replied, { type: 'close', actor: other }, 'other_department');
    // Once returned, the case is no longer the department's.
    refusal([{ type: 'return', actor: water, reason: '非本单位职责' }], { type: 'accept', actor: water }, 'other_department');
  });

  it('a command in the wrong status', () => {
    expect(refusal(accepted, { type: 'accept', actor: water }, 'wrong_status')).toEqual({ status: 'accepted', needs: 'assigned' });
    refusal([], { type: 'reply', actor: water, text: '已处理' }, 'wrong_status');
    refusal(replied, { type: 'return', actor: water, reason: 'x' }, 'wrong_status');
    refusal(replied, { type: 'assign', actor: dispatcher, department: ECOLOGY, reason: 'x' }, 'wrong_status');
    refusal(accepted, { type: 'reopen', actor: hotline, reason: 'x' }, 'wrong_status');
    refusal(closed, { type: 'close', actor: dispatcher }, 'wrong_status');
  });

  it('closing without a reply', () => {
    expect(refusal(accepted, { type: 'close', actor: dispatcher }, 'close_without_reply')).toEqual({ status: 'accepted' });
    refusal([], { type: 'close', actor: water }, 'close_without_reply');
  });

  it('feedback before the case is closed, and twice in a round', () => {
    expect(refusal(replied, { type: 'feedback', actor: hotline, satisfaction: 4 }, 'feedback_before_close')).toEqual({ status: 'replied' });
    refusal(
      [...closed, { type: 'feedback', actor: hotline, satisfaction: 4 }],
      { type: 'feedback', actor: hotline, satisfaction: 1 },
      'feedback_given',
    );
  });

  it('a satisfaction that is not a whole number 1–5', () => {
    for (const s of [0, 6, 3.5, Number.NaN]) refusal(closed, { type: 'feedback', actor: hotline, satisfaction: s }, 'invalid_satisfaction');
  });

  it('a return, override, re-assignment or reopening without a reason', () => {
    expect(refusal([], { type: 'return', actor: water, reason: '  ' }, 'reason_required')).toEqual({ command: 'return' });
    refusal(
      [{ type: 'return', actor: water, reason: '非本单位职责' }],
      { type: 'assign', actor: dispatcher, department: ECOLOGY },
      'reason_required',
    );
    refusal(accepted, { type: 'assign', actor: dispatcher, department: CONSTRUCTION }, 'reason_required');
    refusal(closed, { type: 'reopen', actor: hotline, reason: '' }, 'reason_required');
  });

  it('a reply without text, and texts over their limits', () => {
    refusal(accepted, { type: 'reply', actor: water, text: ' \n ' }, 'text_required');
    expect(refusal(accepted, { type: 'reply', actor: water, text: '水'.repeat(2001) }, 'text_too_long')).toEqual({
      field: 'reply',
      max: 2000,
      length: 2001,
    });
    refusal([], { type: 'return', actor: water, reason: '因'.repeat(501) }, 'text_too_long');
    refusal(closed, { type: 'feedback', actor: hotline, satisfaction: 3, comment: '评'.repeat(501) }, 'text_too_long');
  });

  it('a department not in the catalogue, and assigning where it already is', () => {
    expect(refusal([], { type: 'assign', actor: dispatcher, department: '城管局', reason: 'x' }, 'unknown_department')).toEqual({
      department: '城管局',
    });
    refusal(accepted, { type: 'assign', actor: dispatcher, department: WATER, reason: 'x' }, 'already_assigned');
  });

  it('automatic assignment elsewhere than the table, or over a department that holds the case', () => {
    const returned: CaseCommand[] = [{ type: 'return', actor: water, reason: '非本单位职责' }];
    expect(refusal(returned, { type: 'assign', actor: routing, department: ECOLOGY }, 'automatic_override')).toEqual({
      department: ECOLOGY,
      routed: WATER,
    });
    refusal([], { type: 'assign', actor: routing, department: ECOLOGY }, 'automatic_override');
  });

  it('an incident id that is not an id, and the same link twice', () => {
    refusal([], { type: 'link_incident', actor: operator, incidentId: 'inc 1; drop', how: 'joined' }, 'invalid_incident');
    refusal(
      [{ type: 'link_incident', actor: operator, incidentId: 'inc-000012', how: 'opened' }],
      {
        type: 'link_incident',
        actor: routing,
        incidentId: 'inc-000012',
        how: 'joined',
      },
      'already_linked',
    );
  });

  it('a case the desk does not have', () => {
    const { desk, time } = deskWithCase();
    expect(applyCaseDeskCommand(desk, 'case-20260701-09999', { type: 'accept', actor: water }, time)).toEqual({
      ok: false,
      refusal: { code: 'unknown_case', params: { caseId: 'case-20260701-09999' } },
    });
  });
});
