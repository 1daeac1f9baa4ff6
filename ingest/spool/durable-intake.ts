/**
 * Puts the spool between MQTT and the pipeline: a message is spooled, then handed to the
 * pipeline, and only then may its PUBACK go out. mqtt.js handles the packets of a connection
 * strictly one at a time (`handleMessage`'s callback releases the next one and sends the
 * PUBACK), so acknowledging after a synchronous append costs no throughput, and holding the
 * callback while the spool is full stops reading the socket: the broker keeps the messages
 * (backpressure), and a persistent session keeps them across a restart.
 */
import { isSystemTopic } from '../../twin-model/index.ts';
import type { BatchWriter } from '../batch-writer.ts';
import type { IngestPipeline } from '../ingest-pipeline.ts';
import type { Spool } from './spool.ts';

export interface DurableIntakeOptions {
  spool: Spool;
  pipeline: IngestPipeline;
  writer: BatchWriter;
  /** Called when backpressure starts (true) and ends (false). */
  onBackpressure?: (on: boolean) => void;
}

export class DurableIntake {
  /** True while a message waits for room in the spool (nothing is acknowledged meanwhile). */
  backpressure = false;
  /** How many times backpressure started. */
  backpressureEvents = 0;

  constructor(private readonly options: DurableIntakeOptions) {}

  /**
   * Feeds the pipeline what the spool holds past its checkpoint, with the original receive
   * times and batch boundaries: batches already attempted get their old ids (so tokens) back.
   * Call before subscribing.
   */
  replay(): number {
    const { spool, pipeline, writer } = this.options;
    const before = spool.replayedMessages;
    writer.setAutoSeal(false);
    try {
      spool.replay(
        (m) => pipeline.handleMessage(m.topic, m.payload, m.receivedAt),
        () => writer.seal(),
      );
    } finally {
      writer.setAutoSeal(true);
    }
    return spool.replayedMessages - before;
  }

  /**
   * Handles one MQTT message. Returns nothing when it is spooled and processed (acknowledge
   * now), or a promise when the spool is full (acknowledge when it resolves). `redelivery`
   * false (the publisher's DUP flag is clear) skips the redelivery check: a first delivery is
   * never a redelivery. From one broker connection (the ingest's TCP subscription) every packet
   * is checked, since the broker may redeliver under a new packet id without DUP.
   */
  handle(topic: string, payload: Buffer, receivedAt: number, packetId: number, redelivery = true): void | Promise<void> {
    // Our own stats messages are not data: nothing to keep for them.
    if (isSystemTopic(topic)) {
      this.options.pipeline.handleMessage(topic, payload, receivedAt);
      return;
    }
    const spool = this.options.spool;
    if (!spool.full) {
      this.accept(topic, payload, receivedAt, packetId, redelivery);
      return;
    }
    this.backpressure = true;
    this.backpressureEvents++;
    this.options.onBackpressure?.(true);
    return spool.waitForSpace().then(() => {
      this.backpressure = false;
      this.options.onBackpressure?.(false);
      this.accept(topic, payload, receivedAt, packetId, redelivery);
    });
  }

  private accept(topic: string, payload: Buffer, receivedAt: number, packetId: number, redelivery: boolean): void {
    const spool = this.options.spool;
    if (redelivery && spool.isDuplicate(packetId, topic, payload)) {
      spool.duplicatesDropped++;
      return;
    }
    spool.append(topic, payload, receivedAt, packetId);
    this.options.pipeline.handleMessage(topic, payload, receivedAt);
  }
}
