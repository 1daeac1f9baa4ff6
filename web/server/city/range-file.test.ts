import { describe, expect, it } from 'vitest';
import { entityTagOf, parseRange } from './range-file.ts';

describe('parseRange (RFC 9110 §14.1.2)', () => {
  it('serves the whole file without a Range header or with another unit', () => {
    expect(parseRange(undefined, 100)).toEqual({ type: 'full' });
    expect(parseRange('', 100)).toEqual({ type: 'full' });
    expect(parseRange('items=0-5', 100)).toEqual({ type: 'full' });
  });

  it('reads first-last, first- and -suffix, clipping to the file', () => {
    expect(parseRange('bytes=0-16383', 100_000)).toEqual({ type: 'partial', start: 0, end: 16_383 });
    expect(parseRange('bytes=0-16383', 5000)).toEqual({ type: 'partial', start: 0, end: 4999 });
    expect(parseRange('bytes=90-', 100)).toEqual({ type: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ type: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ type: 'partial', start: 0, end: 99 });
    expect(parseRange('BYTES = 5-5', 100)).toEqual({ type: 'partial', start: 5, end: 5 });
  });

  it('answers several ranges with the whole file', () => {
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ type: 'full' });
  });

  it('refuses ranges past the end, empty suffixes and malformed ranges, quoting them', () => {
    expect(parseRange('bytes=100-200', 100)).toEqual({
      type: 'unsatisfiable',
      reason: 'the range "bytes=100-200" starts at or past the end of the 100-byte file',
    });
    expect(parseRange('bytes=-0', 100)).toMatchObject({ type: 'unsatisfiable', reason: expect.stringContaining('asks for no bytes') });
    expect(parseRange('bytes=0-', 0)).toMatchObject({ type: 'unsatisfiable' });
    expect(parseRange('bytes=9-3', 100)).toMatchObject({
      type: 'unsatisfiable',
      reason: expect.stringMatching(/"bytes=9-3" ends before it starts; accepted: bytes=FIRST-LAST/),
    });
    expect(parseRange('bytes=abc', 100)).toMatchObject({
      type: 'unsatisfiable',
      reason: expect.stringMatching(/"bytes=abc" is malformed/),
    });
    expect(parseRange('bytes=-', 100)).toMatchObject({ type: 'unsatisfiable' });
    expect(parseRange('bytes=1234567890123456-', 100)).toMatchObject({
      type: 'unsatisfiable',
      reason: expect.stringContaining('malformed'),
    });
  });
});

describe('entityTagOf', () => {
  it('is a strong tag that changes with size, time and inode', () => {
    const tag = entityTagOf({ size: 1000, mtimeMs: 1_700_000_000_000.5, ino: 42 });
    expect(tag).toMatch(/^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+"$/);
    expect(entityTagOf({ size: 1001, mtimeMs: 1_700_000_000_000.5, ino: 42 })).not.toBe(tag);
    expect(entityTagOf({ size: 1000, mtimeMs: 1_700_000_001_000, ino: 42 })).not.toBe(tag);
    expect(entityTagOf({ size: 1000, mtimeMs: 1_700_000_000_000.5, ino: 43 })).not.toBe(tag);
  });

  it('names the content coding, so each coding of a file has its own tag', () => {
    const stat = { size: 1000, mtimeMs: 1_700_000_000_000, ino: 42 };
    expect(entityTagOf(stat, 'br')).toBe(`${entityTagOf(stat).slice(0, -1)}-br"`);
    expect(entityTagOf(stat, 'gzip')).not.toBe(entityTagOf(stat, 'br'));
    expect(entityTagOf(stat, '')).toBe(entityTagOf(stat));
  });
});
