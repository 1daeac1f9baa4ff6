/**
 * MQTT 3.1.1 control packets byte by byte, for tests that speak to a broker or a client on a
 * raw TCP socket (to see exactly when a packet goes or comes), and the spool file's bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A string or binary field (MQTT 3.1.1 §1.5.3): two bytes of length, then the bytes. */
export function mqttField(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** A control packet: its first byte, the Remaining Length (§2.2.3), the body. */
export function mqttPacket(first: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([first, ...len]), body]);
}

/** Everything the spool's segments in `spoolDir` hold, as one buffer. */
export function spoolBytes(spoolDir: string): Buffer {
  const segs = readdirSync(spoolDir)
    .filter((f) => f.startsWith('seg-'))
    .sort();
  return Buffer.concat(segs.map((f) => readFileSync(join(spoolDir, f))));
}

/** Reading number `i` as a v1 payload: its own time and water level, so each is told apart. */
export function readingPayload(i: number): Buffer {
  return Buffer.from(JSON.stringify({ ts: 1_700_000_000_000 + i, values: { water_level_cm: 1000 + i } }));
}

/** A QoS 1 PUBLISH of reading `i` for sensor `<prefix>-<i>`, packet id `i`. */
export function readingPublish(prefix: string, i: number): Buffer {
  return mqttPacket(
    0x32,
    Buffer.concat([mqttField(`citytwin/v1/sensors/${prefix}-${i}/data`), Buffer.from([i >> 8, i & 0xff]), readingPayload(i)]),
  );
}
