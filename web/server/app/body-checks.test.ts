import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, jsonDepth, MAX_JSON_DEPTH } from './body-checks.ts';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('firstInvalidUtf8', () => {
  it('accepts UTF-8, Chinese and emoji included', () => {
    expect(firstInvalidUtf8(bytes('{"name":"雨量计 🌧"}'))).toBe(-1);
  });

  it('finds the first bad byte: stray continuation, bad lead, truncated, overlong, surrogate', () => {
    expect(firstInvalidUtf8(bytes('ab', [0x80]))).toBe(2);
    expect(firstInvalidUtf8(bytes('a', [0xff], 'b'))).toBe(1);
    expect(firstInvalidUtf8(bytes('中', [0xe4, 0xb8]))).toBe(3);
    expect(firstInvalidUtf8(bytes([0xc0, 0xaf]))).toBe(0);
    expect(firstInvalidUtf8(bytes([0xe0, 0x80, 0xaf]))).toBe(0);
    expect(firstInvalidUtf8(bytes('x', [0xed, 0xa0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(bytes([0xc3, 0x28]))).toBe(0);
  });
});

describe('jsonDepth', () => {
  it('counts objects and arrays, not brackets inside strings (escaped quotes included)', () => {
    expect(jsonDepth(bytes('{"a":[1,{"b":[]}]}'))).toBe(4);
    expect(jsonDepth(bytes('{"a":"[[[[{{{{\\"[[[["}'))).toBe(1);
    expect(jsonDepth(bytes('1'))).toBe(0);
  });

  it('stops past the limit', () => {
    expect(jsonDepth(bytes('['.repeat(100_000)))).toBe(MAX_JSON_DEPTH + 1);
  });
});
