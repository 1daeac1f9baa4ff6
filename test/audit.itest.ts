/**
 * The audit record end to end on embedded parts (aedes, the embedded ClickHouse engine, the
 * real `citytwin audit verify` command in a child process): actions of every kind — logins and
 * a failed login, a user created, an incident acknowledged, units dispatched, an export, a
 * report — land in one hash chain whose head is signed into checkpoints outside the database;
 * an untouched store verifies at start, on the route and offline. Then, with the server
 * stopped, the stored records are tampered with in three ways (an actor rewritten in the
 * incident history, the dispatch log's tail deleted, a login event deleted); each is reported
 * by the start-up verification (health degraded, a security event), by `GET /api/audit/verify`
 * and by the offline command — and the old `GET /api/dispatch/log/verify` no longer says ok.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { createClickHouse } from '../storage/index.ts';
import type { AuditEntriesResponse, AuditVerificationView } from '../web/shared/audit-protocol.ts';
import type { RecommendationView } from '../web/shared/protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('audit');
let app: RunningCityTwin;
let admin: string;
const checkpointMessages: string[] = [];

/** `citytwin audit verify --data-dir …` in its own process, as an operator would run it. */
function offlineVerify(...extra: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/citytwin.ts', 'audit', 'verify', '--data-dir', dir.path, ...extra],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

async function start(): Promise<void> {
  app = await startTestCity(dir.path);
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
}

/** Stops the server; the embedded engine is then free for the tamperer and the offline command. */
async function stop(): Promise<void> {
  await app.close();
}

beforeAll(start);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('the audit record', () => {
  let incidentId = '';
  let dispatchHead = 0;

  it('records actions of every kind in one chain, with filters', async () => {
    // An archive of the checkpoint topic, as an external system would keep it.
    const archive = await mqtt.connectAsync(app.mqttUrl, { clientId: 'audit-archive' });
    archive.on('message', (_topic, payload) => checkpointMessages.push(payload.toString()));
    await archive.subscribeAsync('citytwin/v1/audit/checkpoints/#', { qos: 1 });

    // Security: a user created, a failed login, that user's login.
    expect(
      (
        await call(app.url!, admin, 'POST', '/api/users', {
          username: 'op-wang',
          roles: ['operator', 'dispatcher'],
          password: 'operator password 1',
        })
      ).status,
    ).toBe(200);
    await expect(login(app.url!, 'op-wang', 'not the password')).rejects.toThrow(/401/);
    const operator = await login(app.url!, 'op-wang', 'operator password 1');

    // An incident from a field report, acknowledged by the operator.
    const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'audit-pub' });
    await publisher.publishAsync(
      'citytwin/v1/events/field-staff',
      JSON.stringify({ id: 'a-1', ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng: 114.31, lat: 30.555, severity: 4 }),
      { qos: 1 },
    );
    await publisher.endAsync();
    incidentId = await waitFor('the incident', () => app.twin!.activeIncidents()[0]?.id ?? null);
    expect(
      (
        await call(app.url!, operator, 'POST', `/api/incidents/${incidentId}/actions`, {
          action: 'acknowledge',
          reason: 'pump team informed',
        })
      ).status,
    ).toBe(200);

    // Dispatch: a ranking shown, a pump team sent, then put on scene and sent home by hand.
    const recs = (await call(app.url!, operator, 'GET', `/api/incidents/${incidentId}/recommendations`)).body as RecommendationView[];
    const pump = recs.find((r) => r.kind === 'pump_team')!;
    expect((await call(app.url!, operator, 'POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [pump.unitId] })).status).toBe(200);
    expect((await call(app.url!, operator, 'POST', `/api/units/${pump.unitId}/status`, { status: 'en_route' })).status).toBe(200);
    expect((await call(app.url!, operator, 'POST', `/api/units/${pump.unitId}/status`, { status: 'on_scene' })).status).toBe(200);

    // Exports: readings as CSV and an after-action report.
    const now = Date.now();
    expect((await call(app.url!, admin, 'GET', `/api/replay/export?from=${now - 3600_000}&to=${now}&format=csv`)).status).toBe(200);
    expect((await call(app.url!, admin, 'GET', `/api/replay/incidents/${incidentId}/report?format=md`)).status).toBe(200);

    const all = (await call(app.url!, admin, 'GET', '/api/audit/entries?limit=1000')).body as AuditEntriesResponse;
    const kinds = new Set(all.entries.map((e) => `${e.stream}.${e.action}`));
    for (const k of [
      'audit.started',
      'config.changed',
      'security.user_created',
      'security.login',
      'security.login_failed',
      'incident.acknowledged',
      'dispatch.recommend',
      'dispatch.assign',
      'dispatch.status',
      'export.csv',
      'export.report',
    ])
      expect(kinds).toContain(k);
    // One chain, newest first, numbered without gaps.
    const seqs = all.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs.at(-1)).toBe(1);
    expect(new Set(all.entries.map((e) => e.chain)).size).toBe(1);
    expect(all.entries.find((e) => e.action === 'acknowledged')).toMatchObject({
      actor: 'op-wang',
      object: incidentId,
      detail: 'acknowledged (pump team informed)',
    });

    // Filters: by actor (part of the name), by stream and action, by time.
    const byActor = (await call(app.url!, admin, 'GET', '/api/audit/entries?actor=WANG')).body as AuditEntriesResponse;
    expect(byActor.entries.length).toBeGreaterThan(0);
    expect(new Set(byActor.entries.map((e) => e.actor))).toEqual(new Set(['op-wang']));
    const failed = (await call(app.url!, admin, 'GET', '/api/audit/entries?stream=security&action=login_failed'))
      .body as AuditEntriesResponse;
    expect(failed.entries.map((e) => [e.actor, e.detail])).toEqual([['op-wang', 'wrong password']]);
    const none = (await call(app.url!, admin, 'GET', `/api/audit/entries?from=${now + 3600_000}`)).body as AuditEntriesResponse;
    expect(none.entries).toEqual([]);
    const bad = await call(app.url!, admin, 'GET', '/api/audit/entries?stream=mail');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('stream');
    // Admins only.
    expect((await call(app.url!, operator, 'GET', '/api/audit/entries')).status).toBe(403);

    const verdict = (await call(app.url!, admin, 'GET', '/api/audit/verify')).body as AuditVerificationView;
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, dispatch: { checked: expect.any(Number) } });
    expect(verdict.publicKey).toContain('BEGIN PUBLIC KEY');
    dispatchHead = verdict.dispatch.head!.seq;
    expect(dispatchHead).toBeGreaterThanOrEqual(4);
    await archive.endAsync();
  });

  it('signs checkpoints outside the database: a file beside it and a retained MQTT topic', async () => {
    const auditFiles = join(dir.path, 'audit');
    expect(statSync(join(auditFiles, 'audit-ed25519.key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(auditFiles, 'audit-ed25519.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    const fileLines = readFileSync(join(auditFiles, 'checkpoints.jsonl'), 'utf8').trim().split('\n');
    expect(fileLines.length).toBeGreaterThan(0);
    expect(JSON.parse(fileLines.at(-1)!)).toMatchObject({ v: 1, chain: app.audit!.chain, sig: expect.any(String) });
    expect(checkpointMessages.length).toBeGreaterThan(0);
    expect(JSON.parse(checkpointMessages[0]!)).toMatchObject({ chain: app.audit!.chain });
  });

  it('verifies an untouched store after a restart and offline', async () => {
    await stop();
    const offline = await offlineVerify();
    expect(offline.out).toMatch(/^ok: audit chain [0-9a-f]{16}: \d+ entries, anchored at the checkpoint of entry \d+/);
    expect(offline.code).toBe(0);
    const stored = Number(/: (\d+) entries, anchored/.exec(offline.out)![1]);
    await start();
    // From the point the last verification confirmed (the one at the previous start): only what
    // was added since is read back, not the whole record.
    const atStart = app.audit!.lastVerification!;
    expect(atStart).toMatchObject({ ok: true, problems: [], scope: 'since' });
    expect(atStart.chains[0]!.checked).toBeLessThan(stored);
    expect(atStart.chains[0]!.head!.seq).toBe(stored);
    expect(JSON.parse(readFileSync(join(dir.path, 'audit', 'verified-point.json'), 'utf8'))).toMatchObject({
      v: 1,
      chain: app.audit!.chain,
      heads: [{ chain: app.audit!.chain, seq: stored }],
    });
    const health = await call(app.url!, null, 'GET', '/api/health');
    expect(health.body.parts.audit).toEqual({ status: 'ok' });
  });

  it('reports an actor rewritten, the dispatch tail cut and a login deleted while the server was stopped', async () => {
    await stop();
    // Someone with access to the data directory, while the server is down.
    const ch = createClickHouse({ url: null, dataDir: dir.path });
    const sync = { mutations_sync: '1' };
    await ch.command({
      query: `ALTER TABLE incident_changes UPDATE actor = 'someone-else' WHERE incident_id = '${incidentId}' AND what = 'acknowledged'`,
      clickhouse_settings: sync,
    });
    await ch.command({ query: `ALTER TABLE dispatch_log DELETE WHERE seq >= ${dispatchHead - 1}`, clickhouse_settings: sync });
    await ch.command({
      query: `ALTER TABLE security_events DELETE WHERE type = 'login' AND username = 'op-wang'`,
      clickhouse_settings: sync,
    });
    await ch.close();

    // Offline.
    const offline = await offlineVerify();
    expect(offline.code).toBe(1);
    expect(offline.out).toMatch(
      /\[incident\] altered at \d+: incident inc-\d+: the change "acknowledged" by op-wang .* actor "someone-else" \(audited "op-wang"\)/,
    );
    expect(offline.out).toMatch(/\[dispatch\] missing at \d+: the log ends at seq \d+ but the checkpoint signed at .* records \d+ entries/);
    expect(offline.out).toMatch(
      /\[security\] missing at \d+: the security event "login" of op-wang .* is not in security_events: it was deleted/,
    );
    expect(offline.out).toMatch(/FAILED: \d+ problem\(s\)/);

    // At start: still starts, reports, health degraded with the reason, a security event.
    await start();
    const atStart = app.audit!.lastVerification!;
    expect(atStart.ok).toBe(false);
    // Rows changed before the verified point: the start-up check sees it and verifies everything.
    expect(atStart.scope).toBe('full');
    const found = new Set(atStart.problems.map((p) => `${p.stream}/${p.kind}`));
    for (const k of ['incident/altered', 'dispatch/missing', 'security/missing']) expect(found).toContain(k);
    const health = await call(app.url!, null, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.parts.audit.status).toBe('degraded');
    expect(health.body.parts.audit.detail).toMatch(/audit verification at .* found \d+ problem\(s\)/);
    const events = (await call(app.url!, admin, 'GET', '/api/security/events?type=audit_tampering')).body as Array<{
      detail: string;
      client: string;
    }>;
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)!.client).toBe('start-up verification');

    // On demand.
    const verdict = (await call(app.url!, admin, 'GET', '/api/audit/verify')).body as AuditVerificationView;
    expect(verdict.ok).toBe(false);
    const kinds = new Set(verdict.problems.map((p) => `${p.stream}/${p.kind}`));
    for (const k of ['incident/altered', 'dispatch/missing', 'security/missing']) expect(kinds).toContain(k);

    // The dispatch log's own route no longer verifies ok either.
    const dispatchVerdict = (await call(app.url!, admin, 'GET', '/api/dispatch/log/verify')).body as {
      ok: boolean;
      problems: Array<{ kind: string; detail: string }>;
    };
    expect(dispatchVerdict.ok).toBe(false);
    expect(dispatchVerdict.problems.map((p) => p.kind)).toContain('missing');
  });

  it('continues the chains after the signed heads, so the gap stays reported', async () => {
    const unit = app.dispatch!.units().find((u) => u.status === 'available' && u.kind === 'pump_team')!;
    expect(
      (await call(app.url!, admin, 'POST', `/api/units/${unit.id}/status`, { status: 'out_of_service', reason: 'pump maintenance' }))
        .status,
    ).toBe(200);
    const log = ((await call(app.url!, admin, 'GET', '/api/dispatch/log')).body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number });
    // The new entry follows the signed head, not the cut table's last entry.
    expect(log.at(-1)!.seq).toBe(dispatchHead + 1);
    await app.audit!.checkpoint();
    const verdict = (await call(app.url!, admin, 'GET', '/api/audit/verify')).body as AuditVerificationView;
    expect(verdict.problems.some((p) => p.stream === 'dispatch' && p.kind === 'missing')).toBe(true);
    expect(verdict.problems.some((p) => p.stream === 'incident' && p.kind === 'altered')).toBe(true);
  });
});
