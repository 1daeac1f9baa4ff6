import { describe, expect, it } from 'vitest';
import { generateCity } from '../../../twin-model/city/index.ts';
import { DispatchError, type CityEvent } from '../../../twin-model/index.ts';
import { MemoryCluster } from '../cluster/memory-cluster.ts';
import { IncidentRefused, TwinService } from '../live/twin-service.ts';
import { DispatchService } from './dispatch-service.ts';

const city = generateCity({ sensorCount: 0 });
const T0 = Date.UTC(2026, 6, 1, 2); // 10:00 in the city: every shift is on
const asset = city.assets.find((a) => a.kind === 'underpass')!;
const flood: CityEvent = {
  source: 'hotline',
  id: 'case-1',
  ts: T0,
  type: 'manual_report',
  lng: asset.lng,
  lat: asset.lat,
  category: 'waterlogging',
  severity: 3,
  text: null,
};

/** Two web nodes on one in-memory cluster: node 0 holds the writer lease. */
function twoNodes() {
  const cluster = new MemoryCluster();
  const nodes = [0, 1].map(() => {
    const twin = new TwinService({ city, now: () => T0 });
    const dispatch = new DispatchService({ city, twin, now: () => T0 });
    return { twin, dispatch, channel: cluster.channel() };
  });
  cluster.lease(0);
  for (const n of nodes) {
    n.twin.attachWriterChannel(n.channel);
    n.dispatch.attachWriterChannel(n.channel);
  }
  return { writer: nodes[0]!, other: nodes[1]! };
}

describe('two web nodes, one writer', () => {
  it('mirror the writer’s incidents, forward an operator’s action to it, and answer its refusals with their codes', async () => {
    const { writer, other } = twoNodes();
    writer.twin.onEvent(flood);
    const [incident] = writer.twin.activeIncidents();
    expect(other.twin.activeIncidents().map((i) => i.id)).toEqual([incident!.id]);
    // The other node's own correlator runs in the shadow: its changes count for nothing.
    other.twin.onEvent({ ...flood, id: 'case-2', lng: asset.lng + 0.05 });
    expect(other.twin.incidentCounters.shadowed).toBeGreaterThan(0);
    expect(other.twin.activeIncidents().map((i) => i.id)).toEqual([incident!.id]);

    const changes = await other.twin.actAnywhere(incident!.id, 'op', { action: 'acknowledge' });
    expect(changes.map((c) => [c.actor, c.what])).toEqual([['op', 'acknowledged']]);
    expect(writer.twin.incident(incident!.id)?.status).toBe('acknowledged');
    expect(other.twin.incident(incident!.id)?.status).toBe('acknowledged');

    const refused = await other.twin.actAnywhere(incident!.id, 'op', { action: 'acknowledge' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IncidentRefused);
    expect(refused).toMatchObject({ code: 'action_not_applicable', message: `incident ${incident!.id} is acknowledged, not open` });
    const unknown = await other.twin.actAnywhere('inc-999999', 'op', { action: 'close' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'unknown_incident' });
  });

  it('forward a dispatcher’s assignment to the writer and mirror the unit, its trip and the log on the writer only', async () => {
    const { writer, other } = twoNodes();
    writer.twin.onEvent(flood);
    const [incident] = writer.twin.activeIncidents();
    const recs = await other.dispatch.recommend(incident!.id, 'disp', 8);
    expect(recs.length).toBeGreaterThan(0);
    expect(writer.dispatch.counters.logEntries).toBe(1); // the ranking shown, logged by the writer
    const best = recs[0]!;
    const changes = await other.dispatch.assign({ incidentId: incident!.id, unitIds: [best.unitId], actor: 'disp' });
    expect(changes.map((c) => [c.unitId, c.what, c.unit.status])).toEqual([[best.unitId, 'assigned', 'dispatched']]);
    for (const node of [writer, other]) {
      expect(node.dispatch.unit(best.unitId)).toMatchObject({ status: 'dispatched', incidentId: incident!.id });
      expect(node.dispatch.trip(best.unitId)).toMatchObject({ leg: 'to_incident', incidentId: incident!.id });
    }
    expect(other.dispatch.counters.logEntries).toBe(0);
    expect(writer.dispatch.counters.logEntries).toBe(2);

    const again = await other.dispatch.assign({ incidentId: incident!.id, unitIds: [best.unitId], actor: 'disp' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DispatchError);
    expect(again).toMatchObject({ code: 'unit_unavailable' });
    const ghost = await other.dispatch.setStatus('ghost-unit', 'en_route', 'disp').catch((e: unknown) => e);
    expect(ghost).toMatchObject({ code: 'unknown_unit' });
  });
});
