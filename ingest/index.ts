/**
 * The ingest: MQTT → validation → batched inserts into ClickHouse, with a dead-letter table
 * for every rejected message and counters for everything.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_PARSE_LIMITS, type DeviceDirectory } from '../twin-model/index.ts';
import { BatchWriter, DEFAULT_BATCH_MAX_DELAY_MS } from './batch-writer.ts';
import { IngestPipeline } from './ingest-pipeline.ts';
import { ClickHouseSink, type StorageBatch, type StorageSink, type StorageClient } from '../storage/index.ts';

export { BatchWriter, DEFAULT_BATCH_MAX_DELAY_MS, type StorageHealth } from './batch-writer.ts';
export { IngestPipeline, DEAD_LETTER_PAYLOAD_BYTES, gatewaySource, type IngestListener } from './ingest-pipeline.ts';
export {
  IngestMetrics,
  percentile,
  MAX_SOURCES,
  OTHER_SOURCES,
  type SourceCounts,
} from './ingest-metrics.ts';
export { routeTopic, decodePayload, learnFrom, type TopicRoute, type DecodedMessage } from './message-router.ts';
export { MqttSource, type MqttSourceOptions } from './mqtt-source.ts';
export { Spool, type SpoolOptions, type SpooledMessage } from './spool/spool.ts';
export { DurableIntake, type DurableIntakeOptions } from './spool/durable-intake.ts';
export {
  IngestStatsAggregator,
  ingestWorkerStatsSchema,
  parseIngestStatsTopic,
  sampleWorkerStats,
  type IngestClusterSummary,
  type IngestWorkerStats,
} from './ingest-stats.ts';
export { startOpsServer, OpsPortInUseError, type OpsHealth, type OpsServer } from './ops-server.ts';
export {
  startEmbeddedBroker,
  PortInUseError,
  DEFAULT_OUTGOING_LIMITS,
  DELIVERY_STALL_MS,
  type BrokerIntake,
  type EmbeddedBroker,
  type OutgoingLimits,
} from './broker/embedded-broker.ts';

export interface IngestOptions {
  /** Storage adapter; defaults to ClickHouse through `client`. */
  sink?: StorageSink;
  client?: StorageClient;
  batchMaxRows?: number;
  batchMaxDelayMs?: number;
  maxPayloadBytes?: number;
  now?: () => number;
  onWriteError?: (error: Error, attempt: number) => void;
  /** Where a live listener's failure on a stored message is logged (ingest-pipeline.ts). */
  log?: (level: 'error', message: string) => void;
  /**
   * Writing to Distributed tables of a ClickHouse cluster: inserts wait until every shard has
   * its part, so "stored" still means stored (and the deduplication token reaches the shards).
   */
  distributed?: boolean;
  /** Called as each batch is sealed, before its insert starts (the spool names it here). */
  onBatchSealed?: (batch: StorageBatch) => void;
  /** `onBatchSealed` threw; the batch stays open and is sealed again later (batch-writer.ts). */
  onSealError?: (error: Error, attempt: number) => void;
  /** Sealing works again after `attempts` failures. */
  onSealRecovered?: (attempts: number, failedMs: number) => void;
  /** Called once a batch is stored (the spool advances its checkpoint here). */
  onBatchStored?: (batch: StorageBatch) => void;
  /** The vocabulary and the devices' names (ingest-pipeline.ts); default: v1 only. */
  directory?: DeviceDirectory;
}

export interface Ingest {
  pipeline: IngestPipeline;
  writer: BatchWriter;
}

/** Wires a pipeline to a batch writer whose completed batches update the pipeline's counters. */
export function createIngest(options: IngestOptions): Ingest {
  const sink = options.sink ?? (options.client ? new ClickHouseSink(options.client, { distributed: options.distributed ?? false }) : null);
  if (!sink) throw new Error('createIngest needs a sink or a ClickHouse client');
  const now = options.now ?? Date.now;
  let pipeline: IngestPipeline | null = null;
  const writer = new BatchWriter(sink, {
    maxRows: options.batchMaxRows ?? 100_000,
    maxDelayMs: options.batchMaxDelayMs ?? DEFAULT_BATCH_MAX_DELAY_MS,
    idPrefix: `${now().toString(36)}-${randomBytes(4).toString('hex')}`,
    now,
    onStored: (batch, writeMs) => {
      pipeline?.metrics.countBatch(
        batch.messages,
        batch.rejectedMessages,
        batch.readings.length,
        batch.deadLetters.length,
        writeMs,
        now() - batch.oldestReceivedAt,
        batch.acceptedBySource,
      );
      options.onBatchStored?.(batch);
    },
    ...(options.onBatchSealed ? { onSeal: options.onBatchSealed } : {}),
    ...(options.onSealError ? { onSealError: options.onSealError } : {}),
    ...(options.onSealRecovered ? { onSealRecovered: options.onSealRecovered } : {}),
    onError: (error, attempt) => {
      if (pipeline) pipeline.metrics.writeErrors++;
      options.onWriteError?.(error, attempt);
    },
  });
  pipeline = new IngestPipeline(writer, {
    limits: { ...DEFAULT_PARSE_LIMITS, maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_PARSE_LIMITS.maxPayloadBytes },
    now,
    ...(options.directory ? { directory: options.directory } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { pipeline, writer };
}
