import { describe, expect, it } from 'vitest';
import type { Classification } from '../vocabulary.ts';
import { applyCaseDeskCommand, createCaseDesk, intakeCase } from './case-desk.ts';
import { caseView, coarsePlace } from './case-view.ts';
import {
  clock,
  deskContext,
  dispatcher,
  ECOLOGY,
  handler,
  hotline,
  intake,
  MIN,
  PLACE,
  shanghai,
  WATER,
  wuhanRules,
} from './fixtures/case-fixtures.ts';
import { distanceM } from './case-repeats.ts';

const ALL: Classification[] = ['public', 'internal', 'sensitive'];
const INTERNAL: Classification[] = ['public', 'internal'];
const PUBLIC: Classification[] = ['public'];

/** A closed case with a reply, feedback and a returned-with-reason step in its history. */
function closedCase() {
  const time = clock(shanghai(2026, 7, 1, 10, 0));
  const desk = createCaseDesk(wuhanRules());
  const { caseId } = intakeCase(desk, intake(), deskContext(time));
  const water = handler(WATER);
  for (const command of [
    { type: 'return', actor: water, reason: '陈先生说是小区内部管道' },
    { type: 'assign', actor: dispatcher, department: WATER, reason: '道路积水属水务' },
    { type: 'accept', actor: water },
    { type: 'reply', actor: water, text: '已抽排，联系陈先生确认' },
    { type: 'close', actor: dispatcher },
    { type: 'feedback', actor: hotline, satisfaction: 4, comment: '处理及时' },
  ] as const) {
    time.advance(MIN);
    const r = applyCaseDeskCommand(desk, caseId, command, time);
    if (!r.ok) throw new Error(JSON.stringify(r.refusal));
  }
  return desk.cases.get(caseId)!;
}

const c = closedCase();
const SECRETS = ['江汉路地下通道', '13800138000', '陈先生', '江汉区江汉路与中山大道', '已抽排', '处理及时', 'WH-0001'];

describe('redaction per viewer', () => {
  it('the hotline desk with sensitive clearance sees everything, the caller included', () => {
    const v = caseView(c, ALL, { role: 'hotline_desk' })!;
    expect(v.level).toBe('full');
    expect(v).toMatchObject({
      text: c.text,
      caller: { name: '陈先生', phone: '13800138000' },
      address: c.place.address,
      replyText: '已抽排，联系陈先生确认',
      feedbackComment: '处理及时',
      lng: PLACE.lng,
      lat: PLACE.lat,
      placeExact: true,
    });
    expect(v.history.find((h) => h.what === 'returned')!.reason).toBe('陈先生说是小区内部管道');
  });

  it('the department the case is with sees it in full; another department sees nothing of it', () => {
    expect(caseView(c, ALL, { role: 'department', department: WATER })!.caller).toEqual({ name: '陈先生', phone: '13800138000' });
    expect(caseView(c, ALL, { role: 'department', department: ECOLOGY })).toBeNull();
  });

  it('other staff with sensitive clearance see what was said and where, never the caller', () => {
    const v = caseView(c, ALL, { role: 'staff' })!;
    expect(v.level).toBe('sensitive');
    expect(v.text).toBe(c.text);
    expect(v.placeExact).toBe(true);
    expect(v.caller).toBeUndefined();
    expect(JSON.stringify(v)).not.toContain('13800138000');
  });

  it('below sensitive clearance: the case record only — no text, caller, reasons or exact place', () => {
    for (const viewer of [
      { role: 'hotline_desk' } as const,
      { role: 'department', department: WATER } as const,
      { role: 'staff' } as const,
    ]) {
      const v = caseView(c, INTERNAL, viewer)!;
      expect(v.level).toBe('internal');
      const json = JSON.stringify(v);
      for (const secret of SECRETS) expect(json).not.toContain(secret);
      expect(v).toMatchObject({
        status: 'closed',
        category: 'waterlogging',
        department: WATER,
        district: '420103',
        satisfaction: 4,
        placeExact: false,
      });
      expect(v.history.find((h) => h.what === 'returned')).toMatchObject({ reason: null, reasonGiven: true });
      // The place is the centre of its ≈500 m cell: near, not exact.
      const d = distanceM(v.lng, v.lat, PLACE.lng, PLACE.lat);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThan(400);
    }
  });

  it('below internal clearance nothing is shown', () => {
    expect(caseView(c, PUBLIC, { role: 'staff' })).toBeNull();
    expect(caseView(c, [], { role: 'hotline_desk' })).toBeNull();
  });

  it('coarse places snap every point of a cell to its centre', () => {
    const a = coarsePlace(114.2811, 30.5856);
    expect(coarsePlace(a.lng, a.lat)).toEqual(a);
    expect(coarsePlace(114.28111, 30.58561)).toEqual(a);
  });
});
