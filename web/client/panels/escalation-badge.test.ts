import { describe, expect, it } from 'vitest';
import { formatCountdown } from '../i18n/format.ts';
import { EscalationClock, escalationText } from './escalation-badge.ts';

const AT = Date.UTC(2026, 11, 7, 2, 0, 0);

describe('the escalation countdown', () => {
  it('writes mm:ss, h:mm:ss from an hour, rounding up, never below 00:00', () => {
    expect(formatCountdown(9 * 60_000 + 57_001)).toBe('09:58');
    expect(formatCountdown(600_000)).toBe('10:00');
    expect(formatCountdown(3600_000 + 61_000)).toBe('1:01:01');
    expect(formatCountdown(-5_000)).toBe('00:00');
    expect(formatCountdown(Number.NaN)).toBe('—');
  });

  it('names the next tier and the time left, a reminder as a reminder, nothing when no page is due', () => {
    const next = { policyId: 'water', tier: 1, nextTier: 2, nextRepeat: 0, nextEscalationAt: AT + 125_000 };
    expect(escalationText(next, AT)).toEqual({ text: '升至第2级 02:05', title: '02:05 后升级至第2级（已通知到第1级）' });
    expect(escalationText({ ...next, nextTier: 1, nextRepeat: 1 }, AT)?.text).toBe('第1级提醒 02:05');
    expect(escalationText(next, AT + 200_000)?.text).toBe('第2级 即将升级');
    expect(escalationText({ ...next, nextTier: null, nextEscalationAt: null }, AT)).toBeNull();
    expect(escalationText(undefined, AT)).toBeNull();
  });

  it("counts on the server's clock, whatever the desk's clock says", () => {
    const clock = new EscalationClock();
    // The desk PC is 90 s behind the server.
    clock.update(
      {
        serverTime: AT,
        escalations: [{ incidentId: 'inc-000001', policyId: 'p', tier: 1, nextTier: 2, nextRepeat: 0, nextEscalationAt: AT + 60_000 }],
      },
      AT - 90_000,
    );
    expect(clock.now(AT - 90_000 + 1_000)).toBe(AT + 1_000);
    expect(escalationText(clock.get('inc-000001'), clock.now(AT - 90_000 + 1_000))?.text).toBe('升至第2级 00:59');
    // The next message replaces the list: an acknowledged incident leaves it.
    clock.update({ serverTime: AT + 2_000, escalations: [] }, AT - 88_000);
    expect(clock.get('inc-000001')).toBeUndefined();
  });
});
