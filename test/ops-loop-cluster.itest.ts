/**
 * The operations loop across two `citytwin web` nodes, as deployed: separate processes on a real
 * Mosquitto and a real redis-server (socket.io's adapter, the writer lease, the cluster bus and
 * the notification keys). A rule set applied on one node is in force on the other's live twin;
 * notification documents saved on one node are in force on both; an incident seen by both nodes
 * is announced once, by the twin writer, whichever node the configuration was saved on; notes
 * written in the shift log on both nodes at once are numbered by the writer, without a repeat or
 * a gap, and both nodes read the same log.
 *
 * Each node has its own embedded ClickHouse (no ClickHouse server on this machine), so each keeps
 * its own copy of the rule versions and documents it hears of (what the notices are for).
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentView } from '../web/shared/protocol.ts';
import { call } from './support/auth.ts';
import type { CityTwinProcess } from './support/citytwin-process.ts';
import { freePort, waitFor } from './support/fixtures.ts';
import { startWebCluster, type WebCluster } from './support/web-cluster.ts';

const SECRET = 'cluster-webhook-secret-1';
let cluster: WebCluster;
let webs: CityTwinProcess[] = [];
let tokens: string[] = [];
let publisher: mqtt.MqttClient;
let receiver: Server;
let hookPort = 0;
/** Webhook requests received: event kind, incident id, delivery header, signature valid. */
const hooks: Array<{ event: string; incident: string; delivery: string; signed: boolean }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8')) as { incident: { id: string } };
      hooks.push({
        event: String(req.headers['x-citytwin-event']),
        incident: body.incident.id,
        delivery: String(req.headers['x-citytwin-delivery']),
        signed: req.headers['x-citytwin-signature'] === `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
      });
      res.writeHead(200).end();
    });
  });
  hookPort = await freePort();
  await new Promise<void>((r) => receiver.listen(hookPort, '127.0.0.1', r));
  cluster = await startWebCluster({ name: 'ops-cluster' });
  ({ webs, admins: tokens } = cluster);
  publisher = await mqtt.connectAsync(cluster.mosquitto.url, { clientId: 'ops-cluster' });
}, 180_000);

afterAll(async () => {
  await publisher?.endAsync();
  await cluster?.stop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

const on = (k: number, method: string, path: string, body?: unknown) => call(webs[k]!.url, tokens[k]!, method, path, body);

describe('two web nodes on Redis', () => {
  it('a rule set applied on one node changes the live alarms on both', async () => {
    const id = 'ops-cluster-wl-1';
    const state = async (k: number) => {
      const res = await on(k, 'GET', `/api/sensors/${id}`);
      return res.status === 200 ? (res.body.state as string) : `HTTP ${res.status}`;
    };
    const meta = { kind: 'water_level', lng: 114.27, lat: 30.58, name: 'ops cluster gauge', source: 'swj.waterlogging' };
    await publisher.publishAsync(`citytwin/v1/sensors/${id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
    await publisher.publishAsync(`citytwin/v1/sensors/${id}/data`, JSON.stringify({ ts: Date.now(), values: { water_level_cm: 18 } }), {
      qos: 1,
    });
    await waitFor('the gauge in warning on both nodes', async () => (await state(0)) === 'warning' && (await state(1)) === 'warning');

    const ruleSet = structuredClone((await on(0, 'GET', '/api/rules/alarms')).body.ruleSet);
    const rules = ruleSet.kinds.water_level.rules as Record<string, { metric?: string; warning: object; alarm: object }>;
    const ruleId = Object.keys(rules).find((k) => rules[k]!.metric === 'water_level_cm')!;
    rules[ruleId]!.warning = { enter: 25, exit: 20 };
    rules[ruleId]!.alarm = { enter: 40, exit: 35 };
    const applied = await on(1, 'POST', '/api/rules/alarms/apply', { ruleSet, reason: 'raised on node b' });
    expect(applied.status).toBe(200);
    const at = Date.now();
    // On the node that saved it, before the answer; on the other as soon as the notice arrives.
    expect(await state(1)).toBe('normal');
    await waitFor('the gauge back to normal on the other node', async () => (await state(0)) === 'normal');
    console.log(`rule version in force on the other web node ${Date.now() - at} ms after the apply answered`);
    const versions = await Promise.all([0, 1].map(async (k) => (await on(k, 'GET', '/api/rules/alarms/versions')).body));
    for (const v of versions)
      expect(v).toMatchObject({ current: 1, versions: [{ version: 1, author: 'admin', reason: 'raised on node b' }] });
  }, 60_000);

  it('sends one notification per event across both nodes, with the configuration saved on either', async () => {
    // Saved on node b, whichever node writes incidents.
    const save = (kind: string, doc: object) => on(1, 'POST', `/api/notifications/${kind}`, doc);
    expect((await save('channels', { id: 'hook', kind: 'webhook', url: `http://127.0.0.1:${hookPort}/`, secret: SECRET })).status).toBe(
      200,
    );
    expect((await save('contacts', { user: 'admin', roles: ['admin'], email: 'admin@citytwin.example' })).status).toBe(200);
    expect(
      (await save('subscriptions', { id: 'all', events: ['opened', 'resolved'], target: { role: 'admin' }, channels: ['hook'] })).status,
    ).toBe(200);
    await waitFor('the subscription in force on node a', async () => {
      const subs = (await on(0, 'GET', '/api/notifications/subscriptions')).body as Array<{ id: string }>;
      return subs.some((s) => s.id === 'all');
    });

    const run = Date.now().toString(36);
    const report = async (n: number, lng: number) => {
      const id = `ops-cluster-${n}-${run}`;
      const body = { id, ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng, lat: 30.58 };
      await publisher.publishAsync('citytwin/v1/events/ops-cluster-desk', JSON.stringify(body), { qos: 1 });
      return id;
    };
    /** The incident holding a report, as node `k` shows it. */
    const incidentOf = async (k: number, reportId: string) =>
      ((await on(k, 'GET', '/api/incidents')).body as IncidentView[]).find((i) => i.evidence.some((e) => e.id.endsWith(`:${reportId}`))) ??
      null;
    const r1 = await report(1, 114.27);
    const first = await waitFor('the incident on both nodes', async () => {
      const [a, b] = await Promise.all([incidentOf(0, r1), incidentOf(1, r1)]);
      return a && b && a.id === b.id ? a : null;
    });
    await waitFor('its webhook', () => hooks.some((h) => h.incident === first.id));
    // A second incident far away; once its webhook is in, any second sending of the first would have come too.
    const r2 = await report(2, 114.45);
    const second = await waitFor('the second incident', () => incidentOf(0, r2));
    await waitFor('its webhook', () => hooks.some((h) => h.incident === second.id));
    // Resolved through each node (node b forwards to the writer, whichever it is).
    expect((await on(0, 'POST', `/api/incidents/${first.id}/actions`, { action: 'resolve', reason: 'pumped out' })).status).toBe(200);
    await waitFor('the resolution webhook', () => hooks.some((h) => h.event === 'resolved' && h.incident === first.id));
    expect((await on(1, 'POST', `/api/incidents/${second.id}/actions`, { action: 'resolve', reason: 'dry' })).status).toBe(200);
    await waitFor('the second resolution webhook', () => hooks.some((h) => h.event === 'resolved' && h.incident === second.id));

    expect(hooks.every((h) => h.signed)).toBe(true);
    const byEvent = new Map<string, number>();
    for (const h of hooks.filter((x) => x.incident === first.id || x.incident === second.id))
      byEvent.set(`${h.event} ${h.incident}`, (byEvent.get(`${h.event} ${h.incident}`) ?? 0) + 1);
    expect(Object.fromEntries(byEvent)).toEqual({
      [`opened ${first.id}`]: 1,
      [`opened ${second.id}`]: 1,
      [`resolved ${first.id}`]: 1,
      [`resolved ${second.id}`]: 1,
    });
    expect(new Set(hooks.map((h) => h.delivery)).size).toBe(hooks.length);
  }, 90_000);

  it('numbers shift-log notes written on both nodes at once without a repeat or a gap, and both read the same log', async () => {
    const run = Date.now().toString(36);
    const texts = Array.from({ length: 16 }, (_, n) => `note ${n} on node ${'ab'[n % 2]} ${run}`);
    const answers = await Promise.all(texts.map((text, n) => on(n % 2, 'POST', '/api/shifts/current/notes', { text })));
    expect(answers.map((a) => a.status)).toEqual(texts.map(() => 200));
    type Shift = { id: string; notes: Array<{ seq: number; text: string }> };
    const ours = (s: Shift) => s.notes.filter((n) => n.text.endsWith(run));
    // Each answer holds its own note, under a number no other answer gave it.
    const numbers = answers.map((a, n) => ours(a.body as Shift).find((x) => x.text === texts[n])!.seq);
    expect(new Set(numbers).size).toBe(texts.length);
    const logOf = async (k: number) => ((await on(k, 'GET', '/api/shifts/current')).body as { shift: Shift | null }).shift;
    const logs = await waitFor('all the notes in the log of both nodes', async () => {
      const both = await Promise.all([logOf(0), logOf(1)]);
      return both.every((s) => s && ours(s).length === texts.length) ? (both as Shift[]) : null;
    });
    expect(logs[1]).toEqual(logs[0]);
    const seqs = logs[0]!.notes.map((n) => n.seq);
    // Entry 1 opened the shift; the notes follow it one by one.
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(seqs[0]).toBe(2);
    expect([...numbers].sort((x, y) => x - y)).toEqual(ours(logs[0]!).map((n) => n.seq));
  }, 60_000);
});
