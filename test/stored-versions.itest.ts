/**
 * Versioned JSON in ClickHouse on the real embedded engine: incident snapshots and dispatch-log
 * details written before versions existed (as the stores then wrote them, unstamped) still load
 * beside rows written now — an incident's history, the state at a time, the changes in a range,
 * the open incidents the twin restores at start — the KPI rollups still read the fields the SQL
 * extracts from both, and a dispatch log mixing both verifies as one chain. The twin rebuilds
 * its sensors and latest values through the rebuild store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClickHouseSink,
  createClickHouse,
  DispatchLogStore,
  emptyBatch,
  IncidentStore,
  queryRows,
  readingRow,
  runMigrations,
  TwinRebuildStore,
} from '../storage/index.ts';
import { appendEntry, verifyChain } from '../twin-model/dispatch/dispatch-log.ts';
import { applyIncidentInput, createIncidentState, linkReasonText, type Evidence, type IncidentChange } from '../twin-model/index.ts';
import { TwinService } from '../web/server/live/twin-service.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('stored-versions');
const client = createClickHouse({ url: null, dataDir: dir.path });
const T0 = Date.now() - 3600_000;

const report = (id: string, lng: number): Evidence => ({
  id: `event:hotline:${id}`,
  kind: 'event',
  eventType: 'manual_report',
  category: 'waterlogging',
  source: 'hotline',
  ts: T0,
  lng,
  lat: 30.55,
  district: '420106',
});

/** Changes as the correlator makes them: two incidents opened, one acknowledged, both later updated. */
const state = createIncidentState();
const at = (ms: number) => ({ now: () => T0 + ms });
const older: IncidentChange[] = [
  ...applyIncidentInput(state, { type: 'event', evidence: report('a', 114.3) }, at(0)),
  ...applyIncidentInput(state, { type: 'event', evidence: report('b', 114.45) }, at(1000)),
];
older.push(
  ...applyIncidentInput(
    state,
    { type: 'operator', incidentId: older[0]!.incidentId, actor: 'op', command: { action: 'acknowledge' } },
    at(2000),
  ),
);
const frozen = structuredClone(older);

/**
 * The rows of `older` exactly as the store wrote them before versions: the incident as plain
 * JSON, each evidence's `why` in its English record form.
 */
async function insertUnversioned(changes: readonly IncidentChange[]): Promise<void> {
  await client.insert({
    table: 'incident_changes',
    values: changes.map((c, i) => [
      c.incidentId,
      i + 1,
      c.at,
      c.actor,
      c.what,
      c.detail,
      c.incident.type,
      c.incident.status,
      JSON.stringify({ ...c.incident, evidence: c.incident.evidence.map((e) => ({ ...e, why: linkReasonText(e.why) })) }),
    ]),
    format: 'JSONCompactEachRow',
    clickhouse_settings: { insert_deduplication_token: 'stored-versions-legacy' },
  });
}

let store: IncidentStore;
let newer: IncidentChange[] = [];

beforeAll(async () => {
  await runMigrations(client);
  await insertUnversioned(frozen);
  store = new IncidentStore(client);
  await store.init();
  newer = [
    ...applyIncidentInput(
      state,
      { type: 'operator', incidentId: older[1]!.incidentId, actor: 'op', command: { action: 'set_severity', severity: 4 } },
      at(3000),
    ),
    ...applyIncidentInput(
      state,
      { type: 'operator', incidentId: older[0]!.incidentId, actor: 'op', command: { action: 'resolve' } },
      at(4000),
    ),
  ];
  await store.append(newer);
}, 120_000);

afterAll(async () => {
  await client.close();
  dir.remove();
});

describe('incident snapshots of both versions', () => {
  it('are stored unstamped before and stamped now', async () => {
    const rows = await queryRows<{ v: number | string; n: number | string }>(
      client,
      "SELECT JSONExtractInt(incident, 'schemaVersion') AS v, count() AS n FROM incident_changes GROUP BY v ORDER BY v",
    );
    expect(rows.map((r) => [Number(r.v), Number(r.n)])).toEqual([
      [0, frozen.length],
      [2, newer.length],
    ]);
  });

  it("read back as one history per incident, in order, equal to the correlator's changes", async () => {
    for (const id of [older[0]!.incidentId, older[1]!.incidentId]) {
      const expected = [...frozen, ...newer].filter((c) => c.incidentId === id);
      expect(await store.history(id)).toEqual(expected);
    }
  });

  it('give the state at a past moment, the changes in a range and the open incidents across both', async () => {
    const before = await store.stateAt(T0 + 2500);
    expect(before.map((i) => [i.id, i.status]).sort()).toEqual(
      [
        [older[0]!.incidentId, 'acknowledged'],
        [older[1]!.incidentId, 'open'],
      ].sort(),
    );
    expect((await store.changesBetween(T0 + 1500, T0 + 3500)).map((c) => c.what)).toEqual(['acknowledged', 'severity_set']);
    const open = await store.active();
    expect(open.map((i) => [i.id, i.severity])).toEqual([[older[1]!.incidentId, 4]]);
    expect(await store.maxIncidentNumber()).toBe(2);
  });

  it('keep the fields the KPI rollups extract with SQL, in both versions', async () => {
    const rows = await queryRows<{ d: string; o: number | string }>(
      client,
      "SELECT JSONExtractString(incident, 'district') AS d, JSONExtractInt(incident, 'openedAt') AS o FROM incident_changes ORDER BY seq",
    );
    expect(rows.map((r) => r.d)).toEqual([...frozen, ...newer].map((c) => c.incident.district ?? ''));
    expect(rows.map((r) => Number(r.o))).toEqual([...frozen, ...newer].map((c) => c.incident.openedAt));
  });

  it('restore the open incidents into the twin at start, and the registry and latest values through the rebuild store', async () => {
    const sink = new ClickHouseSink(client);
    const batch = emptyBatch('stored-versions-registry');
    batch.sensors.push({
      sensorId: 'wl-sv-1',
      kind: 'water_level',
      lng: 114.31,
      lat: 30.55,
      name: 'Underpass 1',
      unit: 'cm',
      district: '420106',
      source: '',
      classification: 'internal',
      deleted: false,
      updatedAt: T0,
    });
    batch.readings.push(readingRow('sensor', 'wl-sv-1', 'water_level_cm', T0 + 5000, 12.5, T0 + 5000));
    await sink.write(batch);
    const twin = new TwinService({ city: null, now: () => T0 + 6000 });
    twin.useIncidentStore(store);
    expect(await twin.rebuildFrom(new TwinRebuildStore(client))).toBe(1);
    expect(twin.activeIncidents().map((i) => i.id)).toEqual([older[1]!.incidentId]);
    const sensor = twin.state.byId.get('wl-sv-1')!;
    expect(sensor).toMatchObject({ kind: 'water_level', name: 'Underpass 1', district: '420106', classification: 'internal' });
    expect(sensor.latest.get('water_level_cm')).toEqual({ ts: T0 + 5000, value: 12.5 });
    await twin.close();
  });
});

describe('dispatch-log details of both versions', () => {
  it('verify as one chain, the unstamped rows before the stamped ones', async () => {
    const a = appendEntry(null, {
      at: T0,
      actor: 'disp',
      action: 'recommend',
      incidentId: 'inc-000001',
      data: { ranked: [], closures: 0 },
    });
    const b = appendEntry(a, {
      at: T0 + 1,
      actor: 'disp',
      action: 'assign',
      unitId: 'pump-1',
      incidentId: 'inc-000001',
      data: { to: 'dispatched' },
    });
    const c = appendEntry(b, {
      at: T0 + 2,
      actor: 'twin',
      action: 'status',
      unitId: 'pump-1',
      data: { from: 'dispatched', to: 'en_route' },
    });
    // Written as the store wrote them before versions: the details as plain JSON.
    await client.insert({
      table: 'dispatch_log',
      values: [a, b].map((e) => [
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.unitId ?? '',
        e.incidentId ?? '',
        e.reason ?? '',
        JSON.stringify(e.data),
        e.prevHash,
        e.hash,
      ]),
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: 'stored-versions-dispatch-legacy' },
    });
    const log = new DispatchLogStore(client);
    await log.insert([c]);
    const entries = await log.entries();
    expect(entries).toEqual([a, b, c]);
    expect(verifyChain(entries).ok).toBe(true);
    expect((await log.head())?.seq).toBe(3);
    const to = await queryRows<{ to: string }>(client, "SELECT JSONExtractString(data, 'to') AS to FROM dispatch_log ORDER BY seq");
    expect(to.map((r) => r.to)).toEqual(['', 'dispatched', 'en_route']);
  });
});
