import { describe, expect, it } from 'vitest';
import { quoteValue } from './quote-value.ts';

describe('quoteValue', () => {
  it('quotes strings, numbers, lists and objects as JSON', () => {
    expect(quoteValue('noise')).toBe('"noise"');
    expect(quoteValue(12.5)).toBe('12.5');
    expect(quoteValue([1, 'a'])).toBe('[1,"a"]');
    expect(quoteValue({ zoom: null })).toBe('{"zoom":null}');
    expect(quoteValue(false)).toBe('false');
  });

  it('says nothing for undefined, and names numbers JSON cannot hold', () => {
    expect(quoteValue(undefined)).toBe('nothing');
    expect(quoteValue(Number.NaN)).toBe('NaN');
    expect(quoteValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it('quotes what JSON cannot write: a bigint, a symbol, a function, a cycle', () => {
    expect(quoteValue(10n)).toBe('10n');
    expect(quoteValue(Symbol('s'))).toBe('Symbol(s)');
    expect(quoteValue(() => 1)).toBe('() => 1');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(quoteValue(cycle)).toBe('[object Object]');
  });

  it('cuts long values at 80 characters by default, or at the length given, with …', () => {
    const long = 'x'.repeat(200);
    expect(quoteValue(long)).toBe(`"${'x'.repeat(79)}…`);
    expect(quoteValue(long, 10)).toBe(`"${'x'.repeat(9)}…`);
    expect(quoteValue('x'.repeat(78))).toBe(`"${'x'.repeat(78)}"`);
  });

  it('never cuts a surrogate pair in two', () => {
    expect(quoteValue(`${'x'.repeat(8)}😀😀`, 10)).toBe(`"${'x'.repeat(8)}…`);
    expect(quoteValue(`${'x'.repeat(7)}😀😀`, 10)).toBe(`"${'x'.repeat(7)}😀…`);
  });

  it('escapes control characters, line separators and bidirectional overrides', () => {
    expect(quoteValue('a\nb\u0000c')).toBe('"a\\nb\\u0000c"');
    expect(quoteValue('a\u0085b\u2028c\u202ed\u2066e\u007f')).toBe('"a\\u0085b\\u2028c\\u202ed\\u2066e\\u007f"');
    expect(quoteValue(Symbol('a\u202eb'))).toBe('Symbol(a\\u202eb)');
  });
});
