import { describe, expect, it } from 'vitest';
import { caseIntakeFromEventPayload, describeIntakeProblems, normalizePhone, parseCaseBody } from './case-intake.ts';
import { shanghai } from './fixtures/case-fixtures.ts';

const NOW = shanghai(2026, 7, 1, 10, 5);
const options = { now: NOW, defaultSource: 'hotline-12345' };
const BODY = {
  externalId: 'WH12345-20260701-000123',
  category: 'waterlogging',
  text: '  江汉路地下通道积水很深  ',
  caller: { name: '陈先生', phone: '+86 138-0013-8000' },
  lng: 114.2811,
  lat: 30.5856,
  address: '江汉区江汉路与中山大道交叉口',
  receivedAt: '2026-07-01T10:00:00+08:00',
};
const bytes = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));

describe('POST /api/cases bodies', () => {
  it('normalises a good body into an intake', () => {
    const r = parseCaseBody(BODY, options);
    expect(r).toEqual({
      ok: true,
      intake: {
        source: 'hotline-12345',
        externalId: 'WH12345-20260701-000123',
        channel: 'http',
        eventType: 'citizen_report',
        category: 'waterlogging',
        reportedCategory: null,
        severity: null,
        text: '江汉路地下通道积水很深',
        caller: { name: '陈先生', phone: '+8613800138000' },
        lng: 114.2811,
        lat: 30.5856,
        address: '江汉区江汉路与中山大道交叉口',
        district: null,
        receivedAt: shanghai(2026, 7, 1, 10, 0),
      },
    });
  });

  it('quotes a bad value and says what is accepted', () => {
    const r = parseCaseBody({ ...BODY, category: 'flood', lng: 200, severity: 7 }, options);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(describeIntakeProblems(r.problems)).toMatch(/category: a case category: waterlogging, traffic, .* \(found "flood"\)/);
    expect(r.problems).toContainEqual({ field: 'lng', message: 'a longitude from -180 to 180', value: '200' });
    expect(r.problems).toContainEqual({ field: 'severity', message: 'a whole number 1–5', value: '7' });
  });

  it('never repeats the text, the caller or the address in an error', () => {
    const r = parseCaseBody(
      { ...BODY, text: '', caller: { name: '陈'.repeat(65), phone: 'call me 138' }, address: '址'.repeat(201) },
      options,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field).sort()).toEqual(['address', 'caller.name', 'caller.phone', 'text']);
    expect(r.problems.every((p) => p.value === undefined)).toBe(true);
    const line = describeIntakeProblems(r.problems);
    expect(line).toContain('caller.phone: 3–20 digits');
    expect(line).not.toContain('138');
  });

  it('refuses fields it does not know, so a misplaced phone number is not dropped unseen', () => {
    const r = parseCaseBody({ ...BODY, phone: '13800138000', caller: { name: 'x', mobile: '1' } }, options);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        { field: 'phone', message: 'not a field of a case' },
        { field: 'caller.mobile', message: 'not a field of a case' },
      ]),
    );
  });

  it('refuses a missing id and a receipt time in the future or not a time', () => {
    const { externalId: _, ...noId } = BODY;
    const missing = parseCaseBody(noId, options);
    expect(!missing.ok && missing.problems[0]).toMatchObject({ field: 'externalId' });
    const future = parseCaseBody({ ...BODY, receivedAt: NOW + 3_600_000 }, options);
    expect(!future.ok && future.problems[0]!.message).toMatch(/receivedAt .* is more than 300 s in the future/);
    const garbage = parseCaseBody({ ...BODY, receivedAt: 'yesterday' }, options);
    expect(!garbage.ok && garbage.problems[0]!.message).toMatch(/neither epoch ms nor RFC 3339/);
    expect(parseCaseBody('not an object', options).ok).toBe(false);
  });

  it('keeps the source and district the hotline gives', () => {
    const r = parseCaseBody({ ...BODY, source: 'hotline-hanyang', district: '420105', severity: 4 }, options);
    expect(r.ok && [r.intake.source, r.intake.district, r.intake.severity]).toEqual(['hotline-hanyang', '420105', 4]);
  });
});

describe('citizen reports on the events topic', () => {
  const EVENT = {
    id: 'c-42',
    ts: NOW - 60_000,
    type: 'citizen_report',
    lng: 114.2811,
    lat: 30.5856,
    category: 'waterlogging',
    text: '积水',
  };

  it('a v1 citizen report is a case; its id is the hotline id', () => {
    const r = caseIntakeFromEventPayload(bytes(EVENT), 'hotline-12345', NOW);
    expect(r).toMatchObject({
      ok: true,
      intake: {
        source: 'hotline-12345',
        externalId: 'c-42',
        channel: 'mqtt',
        category: 'waterlogging',
        text: '积水',
        receivedAt: NOW - 60_000,
      },
    });
  });

  it('carries the optional caller, address and district', () => {
    const r = caseIntakeFromEventPayload(
      bytes({ ...EVENT, caller: { phone: '13800138000' }, address: '江汉路', district: '420103' }),
      'hotline-12345',
      NOW,
    );
    expect(r.ok && [r.intake.caller, r.intake.address, r.intake.district]).toEqual([
      { name: null, phone: '13800138000' },
      '江汉路',
      '420103',
    ]);
  });

  it('files an unknown or missing category as other, keeping what was sent', () => {
    const r = caseIntakeFromEventPayload(bytes({ ...EVENT, category: 'potholes' }), 'hotline-12345', NOW);
    expect(r.ok && [r.intake.category, r.intake.reportedCategory]).toEqual(['other', 'potholes']);
    const { category: _, ...none } = EVENT;
    const n = caseIntakeFromEventPayload(bytes(none), 'hotline-12345', NOW);
    expect(n.ok && [n.intake.category, n.intake.reportedCategory]).toEqual(['other', null]);
  });

  it("other event types are not cases; bad payloads are rejected with the events path's reason", () => {
    expect(caseIntakeFromEventPayload(bytes({ ...EVENT, type: 'video_detection' }), 'aihub-video', NOW)).toEqual({
      ok: false,
      notACase: true,
      type: 'video_detection',
    });
    const bad = caseIntakeFromEventPayload(bytes({ ...EVENT, lat: 'north' }), 'hotline-12345', NOW);
    expect(!bad.ok && 'problems' in bad && bad.problems[0]!.message).toMatch(/^bad_schema: event lat/);
    const phone = caseIntakeFromEventPayload(bytes({ ...EVENT, caller: { phone: 'x' } }), 'hotline-12345', NOW);
    expect(!phone.ok && 'problems' in phone && phone.problems).toEqual([
      { field: 'caller.phone', message: expect.stringMatching(/^3–20 digits/) },
    ]);
  });
});

describe('phone numbers', () => {
  it('keeps digits and a leading +, and refuses what is not a number', () => {
    expect(normalizePhone(' +86 (138) 0013.8000 ')).toBe('+8613800138000');
    expect(normalizePhone('027-8588 8888')).toBe('02785888888');
    expect(normalizePhone('12')).toBeNull();
    expect(normalizePhone('138x0013')).toBeNull();
    expect(normalizePhone('1'.repeat(21))).toBeNull();
  });
});
