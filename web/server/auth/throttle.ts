/**
 * Throttling of password checks (logins, password changes, token minting) per client address
 * and per user name AND address. Failures beyond a free allowance add an exponentially growing
 * wait before the next attempt is even checked; past a limit the key is locked for a while.
 *
 * There is deliberately no lock per user name alone: it would let anyone keep any account
 * (`admin`) locked with one failure every lock period from anywhere. Guessing one name from
 * many addresses is left to the password policy (password.ts) and the scrypt cost, and shows in
 * the security log. A success clears the name-and-address record (not the address's, so one
 * good account does not unlock a spraying address). An admin can clear records
 * (`POST /api/security/unlock`).
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

/** Per user name and address: 3 free failures, then 1 s, 2 s, 4 s … up to 30 s; locked 15 min after 10. */
export const NAME_ADDRESS_RULES: ThrottleRules = {
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  lockAfter: 10,
  lockMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};
/** Per address (several user names): 10 free failures, then the same curve; locked 15 min after 30. */
export const ADDRESS_RULES: ThrottleRules = {
  freeFailures: 10,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  lockAfter: 30,
  lockMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

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

  /** Forgets every record whose key matches; returns how many were forgotten. */
  forget(matches: (key: string) => boolean): number {
    let n = 0;
    for (const key of [...this.entries.keys()]) {
      if (matches(key)) {
        this.entries.delete(key);
        n++;
      }
    }
    return n;
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

/** The key of a user name at an address (a newline cannot occur in either). */
function nameAt(username: string, address: string): string {
  return `${username.toLowerCase()}\n${address}`;
}

/** Both throttles a password check goes through: per address, and per user name at that address. */
export class LoginThrottle {
  readonly namesAtAddresses: Throttle;
  readonly addresses: Throttle;

  constructor(now: () => number = Date.now, rules: { nameAtAddress?: ThrottleRules; address?: ThrottleRules } = {}) {
    this.namesAtAddresses = new Throttle(rules.nameAtAddress ?? NAME_ADDRESS_RULES, now);
    this.addresses = new Throttle(rules.address ?? ADDRESS_RULES, now);
  }

  check(username: string, address: string): ThrottleVerdict {
    const byAddress = this.addresses.check(address);
    if (!byAddress.allowed) return byAddress;
    return this.namesAtAddresses.check(nameAt(username, address));
  }

  fail(username: string, address: string): void {
    this.namesAtAddresses.fail(nameAt(username, address));
    this.addresses.fail(address);
  }

  succeed(username: string, address: string): void {
    this.namesAtAddresses.succeed(nameAt(username, address));
  }

  /** Failures recorded for a user name at an address. */
  failures(username: string, address: string): number {
    return this.namesAtAddresses.failures(nameAt(username, address));
  }

  /**
   * Clears the records of a user name (at every address) and/or of an address (its own record
   * and every name at it); returns how many records were cleared.
   */
  unlock(target: { username?: string; address?: string }): number {
    const name = target.username?.toLowerCase();
    const address = target.address;
    let n = 0;
    n += this.namesAtAddresses.forget((key) => {
      const cut = key.indexOf('\n');
      return (name !== undefined && key.slice(0, cut) === name) || (address !== undefined && key.slice(cut + 1) === address);
    });
    if (address !== undefined) n += this.addresses.forget((key) => key === address);
    return n;
  }
}
