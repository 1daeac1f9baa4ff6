/**
 * Notification fan-out (docs/notifications.md): 1,000 incidents opened, each matching 50
 * subscriptions, through the engine and the dispatcher to signed webhooks on loopback. The
 * receiver runs in its own process (as a real one would), checks every signature and notes
 * when each request arrived. Latency is from the moment an incident's "opened" change is
 * handed to the engine (which composes the messages and hands them to the dispatcher) to the
 * moment the receiver has the request (one request per event and webhook channel, listing its
 * recipients).
 *
 *   npx tsx simulations/bench/notify-bench.ts [incidents=1000] [subscriptions=50] [channels=subscriptions]
 *
 * Two runs: incidents arriving at 100/s (a heavy storm; NOTIFY_RATE sets it), and all of them
 * at once (a burst). NOTIFY_CONCURRENCY: sends at once per channel (default 4).
 * Target: p95 ≤ 2 s. First, the ceiling of this machine's HTTP client in the same conditions:
 * signed POSTs of the same size over as many keep-alive connections, with nothing else — the
 * dispatcher's rate is best read as a share of it (shared machines vary from day to day).
 * Prints figures; asserts nothing (a benchmark, not a test). `npm run bench` runs the storm
 * (run 14, `measureNotifyFanout`), one request per message and batched.
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
import { listedIncident } from '../../twin-model/incidents/fixtures/listed-incident.ts';
import { createSender, MemoryDeliveryLog, MemoryIdempotencyKeys, NotificationDispatcher } from '../../web/server/notifications/index.ts';
import { tempDir } from '../../test/support/fixtures.ts';

const SECRET = 'bench-webhook-secret-0123456789';
/** The target: p95 from an incident opened to its webhook request received. */
export const NOTIFY_TARGET_P95_MS = 2000;

export interface FanoutShape {
  incidents: number;
  subscriptions: number;
  /** Webhook channels the subscriptions are spread over (one each by default). */
  channels: number;
  /** Sends at once per channel. */
  concurrency: number;
  /** The channels' opt-in batching (absent: one request per message, the contract's default). */
  batch?: { maxEvents: number; maxWaitMs: number };
}
const now = (): number => performance.timeOrigin + performance.now();

/** The receiver: plain node, so the child starts fast and measures only HTTP and the signature check. */
const RECEIVER = `
const http = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');
const arrivals = new Map();
let bad = 0;
let requests = 0;
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    const raw = Buffer.concat(chunks);
    const want = Buffer.from('sha256=' + createHmac('sha256', process.env.SECRET).update(raw).digest('hex'));
    const got = Buffer.from(String(req.headers['x-citytwin-signature'] || ''));
    if (got.length !== want.length || !timingSafeEqual(got, want)) { bad++; res.writeHead(401).end(); return; }
    // A batch carries several messages; each is noted by its own id (what a receiver drops repeats by).
    const ids = req.headers['x-citytwin-event'] === 'batch'
      ? JSON.parse(raw.toString('utf8')).messages.map((m) => m.id)
      : [String(req.headers['x-citytwin-delivery'])];
    for (const id of ids) if (!arrivals.has(id)) arrivals.set(id, at);
    requests++;
    res.writeHead(200).end();
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'report') { process.send({ arrivals: [...arrivals], bad, requests }); arrivals.clear(); bad = 0; requests = 0; }
  if (m === 'stop') server.close(() => process.exit(0));
});
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function buildState(port: number, shape: FanoutShape): NotificationState {
  const users = Array.from({ length: shape.subscriptions }, (_, i) => `op${String(i + 1).padStart(3, '0')}`);
  const config = parseNotificationConfig({
    channels: Array.from({ length: shape.channels }, (_, c) => ({
      id: `hook-${c}`,
      kind: 'webhook',
      url: `http://127.0.0.1:${port}/hook/${c}`,
      secret: SECRET,
      queue: { capacity: 100_000, concurrency: shape.concurrency },
      ...(shape.batch ? { batch: shape.batch } : {}),
    })),
    contacts: users.map((user) => ({ user, roles: ['operator'] })),
    // One subscription per operator, spread over the channels: every incident matches all of them.
    subscriptions: users.map((user, i) => ({
      id: `sub-${user}`,
      events: ['opened', 'escalated', 'resolved'],
      target: { user },
      channels: [`hook-${i % shape.channels}`],
    })),
  });
  return createNotificationState(config, { timeZone: 'Asia/Shanghai', consoleUrl: 'https://citytwin.example', districts: new Map() });
}

function incident(n: number, at: number): Incident {
  const random = createRandom(n);
  const type = INCIDENT_TYPES[n % INCIDENT_TYPES.length]!;
  const [lng, lat] = [114.2 + random.next() * 0.2, 30.5 + random.next() * 0.15];
  const district = `4201${String(2 + (n % 13)).padStart(2, '0')}`;
  return listedIncident(`inc-${String(n).padStart(6, '0')}`, type, lng, lat, {
    district,
    severity: 1 + (n % 5),
    confidence: 0.7,
    openedAt: at,
  });
}

export interface Receiver {
  port: number;
  report(): Promise<{ arrivals: Array<[string, number]>; bad: number; requests: number }>;
  stop(): void;
}

export async function startReceiver(): Promise<Receiver> {
  const dir = tempDir('notify-bench');
  const script = join(dir.path, 'receiver.cjs');
  writeFileSync(script, RECEIVER);
  const child = fork(script, [], { env: { ...process.env, SECRET }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    port,
    report: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { arrivals: Array<[string, number]>; bad: number; requests: number }));
        child.send('report');
      }),
    stop: () => {
      child.send('stop');
      dir.remove();
    },
  };
}

/** The figures of one run. */
export interface FanoutResult extends FanoutShape {
  ratePerS: number | null;
  /** Messages the engine composed (one per event and webhook channel, listing its recipients); `requests`: as many. */
  messages: number;
  requests: number;
  /** Messages received (each counted once) and the HTTP requests that carried them (fewer when batched). */
  received: number;
  httpRequests: number;
  sent: number;
  dead: number;
  failed: number;
  badSignatures: number;
  composeMsPerIncident: number;
  deliveredS: number;
  requestsPerS: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * One run: `shape.incidents` incidents opened at `ratePerS` (null: all at once, a burst), each
 * matching every subscription; the opened → received latency of every webhook request.
 */
export async function fanoutRun(receiver: Receiver, shape: FanoutShape, ratePerS: number | null, offset: number): Promise<FanoutResult> {
  const state = buildState(receiver.port, shape);
  const log = new MemoryDeliveryLog();
  const dispatcher = new NotificationDispatcher({
    channels: state.config.channels.map((channel) => ({ channel, sender: createSender(channel) })),
    keys: new MemoryIdempotencyKeys(),
    log,
    random: createRandom(3).next,
  });
  // `<event id>|<channel id>` (the X-CityTwin-Delivery header) → when the incident was handed to the engine.
  const handed = new Map<string, number>();
  const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);
  const start = now();
  let messages = 0;
  let composeMs = 0;
  for (let i = 0; i < shape.incidents; i++) {
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
    for (const m of out) {
      const key = `${m.event.id}|${m.channelId}`;
      if (!handed.has(key)) handed.set(key, t);
    }
    dispatcher.enqueue(out);
    composeMs += now() - t;
    messages += out.length;
  }
  await dispatcher.drain();
  const end = now();
  const { arrivals, bad, requests: httpRequests } = await receiver.report();
  await dispatcher.close();
  const latencies = arrivals
    .map(([id, at]) => at - (handed.get(id) ?? Number.NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const stats = Object.values(dispatcher.stats()).reduce(
    (a, s) => ({ sent: a.sent + s.sent, dead: a.dead + s.dead, failed: a.failed + s.failed }),
    { sent: 0, dead: 0, failed: 0 },
  );
  return {
    ...shape,
    ratePerS,
    messages,
    requests: handed.size,
    received: latencies.length,
    httpRequests,
    ...stats,
    badSignatures: bad,
    composeMsPerIncident: composeMs / shape.incidents,
    deliveredS: (end - start) / 1000,
    requestsPerS: (latencies.length / (end - start)) * 1000,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}

function report(label: string, r: FanoutResult): void {
  console.log(`\n${label}`);
  console.log(
    `  incidents ${r.incidents}, subscriptions ${r.subscriptions}, webhook channels ${r.channels} (${r.concurrency} sends at once each)${r.batch ? `, batched (≤ ${r.batch.maxEvents} messages, wait ≤ ${r.batch.maxWaitMs} ms)` : ', one request per message'}`,
  );
  console.log(
    `  messages ${r.messages} in ${r.httpRequests} HTTP requests: received ${r.received}, recipients sent ${r.sent}, dead ${r.dead}, failed ${r.failed}, bad signatures ${r.badSignatures}`,
  );
  console.log(`  engine + enqueue: ${r.composeMsPerIncident.toFixed(2)} ms per incident`);
  console.log(`  delivered in ${r.deliveredS.toFixed(2)} s: ${r.requestsPerS.toFixed(0)} messages/s`);
  console.log(
    `  opened → received: p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms — target p95 ≤ ${NOTIFY_TARGET_P95_MS} ms: ${r.p95 <= NOTIFY_TARGET_P95_MS ? 'met' : 'NOT met'}`,
  );
}

/** Plain signed keep-alive POSTs to the same receiver: what the HTTP client alone manages here (requests/s). */
export async function httpCeiling(port: number, n: number, sockets: number): Promise<number> {
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
  agent.destroy();
  return (n / (now() - start)) * 1000;
}

/** The batching the bench tries beside the default (one request per message). */
export const BENCH_BATCH = { maxEvents: 50, maxWaitMs: 0 };

/**
 * `npm run bench` run 14: the HTTP ceiling now, then the storm (incidents at `ratePerS`) one
 * request per message (the default), then the same storm with the channels batching.
 */
export async function measureNotifyFanout(
  shape: FanoutShape,
  ratePerS: number,
): Promise<{ ceilingPerS: number; storm: FanoutResult; batched: FanoutResult }> {
  const receiver = await startReceiver();
  try {
    const ceilingPerS = await httpCeiling(receiver.port, 20_000, shape.channels * shape.concurrency);
    await receiver.report();
    const storm = await fanoutRun(receiver, shape, ratePerS, 0);
    const batched = await fanoutRun(receiver, { ...shape, batch: BENCH_BATCH }, ratePerS, 200_000);
    return { ceilingPerS, storm, batched };
  } finally {
    receiver.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const subscriptions = Number(process.argv[3] ?? 50);
  const shape: FanoutShape = {
    incidents: Number(process.argv[2] ?? 1000),
    subscriptions,
    channels: Number(process.argv[4] ?? subscriptions),
    concurrency: Number(process.env.NOTIFY_CONCURRENCY ?? 4),
  };
  // NOTIFY_BATCH=<maxEvents>,<maxWaitMs>: also the same runs with the channels batching.
  const [maxEvents, maxWaitMs] = (process.env.NOTIFY_BATCH ?? '').split(',').map(Number);
  const batch = maxEvents ? { maxEvents, maxWaitMs: maxWaitMs ?? 0 } : undefined;
  const rate = Number(process.env.NOTIFY_RATE ?? 100);
  const receiver = await startReceiver();
  try {
    const ceiling = await httpCeiling(receiver.port, 20_000, shape.channels * shape.concurrency);
    console.log(
      `HTTP client ceiling on this machine now: ${ceiling.toFixed(0)} signed POSTs/s over ${shape.channels * shape.concurrency} keep-alive connections`,
    );
    await receiver.report();
    report(`Incidents at ${rate}/s`, await fanoutRun(receiver, shape, rate, 0));
    report('All incidents at once (a burst)', await fanoutRun(receiver, shape, null, 100_000));
    if (batch) {
      report(`Incidents at ${rate}/s, batched`, await fanoutRun(receiver, { ...shape, batch }, rate, 200_000));
      report('All incidents at once (a burst), batched', await fanoutRun(receiver, { ...shape, batch }, null, 300_000));
    }
  } finally {
    receiver.stop();
  }
}
