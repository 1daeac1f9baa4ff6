import { describe, expect, it } from 'vitest';
import {
  applyCaseDeskCommand,
  caseOfExternal,
  casesInHand,
  createCaseDesk,
  intakeCase,
  KEEP_CLOSED_MS,
  restoreCaseDesk,
  tickCaseDesk,
} from './case-desk.ts';
import { DEFAULT_CASE_ROUTING } from './default-rules.ts';
import {
  clock,
  DAY,
  deskContext,
  dispatcher,
  handler,
  HOUR,
  hotline,
  intake,
  MIN,
  PLACE,
  shanghai,
  WATER,
  wuhanRules,
} from './fixtures/case-fixtures.ts';

const T0 = shanghai(2026, 7, 1, 10, 0);
const rules = wuhanRules();
/** Metres to degrees of latitude. */
const north = (m: number) => m / 111_320;

describe('intake', () => {
  it('numbers cases by local day, continuing after a restart and starting again the next day', () => {
    const time = clock(shanghai(2026, 7, 1, 23, 58));
    const desk = createCaseDesk(rules);
    const ctx = deskContext(time);
    expect(intakeCase(desk, intake({ externalId: 'a' }), ctx).caseId).toBe('case-20260701-00001');
    expect(intakeCase(desk, intake({ externalId: 'b' }), ctx).caseId).toBe('case-20260701-00002');
    const restored = restoreCaseDesk(rules, desk.cases.values());
    expect(intakeCase(restored, intake({ externalId: 'c' }), ctx).caseId).toBe('case-20260701-00003');
    // 00:01 in Shanghai is still 16:01 UTC of the day before: the local day counts.
    time.set(shanghai(2026, 7, 2, 0, 1));
    expect(intakeCase(restored, intake({ externalId: 'd' }), ctx).caseId).toBe('case-20260702-00001');
    expect(restoreCaseDesk(rules, [], 'case-20260702-00041').numbering).toEqual({ day: '20260702', last: 41 });
  });

  it("is idempotent on the hotline's id: the same id from the same source gives back the same case", () => {
    const time = clock(T0);
    const desk = createCaseDesk(rules);
    const first = intakeCase(desk, intake(), deskContext(time));
    expect(first.emitted.map((e) => e.type)).toEqual(['case_received', 'case_assigned']);
    time.advance(MIN);
    expect(intakeCase(desk, intake({ text: 'resent' }), deskContext(time))).toEqual({ caseId: first.caseId, duplicate: true, emitted: [] });
    expect(intakeCase(desk, intake({ source: 'hotline-other' }), deskContext(time)).duplicate).toBe(false);
    expect(desk.cases.size).toBe(2);
    expect(caseOfExternal(desk, intake().source, intake().externalId)).toBe(first.caseId);
    expect(caseOfExternal(desk, intake().source, 'never-sent')).toBeNull();
    // After a restart too.
    const restored = restoreCaseDesk(rules, desk.cases.values());
    expect(intakeCase(restored, intake(), deskContext(time)).caseId).toBe(first.caseId);
  });

  it('leaves the case to the dispatch desk when the table does not assign automatically', () => {
    const manual = wuhanRules({ routing: { ...DEFAULT_CASE_ROUTING, autoAssign: false } });
    const desk = createCaseDesk(manual);
    const time = clock(T0);
    const { caseId, emitted } = intakeCase(desk, intake(), deskContext(time));
    expect(emitted.map((e) => e.type)).toEqual(['case_received']);
    expect(desk.cases.get(caseId)).toMatchObject({ status: 'received', department: null });
    const r = applyCaseDeskCommand(desk, caseId, { type: 'assign', actor: dispatcher, department: WATER }, time);
    expect(r.ok && r.state.status).toBe('assigned');
  });

  it("places a case without a district by the city's districts, and keeps the reply deadline from receipt", () => {
    const desk = createCaseDesk(rules);
    const time = clock(T0 + 20 * MIN);
    const { caseId } = intakeCase(
      desk,
      intake({ district: null, receivedAt: T0 }),
      deskContext(time, () => '420103'),
    );
    const c = desk.cases.get(caseId)!;
    expect(c.place.district).toBe('420103');
    expect(c.sla.replyBy).toBe(T0 + 4 * HOUR);
    expect(c.callerHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(c.history)).not.toContain('13800138000');
  });
});

describe('repeat cases', () => {
  function deskWith(...intakes: Parameters<typeof intake>[0][]) {
    const desk = createCaseDesk(rules);
    const time = clock(T0);
    const ids = intakes.map((o, i) => {
      time.set(T0 + i * HOUR);
      return intakeCase(desk, intake({ externalId: `r-${i}`, receivedAt: T0 + i * HOUR, ...o }), deskContext(time)).caseId;
    });
    return ids.map((id) => desk.cases.get(id)!);
  }
  const far = { lat: PLACE.lat + north(2000) };

  it('the same caller about the same category, elsewhere: a repeat by caller', () => {
    const [a, b] = deskWith({}, far);
    expect(a!.repeat).toBeNull();
    expect(b!.repeat).toEqual({ count: 1, firstCaseId: a!.id, byCaller: true, byPlace: false });
  });

  it('another caller at the same place (within 100 m) about the same category: a repeat by place', () => {
    const [a, b, c] = deskWith(
      {},
      { caller: { name: null, phone: '13900139000' }, lat: PLACE.lat + north(80) },
      {
        caller: { name: null, phone: '13700137000' },
        lat: PLACE.lat + north(40),
      },
    );
    expect(b!.repeat).toEqual({ count: 1, firstCaseId: a!.id, byCaller: false, byPlace: true });
    expect(c!.repeat).toEqual({ count: 2, firstCaseId: a!.id, byCaller: false, byPlace: true });
  });

  it('the same caller in +86 form is the same caller', () => {
    const [, b] = deskWith({}, { caller: { name: null, phone: '+8613800138000' }, ...far });
    expect(b!.repeat?.byCaller).toBe(true);
  });

  it('not a repeat: another category, another place beyond 100 m, or after the window', () => {
    const other = { caller: { name: null, phone: '13900139000' } };
    expect(deskWith({}, { category: 'noise' })[1]!.repeat).toBeNull();
    expect(deskWith({}, { ...other, lat: PLACE.lat + north(130) })[1]!.repeat).toBeNull();
    const late = deskWith({}, { receivedAt: T0 + 31 * DAY });
    expect(late[1]!.repeat).toBeNull();
  });

  it('counts a case found by both caller and place once', () => {
    const [a, b] = deskWith({}, {});
    expect(b!.repeat).toEqual({ count: 1, firstCaseId: a!.id, byCaller: true, byPlace: true });
  });
});

describe('the desk clock', () => {
  it('raises overdue cases once, lets go of cases closed a week ago, and drops old repeat entries', () => {
    const desk = createCaseDesk(rules);
    const time = clock(T0);
    const ctx = deskContext(time);
    const a = intakeCase(desk, intake({ externalId: 'a' }), ctx).caseId;
    const b = intakeCase(desk, intake({ externalId: 'b', category: 'noise', caller: { name: null, phone: null } }), ctx).caseId;
    time.set(T0 + 31 * MIN);
    expect(tickCaseDesk(desk, time).map((e) => [e.caseId, e.params.stage])).toEqual([[a, 'accept']]);
    expect(tickCaseDesk(desk, time)).toEqual([]);
    const water = handler(WATER);
    for (const command of [
      { type: 'accept', actor: water },
      { type: 'reply', actor: water, text: '已处理' },
      { type: 'close', actor: hotline },
    ] as const)
      expect(applyCaseDeskCommand(desk, a, command, time).ok).toBe(true);
    expect(casesInHand(desk, { department: WATER }).map((c) => c.id)).toEqual([a]);
    expect(casesInHand(desk, { statuses: ['assigned'] }).map((c) => c.id)).toEqual([b]);
    time.set(T0 + 31 * MIN + KEEP_CLOSED_MS + MIN);
    tickCaseDesk(desk, time);
    expect(desk.cases.has(a)).toBe(false);
    expect(desk.cases.has(b)).toBe(true);
    time.set(T0 + 31 * DAY);
    tickCaseDesk(desk, time);
    // a's entries left the window; b is still in hand but its entries went with the window too.
    expect(desk.repeats.size).toBe(0);
    expect(desk.byExternal.has('hotline-12345\u0000a')).toBe(false);
    expect(desk.byExternal.has('hotline-12345\u0000b')).toBe(true);
  });
});
