import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from './base64.ts';

describe('base64', () => {
  it('encodes as RFC 4648 does, with padding', () => {
    // RFC 4648 §10 test vectors.
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(bytesToBase64(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base64ToBytes(encoded))).toBe(plain);
    }
  });

  it('round-trips every byte value and agrees with Node', () => {
    const bytes = new Uint8Array(100_003).map((_, i) => (i * 7919) & 255);
    const text = bytesToBase64(bytes);
    expect(text).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(text)).toEqual(bytes);
  });

  it('refuses text that is not base64, quoting it', () => {
    expect(() => base64ToBytes('abc', 'gaps')).toThrow('"gaps" is not base64: 3 characters, not a multiple of 4');
    expect(() => base64ToBytes('ab!d', 'index')).toThrow(/"index" is not base64: "!d" at 2/);
    expect(() => base64ToBytes('a=bc')).toThrow(/at 1/);
  });
});
