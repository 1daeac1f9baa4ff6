/**
 * Base64 (RFC 4648 §4, with padding) of bytes, the same in Node and in browsers: binary columns
 * travel as base64 text inside JSON answers (replay frames and keyframes).
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = '='.charCodeAt(0);
/** The output is ASCII: bytes to text without a character-by-character string build. */
const ASCII = new TextDecoder('latin1');

/** Bytes to base64 text: {@link bytesToBase64}, or a platform's own (Node's `Buffer`) where it is faster. */
export type Base64Encoder = (bytes: Uint8Array) => string;

export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ENCODE[v >> 18]!;
    out[o++] = ENCODE[(v >> 12) & 63]!;
    out[o++] = ENCODE[(v >> 6) & 63]!;
    out[o++] = ENCODE[v & 63]!;
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | (i + 1 < n ? bytes[i + 1]! << 8 : 0);
    out[o++] = ENCODE[v >> 18]!;
    out[o++] = ENCODE[(v >> 12) & 63]!;
    out[o++] = i + 1 < n ? ENCODE[(v >> 6) & 63]! : PAD;
    out[o++] = PAD;
  }
  return ASCII.decode(out);
}

/** Bytes of base64 text; anything but padded RFC 4648 base64 is an error quoting where it went wrong. */
export function base64ToBytes(text: string, name = 'base64'): Uint8Array {
  if (text.length % 4 !== 0) throw new Error(`"${name}" is not base64: ${text.length} characters, not a multiple of 4`);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const d = c < 128 ? DECODE[c]! : -1;
      if (d < 0 && !(last && c === PAD && j >= 4 - pad)) {
        throw new Error(
          `"${name}" is not base64: ${JSON.stringify(text.slice(i + j, i + j + 8))} at ${i + j}; expected A–Z, a–z, 0–9, + and /`,
        );
      }
      v = (v << 6) | Math.max(d, 0);
    }
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}
