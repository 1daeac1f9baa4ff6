/**
 * The in-process ingest (ingest/): the write-ahead spool, the pipeline and its batch writer
 * into ClickHouse, the twin and dispatch as live listeners, and where the messages come from —
 * the embedded broker before each PUBACK, or a subscription to an external broker.
 */
import { join } from 'node:path';
import { type BrokerIntake, createIngest, DurableIntake, type EmbeddedBroker, type Ingest, MqttSource, Spool } from '../../ingest/index.ts';
import { ClickHouseSink, refreshClassifications, type StorageClient } from '../../storage/index.ts';
import type { DeviceDirectory } from '../../twin-model/index.ts';
import type { CapService } from '../../web/server/cap/cap-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { CaseService } from '../../web/server/cases/case-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { INTAKE_PREFIX } from './broker.ts';
import { type BrokerLink, type PartContext, partLog } from './context.ts';
import type { Rate } from './node-view.ts';

export interface IngestPart {
  ingest: Ingest;
  spool: Spool;
  intake: DurableIntake;
}

/** Spool, pipeline and writer, with what the spool kept from the last run replayed first. */
export function startIngest(
  ctx: PartContext,
  clickhouse: StorageClient,
  live: { twin: TwinService; dispatch: DispatchService; cap?: CapService | null; cases: CaseService | null } | null,
  directory: DeviceDirectory,
): IngestPart {
  const { config } = ctx;
  const log = partLog(ctx, 'ingest');
  // The write-ahead spool (ingest/spool/spool.ts): closed last, after the final flush.
  const spool = Spool.open(join(config.dataDir, 'spool'), { maxBytes: config.spoolMaxBytes });
  ctx.shutdown.add(() => spool.close());
  const distributed = config.clickhouseCluster !== null;
  const sink = new ClickHouseSink(clickhouse, {
    distributed,
    onRegistryChanged: (ids) => refreshClassifications(clickhouse, ids, config.clickhouseCluster),
  });
  const ingest = createIngest({
    sink: ctx.hooks.wrapSink ? ctx.hooks.wrapSink(sink) : sink,
    // A batch's id (hence its deduplication token) is its spool position, fixed at seal.
    onBatchSealed: (batch) => {
      batch.id = spool.seal();
    },
    onBatchStored: (batch) => spool.stored(batch.id),
    // The seal record could not be written: the batch stays open and is sealed later (logged once).
    onSealError: (err, attempt) =>
      log(
        attempt === 1 ? 'warn' : 'debug',
        `spool cannot write a seal record (attempt ${attempt}), batch left open, new messages not acknowledged: ${err.message}`,
      ),
    onSealRecovered: (attempts, failedMs) =>
      log('info', `spool writes again: batch sealed after ${attempts} failed attempts over ${Math.round(failedMs / 1000)} s`),
    batchMaxRows: config.batchMaxRows,
    batchMaxDelayMs: config.batchMaxDelayMs,
    maxPayloadBytes: config.maxPayloadBytes,
    distributed,
    directory,
    onWriteError: (err, attempt) => log(attempt === 1 ? 'warn' : 'debug', `insert failed (attempt ${attempt}), retrying: ${err.message}`),
    log,
  });
  // Stores what was acknowledged before the process ends, waiting for storage at most
  // CITYTWIN_STOP_STORAGE_WAIT_MS; what is left stays in the spool for the next start (docs/ingest.md).
  ctx.shutdown.add(() => closeWriter(ingest, config.stopStorageWaitMs, log));
  if (live) {
    const { twin, dispatch, cap, cases } = live;
    ingest.pipeline.addListener({
      onMeta: (id, meta) => twin.onMeta(id, meta),
      onReadings: (entity, id, readings, _receivedAt, units) => {
        if (entity === 'sensor') twin.onReadings(id, readings, units);
      },
      onEvent: (event, receivedAt, payload) => {
        // The case first: the incident its report opens or joins then finds it.
        if (event.type === 'citizen_report') cases?.report(payload, event.source, receivedAt);
        twin.onEvent(event);
      },
      onUnitPosition: (position) => dispatch.onPosition(position),
      // Stored with the batch; held for the map and the correlator.
      onCapAlert: (alert) => {
        void cap?.receive(alert, null).catch((err: Error) => log('warn', `cap: ${err.message}`));
      },
    });
  }
  const intake = new DurableIntake({
    spool,
    pipeline: ingest.pipeline,
    writer: ingest.writer,
    onBackpressure: (on) =>
      log(
        on ? 'warn' : 'info',
        on
          ? `spool full (${config.spoolMaxBytes} bytes unstored): not acknowledging, the broker keeps the messages`
          : 'spool has room again: acknowledging',
      ),
  });
  // Before subscribing: what was spooled but not stored goes first, in its old batches.
  const replayed = intake.replay();
  if (replayed > 0) log('info', `spool: replayed ${replayed} messages not yet stored at the last stop`);
  return { ingest, spool, intake };
}

/** The stop's last writes, bounded; says how many acknowledged messages the spool keeps for the next start. */
async function closeWriter(ingest: Ingest, waitMs: number, log: (level: 'warn', message: string) => void): Promise<void> {
  const stored = await ingest.writer.close(waitMs);
  const left = ingest.writer.pendingMessages;
  if (stored || left === 0) return;
  const why = ingest.writer.closedAtBound
    ? `storage did not take them within CITYTWIN_STOP_STORAGE_WAIT_MS=${waitMs} ms`
    : ingest.writer.sealFailing
      ? 'the spool could not seal the open batch'
      : 'storage failing at shutdown (3 failed attempts in a row)';
  log('warn', `${why}: ${left} acknowledged messages not stored, kept in the spool for the next start, which replays them`);
}

/**
 * The embedded broker hands every v1 publish to the ingest before its PUBACK: no TCP hop, and
 * a message is in the spool before its publisher hears it is received.
 */
export function takeFromBroker(ctx: PartContext, broker: EmbeddedBroker, part: IngestPart, link: BrokerLink): void {
  const direct: BrokerIntake = {
    prefix: INTAKE_PREFIX,
    handle: (topic, payload, at, packetId, redelivery) => part.intake.take(topic, payload, at, packetId, redelivery),
  };
  broker.setIntake(ctx.hooks.wrapIntake ? ctx.hooks.wrapIntake(direct) : direct);
  link.up = true;
  partLog(ctx, 'ingest')('info', `ingest takes ${INTAKE_PREFIX}# from the embedded broker, before each PUBACK`);
  // Shutting down (steps run in reverse, so before the last flush and the spool close): hold
  // new publishes unacknowledged; the publishers send them again to the next start.
  ctx.shutdown.add(() => broker.setIntake({ prefix: INTAKE_PREFIX, handle: () => new Promise<void>(() => undefined) }));
}

/**
 * A subscription to an external broker (a share group's with several workers), each message
 * spooled before its PUBACK. Not started yet (see subscription.ts).
 */
export function ingestSubscription(ctx: PartContext, mqttUrl: string, part: IngestPart, link: BrokerLink): MqttSource {
  const { config } = ctx;
  const log = partLog(ctx, 'mqtt');
  if (!config.workerIdExplicit && ctx.role === 'ingest')
    log('warn', 'CITYTWIN_WORKER_ID is not set: no persistent MQTT session, messages sent while this worker is down are not kept for it');
  const pipeline = part.ingest.pipeline;
  return new MqttSource({
    url: mqttUrl,
    clientId: `citytwin-${ctx.role}-${config.workerId}`,
    shareGroup: config.mqttShareGroup,
    persistentSession: config.workerIdExplicit ? { expirySeconds: config.mqttSessionExpiryS } : null,
    onMessage: (topic, payload, at) => pipeline.handleMessage(topic, payload, at),
    handleGrouped: (topic, payload, at, packetId) => part.intake.takeGrouped(topic, payload, at, packetId),
    onStatus: (up, err) => {
      link.up = up;
      if (err) log('warn', `MQTT: ${err.message}`);
    },
  });
}

/** Samples the ingest's rate once a second for the status strip and the worker's stats. */
export function sampleIngestRate(ctx: PartContext, part: IngestPart): () => Rate {
  let rate: Rate = { messagesPerSec: 0, readingsPerSec: 0 };
  const timer = setInterval(() => {
    rate = part.ingest.pipeline.metrics.sampleRate(Date.now());
  }, 1000);
  ctx.shutdown.add(() => clearInterval(timer));
  return () => rate;
}
