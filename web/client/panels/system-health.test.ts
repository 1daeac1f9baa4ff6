import { describe, expect, it } from 'vitest';
import type { StatsMessage } from '../../shared/protocol.ts';
import type { Freshness } from '../stream/freshness.ts';
import { healthText, systemHealth } from './system-health.ts';

const LIVE: Freshness = { condition: 'live', stopped: false, sinceUpdateMs: 400, dataAgeMs: 2_000, level: 'ok' };

const STATS: StatsMessage = {
  serverTime: 0,
  messagesPerSec: 120,
  readingsPerSec: 300,
  receivedTotal: 10_000,
  storedTotal: 9_990,
  rejectedTotal: 3,
  pendingReadings: 10,
  ingestLagMs: 180,
  connectedClients: 4,
  lastDataTime: 0,
  sensorsTotal: 300,
  byState: { normal: 290, warning: 5, alarm: 2, stale: 3, unregistered: 0 },
  storage: 'ok',
  broker: 'ok',
};

describe('the health badge of a wall', () => {
  it('is healthy when the data is live and storage, broker and ingest are well, whatever the raw figures', () => {
    const health = systemHealth(STATS, LIVE);
    expect(health).toEqual({ level: 'ok', reasons: [] });
    expect(healthText(health)).toBe('系统正常');
  });

  it('stays healthy while storing lags by a batch window and its insert (1 s + 1.5 s)', () => {
    expect(systemHealth({ ...STATS, ingestLagMs: 2_500 }, LIVE)).toEqual({ level: 'ok', reasons: [] });
  });

  it('turns amber with a worded reason, never a figure', () => {
    const slow = systemHealth({ ...STATS, ingestLagMs: 4_500 }, LIVE);
    expect(slow).toEqual({ level: 'warn', reasons: ['storingBehind'] });
    expect(healthText(slow)).toBe('注意：数据入库滞后');
    expect(systemHealth({ ...STATS, storage: 'degraded' }, LIVE).reasons).toEqual(['storageDegraded']);
    expect(systemHealth(STATS, { ...LIVE, level: 'warn', dataAgeMs: 30_000 }).reasons).toEqual(['dataLate']);
    expect(healthText(systemHealth(null, LIVE))).toBe('注意：正在连接');
  });

  it('turns red on what stops the picture, the red reasons first', () => {
    const down = systemHealth(
      { ...STATS, broker: 'down', ingestLagMs: 4_500 },
      { ...LIVE, condition: 'no-updates', stopped: true, level: 'bad' },
    );
    expect(down).toEqual({ level: 'bad', reasons: ['stopped', 'brokerDown', 'storingBehind'] });
    expect(healthText(down)).toBe('异常：数据已停止更新、设备接入中断');
    expect(systemHealth({ ...STATS, storage: 'down' }, LIVE).level).toBe('bad');
    expect(systemHealth({ ...STATS, ingestLagMs: 12_000 }, LIVE).reasons).toEqual(['storingFarBehind']);
    expect(systemHealth(STATS, { ...LIVE, level: 'bad', dataAgeMs: 90_000 }).reasons).toEqual(['dataOld']);
  });

  it('contains no digits in any wording', () => {
    const all = systemHealth(
      { ...STATS, storage: 'down', broker: 'down', ingestLagMs: 99_999 },
      { ...LIVE, condition: 'disconnected', stopped: true, level: 'bad' },
    );
    expect(healthText(all)).not.toMatch(/\d/);
  });
});
