/**
 * The server's cost of one zoomed-in viewport answer, in one process on a quiet or a busy
 * machine alike (docs/benchmarks.md, run 15): a twin of `n` water-level sensors in one small
 * area with a reading each, the live stream and its viewport feeds as `citytwin all` has them,
 * and a viewport holding every one of them answered `rounds` times as a `snapshot` of summaries
 * and as `points` in columns, in turn, each encoded by socket.io's own packet encoder as an
 * emit to one socket would be. Prints the median and p95 of each, in ms, and the bytes.
 * `npx tsx simulations/bench/points-encode.ts [sensors=20000] [rounds=40]`
 */
import { Encoder } from 'socket.io-parser';
import { applyTwinInput, createTwinChanges, createTwinState } from '../../twin-model/index.ts';
import { LiveStream } from '../../web/server/live/live-stream.ts';
import { ViewportStreams, type ViewportOutput } from '../../web/server/live/viewport-sessions.ts';

const n = Number(process.argv[2] ?? '20000');
const rounds = Number(process.argv[3] ?? '40');
if (!Number.isSafeInteger(n) || n < 1 || n > 20_000)
  throw new Error(`sensors must be a whole number from 1 to 20,000 (the points cap), not ${process.argv[2]}`);
if (!Number.isSafeInteger(rounds) || rounds < 2 || rounds > 1000)
  throw new Error(`rounds must be a whole number from 2 to 1,000, not ${process.argv[3]}`);

const T0 = Date.UTC(2026, 11, 5);
const state = createTwinState();
const changes = createTwinChanges();
const ctx = { now: () => T0 };
for (let i = 0; i < n; i++) {
  const id = `wl-${String(i).padStart(7, '0')}`;
  const meta = { kind: 'water_level', lng: 114.3 + (i % 200) * 1e-4, lat: 30.55 + Math.floor(i / 200) * 1e-4, district: `d${i % 13}` };
  applyTwinInput(state, { type: 'meta', id, meta }, ctx, changes);
  applyTwinInput(state, { type: 'readings', id, readings: [{ metric: 'water_level_cm', ts: T0, value: 3 + (i % 40) }] }, ctx, changes);
}
const stream = new LiveStream(state);
const viewports = new ViewportStreams(state, stream, { threshold: 0 });
const encoder = new Encoder();
let bytes = 0;
const feed = viewports.open(['public', 'internal', 'sensitive'], (out: ViewportOutput) => {
  const parts = encoder.encode({ type: 2, nsp: '/', data: [out.type, out.msg] }) as Array<string | Uint8Array>;
  bytes = parts.reduce((a, p) => a + (typeof p === 'string' ? Buffer.byteLength(p) : p.byteLength), 0);
});
const bbox = [114.29, 30.54, 114.33, 30.56];
const times = { snapshot: [] as number[], points: [] as number[] };
const size = { snapshot: 0, points: 0 };
for (let r = 0; r < rounds; r++) {
  for (const shape of ['snapshot', 'points'] as const) {
    const t = performance.now();
    const error = feed.viewport({ bbox, zoom: 15, ...(shape === 'points' ? { encoding: 'columns' } : {}) });
    times[shape].push(performance.now() - t);
    if (error) throw new Error(error);
    if (feed.pointCount !== n) throw new Error(`the viewport holds ${feed.pointCount} sensors, not ${n}`);
    size[shape] = bytes;
  }
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
for (const shape of ['snapshot', 'points'] as const) {
  console.log(
    `${shape.padEnd(8)} ${n} sensors: median ${pct(times[shape], 0.5).toFixed(1)} ms, p95 ${pct(times[shape], 0.95).toFixed(1)} ms, ${size[shape].toLocaleString('en')} bytes`,
  );
}
