import { describe, expect, it } from 'vitest';
import { caseChangesOf } from './case-changes.ts';
import { applyCaseDeskCommand, createCaseDesk, intakeCase } from './case-desk.ts';
import type { CaseEvent } from './case-workflow.ts';
import {
  clock,
  CONSTRUCTION,
  deskContext,
  dispatcher,
  handler,
  intake,
  MIN,
  shanghai,
  WATER,
  wuhanRules,
} from './fixtures/case-fixtures.ts';

function desk() {
  const time = clock(shanghai(2026, 7, 1, 10, 0));
  const d = createCaseDesk(wuhanRules());
  const taken = intakeCase(d, intake(), deskContext(time));
  const run = (command: Parameters<typeof applyCaseDeskCommand>[2]): CaseEvent[] => {
    time.advance(MIN);
    const r = applyCaseDeskCommand(d, taken.caseId, command, deskContext(time));
    if (!r.ok) throw new Error(r.refusal.code);
    return r.emitted;
  };
  return { taken, run };
}

describe('caseChangesOf', () => {
  it('gives each case once, as after the batch, with every event of it in order', () => {
    const { taken, run } = desk();
    const events = [...taken.emitted, ...run({ type: 'accept', actor: handler(WATER) })];
    const changes = caseChangesOf(events);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.happened).toEqual(['case_received', 'case_assigned', 'case_accepted']);
    expect(changes[0]!.case.status).toBe('accepted');
    expect(changes[0]!.case.department).toBe(WATER);
    expect(changes[0]!.left).toEqual([]);
  });

  it('names the department a case was returned by or re-assigned away from', () => {
    const { run } = desk();
    const returned = caseChangesOf(run({ type: 'return', actor: handler(WATER), reason: '不属本局' }));
    expect(returned[0]!.case.department).toBeNull();
    expect(returned[0]!.left).toEqual([WATER]);
    run({ type: 'assign', actor: dispatcher, department: WATER, reason: '道路积水属水务' });
    const moved = caseChangesOf(run({ type: 'assign', actor: dispatcher, department: CONSTRUCTION, reason: '下穿通道归建设局' }));
    expect(moved[0]!.case.department).toBe(CONSTRUCTION);
    expect(moved[0]!.left).toEqual([WATER]);
  });

  it('gives nothing for no events', () => {
    expect(caseChangesOf([])).toEqual([]);
  });
});
