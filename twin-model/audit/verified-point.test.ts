import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprint } from './checkpoint.ts';
import { changedTables, checkVerifiedPoint, headsOf, signVerifiedPoint, type VerifiedPointBody } from './verified-point.ts';

const keys = generateKeyPairSync('ed25519');
const CHAIN = keyFingerprint(keys.publicKey);
const fp = (rows: number, sum: string) => ({ rows, sum });
const body: VerifiedPointBody = {
  v: 1,
  chain: CHAIN,
  at: Date.UTC(2026, 6, 1),
  heads: [{ chain: CHAIN, seq: 120, hash: 'a'.repeat(64) }],
  dispatch: { seq: 14, hash: 'b'.repeat(64), at: Date.UTC(2026, 5, 30) },
  checkpoint: { seq: 100, hash: 'c'.repeat(64) },
  since: Date.UTC(2026, 5, 1),
  until: Date.UTC(2026, 5, 30),
  fingerprints: {
    audit: fp(120, '18446744073709551615'),
    dispatch: fp(14, '7'),
    incidentChanges: fp(3, '9'),
    securityEvents: fp(80, '11'),
  },
};

describe('the verified point', () => {
  it('is signed with the chain’s key and checked back, as written to its file', () => {
    const point = signVerifiedPoint(body, keys.privateKey);
    const read = checkVerifiedPoint(JSON.parse(JSON.stringify(point)), keys.publicKey, CHAIN);
    expect(read).toEqual({ ok: true, point });
    expect(headsOf(point).get(CHAIN)).toEqual({ seq: 120, hash: 'a'.repeat(64) });
  });

  it('is refused when changed by hand, of another key, or not a point, saying why', () => {
    const point = signVerifiedPoint(body, keys.privateKey);
    expect(checkVerifiedPoint({ ...point, until: point.until! + 1 }, keys.publicKey, CHAIN)).toEqual({
      ok: false,
      reason: 'its signature does not verify with the public key',
    });
    const other = generateKeyPairSync('ed25519');
    expect(checkVerifiedPoint(point, other.publicKey, keyFingerprint(other.publicKey))).toMatchObject({
      ok: false,
      reason: /not of the key's chain/,
    });
    expect(checkVerifiedPoint({ ...point, heads: [{ chain: CHAIN, seq: -1, hash: 'x' }] }, keys.publicKey, CHAIN)).toMatchObject({
      ok: false,
      reason: /^not a verified point: heads\.0\.seq/,
    });
  });

  it('names the tables whose fingerprints changed', () => {
    const now = { ...body.fingerprints, securityEvents: fp(79, '4'), dispatch: fp(14, '8') };
    expect(changedTables(body.fingerprints, now)).toEqual(['dispatch_log', 'security_events']);
    expect(changedTables(body.fingerprints, { ...body.fingerprints })).toEqual([]);
  });
});
