import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from './password.ts';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery', FAST);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterz', hash)).toBe(false);
  });

  it('salts every hash and never contains the password', async () => {
    const a = await hashPassword('same password!', FAST);
    const b = await hashPassword('same password!', FAST);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same password');
  });

  it('uses a memory-hard default cost (N = 2^15, r = 8)', async () => {
    expect(await hashPassword('default cost pw')).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it('refuses malformed or abusive stored hashes instead of throwing', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
    expect(await verifyPassword('x'.repeat(300), await hashPassword('short one!', FAST))).toBe(false);
  });

  it('says why a new password is not acceptable', () => {
    expect(passwordProblem('short')).toMatch(/at least 10 characters \(got 5\)/);
    expect(passwordProblem('xx-operator-xx', 'operator')).toMatch(/user name/);
    expect(passwordProblem('a fine long pass')).toBeNull();
    expect(randomPassword()).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });
});
