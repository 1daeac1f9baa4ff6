import { describe, expect, it } from 'vitest';
import { appendEntry, verifyChain } from '../../twin-model/dispatch/dispatch-log.ts';
import type { DispatchLogEntry } from '../../twin-model/index.ts';
import { dispatchLogRow } from '../dispatch-log-store.ts';
import { decodeDispatchLogData, DISPATCH_LOG_DATA, encodeDispatchLogData } from './dispatch-log-data.ts';

const T0 = Date.UTC(2026, 6, 1, 8);

function chain(): DispatchLogEntry[] {
  const a = appendEntry(null, {
    at: T0,
    actor: 'disp',
    action: 'recommend',
    incidentId: 'inc-000001',
    data: { ranked: [{ unitId: 'pump-1', etaS: 300, rank: 1 }], closures: 2 },
  });
  const b = appendEntry(a, {
    at: T0 + 1000,
    actor: 'disp',
    action: 'assign',
    unitId: 'pump-1',
    incidentId: 'inc-000001',
    data: { from: 'available', to: 'dispatched', etaS: 300 },
  });
  const c = appendEntry(b, {
    at: T0 + 2000,
    actor: 'twin',
    action: 'status',
    unitId: 'pump-1',
    data: { from: 'dispatched', to: 'en_route' },
  });
  return [a, b, c];
}

/** An entry as the store reads it back from the details column. */
const readBack = (e: DispatchLogEntry, text: string): DispatchLogEntry => ({ ...e, data: decodeDispatchLogData(text, `of seq ${e.seq}`) });

describe('dispatch-log details', () => {
  it('read rows written before versions (no stamp) and current rows as the same details, so the chain verifies either way', () => {
    const entries = chain();
    const legacy = entries.map((e) => readBack(e, JSON.stringify(e.data)));
    const current = entries.map((e) => readBack(e, dispatchLogRow(e).data));
    expect(legacy).toEqual(entries);
    expect(current).toEqual(entries);
    expect(verifyChain(legacy).ok).toBe(true);
    expect(verifyChain(current).ok).toBe(true);
  });

  it('stamp the version at the top level, where the KPI rollups still find `to`', () => {
    const text = encodeDispatchLogData({ from: 'dispatched', to: 'en_route' });
    expect(JSON.parse(text)).toEqual({ schemaVersion: DISPATCH_LOG_DATA.current, from: 'dispatched', to: 'en_route' });
  });

  it('upgrade version 0 to version 1 unchanged', () => {
    const data = { blockedEdge: 12, etaS: 420 };
    expect(DISPATCH_LOG_DATA.upgrade[0]!(data as never)).toEqual(data);
  });

  it('refuse details that are not an object, or of an unknown version', () => {
    expect(() => decodeDispatchLogData('"assign"', 'of dispatch_log seq 4')).toThrow(
      /dispatch-log details of dispatch_log seq 4: not a JSON object/,
    );
    expect(() => decodeDispatchLogData('{"schemaVersion":2}', 'of dispatch_log seq 4')).toThrow(
      /schemaVersion 2 is not one this version reads/,
    );
  });
});
