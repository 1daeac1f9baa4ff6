import { describe, expect, it } from 'vitest';
import { checkPassword } from '../../server/auth/password.ts';
import { randomPassword, refusalField } from './admin-api.ts';
import { eventClientText } from './admin-strings.ts';
import { wallUrl } from './tokens-tab.ts';

describe('the administration page’s pure parts', () => {
  it('makes reset passwords the server’s policy accepts, never the same twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const pw = randomPassword();
      expect(pw).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
      expect(checkPassword(pw, 'zhao-li')).toBeNull();
      seen.add(pw);
    }
    expect(seen.size).toBe(200);
  });

  it('puts a refusal at the field it is about', () => {
    const refused = (status: number, error: string, details?: Record<string, unknown>) => ({
      ok: false as const,
      status,
      error,
      ...(details ? { details } : {}),
    });
    expect(refusalField(refused(400, 'invalid body', { issues: [{ path: 'body.username', message: 'must be …' }] }))).toBe('username');
    expect(refusalField(refused(400, 'invalid body', { issues: [{ path: 'body.roles.0', message: 'bad role' }] }))).toBe('roles');
    expect(refusalField(refused(400, 'too short', { code: 'password_too_short', min: 10, length: 4 }))).toBe('password');
    expect(refusalField(refused(403, 'wrong', { code: 'current_password_wrong' }))).toBe('password');
    expect(refusalField(refused(400, 'too long', { code: 'token_ttl_too_long', max: 90 }))).toBe('ttlDays');
    expect(refusalField(refused(409, 'user "a" already exists'))).toBe('username');
    expect(refusalField(refused(500, 'storage down'))).toBeNull();
  });

  it('builds the wall address beside the page, the token encoded, kiosk on request', () => {
    expect(wallUrl('ctd_abc-_1', true, 'https://twin.example/app/admin.html#tokens')).toBe(
      'https://twin.example/app/?display=ctd_abc-_1&kiosk=1',
    );
    expect(wallUrl('ctd_a+b', false, 'http://127.0.0.1:8080/admin.html')).toBe('http://127.0.0.1:8080/?display=ctd_a%2Bb');
  });

  it('words where a security event came from: the product’s start-up by name, an address as it is', () => {
    expect(eventClientText('start-up', 'zh')).toBe('系统启动');
    expect(eventClientText('start-up', 'en')).toBe('start-up');
    expect(eventClientText('127.0.0.1', 'zh')).toBe('127.0.0.1');
  });
});
