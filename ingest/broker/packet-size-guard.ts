/**
 * Watches the bytes of one MQTT connection as they arrive and reports the first packet whose
 * declared size is over the limit, before the packet's body is read. MQTT 3.1.1 §2.2.3: every
 * control packet starts with a fixed header — one byte of type and flags, then the Remaining
 * Length, a variable byte integer of 1 to 4 bytes (7 bits each, high bit = more). The guard
 * only follows those headers and skips over the bodies, so it costs a few operations per packet
 * and holds nothing of the data; the broker can then close the connection while the parser has
 * buffered at most the current chunk (aedes 1.2 has no packet size limit of its own).
 */

/** A packet that may not be read. */
export interface PacketSizeViolation {
  /** Declared Remaining Length in bytes (NaN when the length field itself is malformed). */
  declaredBytes: number;
  limitBytes: number;
}

export class PacketSizeGuard {
  /** Bytes of the current packet's body still to skip. */
  private skip = 0;
  /** 'type': next byte starts a packet; 'length': inside the Remaining Length field. */
  private state: 'type' | 'length' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private violation: PacketSizeViolation | null = null;

  /** @param limitBytes largest Remaining Length accepted (the bytes after the fixed header). */
  constructor(readonly limitBytes: number) {
    if (!Number.isInteger(limitBytes) || limitBytes < 0)
      throw new Error(`packet size limit must be a non-negative integer, got ${limitBytes}`);
  }

  /** Follows `chunk`; returns the violation once a packet is declared over the limit (and on every later call). */
  feed(chunk: Uint8Array): PacketSizeViolation | null {
    if (this.violation) return this.violation;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, n - i);
        this.skip -= step;
        i += step;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // [MQTT-2.2.3]: at most four bytes of Remaining Length.
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes >= 4) return this.refuse(Number.NaN);
        continue;
      }
      if (this.length > this.limitBytes) return this.refuse(this.length);
      this.skip = this.length;
      this.state = 'type';
    }
    return null;
  }

  /** Remembers the first violation: every later call reports it again. */
  private refuse(declaredBytes: number): PacketSizeViolation {
    this.violation = { declaredBytes, limitBytes: this.limitBytes };
    return this.violation;
  }
}
