/**
 * Login throttling per user name and per client address. Failures beyond a free allowance add
 * an exponentially growing wait before the next attempt is even checked; past a limit the key
 * is locked for a while. A success clears the user name's record (not the address's, so one
 * good account does not unlock a spraying address).
 *
 * Documented in docs/security.md ("Login throttling").
 */

export interface ThrottleRules {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** First delay after the free allowance, doubled with each further failure. */
  baseDelayMs: number;
  /** Largest delay. */
  maxDelayMs: number;
  /** Failures after which the key is locked. */
  lockAfter: number;
  /** Lock duration. */
  lockMs: number;
  /** A record with no failure for this long is forgotten. */
  forgetAfterMs: number;
}

/** Per user name: 3 free failures, then 1 s, 2 s, 4 s … up to 30 s; locked 15 min after 10. */
export const USER_RULES: ThrottleRules = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 30_000, lockAfter: 10, lockMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 };
/** Per address (several user names): 10 free failures, then the same curve; locked 15 min after 30. */
export const ADDRESS_RULES: ThrottleRules = { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 30_000, lockAfter: 30, lockMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 };

interface Entry {
  failures: number;
  lastFailure: number;
  notBefore: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number; locked: boolean };

/** One throttle (per user names, or per addresses). Memory is bounded by `maxKeys`. */
export class Throttle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly rules: ThrottleRules,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** May `key` try now? */
  check(key: string): ThrottleVerdict {
    const e = this.live(key);
    if (!e) return { allowed: true };
    const wait = e.notBefore - this.now();
    if (wait <= 0) return { allowed: true };
    return { allowed: false, retryAfterMs: wait, locked: e.failures >= this.rules.lockAfter };
  }

  /** Records a failure; returns the wait now imposed on the key (0 = none). */
  fail(key: string): number {
    const now = this.now();
    let e = this.live(key);
    if (!e) {
      if (this.entries.size >= this.maxKeys) this.evictOldest();
      e = { failures: 0, lastFailure: now, notBefore: 0 };
      this.entries.set(key, e);
    }
    e.failures++;
    e.lastFailure = now;
    const r = this.rules;
    const wait =
      e.failures >= r.lockAfter
        ? r.lockMs
        : e.failures > r.freeFailures
          ? Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** (e.failures - r.freeFailures - 1))
          : 0;
    e.notBefore = now + wait;
    return wait;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  failures(key: string): number {
    return this.live(key)?.failures ?? 0;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.lastFailure > this.rules.forgetAfterMs && this.now() >= e.notBefore) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private evictOldest(): void {
    // Map keeps insertion order: the first key is the oldest record.
    const first = this.entries.keys().next();
    if (!first.done) this.entries.delete(first.value);
  }
}

/** Both throttles a login goes through. */
export class LoginThrottle {
  readonly users: Throttle;
  readonly addresses: Throttle;

  constructor(now: () => number = Date.now, rules: { user?: ThrottleRules; address?: ThrottleRules } = {}) {
    this.users = new Throttle(rules.user ?? USER_RULES, now);
    this.addresses = new Throttle(rules.address ?? ADDRESS_RULES, now);
  }

  check(username: string, address: string): ThrottleVerdict {
    const byAddress = this.addresses.check(address);
    if (!byAddress.allowed) return byAddress;
    return this.users.check(username.toLowerCase());
  }

  fail(username: string, address: string): void {
    this.users.fail(username.toLowerCase());
    this.addresses.fail(address);
  }

  succeed(username: string): void {
    this.users.succeed(username.toLowerCase());
  }
}
