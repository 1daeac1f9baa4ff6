/**
 * The audit record's costs (docs/security.md, "Audit"): chaining an entry (SHA-256 over its
 * canonical JSON), verifying a whole record in memory (chain, checkpoints, bindings to the
 * domain rows), and — on the embedded engine — storing it and reading everything back for a
 * verification, as the server does at start.
 *
 *   npx tsx simulations/bench/audit-bench.ts [entries, default 100000]
 *
 * Prints figures; asserts nothing (a benchmark, not a test).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createClickHouse, runMigrations } from '../../storage/index.ts';
import {
  dispatchAuditInput,
  incidentAuditInput,
  securityAuditInput,
  type IncidentChangeRecord,
  type SecurityEventRecord,
} from '../../twin-model/audit/audit-bindings.ts';
import { appendAuditEntry, type AuditEntry, type AuditInput } from '../../twin-model/audit/audit-log.ts';
import { verifyAudit } from '../../twin-model/audit/audit-verification.ts';
import { keyFingerprint, signCheckpoint } from '../../twin-model/audit/checkpoint.ts';
import { appendEntry } from '../../twin-model/dispatch/dispatch-log.ts';
import type { DispatchLogEntry } from '../../twin-model/index.ts';
import { AuditStore } from '../../web/server/audit/audit-store.ts';
import { readAuditRecords } from '../../web/server/audit/audit-service.ts';
import { DispatchLogStore } from '../../web/server/dispatch-log-store.ts';
import { tempDir } from '../../test/support/fixtures.ts';

const N = Number(process.argv[2] ?? 100_000);
const T0 = Date.UTC(2026, 11, 1);
const keys = generateKeyPairSync('ed25519');
const chain = keyFingerprint(keys.publicKey);

// A day's mix: mostly security events (token use, logins), then dispatch, then incident actions.
const security: SecurityEventRecord[] = [];
const incidents: IncidentChangeRecord[] = [];
const dispatch: DispatchLogEntry[] = [];
const entries: AuditEntry[] = [];
let t = performance.now();
for (let i = 0; i < N; i++) {
  const at = T0 + i * 50;
  let input: AuditInput;
  if (i % 10 < 6) {
    const e: SecurityEventRecord = {
      ts: at,
      type: i % 3 ? 'token_use' : 'login',
      outcome: 'ok',
      username: `user${i % 40}`,
      client: '10.0.0.7',
      detail: `session ${i.toString(16)}`,
      node: 'web-1',
    };
    security.push(e);
    input = securityAuditInput(e);
  } else if (i % 10 < 9) {
    const d = appendEntry(dispatch.at(-1) ?? null, {
      at,
      actor: `user${i % 40}`,
      action: 'status',
      unitId: `pump-${i % 300}`,
      incidentId: `inc-${i % 5000}`,
      data: { from: 'dispatched', to: 'en_route' },
    });
    dispatch.push(d);
    input = dispatchAuditInput(d);
  } else {
    const c: IncidentChangeRecord = {
      incidentId: `inc-${i % 5000}`,
      at,
      actor: `user${i % 40}`,
      what: 'acknowledged',
      detail: 'acknowledged',
    };
    incidents.push(c);
    input = incidentAuditInput(c);
  }
  entries.push(appendAuditEntry(chain, entries.at(-1) ?? null, input));
}
const chainMs = performance.now() - t;
const checkpoints = [1000, N / 2, N]
  .map((seq) => Math.floor(seq))
  .map((seq, k) => ({
    value: signCheckpoint({ v: 1, chain, seq, hash: entries[seq - 1]!.hash, dispatch: null, at: T0 + k, node: 'web-1' }, keys.privateKey),
    source: `bench ${k}`,
  }));

t = performance.now();
const v = verifyAudit({
  entries,
  dispatch,
  incidentChanges: incidents,
  securityEvents: security,
  checkpoints,
  publicKey: keys.publicKey,
  foreignChainsAllowed: false,
  now: Date.now(),
});
const verifyMs = performance.now() - t;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
process.stdout.write(`audit record, ${fmt(N)} entries (60% security events, 30% dispatch, 10% incident actions)\n`);
process.stdout.write(
  `  chain an entry (SHA-256 of canonical JSON, incl. the dispatch entry it binds to): ${fmt((chainMs * 1000) / N)} µs\n`,
);
process.stdout.write(
  `  verify in memory (chain, 3 checkpoints, bindings): ${fmt(verifyMs)} ms = ${fmt(N / (verifyMs / 1000))} entries/s (ok: ${v.ok})\n`,
);

// The embedded engine: store in 1,000-entry batches (as the appender does under load), read back, verify.
const dir = tempDir('audit-bench');
const ch = createClickHouse({ url: null, dataDir: dir.path });
try {
  await runMigrations(ch);
  const store = new AuditStore(ch);
  t = performance.now();
  for (let i = 0; i < entries.length; i += 1000) await store.insert(entries.slice(i, i + 1000));
  const storeMs = performance.now() - t;
  await new DispatchLogStore(ch).insert(dispatch);
  await ch.insert({ table: 'security_events', values: security.map((e) => ({ ...e })), format: 'JSONEachRow' });
  let seq = 0;
  await ch.insert({
    table: 'incident_changes',
    values: incidents.map((c) => [c.incidentId, ++seq, c.at, c.actor, c.what, c.detail, 'waterlogging', 'acknowledged', '{}']),
    format: 'JSONCompactEachRow',
  });
  t = performance.now();
  const records = await readAuditRecords(ch);
  const readMs = performance.now() - t;
  t = performance.now();
  const stored = verifyAudit({ ...records, checkpoints, publicKey: keys.publicKey, foreignChainsAllowed: false, now: Date.now() });
  const verify2Ms = performance.now() - t;
  process.stdout.write(
    `  store on the embedded engine in 1,000-entry batches: ${fmt(storeMs)} ms = ${fmt(N / (storeMs / 1000))} entries/s\n`,
  );
  process.stdout.write(
    `  verification at start: read everything back ${fmt(readMs)} ms + verify ${fmt(verify2Ms)} ms (ok: ${stored.ok}, problems: ${stored.problems.length})\n`,
  );
  process.stdout.write(`  process memory after: ${fmt(process.memoryUsage().rss / 1e6)} MB RSS\n`);
} finally {
  await ch.close();
  dir.remove();
}
