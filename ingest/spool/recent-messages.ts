/**
 * The spool's redelivery check (spool.ts, `isDuplicate`): the last message spooled under each
 * MQTT packet id, to recognise a message the broker sends again after a lost PUBACK.
 *
 * Kept in three arrays indexed by packet id rather than an object per message: every entry
 * lives until its packet id comes round again (65,536 messages later), so an object per
 * message would be old-generation garbage for the collector, on every message.
 */
import { createHash } from 'node:crypto';

/**
 * A message up to this size (topic characters + payload bytes) is remembered whole for the
 * redelivery check; a larger one by a SHA-256 of topic and payload. The check remembers one
 * message per packet id (65,536): whole copies of large payloads would hold gigabytes.
 */
export const REMEMBER_WHOLE = 512;

const IDS = 65536;

function digestOf(topic: string, payload: Buffer): string {
  return createHash('sha256').update(topic).update('\0').update(payload).digest('base64');
}

export class RecentMessages {
  private readonly topics: Array<string | undefined> = new Array(IDS);
  /** The message's spool record or a copy of its payload (a Buffer), or its digest (a string). */
  private readonly bodies: Array<Buffer | string | undefined> = new Array(IDS);
  /** Where the payload starts in its body (0 for a copy). */
  private readonly payloadAt = new Uint32Array(IDS);

  /**
   * A message just queued, `record` its spool record whose payload runs from `payloadAt` to its
   * end (the record is the message's own copy: nothing larger is kept alive through it).
   */
  noteRecord(packetId: number, topic: string, record: Buffer, payloadAt: number): void {
    if (topic.length + record.length - payloadAt > REMEMBER_WHOLE) this.noteDigest(packetId, topic, record.subarray(payloadAt));
    else this.set(packetId, topic, record, payloadAt);
  }

  /** A message read back from the spool: its payload is copied (a replay buffer holds a whole segment). */
  noteReplayed(packetId: number, topic: string, payload: Buffer): void {
    if (topic.length + payload.length > REMEMBER_WHOLE) this.noteDigest(packetId, topic, payload);
    else this.set(packetId, topic, Buffer.from(payload), 0);
  }

  forget(packetId: number): void {
    this.topics[packetId] = undefined;
    this.bodies[packetId] = undefined;
  }

  /** True when `packetId` last carried this very topic and payload (byte for byte, or by digest when large). */
  isDuplicate(packetId: number, topic: string, payload: Buffer): boolean {
    if (packetId === 0) return false;
    const body = this.bodies[packetId];
    if (body === undefined) return false;
    if (typeof body === 'string') return topic.length + payload.length > REMEMBER_WHOLE && body === digestOf(topic, payload);
    const at = this.payloadAt[packetId]!;
    return this.topics[packetId] === topic && body.length - at === payload.length && body.compare(payload, 0, payload.length, at) === 0;
  }

  private set(packetId: number, topic: string, body: Buffer, payloadAt: number): void {
    this.topics[packetId] = topic;
    this.bodies[packetId] = body;
    this.payloadAt[packetId] = payloadAt;
  }

  private noteDigest(packetId: number, topic: string, payload: Buffer): void {
    this.topics[packetId] = undefined;
    this.bodies[packetId] = digestOf(topic, payload);
  }
}
