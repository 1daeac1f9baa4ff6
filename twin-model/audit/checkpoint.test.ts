import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCheckpoint, keyFingerprint, parseCheckpointLines, rawPublicKey, signCheckpoint, type CheckpointBody } from './checkpoint.ts';

const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const chain = keyFingerprint(keys.publicKey);
const body: CheckpointBody = {
  v: 1,
  chain,
  seq: 12,
  hash: 'a'.repeat(64),
  dispatch: { seq: 3, hash: 'b'.repeat(64) },
  at: Date.UTC(2026, 6, 1),
  node: 'node-1',
};

describe('checkpoints', () => {
  it('names a chain by the first 16 hex digits of SHA-256 over the raw public key', () => {
    expect(rawPublicKey(keys.publicKey)).toHaveLength(32);
    expect(chain).toMatch(/^[0-9a-f]{16}$/);
    expect(keyFingerprint(other.publicKey)).not.toBe(chain);
  });

  it('signs a head with Ed25519 and verifies it with the public key', () => {
    const cp = signCheckpoint(body, keys.privateKey);
    expect(Buffer.from(cp.sig, 'base64')).toHaveLength(64);
    expect(checkCheckpoint(JSON.parse(JSON.stringify(cp)), keys.publicKey)).toEqual({ ok: true, checkpoint: cp });
  });

  it('refuses a checkpoint whose head was changed after signing', () => {
    const cp = signCheckpoint(body, keys.privateKey);
    expect(checkCheckpoint({ ...cp, seq: 11 }, keys.publicKey)).toEqual({
      ok: false,
      reason: expect.stringContaining('signature does not verify'),
    });
    expect(checkCheckpoint({ ...cp, dispatch: null }, keys.publicKey)).toMatchObject({ ok: false });
  });

  it('refuses a checkpoint signed by another key, or of another chain', () => {
    const forged = signCheckpoint(body, other.privateKey);
    expect(checkCheckpoint(forged, keys.publicKey)).toMatchObject({ ok: false, reason: expect.stringContaining('signature') });
    const foreign = signCheckpoint({ ...body, chain: keyFingerprint(other.publicKey) }, other.privateKey);
    expect(checkCheckpoint(foreign, keys.publicKey)).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`not of the key's chain ${chain}`),
    });
  });

  it('says what is wrong with a malformed checkpoint', () => {
    expect(checkCheckpoint([], keys.publicKey)).toMatchObject({ ok: false, reason: 'not a checkpoint: not a JSON object' });
    expect(checkCheckpoint({ ...body, sig: 'x', hash: 'zz' }, keys.publicKey)).toMatchObject({
      reason: 'not a checkpoint: hash is not 64 hex digits',
    });
    expect(checkCheckpoint({ ...body, sig: 'x', v: 2 }, keys.publicKey)).toMatchObject({ reason: 'not a checkpoint: version 2 is not 1' });
  });

  it('reads JSON lines, naming a line that is not JSON', () => {
    const lines = parseCheckpointLines('{"a":1}\n\n{oops\n');
    expect(lines).toEqual([
      { line: 1, value: { a: 1 }, error: null },
      { line: 3, value: null, error: expect.stringContaining('not JSON') },
    ]);
  });
});
