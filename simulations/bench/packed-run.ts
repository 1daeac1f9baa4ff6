/**
 * Bench run 2: packed SenML messages (100 readings each, QoS 1) through the ingest the harness
 * gives (`startIngest`: the product's, taking the embedded broker's publishes with its spool, as
 * `npm start` does; BENCH_PACKED_SUBSCRIBED=1, subscribed over TCP with no spool) into the
 * embedded engine, against a raw insert of the same rows into the same engine, table and views
 * (raw-insert.ts), in BENCH_PACKED_ROUNDS rounds (3): each round sends the packs end to end, then
 * inserts the rows it stored raw, once in the ingest's batches with its settings and once in 100k
 * batches; every round's ratio is printed and the median round's figures (a load that comes or goes
 * moves both sides of one round's ratio). Then where a pack's time goes, stage by stage
 * (packed-breakdown.ts). docs/benchmarks.md, "Run 2".
 */
import { loadavg } from 'node:os';
import type { createIngest, IngestOptions } from '../../ingest/index.ts';
import { ClickHouseSink, countLoadReadings, truncateReadings, type StorageClient } from '../../storage/index.ts';
import type { LoadOptions, LoadResult } from '../load-generator.ts';
import { fmt, line } from './bench-report.ts';
import { InsertOverlap } from './insert-overlap.ts';
import { packedBreakdown, printBreakdown } from './packed-breakdown.ts';
import { BatchRecorder, rawReferences, type RawRate } from './raw-insert.ts';

/** Run 2's rounds (BENCH_PACKED_ROUNDS): each the packs end to end, then the same rows raw. */
const PACKED_ROUNDS = Math.max(1, Number(process.env.BENCH_PACKED_ROUNDS ?? '3'));

/** One round of run 2: the packs end to end, and the same rows raw right after. */
interface PackedRound {
  rate: number;
  sent: number;
  inTable: number;
  publisherS: number;
  receivedS: number;
  storedS: number;
  shares: { busy: number; inserting: number };
  cpuProcess: number;
  cpuMain: number;
  asIngest: RawRate;
  in100k: RawRate;
  load: number;
}

/** What run 2 takes from the bench's harness (run-benchmarks.ts). */
export interface PackedRunParts {
  client: StorageClient;
  brokerUrl: string;
  /** The broker's address with the in-process parts' credentials. */
  trustedUrl: string;
  scale: number;
  startIngest(
    url: string,
    clientId: string,
    options: IngestOptions,
    onFirst?: () => void,
  ): Promise<{ ingest: ReturnType<typeof createIngest>; source: { stop(): Promise<void> }; firstAt(): number }>;
  publishInChild(options: LoadOptions | Record<string, unknown>): Promise<LoadResult>;
  waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean>;
}

export async function packedRun(parts: PackedRunParts): Promise<void> {
  const { client, trustedUrl, startIngest, publishInChild, waitUntil } = parts;
  const broker = { url: parts.brokerUrl };
  const SCALE = parts.scale;
  const per = 100;
  const messages = Math.round(20_000 * SCALE);
  process.stdout.write(
    `\n2. packed SenML messages, ${per} readings each, QoS 1, ${fmt(messages * per)} readings; ${PACKED_ROUNDS} rounds, each end to end then its raw references\n`,
  );
  // Each round: the packs end to end, then the same rows raw (the ingest's batches and settings,
  // and 100k batches), on an emptied table each time. The ratio is taken within a round and the
  // median round is printed: a load that comes or goes during the run moves both sides of a
  // round's ratio, not one side only (raw-insert.ts).
  const rounds: PackedRound[] = [];
  for (let r = 0; r < PACKED_ROUNDS; r++) {
    await truncateReadings(client);
    const recorder = new BatchRecorder(new ClickHouseSink(client));
    const overlap = new InsertOverlap(recorder.sink);
    const { ingest, source, firstAt } = await startIngest(trustedUrl, `citytwin-bench-ingest-packed-${r}`, { sink: overlap.sink }, () =>
      overlap.start(),
    );
    const run = await publishInChild({
      brokerUrl: broker.url,
      sensors: 2000,
      messages,
      mode: 'packed',
      readingsPerMessage: per,
      qos: 1,
    });
    const m = ingest.pipeline.metrics;
    await waitUntil(() => m.received >= run.sent, 120_000);
    const receivedIn = (performance.now() - firstAt()) / 1000;
    await ingest.writer.flush();
    const elapsed = (performance.now() - firstAt()) / 1000;
    const cpu = overlap.cpuUs();
    const inTable = await countLoadReadings(client);
    await source.stop();
    const raw = await rawReferences(client, recorder.batches, run.readings, 1);
    const round: PackedRound = {
      rate: m.readingsStored / elapsed,
      sent: run.readings,
      inTable,
      publisherS: run.elapsedMs / 1000,
      receivedS: receivedIn,
      storedS: elapsed,
      shares: overlap.shares(elapsed),
      cpuProcess: cpu.process / m.readingsStored,
      cpuMain: cpu.main / m.readingsStored,
      asIngest: raw.asIngest,
      in100k: raw.in100k,
      load: loadavg()[0]!,
    };
    rounds.push(round);
    line(
      `round ${r + 1}: end to end / raw (ingest's batches) / raw (100k)`,
      `${fmt(round.rate)} / ${fmt(round.asIngest.rowsPerS)} / ${fmt(round.in100k.rowsPerS)} rd/s`,
      `ratio ${fmt(round.rate / round.asIngest.rowsPerS, 2)}; ${fmt(round.asIngest.batches)} batches; CPU ${fmt(round.cpuProcess, 2)} (main ${fmt(round.cpuMain, 2)}) against ${fmt(round.asIngest.cpuUsPerRow, 2)} µs per raw row; load ${fmt(round.load, 1)}`,
      null,
    );
  }
  const mid = [...rounds].sort((a, b) => a.rate / a.asIngest.rowsPerS - b.rate / b.asIngest.rowsPerS)[Math.floor(rounds.length / 2)]!;
  line(
    'median round: JS thread busy / an insert in flight',
    `${fmt(100 * mid.shares.busy)} % / ${fmt(100 * mid.shares.inserting)} %`,
    '(first message to last stored)',
    null,
  );
  line(
    'median round: publisher time / all received / all stored',
    `${fmt(mid.publisherS, 1)} / ${fmt(mid.receivedS, 1)} / ${fmt(mid.storedS, 1)} s`,
    '',
    null,
  );
  line(
    'median round: CPU per reading, the process / its main thread',
    `${fmt(mid.cpuProcess, 2)} / ${fmt(mid.cpuMain, 2)} µs`,
    '(broker, ingest and engine; the publisher runs in its own process)',
    null,
  );
  line('readings published → stored (median round)', `${fmt(mid.rate)} rd/s`, '(target ≥ 250,000)', mid.rate >= 250_000);
  const lost = rounds.reduce((n, x) => n + (x.sent - x.inTable), 0);
  const sent = rounds.reduce((n, x) => n + x.sent, 0);
  line('lost (sent − rows in ClickHouse), every round', fmt(lost), `(sent ${fmt(sent)}, stored ${fmt(sent - lost)}; target 0)`, lost === 0);
  for (const [label, raw, met] of [
    [`raw insert, the ingest's rows, batches and settings (${fmt(mid.asIngest.batches)} batches; the median round's)`, mid.asIngest, true],
    ["raw insert, same shape, 100k batches, no settings (the median round's)", mid.in100k, false],
  ] as const) {
    line(
      label,
      `${fmt(raw.rowsPerS)} rd/s`,
      `end-to-end / raw = ${fmt(mid.rate / raw.rowsPerS, 2)} (target ≥ 0.80; rounds ${rounds.map((x) => fmt(x.rate / (met ? x.asIngest : x.in100k).rowsPerS, 2)).join(', ')}); CPU ${fmt(raw.cpuUsPerRow, 2)} µs per row`,
      met ? mid.rate / raw.rowsPerS >= 0.8 : null,
    );
  }
  await truncateReadings(client);
  printBreakdown(await packedBreakdown(client, Math.min(messages, 5_000), per), 'reading');
  await truncateReadings(client);
}
