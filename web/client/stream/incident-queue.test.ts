import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../../shared/protocol.ts';
import { IncidentQueue } from './incident-queue.ts';

const inc = (id: string, severity: number, status: IncidentView['status'] = 'open', openedAt = 0): IncidentView =>
  ({ id, type: 'waterlogging', status, severity, openedAt, evidence: [], hiddenEvidence: 0 }) as unknown as IncidentView;
const update = (i: IncidentView) => ({ at: 0, actor: 'twin', what: 'updated' as const, detail: '', incident: i });

describe('IncidentQueue', () => {
  it('orders critical first, open before acknowledged, newest first', () => {
    const q = new IncidentQueue();
    q.reset({
      serverTime: 0,
      incidents: [inc('a', 3, 'open', 1), inc('b', 5, 'acknowledged', 1), inc('c', 5, 'open', 0), inc('d', 3, 'open', 2)],
    });
    expect(q.list().map((i) => i.id)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('announces only incidents new since the console opened, and drops closed ones', () => {
    const q = new IncidentQueue();
    expect(q.reset({ serverTime: 0, incidents: [inc('a', 3)] })).toEqual([]);
    expect(q.apply(update(inc('b', 4)))).toBe(true);
    expect(q.apply(update(inc('b', 5)))).toBe(false);
    expect(q.apply(update(inc('a', 3, 'closed')))).toBe(false);
    expect(q.list().map((i) => i.id)).toEqual(['b']);
    // A reconnect lists what the server holds; only unseen ids are new.
    expect(q.reset({ serverTime: 0, incidents: [inc('b', 5), inc('c', 2)] })).toEqual(['c']);
    expect(q.size).toBe(2);
  });
});
