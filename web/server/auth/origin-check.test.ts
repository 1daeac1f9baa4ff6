import { describe, expect, it } from 'vitest';
import { changesState, OriginPolicy } from './origin-check.ts';

const policy = new OriginPolicy({ allowed: ['https://console.example.org'], secure: false });
const host = '127.0.0.1:8080';

describe('origin policy', () => {
  it('accepts the server’s own origin, whatever the case of the host', () => {
    expect(policy.check({ host, origin: 'http://127.0.0.1:8080' })).toEqual({ ok: true });
    expect(policy.check({ host: 'Citytwin.Local:8080', origin: 'http://citytwin.local:8080' })).toEqual({ ok: true });
  });

  it('refuses a page on another port of the same host, and quotes it', () => {
    const v = policy.check({ host, origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' });
    expect(v).toMatchObject({ ok: false, code: 'cross_origin_refused' });
    expect(v.ok === false && v.reason).toContain('"http://127.0.0.1:9999"');
    expect(v.ok === false && v.reason).toContain('http://127.0.0.1:8080, https://console.example.org');
  });

  it('refuses another scheme for the same host and port (an HTTPS server is not its HTTP twin)', () => {
    expect(new OriginPolicy({ allowed: [], secure: true }).check({ host, origin: 'http://127.0.0.1:8080' }).ok).toBe(false);
    expect(new OriginPolicy({ allowed: [], secure: true }).check({ host, origin: 'https://127.0.0.1:8080' }).ok).toBe(true);
  });

  it('accepts the allow-list, and refuses "null" and malformed origins', () => {
    expect(policy.check({ host, origin: 'https://console.example.org' })).toEqual({ ok: true });
    expect(policy.check({ host, origin: 'null' }).ok).toBe(false);
    expect(policy.check({ host, origin: 'javascript:alert(1)' }).ok).toBe(false);
  });

  it('without Origin, follows Sec-Fetch-Site, and lets clients that send neither (scripts) pass', () => {
    expect(policy.check({ host, 'sec-fetch-site': 'cross-site' }).ok).toBe(false);
    expect(policy.check({ host, 'sec-fetch-site': 'same-site' }).ok).toBe(false);
    expect(policy.check({ host, 'sec-fetch-site': 'same-origin' })).toEqual({ ok: true });
    expect(policy.check({ host, 'sec-fetch-site': 'none' })).toEqual({ ok: true });
    expect(policy.check({ host })).toEqual({ ok: true });
  });

  it('refuses every foreign origin when the request has no Host header', () => {
    expect(policy.check({ origin: 'http://127.0.0.1:8080' }).ok).toBe(false);
  });

  it('tells reads from changes', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].map(changesState)).toEqual([false, false, false]);
    expect(['POST', 'DELETE', 'PUT', 'PATCH'].map(changesState)).toEqual([true, true, true, true]);
  });
});
