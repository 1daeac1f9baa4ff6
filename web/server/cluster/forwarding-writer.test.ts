import { describe, expect, it } from 'vitest';
import { NoWriterError } from './cluster-bus.ts';
import type { WriterChange, WriterCommand } from './cluster-messages.ts';
import { ForwardingWriter, type WriterRole } from './forwarding-writer.ts';
import { MemoryCluster } from './memory-cluster.ts';

type Action = Extract<WriterCommand, { kind: 'incident_action' }>;
type Batch = Extract<WriterChange, { kind: 'incident_changes' }>;

/** A feature that records what the writer does to it: commands executed, batches mirrored, hand-overs. */
function recordingRole(name: string, options: { prepare?: () => Promise<void> } = {}) {
  const seen = { executed: [] as string[], mirrored: 0, steppedDown: 0, tookOver: 0, prepared: 0 };
  const role: WriterRole<Action, Batch> = {
    name,
    handles: (c): c is Action => c.kind === 'incident_action',
    mirrors: (c): c is Batch => c.kind === 'incident_changes',
    execute: async (c) => {
      seen.executed.push(`${name}:${c.incidentId}`);
      if (c.incidentId === 'inc-missing')
        return { kind: 'incident_refused', code: 'unknown_incident', message: 'incident "inc-missing" does not exist' };
      return { kind: 'incident_changes', changes: [] };
    },
    mirror: () => void seen.mirrored++,
    prepareTakeOver: async () => {
      seen.prepared++;
      await options.prepare?.();
    },
    takeOver: () => void seen.tookOver++,
    stepDown: () => void seen.steppedDown++,
  };
  return { role, seen };
}

const act = (incidentId: string): Action => ({ kind: 'incident_action', incidentId, actor: 'op', command: { action: 'acknowledge' } });
const batch: Batch = { kind: 'incident_changes', changes: [] };
const settle = () => new Promise((r) => setImmediate(r));

describe('ForwardingWriter', () => {
  it('on a node alone, writes: commands run here and nothing is published', async () => {
    const { role, seen } = recordingRole('a');
    const w = new ForwardingWriter(role);
    expect(w.isWriter()).toBe(true);
    expect(w.inCluster()).toBe(false);
    expect(await w.run(act('inc-1'))).toEqual({ kind: 'incident_changes', changes: [] });
    w.publish(batch);
    expect(seen.executed).toEqual(['a:inc-1']);
  });

  it('forwards commands from the other node to the writer, refusals included, and mirrors only there', async () => {
    const cluster = new MemoryCluster();
    const a = recordingRole('a');
    const b = recordingRole('b');
    const wa = new ForwardingWriter(a.role);
    const wb = new ForwardingWriter(b.role);
    const [ca, cb] = [cluster.channel(), cluster.channel()];
    cluster.lease(0);
    wa.attach(ca);
    wb.attach(cb);
    expect([wa.isWriter(), wb.isWriter()]).toEqual([true, false]);
    expect(b.seen.steppedDown).toBe(1);

    expect(await wb.run(act('inc-1'))).toEqual({ kind: 'incident_changes', changes: [] });
    expect(await wb.run(act('inc-missing'))).toEqual({
      kind: 'incident_refused',
      code: 'unknown_incident',
      message: 'incident "inc-missing" does not exist',
    });
    expect(a.seen.executed).toEqual(['a:inc-1', 'a:inc-missing']);
    expect(b.seen.executed).toEqual([]);

    wa.publish(batch);
    wb.publish(batch); // not the writer: nothing leaves this node
    expect([a.seen.mirrored, b.seen.mirrored]).toEqual([0, 1]);
  });

  it('serves only its own feature’s commands and mirrors only its own batches', async () => {
    const cluster = new MemoryCluster();
    const a = recordingRole('a');
    const wa = new ForwardingWriter(a.role);
    const dispatchSeen: string[] = [];
    const dispatch = new ForwardingWriter<
      Extract<WriterCommand, { kind: 'dispatch_status' }>,
      Extract<WriterChange, { kind: 'unit_changes' }>
    >({
      name: 'dispatch',
      handles: (c): c is Extract<WriterCommand, { kind: 'dispatch_status' }> => c.kind === 'dispatch_status',
      mirrors: (c): c is Extract<WriterChange, { kind: 'unit_changes' }> => c.kind === 'unit_changes',
      execute: async (c) => {
        dispatchSeen.push(c.unitId);
        return { kind: 'unit_changes', changes: [] };
      },
      mirror: () => undefined,
    });
    const [ca, cb] = [cluster.channel(), cluster.channel()];
    cluster.lease(0);
    wa.attach(ca);
    dispatch.attach(ca);
    const other = recordingRole('b');
    const wb = new ForwardingWriter(other.role);
    wb.attach(cb);
    expect(await cb.forward({ kind: 'dispatch_status', unitId: 'pump-1', to: 'en_route', actor: 'disp' })).toEqual({
      kind: 'unit_changes',
      changes: [],
    });
    expect(dispatchSeen).toEqual(['pump-1']);
    expect(a.seen.executed).toEqual([]);
    ca.publish({ kind: 'unit_changes', units: [] });
    expect(other.seen.mirrored).toBe(0);
  });

  it('takes over when the lease comes to it (prepared first), and steps down when it goes', async () => {
    const cluster = new MemoryCluster();
    const a = recordingRole('a');
    const b = recordingRole('b');
    const wa = new ForwardingWriter(a.role);
    const wb = new ForwardingWriter(b.role);
    const [ca, cb] = [cluster.channel(), cluster.channel()];
    cluster.lease(0);
    wa.attach(ca);
    wb.attach(cb);
    cluster.lease(1);
    await settle();
    expect([wa.isWriter(), wb.isWriter()]).toEqual([false, true]);
    expect([a.seen.steppedDown, b.seen.prepared, b.seen.tookOver]).toEqual([1, 1, 1]);
    expect(await wa.run(act('inc-2'))).toEqual({ kind: 'incident_changes', changes: [] });
    expect(b.seen.executed).toEqual(['b:inc-2']);
  });

  it('does not take over when the lease moves on while it prepares', async () => {
    const cluster = new MemoryCluster();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const b = recordingRole('b', { prepare: () => gate });
    const wb = new ForwardingWriter(b.role);
    const cb = cluster.channel();
    cluster.channel();
    cluster.lease(1);
    wb.attach(cb);
    cluster.lease(0);
    cluster.lease(1);
    cluster.lease(null);
    release();
    await settle();
    expect(wb.isWriter()).toBe(false);
    expect(b.seen.tookOver).toBe(0);
  });

  it('rejects with NoWriterError when no node writes', async () => {
    const cluster = new MemoryCluster();
    const b = recordingRole('b');
    const wb = new ForwardingWriter(b.role);
    wb.attach(cluster.channel());
    await expect(wb.run(act('inc-1'))).rejects.toBeInstanceOf(NoWriterError);
  });
});
