import { describe, expect, it } from 'vitest';
import { casesZoneNote } from './case-list.ts';

// 2026-12-05 12:00 UTC: India has no daylight saving time, Lisbon is on UTC in winter.
const AT = Date.UTC(2026, 11, 5, 12);

describe('the case desk names the city time zone its times are in', () => {
  it("names another city's zone and offset, in both languages, and never Wuhan's", () => {
    const zh = casesZoneNote('Asia/Kolkata', AT, 'zh');
    const en = casesZoneNote('Asia/Kolkata', AT, 'en');
    expect(zh).toBe('时间均为城市当地时间（Asia/Kolkata, UTC+5:30）');
    expect(en).toBe("Times are the city's local time (Asia/Kolkata, UTC+5:30)");
    for (const text of [zh, en]) expect(text).not.toMatch(/武汉|Wuhan|UTC\+8/);
  });

  it('gives the offset of the moment (no daylight saving assumed)', () => {
    expect(casesZoneNote('Europe/Lisbon', AT, 'en')).toBe("Times are the city's local time (Europe/Lisbon, UTC)");
    expect(casesZoneNote('Europe/Lisbon', Date.UTC(2026, 6, 1, 12), 'en')).toBe("Times are the city's local time (Europe/Lisbon, UTC+1)");
  });
});
