import { describe, expect, it } from 'vitest';
import { checkPassword, commonPasswordList, hashPassword, passwordProblem, randomPassword, verifyPassword } from './password.ts';

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
    expect(await verifyPassword('x', 'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(
      false,
    );
    expect(await verifyPassword('x'.repeat(300), await hashPassword('short one!', FAST))).toBe(false);
  });

  it('says why a new password is not acceptable', () => {
    expect(passwordProblem('short')).toMatch(/at least 10 characters \(got 5\)/);
    expect(passwordProblem('Operator2024!', 'operator')).toMatch(/user name/);
    expect(passwordProblem('a fine long pass')).toBeNull();
    expect(randomPassword()).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });
});

describe('password policy', () => {
  const code = (password: string, username?: string) => checkPassword(password, username)?.code ?? null;

  it('needs at least 10 characters, counted as characters, not bytes or UTF-16 units', () => {
    expect(checkPassword('nine char')).toEqual({
      code: 'password_too_short',
      message: 'a password needs at least 10 characters (got 9)',
      params: { min: 10, length: 9 },
    });
    expect(code('长江大桥汉口江滩黄鹤楼')).toBeNull();
    expect(code('汉口江滩黄鹤楼')).toBe('password_too_short');
    expect(code('x'.repeat(257))).toBe('password_too_long');
  });

  it('refuses one character repeated', () => {
    for (const p of ['aaaaaaaaaa', '1111111111', '!!!!!!!!!!!!', '鹤鹤鹤鹤鹤鹤鹤鹤鹤鹤'])
      expect([p, code(p)]).toEqual([p, 'password_repeated']);
  });

  it('refuses the user name and its derivatives', () => {
    for (const p of ['zhangwei2024', 'ZHANGWEI2024', 'Zhangwei2024!', '2024zhangwei', 'zh@ngwei2024'])
      expect([p, code(p, 'zhangwei2024')]).toEqual([p, 'password_username']);
    expect(code('dispatcher-on-duty-7', 'dispatcher')).toBeNull();
  });

  it('refuses common passwords, also with digits and symbols around them or look-alike letters', () => {
    for (const p of [
      'password123',
      'qwertyuiop',
      '1234567890',
      'Qwertyuiop!',
      'P@ssw0rd2024',
      'iloveyou1314',
      'woaini1314520',
      '1qaz2wsx3edc',
      'Admin@123456',
      'citytwin2026',
      '5201314520',
      'abcd123456',
    ]) {
      expect([p, code(p)]).toEqual([p, 'password_common']);
    }
  });

  it('accepts phrases and random strings', () => {
    for (const p of ['hankou ferry at dawn', 'correct horse battery', '9Xk2mQp7Lz4w', '长江大桥汉口江滩黄鹤楼', 'test-admin-password-1'])
      expect([p, code(p, 'admin')]).toEqual([p, null]);
  });

  it('never puts the password in its message', () => {
    for (const p of ['aaaaaaaaaa', 'password123', 'zhangwei2024', 'short'])
      expect(checkPassword(p, 'zhangwei2024')!.message).not.toContain(p);
  });

  it('bundles a list of a few thousand lower-case entries', () => {
    const list = commonPasswordList();
    expect(list.size).toBeGreaterThan(2000);
    expect([...list].every((w) => w === w.toLowerCase() && w.trim() === w && w !== '')).toBe(true);
  });
});
