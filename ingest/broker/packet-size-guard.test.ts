import { describe, expect, it } from 'vitest';
import { mqttField, mqttPacket } from '../../test/support/mqtt-bytes.ts';
import { PacketSizeGuard } from './packet-size-guard.ts';

const packet = mqttPacket;
const str = mqttField;
const publish = (payloadBytes: number) =>
  packet(0x32, Buffer.concat([str('citytwin/v1/sensors/wl-1/data'), Buffer.from([0, 7]), Buffer.alloc(payloadBytes, 0x61)]));
const connect = packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 30]), str('gw-1')]));

describe('PacketSizeGuard', () => {
  it('lets packets under the limit through, however the bytes are split into chunks', () => {
    const stream = Buffer.concat([connect, publish(10), publish(1000), publish(20_000), Buffer.from([0xc0, 0])]);
    for (const size of [1, 2, 3, 7, 64, 65_536, stream.length]) {
      const guard = new PacketSizeGuard(20_100);
      for (let i = 0; i < stream.length; i += size) expect(guard.feed(stream.subarray(i, i + size))).toBeNull();
    }
  });

  it('reports a packet over the limit from its fixed header, before its body arrives', () => {
    const guard = new PacketSizeGuard(1024);
    expect(guard.feed(connect)).toBeNull();
    expect(guard.feed(publish(100))).toBeNull();
    const big = publish(16 * 1024 * 1024);
    // Type byte and the four length bytes only: the verdict needs nothing more.
    const violation = guard.feed(big.subarray(0, 5));
    expect(violation).toEqual({ declaredBytes: big.length - 5, limitBytes: 1024 });
    expect(guard.feed(big.subarray(5, 100))).toBe(violation);
  });

  it('accepts a packet of exactly the limit and refuses one byte more', () => {
    const body = publish(500).length - 3; // 1 type byte + 2 length bytes
    expect(new PacketSizeGuard(body).feed(publish(500))).toBeNull();
    expect(new PacketSizeGuard(body - 1).feed(publish(500))).toMatchObject({ declaredBytes: body });
  });

  it('refuses a Remaining Length field longer than four bytes', () => {
    expect(new PacketSizeGuard(1 << 30).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toMatchObject({
      declaredBytes: Number.NaN,
    });
  });

  it('rejects a limit that is not a size, naming it', () => {
    expect(() => new PacketSizeGuard(-1)).toThrow(/non-negative integer, got -1/);
  });
});
