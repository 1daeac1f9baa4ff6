import { describe, expect, it } from 'vitest';
import { MIN_PHONE_KEY_BYTES, phoneHasher } from './phone-hash.ts';

const key = (text: string) => new TextEncoder().encode(text);

describe('the keyed phone hash', () => {
  const hash = phoneHasher(key('deployment-secret-0123456789'));

  it('is the same for the same caller, written with or without the +86 calling code', () => {
    expect(hash('13800138000')).toMatch(/^[0-9a-f]{64}$/);
    expect(hash('+8613800138000')).toBe(hash('13800138000'));
    expect(hash('8613800138000')).toBe(hash('13800138000'));
    expect(hash('13800138001')).not.toBe(hash('13800138000'));
    // A landline keeps its digits: +86 is stripped only before an 11-digit mobile number.
    expect(hash('+862785888888')).not.toBe(hash('2785888888'));
  });

  it('depends on the key, so a list of all numbers hashed without it finds nothing', () => {
    expect(phoneHasher(key('another-deployment-secret-xyz'))('13800138000')).not.toBe(hash('13800138000'));
  });

  it('refuses a short key, saying how long it must be', () => {
    expect(() => phoneHasher(key('short'))).toThrow(
      `the phone hash key has 5 bytes; at least ${MIN_PHONE_KEY_BYTES} random bytes are needed`,
    );
  });
});
