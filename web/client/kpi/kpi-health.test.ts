import { describe, expect, it } from 'vitest';
import type { KpiSummary } from '../../shared/kpi-protocol.ts';
import { comparable, healthOf, trendArrow, trendOf } from './kpi-health.ts';

const AT = 1_800_000_000_000;

function summary(ingest: Partial<KpiSummary['ingest']> = {}, perMinute: number[] = []): KpiSummary {
  return {
    at: AT,
    sensorHealth: { registered: 10 },
    ingest: {
      ingestLagMs: 800,
      pendingReadings: 0,
      storage: 'ok',
      broker: 'ok',
      lastDataTime: AT - 1000,
      deadLetters: { windowMin: 60, total: 0, perMinute, byReason: [] },
      ...ingest,
    },
  } as unknown as KpiSummary;
}

describe('the health badge', () => {
  it('is ok when the figures are within their limits', () => {
    expect(healthOf(summary(), false, false)).toEqual({ level: 'ok', reasons: [] });
  });

  it('says 注意 for a slow ingest, a backlog, rejected messages, silent sensors, a degraded store', () => {
    expect(healthOf(summary({ ingestLagMs: 15_000 }), false, false)).toEqual({ level: 'attention', reasons: ['lagSlow'] });
    expect(healthOf(summary({ pendingReadings: 60_000 }), false, false).reasons).toEqual(['backlog']);
    expect(healthOf(summary({}, [...Array(50).fill(0), ...Array(10).fill(1)]), false, false).reasons).toEqual(['rejected']);
    expect(healthOf(summary({}, [...Array(10).fill(5), ...Array(10).fill(0)]), false, false).level).toBe('ok');
    expect(healthOf(summary({ lastDataTime: AT - 600_000 }), false, false).reasons).toEqual(['noData']);
    expect(healthOf(summary({ storage: 'degraded' }), false, false).level).toBe('attention');
  });

  it('says 异常 for a severe lag, a store or broker down, stale data, a failed read — worst first', () => {
    expect(healthOf(summary({ ingestLagMs: 139_709 }), false, false)).toEqual({ level: 'fault', reasons: ['lagSevere'] });
    expect(healthOf(summary({ pendingReadings: 60_000, broker: 'down' }), false, false).reasons).toEqual(['brokerDown', 'backlog']);
    expect(healthOf(summary({ storage: 'down' }), false, false).level).toBe('fault');
    expect(healthOf(summary(), true, false).reasons).toEqual(['stale']);
    expect(healthOf(null, true, true)).toEqual({ level: 'fault', reasons: ['unreachable'] });
  });
});

describe('trends against the previous period', () => {
  it('points up or down and colours by whether up is good for the figure', () => {
    expect(trendOf(12, 10, false)).toEqual({ direction: 'up', delta: 2, good: false });
    expect(trendOf(0.93, 0.95, true)).toMatchObject({ direction: 'down', good: false });
    expect(trendOf(5, 9, false)).toMatchObject({ direction: 'down', delta: -4, good: true });
    expect(trendOf(3, 3, true)).toEqual({ direction: 'flat', delta: 0, good: null });
    expect(trendOf(3, null, true)).toBeNull();
    expect(trendArrow(trendOf(2, 1, true)!)).toBe('▲');
    expect(trendArrow(trendOf(1, 2, true)!)).toBe('▼');
  });
});

describe('comparing with a week earlier', () => {
  const weekEarlier = (online: number) => ({ ...summary(), sensorHealth: { registered: 10, online } }) as unknown as KpiSummary;

  it('compares only with a read summary of a moment when data was flowing', () => {
    expect(comparable(null)).toBe(false);
    // A fresh install: nothing reported a week back, so its zero incidents are no figure.
    expect(comparable(weekEarlier(0))).toBe(false);
    expect(comparable(weekEarlier(3))).toBe(true);
  });

  it('gives no trend (the headline says "no comparison") for a zero-sample week, an arrow otherwise', () => {
    const lastWeek = (p: KpiSummary | null, v: number) => (comparable(p) ? v : null);
    expect(trendOf(4, lastWeek(weekEarlier(0), 0), false)).toBeNull();
    expect(trendOf(4, lastWeek(null, 0), false)).toBeNull();
    expect(trendOf(4, lastWeek(weekEarlier(3), 0), false)).toEqual({ direction: 'up', delta: 4, good: false });
  });
});
