import { describe, expect, it } from 'vitest';
import { cityOffsetLabel } from '../i18n/format.ts';
import { zoneText } from './case-strings.ts';

// 2026-12-05 12:00 UTC: India has no daylight saving time, Lisbon is on UTC in winter.
const AT = Date.UTC(2026, 11, 5, 12);
const TOWN = { zh: '盐港', en: 'Porto Salgado' };

describe('the case desk names the city time zone its times are in', () => {
  it("names another city and its offset, in both languages, and never Wuhan's", () => {
    const zh = zoneText(TOWN, 'Asia/Kolkata', cityOffsetLabel(AT, 'Asia/Kolkata'), 'zh');
    const en = zoneText(TOWN, 'Asia/Kolkata', cityOffsetLabel(AT, 'Asia/Kolkata'), 'en');
    expect(zh).toBe('时间均为盐港时间（UTC+5:30）');
    expect(en).toBe('Times in Porto Salgado time (UTC+5:30)');
    for (const text of [zh, en]) expect(text).not.toMatch(/武汉|Wuhan|UTC\+8/);
  });

  it('gives the offset of the moment (no daylight saving assumed)', () => {
    expect(cityOffsetLabel(AT, 'Europe/Lisbon')).toBe('UTC');
    expect(cityOffsetLabel(Date.UTC(2026, 6, 1, 12), 'Europe/Lisbon')).toBe('UTC+1');
  });

  it('names the browser zone when the city is not known yet', () => {
    expect(zoneText(null, 'Europe/Lisbon', 'UTC', 'en')).toBe("Times in this browser's zone Europe/Lisbon (UTC)");
  });
});
