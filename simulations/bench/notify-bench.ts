/**
 * Notification fan-out (docs/notifications.md): 1,000 incidents opened, each matching 50
 * subscriptions, through the engine and the dispatcher to signed webhooks on loopback. The
 * receiver runs in its own process (as a real one would), checks every signature and notes
 * when each delivery arrived. Latency is from the moment an incident's "opened" change is
 * handed to the engine (which composes the messages and hands them to the dispatcher) to the
 * moment the receiver has the request.
 *
 *   npx tsx simulations/bench/notify-bench.ts [incidents=1000] [subscriptions=50] [channels=subscriptions]
 *
 * Two runs: incidents arriving at 100/s (a heavy storm; NOTIFY_RATE sets it), and all of them
 * at once (a burst). NOTIFY_CONCURRENCY: sends at once per channel (default 4).
 * Target: p95 ≤ 2 s. First, the ceiling of this machine's HTTP client in the same conditions:
 * signed POSTs of the same size over as many keep-alive connections, with nothing else — the
 * dispatcher's rate is best read as a share of it (shared machines vary from day to day). Prints figures; asserts nothing (a benchmark, not a test). Not wired into
 * `npm run bench` yet.
 */
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyNotificationInput,
  createNotificationState,
  createRandom,
  INCIDENT_TYPES,
  parseNotificationConfig,
  type Incident,
  type NotificationState,
} from '../../twin-model/index.ts';
import { createSender, MemoryDeliveryLog, MemoryIdempotencyKeys, NotificationDispatcher } from '../../web/server/notifications/index.ts';
import { tempDir } from '../../test/support/fixtures.ts';

const INCIDENTS = Number(process.argv[2] ?? 1000);
const SUBSCRIPTIONS = Number(process.argv[3] ?? 50);
const CHANNELS = Number(process.argv[4] ?? SUBSCRIPTIONS);
const CONCURRENCY = Number(process.env.NOTIFY_CONCURRENCY ?? 4);
const RATE = Number(process.env.NOTIFY_RATE ?? 100);
const SECRET = 'bench-webhook-secret-0123456789';
const TARGET_P95_MS = 2000;
const now = (): number => performance.timeOrigin + performance.now();

/** The receiver: plain node, so the child starts fast and measures only HTTP and the signature check. */
const RECEIVER = `
const http = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');
const arrivals = new Map();
let bad = 0;
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    const raw = Buffer.concat(chunks);
    const want = Buffer.from('sha256=' + createHmac('sha256', process.env.SECRET).update(raw).digest('hex'));
    const got = Buffer.from(String(req.headers['x-citytwin-signature'] || ''));
    if (got.length !== want.length || !timingSafeEqual(got, want)) { bad++; res.writeHead(401).end(); return; }
    const id = String(req.headers['x-citytwin-delivery']);
    if (!arrivals.has(id)) arrivals.set(id, at);
    res.writeHead(200).end();
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'report') { process.send({ arrivals: [...arrivals], bad }); arrivals.clear(); bad = 0; }
  if (m === 'stop') server.close(() => process.exit(0));
});
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function buildState(port: number): NotificationState {
  const users = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `op${String(i + 1).padStart(3, '0')}`);
  const config = parseNotificationConfig({
    channels: Array.from({ length: CHANNELS }, (_, c) => ({
      id: `hook-${c}`,
      kind: 'webhook',
      url: `http://127.0.0.1:${port}/hook/${c}`,
      secret: SECRET,
      queue: { capacity: 100_000, concurrency: CONCURRENCY },
    })),
    contacts: users.map((user) => ({ user, roles: ['operator'] })),
    // One subscription per operator, spread over the channels: every incident matches all of them.
    subscriptions: users.map((user, i) => ({
      id: `sub-${user}`,
      events: ['opened', 'escalated', 'resolved'],
      target: { user },
      channels: [`hook-${i % CHANNELS}`],
    })),
  });
  return createNotificationState(config, { timeZone: 'Asia/Shanghai', consoleUrl: 'https://citytwin.example', districts: new Map() });
}

function incident(n: number, at: number): Incident {
  const random = createRandom(n);
  return {
    id: `inc-${String(n).padStart(6, '0')}`,
    type: INCIDENT_TYPES[n % INCIDENT_TYPES.length]!,
    status: 'open',
    lng: 114.2 + random.next() * 0.2,
    lat: 30.5 + random.next() * 0.15,
    district: `4201${String(2 + (n % 13)).padStart(2, '0')}`,
    assetId: null,
    severity: 1 + (n % 5),
    severityPinned: false,
    confidence: 0.7,
    openedAt: at,
    updatedAt: at,
    lastEvidenceAt: at,
    resolutionProposed: false,
    evidence: [],
  };
}

interface Receiver {
  port: number;
  report(): Promise<{ arrivals: Array<[string, number]>; bad: number }>;
  stop(): void;
}

async function startReceiver(): Promise<Receiver> {
  const dir = tempDir('notify-bench');
  const script = join(dir.path, 'receiver.cjs');
  writeFileSync(script, RECEIVER);
  const child = fork(script, [], { env: { ...process.env, SECRET }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    port,
    report: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { arrivals: Array<[string, number]>; bad: number }));
        child.send('report');
      }),
    stop: () => {
      child.send('stop');
      dir.remove();
    },
  };
}

async function run(label: string, receiver: Receiver, ratePerS: number | null, offset: number): Promise<void> {
  const state = buildState(receiver.port);
  const log = new MemoryDeliveryLog();
  const dispatcher = new NotificationDispatcher({
    channels: state.config.channels.map((channel) => ({ channel, sender: createSender(channel) })),
    keys: new MemoryIdempotencyKeys(),
    log,
    random: createRandom(3).next,
  });
  const handed = new Map<string, number>();
  const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);
  const start = now();
  let messages = 0;
  let composeMs = 0;
  for (let i = 0; i < INCIDENTS; i++) {
    if (ratePerS !== null) {
      const due = start + (i * 1000) / ratePerS;
      const wait = due - now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
    const inc = incident(offset + i, T0 + i * 10);
    const t = now();
    const out = applyNotificationInput(
      state,
      {
        type: 'incident_change',
        change: { incidentId: inc.id, at: inc.openedAt, actor: 'twin', what: 'opened', detail: '', incident: inc },
      },
      { now: () => inc.openedAt },
    ).emitted.messages;
    for (const m of out) handed.set(`${m.event.id}|${m.recipients[0]!.id}|${m.channelId}`, t);
    dispatcher.enqueue(out);
    composeMs += now() - t;
    messages += out.length;
  }
  const handedAll = now();
  await dispatcher.drain();
  const end = now();
  const { arrivals, bad } = await receiver.report();
  await dispatcher.close();
  const latencies = arrivals
    .map(([id, at]) => at - (handed.get(id) ?? Number.NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const stats = Object.values(dispatcher.stats()).reduce(
    (a, s) => ({ sent: a.sent + s.sent, dead: a.dead + s.dead, failed: a.failed + s.failed, attempts: a.attempts + s.attempts }),
    { sent: 0, dead: 0, failed: 0, attempts: 0 },
  );
  const p95 = percentile(latencies, 95);
  console.log(`\n${label}`);
  console.log(`  incidents ${INCIDENTS}, subscriptions ${SUBSCRIPTIONS}, webhook channels ${CHANNELS} (${CONCURRENCY} sends at once each)`);
  console.log(
    `  messages ${messages}: received ${latencies.length}, sent ${stats.sent}, dead ${stats.dead}, failed ${stats.failed}, attempts ${stats.attempts}, bad signatures ${bad}`,
  );
  console.log(
    `  engine + enqueue: ${(composeMs / INCIDENTS).toFixed(2)} ms per incident (${((messages / composeMs) * 1000).toFixed(0)} messages/s composed); handing over took ${((handedAll - start) / 1000).toFixed(2)} s`,
  );
  console.log(`  delivered in ${((end - start) / 1000).toFixed(2)} s: ${((messages / (end - start)) * 1000).toFixed(0)} messages/s`);
  console.log(
    `  handed → received: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms — target p95 ≤ ${TARGET_P95_MS} ms: ${p95 <= TARGET_P95_MS ? 'met' : 'NOT met'}`,
  );
}

/** Plain signed keep-alive POSTs to the same receiver: what the HTTP client alone manages here. */
async function httpCeiling(port: number, n: number, sockets: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const body = Buffer.alloc(900, 0x61);
  const start = now();
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (sent >= n) return;
      const i = sent++;
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/ceiling',
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': body.length,
            'X-CityTwin-Delivery': `ceiling-${i}`,
            'X-CityTwin-Signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (++done === n) resolve();
            else next();
          });
        },
      );
      req.end(body);
    };
    for (let k = 0; k < sockets; k++) next();
  });
  const rate = (n / (now() - start)) * 1000;
  agent.destroy();
  console.log(`HTTP client ceiling on this machine now: ${rate.toFixed(0)} signed POSTs/s over ${sockets} keep-alive connections`);
}

const receiver = await startReceiver();
try {
  await httpCeiling(receiver.port, 20_000, CHANNELS * CONCURRENCY);
  await receiver.report();
  await run(`Incidents at ${RATE}/s (${RATE * SUBSCRIPTIONS} webhook messages/s offered)`, receiver, RATE, 0);
  await run('All incidents at once (a burst)', receiver, null, 100_000);
} finally {
  receiver.stop();
}
