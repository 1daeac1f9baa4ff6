import { describe, expect, it } from 'vitest';
import { RecentMessages, REMEMBER_WHOLE } from './recent-messages.ts';

/** A spool-like record: a header, the topic, then the payload to its end. */
function record(topic: string, payload: Buffer): { rec: Buffer; at: number } {
  const head = Buffer.alloc(20);
  const rec = Buffer.concat([head, Buffer.from(topic), payload]);
  return { rec, at: 20 + Buffer.byteLength(topic) };
}

describe('RecentMessages', () => {
  const topic = 'citytwin/v1/sensors/wl-1/data';
  const payload = Buffer.from('{"ts":1,"values":{"water_level_cm":3}}');

  it('knows the last message of a packet id byte for byte, and nothing else', () => {
    const recent = new RecentMessages();
    const { rec, at } = record(topic, payload);
    recent.noteRecord(7, topic, rec, at);
    expect(recent.isDuplicate(7, topic, Buffer.from(payload))).toBe(true);
    expect(recent.isDuplicate(7, topic, Buffer.from('{"ts":1,"values":{"water_level_cm":4}}'))).toBe(false);
    expect(recent.isDuplicate(7, topic, payload.subarray(1))).toBe(false);
    expect(recent.isDuplicate(7, 'citytwin/v1/sensors/wl-2/data', payload)).toBe(false);
    expect(recent.isDuplicate(8, topic, payload)).toBe(false);
    expect(recent.isDuplicate(0, topic, payload)).toBe(false);
    const next = Buffer.from('{"ts":2,"values":{"water_level_cm":5}}');
    const second = record(topic, next);
    recent.noteRecord(7, topic, second.rec, second.at);
    expect(recent.isDuplicate(7, topic, payload)).toBe(false);
    expect(recent.isDuplicate(7, topic, next)).toBe(true);
    recent.forget(7);
    expect(recent.isDuplicate(7, topic, next)).toBe(false);
  });

  it('remembers a large message by digest, and a replayed one as a copy of its payload', () => {
    const recent = new RecentMessages();
    const large = Buffer.alloc(REMEMBER_WHOLE + 1, 0x61);
    const { rec, at } = record(topic, large);
    recent.noteRecord(9, topic, rec, at);
    expect(recent.isDuplicate(9, topic, Buffer.from(large))).toBe(true);
    const other = Buffer.from(large);
    other[100] = 0x62;
    expect(recent.isDuplicate(9, topic, other)).toBe(false);

    const segment = Buffer.concat([Buffer.from('xx'), payload, Buffer.from('yy')]);
    recent.noteReplayed(10, topic, segment.subarray(2, 2 + payload.length));
    segment.fill(0);
    expect(recent.isDuplicate(10, topic, payload)).toBe(true);
  });
});
