import { describe, expect, it } from 'vitest';
import { auditTimeExamples } from './audit-filters.ts';

describe('the audit filters’ example times', () => {
  it('are the city’s date at the moment asked, across its midnight', () => {
    // 23:59 on 6 December in Wuhan (UTC+8) is 15:59 UTC; two minutes later it is 7 December there.
    const evening = Date.UTC(2026, 11, 6, 15, 59);
    expect(auditTimeExamples(evening, 'Asia/Shanghai')).toEqual({ from: '2026-12-06 00:00', to: '2026-12-06 23:59' });
    expect(auditTimeExamples(evening + 120_000, 'Asia/Shanghai')).toEqual({ from: '2026-12-07 00:00', to: '2026-12-07 23:59' });
  });
  it('follow the city’s zone, not the machine’s', () => {
    // 01:00 UTC on 7 December is still 6 December in New York.
    expect(auditTimeExamples(Date.UTC(2026, 11, 7, 1, 0), 'America/New_York').from).toBe('2026-12-06 00:00');
  });
});
