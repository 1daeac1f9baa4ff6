/**
 * Puts the spool between MQTT and the pipeline: a message's record is queued in the spool,
 * the message handed to the pipeline, and its PUBACK goes out only once the record is written.
 *
 * Two ways in, both writing the records of an event-loop turn together (one writev(2), spool.ts).
 * {@link DurableIntake.take} (the embedded broker, which hands over every publish of a TCP read
 * in one go) returns the promise the PUBACKs wait on. {@link DurableIntake.takeGrouped} (the
 * product's subscription through mqtt.js) returns it as `{ written }`: mqtt.js handles the
 * packets of a connection strictly one at a time (`handleMessage`'s callback releases the next
 * one and sends the PUBACK), so the subscription releases each packet at once but keeps its
 * packet id and sends its PUBACK, with the turn's others in one write, once the turn's group is
 * written (ingest/mqtt-source.ts). Holding the acknowledgement while the spool is full stops
 * reading the socket: the broker keeps the messages (backpressure), and a persistent session
 * keeps them across a restart.
 *
 * A batch sealed before the group is written writes the queued records first (spool.ts), so
 * whatever the pipeline stores is in the spool before its insert starts. If the group's write
 * fails, its messages may already be in the open batch but are not acknowledged: the
 * publisher sends them again (a duplicate by key, like any redelivery).
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

/** One MQTT message on its way in; `redelivery`, whether to check it for a redelivery. */
interface IntakeMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  packetId: number;
  redelivery: boolean;
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
   * Takes one MQTT message (the embedded broker's, before its PUBACK): its record is queued in
   * the spool and written together with the others of this event-loop turn, and the message
   * handed to the pipeline. Acknowledge when the returned promise resolves (it rejects if the
   * write fails); when the spool is full it first waits for room. Returns nothing for a message
   * with nothing to spool (a redelivery whose first copy is written, our own stats).
   * `redelivery` false (the publisher's DUP flag is clear) skips the redelivery check: a first
   * delivery is never a redelivery.
   */
  take(topic: string, payload: Buffer, receivedAt: number, packetId: number, redelivery = true): void | Promise<void> {
    return this.intake({ topic, payload, receivedAt, packetId, redelivery });
  }

  /**
   * As {@link take}, for a subscription (ingest/mqtt-source.ts, `handleGrouped`): the record is
   * written with the others of this event-loop turn, and the subscription keeps reading while it
   * waits: `{ written }` says when this message may be acknowledged. A promise (the spool is
   * full) says to read nothing more until it resolves. Every packet is checked for a redelivery
   * (the broker may redeliver under a new packet id without DUP).
   */
  takeGrouped(topic: string, payload: Buffer, receivedAt: number, packetId: number): void | Promise<void> | { written: Promise<void> } {
    const m: IntakeMessage = { topic, payload, receivedAt, packetId, redelivery: true };
    if (isSystemTopic(topic) || this.options.spool.full) return this.intake(m);
    const written = this.accept(m);
    return written ? { written } : undefined;
  }

  private intake(m: IntakeMessage): void | Promise<void> {
    // Our own stats messages are not data: nothing to keep for them.
    if (isSystemTopic(m.topic)) {
      this.options.pipeline.handleMessage(m.topic, m.payload, m.receivedAt);
      return;
    }
    const spool = this.options.spool;
    if (!spool.full) return this.accept(m);
    this.backpressure = true;
    this.backpressureEvents++;
    this.options.onBackpressure?.(true);
    return spool.waitForSpace().then(() => {
      this.backpressure = false;
      this.options.onBackpressure?.(false);
      return this.accept(m);
    });
  }

  private accept(m: IntakeMessage): void | Promise<void> {
    const spool = this.options.spool;
    if (m.redelivery && spool.isDuplicate(m.packetId, m.topic, m.payload)) {
      spool.duplicatesDropped++;
      // Its first copy may still be queued: acknowledged no sooner than that one.
      return spool.queued;
    }
    // Queued before the pipeline sees it: a seal the message triggers writes its record first.
    const written = spool.enqueue(m.topic, m.payload, m.receivedAt, m.packetId);
    this.options.pipeline.handleMessage(m.topic, m.payload, m.receivedAt);
    return written;
  }
}
