import { describe, expect, it } from 'vitest';
import { LoginThrottle, NAME_ADDRESS_RULES, Throttle } from './throttle.ts';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('login throttling', () => {
  it('lets the free failures through, then doubles the wait, then locks', () => {
    const c = clock();
    const th = new Throttle(NAME_ADDRESS_RULES, c.now);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) waits.push(th.fail('ops'));
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 16_000, 30_000, 15 * 60_000]);
    expect(th.check('ops')).toMatchObject({ allowed: false, locked: true });
    c.advance(15 * 60_000);
    expect(th.check('ops')).toEqual({ allowed: true });
  });

  it('refuses an attempt that comes before the wait is over', () => {
    const c = clock();
    const th = new Throttle(NAME_ADDRESS_RULES, c.now);
    for (let i = 0; i < 4; i++) th.fail('ops');
    expect(th.check('ops')).toEqual({ allowed: false, retryAfterMs: 1000, locked: false });
    c.advance(1000);
    expect(th.check('ops')).toEqual({ allowed: true });
  });

  it('forgets a user name at an address after a success, but not the address', () => {
    const c = clock();
    const lt = new LoginThrottle(c.now);
    for (let i = 0; i < 5; i++) lt.fail('Ops', '10.0.0.9');
    lt.succeed('ops', '10.0.0.9');
    expect(lt.failures('ops', '10.0.0.9')).toBe(0);
    expect(lt.addresses.failures('10.0.0.9')).toBe(5);
  });

  it('cannot be used to keep an account locked: the guessing address is locked, the owner elsewhere is not', () => {
    const c = clock();
    const lt = new LoginThrottle(c.now);
    // One failure every lock period, for a day, from an attacker's address.
    for (let i = 0; i < 96; i++) {
      if (lt.check('admin', '10.6.6.6').allowed) lt.fail('admin', '10.6.6.6');
      expect(lt.check('admin', '10.0.0.1')).toEqual({ allowed: true });
      c.advance(15 * 60_000);
    }
    for (let i = 0; i < 10; i++) lt.fail('admin', '10.6.6.6');
    expect(lt.check('admin', '10.6.6.6')).toMatchObject({ allowed: false, locked: true });
    expect(lt.check('admin', '10.0.0.1')).toEqual({ allowed: true });
  });

  it('lets an admin unlock a user name at every address, or an address', () => {
    const c = clock();
    const lt = new LoginThrottle(c.now);
    for (let i = 0; i < 10; i++) {
      lt.fail('ops', '10.0.0.5');
      lt.fail('ops', '10.0.0.6');
      lt.fail('other', '10.0.0.6');
    }
    expect(lt.unlock({ username: 'OPS' })).toBe(2);
    expect(lt.check('ops', '10.0.0.5')).toEqual({ allowed: true });
    expect(lt.check('other', '10.0.0.6').allowed).toBe(false);
    expect(lt.unlock({ address: '10.0.0.6' })).toBe(2);
    expect(lt.check('other', '10.0.0.6')).toEqual({ allowed: true });
    expect(lt.unlock({ username: 'nobody' })).toBe(0);
  });

  it('throttles an address that sprays many user names', () => {
    const c = clock();
    const lt = new LoginThrottle(c.now);
    for (let i = 0; i < 11; i++) lt.fail(`user${i}`, '10.0.0.7');
    expect(lt.check('someone-else', '10.0.0.7').allowed).toBe(false);
    expect(lt.check('someone-else', '10.0.0.8').allowed).toBe(true);
  });

  it('bounds its memory', () => {
    const th = new Throttle(NAME_ADDRESS_RULES, Date.now, 100);
    for (let i = 0; i < 1000; i++) th.fail(`k${i}`);
    expect(th.failures('k0')).toBe(0);
    expect(th.failures('k999')).toBe(1);
  });
});
