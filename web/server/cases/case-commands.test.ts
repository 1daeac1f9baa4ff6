import { describe, expect, it } from 'vitest';
import { CASE_REFUSALS } from '../../../twin-model/cases/index.ts';
import type { Principal } from '../auth/auth-types.ts';
import { decodeWriterAnswer, decodeWriterCommand, encodeClusterMessage } from '../cluster/cluster-messages.ts';
import {
  CASE_REFUSAL_STATUS,
  caseActorFor,
  caseCommandBody,
  caseCommandOf,
  caseRefusalMessage,
  caseSeatOf,
  caseViewerFor,
} from './case-commands.ts';

const WATER = '武汉市水务局';
const FIRE = '武汉市消防救援支队';
const principal = (username: string, roles: Principal['roles']): Principal => ({
  username,
  roles,
  via: 'session',
  tokenId: 't',
  clearance: ['public', 'internal', 'sensitive'],
});

describe('who is who at the case desk', () => {
  it('shows the desk every case, a department its own only, staff without the caller, a leader nothing', () => {
    const desk = caseSeatOf(principal('zhang', ['dispatcher']), null);
    const water = caseSeatOf(principal('wang', ['department']), WATER);
    const staff = caseSeatOf(principal('chen', ['operator']), null);
    const leader = caseSeatOf(principal('zhao', ['leader']), null);
    const unbound = caseSeatOf(principal('new', ['department']), null);
    expect(caseViewerFor(desk, { department: FIRE })).toEqual({ role: 'hotline_desk' });
    expect(caseViewerFor(water, { department: WATER })).toEqual({ role: 'department', department: WATER });
    expect(caseViewerFor(water, { department: FIRE })).toBeNull();
    expect(caseViewerFor(water, { department: null })).toBeNull();
    expect(caseViewerFor(staff, { department: FIRE })).toEqual({ role: 'staff' });
    expect(caseViewerFor(leader, { department: FIRE })).toBeNull();
    expect(unbound.unbound).toBe(true);
    expect(caseViewerFor(unbound, { department: WATER })).toBeNull();
    // Roles add up: an operator who also handles a department's cases sees its own with the caller.
    const both = caseSeatOf(principal('li', ['operator', 'department']), WATER);
    expect(caseViewerFor(both, { department: WATER })).toEqual({ role: 'department', department: WATER });
    expect(caseViewerFor(both, { department: FIRE })).toEqual({ role: 'staff' });
  });

  it("acts as the department for the department's commands and as the dispatch desk for the rest", () => {
    const p = principal('wang', ['department']);
    const water = caseSeatOf(p, WATER);
    expect(caseActorFor(p, water, 'accept', { department: WATER })).toEqual({ user: 'wang', role: 'department', department: WATER });
    expect(caseActorFor(p, water, 'close', { department: WATER })).toEqual({ user: 'wang', role: 'department', department: WATER });
    const d = principal('zhang', ['dispatcher']);
    expect(caseActorFor(d, caseSeatOf(d, null), 'close', { department: WATER })).toEqual({ user: 'zhang', role: 'dispatcher' });
    const o = principal('chen', ['operator']);
    expect(caseActorFor(o, caseSeatOf(o, null), 'link_incident', { department: WATER })).toEqual({ user: 'chen', role: 'operator' });
  });
});

describe('the command body', () => {
  it('takes each command with what it needs and turns override into an assignment with its reason', () => {
    const actor = { user: 'zhang', role: 'dispatcher' as const };
    const b = caseCommandBody.parse({ command: 'override', department: WATER, reason: ' 涉及排水 ' });
    expect(caseCommandOf(b, actor)).toEqual({ type: 'assign', actor, department: WATER, reason: '涉及排水' });
    expect(caseCommandOf(caseCommandBody.parse({ command: 'link_incident', incidentId: 'inc-000012' }), actor)).toEqual({
      type: 'link_incident',
      actor,
      incidentId: 'inc-000012',
      how: 'joined',
    });
  });

  it('refuses a missing reason, an unknown field and an unknown command, saying what is accepted', () => {
    const issues = (body: unknown) => {
      const r = caseCommandBody.safeParse(body);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ command: 'override', department: WATER })).toEqual(['reason: the reason for the override: text']);
    expect(issues({ command: 'return', reason: '   ' })).toEqual(['reason: the reason for returning the case: not empty']);
    expect(issues({ command: 'accept', note: 'x' })[0]).toMatch(/note/);
    expect(issues({ command: 'approve' })[0]).toContain('one of assign, override, accept');
    expect(issues({ command: 'feedback', satisfaction: 6 })).toEqual(['satisfaction: satisfaction: 1–5']);
  });
});

describe('refusals', () => {
  it('has an HTTP status and English words for every refusal code', () => {
    for (const code of CASE_REFUSALS) {
      expect(CASE_REFUSAL_STATUS[code]).toBeGreaterThanOrEqual(400);
      expect(caseRefusalMessage({ code, params: {} })).not.toBe('');
    }
    expect(caseRefusalMessage({ code: 'unknown_department', params: { department: '不存在局' } }, [WATER])).toBe(
      `"不存在局" is not a department of the source catalogue; accepted: ${WATER}`,
    );
  });

  it('quotes what the caller sent cut at 80 characters, a line break and an override escaped', () => {
    const hostile = `ab\n\u202ecd${'x'.repeat(494)}`;
    const quoted = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;
    expect(caseRefusalMessage({ code: 'unknown_department', params: { department: hostile } })).toBe(
      `${quoted} is not a department of the source catalogue`,
    );
    expect(caseRefusalMessage({ code: 'unknown_case', params: { caseId: hostile } })).toBe(`case ${quoted} is not known`);
    expect(caseRefusalMessage({ code: 'invalid_incident', params: { incidentId: hostile } })).toBe(
      `${quoted} is not an incident id such as inc-000012`,
    );
    expect(caseRefusalMessage({ code: 'invalid_satisfaction', params: { value: hostile } })).toBe(
      `satisfaction ${quoted} is not a whole number from 1 to 5`,
    );
  });

  it('travel between web nodes as validated messages', () => {
    const command = {
      kind: 'case_command' as const,
      caseId: 'case-20260701-00001',
      command: { type: 'accept' as const, actor: { user: 'wang', role: 'department' as const, department: WATER } },
    };
    expect(decodeWriterCommand(encodeClusterMessage(command))).toEqual(command);
    const refused = { kind: 'case_refused' as const, code: 'wrong_status' as const, params: { status: 'closed', needs: 'assigned' } };
    expect(decodeWriterAnswer(encodeClusterMessage(refused))).toEqual(refused);
    expect(() => decodeWriterAnswer(JSON.stringify({ kind: 'case_refused', code: 'nope', params: {} }))).toThrow(/not understood/);
  });
});
