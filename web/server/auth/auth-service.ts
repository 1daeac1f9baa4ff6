/**
 * Accounts, sessions, API and display tokens, login throttling and the security event log.
 *
 * The source of truth is ClickHouse (migration 2: `users`, `api_tokens`, `security_events`),
 * so several web nodes share accounts; each node caches what it reads. Secrets are never
 * stored: passwords as scrypt hashes (password.ts), tokens and sessions as SHA-256 of the
 * token, which has 256 random bits so a fast hash is enough (no dictionary to attack).
 *
 * A session is a token of kind `session` that the login returns both as an HttpOnly cookie
 * and in the body (for scripts and the socket.io handshake). Revocation is immediate on the
 * node that revokes and reaches other nodes within {@link CACHE_TTL_MS}.
 *
 * A password change or an admin's reset revokes every session and API token of the user (the
 * caller of a change gets a fresh session); disabling an account revokes its display tokens
 * too, so re-enabling it revives nothing. Every password check (login, password change, token
 * minting) goes through the same throttle (throttle.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../storage/index.ts';
import type { Classification } from '../../../twin-model/index.ts';
import { checkPassword, hashPassword, randomPassword, verifyPassword } from './password.ts';
import { clearanceOf, DEFAULT_CLEARANCE, isRole, type ClearanceTable, type Role } from './policy.ts';
import { LoginThrottle } from './throttle.ts';

/** Who is making a request. */
export interface Principal {
  username: string;
  roles: Role[];
  /** How they proved it. */
  via: 'session' | 'token' | 'display';
  tokenId: string;
  /** Source classifications these roles may see. */
  clearance: Classification[];
}

export type TokenKind = 'session' | 'token' | 'display';

/** A token as listed (never the secret, which is shown once at creation). */
export interface TokenInfo {
  id: string;
  owner: string;
  name: string;
  kind: TokenKind;
  roles: Role[];
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface UserInfo {
  username: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  createdAt: number;
}

interface UserRecord extends UserInfo {
  passwordHash: string;
}

interface TokenRecord extends TokenInfo {
  hash: string;
}

/** Security event types written to `security_events`. */
export type SecurityEventType =
  | 'login'
  | 'login_failed'
  | 'login_throttled'
  | 'logout'
  | 'password_changed'
  | 'token_created'
  | 'token_revoked'
  | 'token_use'
  | 'auth_failed'
  | 'access_denied'
  | 'user_created'
  | 'user_updated'
  | 'login_unlocked'
  | 'mqtt_auth_failed'
  | 'mqtt_publish_refused'
  | 'mqtt_subscribe_refused'
  | 'audit_tampering'
  | 'sensor_meta_refused';

export interface SecurityEvent {
  ts: number;
  type: SecurityEventType;
  outcome: 'ok' | 'refused';
  username: string;
  client: string;
  detail: string;
}

export type LoginResult =
  | { ok: true; token: string; tokenId: string; expiresAt: number; user: UserInfo }
  | { ok: false; status: 401 | 429; reason: string; retryAfterMs?: number; locked?: boolean };

/** How long a node trusts its cached copy of a user or token. */
export const CACHE_TTL_MS = 30_000;
/** A session lasts one long shift. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** Lifetime of an API or display token when none is asked for (never beyond the configured cap). */
export const DEFAULT_TOKEN_TTL_DAYS = 90;
/** Default cap on any token's lifetime (CITYTWIN_MAX_TOKEN_TTL_DAYS). */
export const DEFAULT_MAX_TOKEN_TTL_DAYS = 90;
/** Largest cap the configuration accepts. */
export const MAX_TOKEN_TTL_DAYS = 366;
/** `ctw_` (API), `cts_` (session) or `ctd_` (display) + 43 base64url characters (32 bytes). */
export const TOKEN_PATTERN = /^ct[wsd]_[A-Za-z0-9_-]{43}$/;
export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;
const PREFIX: Record<TokenKind, string> = { token: 'ctw_', session: 'cts_', display: 'ctd_' };
/** Security events kept in memory at most while ClickHouse is slow; beyond that they are counted as dropped. */
const MAX_PENDING_EVENTS = 10_000;

/**
 * A refusal with its HTTP status, the reason in English, and for the console a stable `code`
 * with parameters (worded in the user's language) and, for 429, when to try again.
 */
export class AuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429,
    message: string,
    readonly code?: string,
    readonly params: Record<string, number | boolean | string> = {},
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A session issued in exchange for a password (login, password change). */
export interface IssuedSession {
  token: string;
  tokenId: string;
  expiresAt: number;
}

export interface AuthServiceOptions {
  clickhouse: ClickHouseClient;
  clearance?: ClearanceTable;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Name of this node in security events. */
  node?: string;
  throttle?: LoginThrottle;
  /** Told of every security event recorded (the audit log chains it: web/server/audit). */
  onRecord?: (event: SecurityEvent & { node: string }) => void;
  /** Longest lifetime of an API or display token in days (CITYTWIN_MAX_TOKEN_TTL_DAYS). */
  maxTokenTtlDays?: number;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function toRoles(list: readonly string[]): Role[] {
  return list.filter(isRole);
}

/** ClickHouse returns Int64 as a JSON string. */
const toMs = (v: string | number): number => Number(v);

export class AuthService {
  readonly throttle: LoginThrottle;
  /** Longest lifetime of an API or display token, in days. */
  readonly maxTokenTtlDays: number;
  /** Counters for /metrics. */
  readonly counters = { loginOk: 0, loginFailed: 0, loginThrottled: 0, authFailed: 0, denied: 0, eventsDropped: 0 };
  private readonly ch: ClickHouseClient;
  private readonly now: () => number;
  private readonly log: NonNullable<AuthServiceOptions['log']>;
  private readonly node: string;
  private readonly clearanceTable: ClearanceTable;
  private users = new Map<string, UserRecord>();
  private usersLoadedAt = 0;
  private readonly tokens = new Map<string, { record: TokenRecord | null; at: number }>();
  private readonly tokenUseLogged = new Map<string, number>();
  private pendingEvents: SecurityEvent[] = [];
  private flushing: Promise<void> | null = null;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly revokeListeners = new Set<(tokenId: string | null, username: string | null) => void>();
  private readonly onRecord: AuthServiceOptions['onRecord'];

  constructor(options: AuthServiceOptions) {
    this.ch = options.clickhouse;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.node = options.node ?? hostname();
    this.clearanceTable = options.clearance ?? DEFAULT_CLEARANCE;
    this.throttle = options.throttle ?? new LoginThrottle(this.now);
    this.onRecord = options.onRecord;
    this.maxTokenTtlDays = options.maxTokenTtlDays ?? DEFAULT_MAX_TOKEN_TTL_DAYS;
    this.flushTimer = setInterval(() => void this.flushEvents(), 1000);
    this.flushTimer.unref();
  }

  /**
   * Loads the accounts and, on first start, creates `admin` with `adminPassword` or a random
   * password. Returns the generated password (to print once) or null.
   */
  async init(adminPassword: string | null): Promise<{ createdAdmin: boolean; generatedPassword: string | null }> {
    await this.loadUsers();
    if (this.users.size > 0) return { createdAdmin: false, generatedPassword: null };
    const password = adminPassword ?? randomPassword();
    await this.writeUser({
      username: 'admin',
      displayName: 'Administrator',
      roles: ['admin'],
      disabled: false,
      createdAt: this.now(),
      passwordHash: await hashPassword(password),
    });
    this.record('user_created', 'ok', 'admin', 'start-up', 'first admin account');
    return { createdAdmin: true, generatedPassword: adminPassword ? null : password };
  }

  clearanceOf(roles: readonly Role[]): Classification[] {
    return clearanceOf(roles, this.clearanceTable);
  }

  get clearance(): ClearanceTable {
    return this.clearanceTable;
  }

  // --- login, sessions, tokens ---------------------------------------------------------

  async login(username: string, password: string, address: string): Promise<LoginResult> {
    const name = username.toLowerCase();
    const verdict = this.throttle.check(name, address);
    if (!verdict.allowed) {
      this.counters.loginThrottled++;
      this.record(
        'login_throttled',
        'refused',
        name,
        address,
        verdict.locked ? 'locked' : `retry after ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
      );
      return {
        ok: false,
        status: 429,
        reason: verdict.locked
          ? `too many failed logins: locked for ${Math.ceil(verdict.retryAfterMs / 60_000)} min`
          : `too many failed logins: wait ${Math.ceil(verdict.retryAfterMs / 1000)} s before trying again`,
        retryAfterMs: verdict.retryAfterMs,
        locked: verdict.locked,
      };
    }
    const user = await this.user(name);
    // Hash even for an unknown user so response time does not reveal which names exist.
    let ok = false;
    if (user && !user.disabled && user.passwordHash) ok = await verifyPassword(password, user.passwordHash);
    else await verifyPassword(password, DUMMY_HASH);
    if (!ok || !user) {
      this.throttle.fail(name, address);
      this.counters.loginFailed++;
      this.record(
        'login_failed',
        'refused',
        name,
        address,
        user ? (user.disabled ? 'account disabled' : 'wrong password') : 'unknown user',
      );
      // One message for every cause: do not tell an attacker which names exist.
      return { ok: false, status: 401, reason: 'wrong user name or password' };
    }
    this.throttle.succeed(name, address);
    const issued = await this.issueToken(user.username, 'session', 'login session', user.roles, SESSION_TTL_MS);
    this.counters.loginOk++;
    this.record('login', 'ok', user.username, address, `session ${issued.info.id}`);
    return { ok: true, token: issued.token, tokenId: issued.info.id, expiresAt: issued.info.expiresAt, user: publicUser(user) };
  }

  /**
   * Resolves a bearer token or session cookie to a principal. Throws AuthError(401) with the
   * reason for a malformed, unknown, expired or revoked token.
   */
  async authenticate(token: string, client: string): Promise<Principal> {
    if (!TOKEN_PATTERN.test(token))
      throw this.authFailure(
        client,
        `malformed token (expected ctw_/cts_/ctd_ followed by 43 base64url characters, got ${token.length} characters)`,
      );
    const hash = sha256(token);
    const cached = this.tokens.get(hash);
    let record: TokenRecord | null;
    if (cached && this.now() - cached.at < CACHE_TTL_MS) record = cached.record;
    else {
      record = await this.loadToken(hash);
      if (this.tokens.size > 50_000) this.tokens.clear();
      this.tokens.set(hash, { record, at: this.now() });
    }
    if (!record) throw this.authFailure(client, 'unknown token');
    if (record.revoked) throw this.authFailure(client, `token ${record.id} has been revoked`);
    if (record.expiresAt <= this.now())
      throw this.authFailure(client, `token ${record.id} expired at ${new Date(record.expiresAt).toISOString()}`);
    const owner = await this.user(record.owner);
    if (!owner || owner.disabled) throw this.authFailure(client, `the account of token ${record.id} is disabled or deleted`);
    // A token never has more than its owner holds now; a display token is display only.
    const roles = record.kind === 'display' ? (['display'] as Role[]) : record.roles.filter((r) => owner.roles.includes(r));
    if (record.kind !== 'session') this.noteTokenUse(record, client);
    return { username: owner.username, roles, via: record.kind, tokenId: record.id, clearance: this.clearanceOf(roles) };
  }

  async logout(principal: Principal, client: string): Promise<void> {
    await this.setRevoked(principal.tokenId);
    this.record('logout', 'ok', principal.username, client, `session ${principal.tokenId}`);
  }

  /**
   * Creates an API token (roles ⊆ the owner's) or, for an admin, a display token. Needs the
   * caller's current password (a stolen session or token cannot mint a credential that outlives
   * it) and lives at most {@link maxTokenTtlDays} days.
   */
  async createToken(
    by: Principal,
    request: { name: string; kind: 'token' | 'display'; roles?: Role[]; ttlDays?: number; password: string },
    client: string,
  ): Promise<{ token: string; info: TokenInfo }> {
    const user = await this.user(by.username);
    if (!user) throw new AuthError(401, 'your account no longer exists');
    let roles: Role[];
    if (request.kind === 'display') {
      if (!by.roles.includes('admin')) throw new AuthError(403, 'only an admin creates display tokens');
      roles = ['display'];
    } else {
      roles = request.roles ?? by.roles;
      const extra = roles.filter((r) => !by.roles.includes(r));
      if (extra.length)
        throw new AuthError(403, `a token cannot hold roles its owner lacks: ${extra.join(', ')} (you hold ${by.roles.join(', ')})`);
    }
    const cap = this.maxTokenTtlDays;
    if (request.ttlDays !== undefined && request.ttlDays > cap) {
      throw new AuthError(
        400,
        `ttlDays ${request.ttlDays} is too long: a token lives at most ${cap} days on this server (CITYTWIN_MAX_TOKEN_TTL_DAYS)`,
        'token_ttl_too_long',
        { max: cap },
      );
    }
    await this.confirmPassword(user, request.password, client, 'token_created');
    const days = request.ttlDays ?? Math.min(DEFAULT_TOKEN_TTL_DAYS, cap);
    const issued = await this.issueToken(user.username, request.kind, request.name, roles, days * 86_400_000);
    this.record(
      'token_created',
      'ok',
      by.username,
      client,
      `${request.kind} ${issued.info.id} "${request.name}" roles ${roles.join(',')} ${days} days`,
    );
    return issued;
  }

  /** Tokens of `owner`, or of everyone when `owner` is null (admin). Sessions are included. */
  async listTokens(owner: string | null): Promise<TokenInfo[]> {
    const rows = await queryRows<TokenRow>(
      this.ch,
      `SELECT token_id, token_hash, owner, name, roles, kind, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(expires_at) AS expires, revoked
       FROM api_tokens FINAL WHERE ({owner:String} = '' OR owner = {owner:String}) ORDER BY created_at DESC LIMIT 1000`,
      { owner: owner ?? '' },
    );
    return rows.map(rowToToken).map(({ hash: _hash, ...info }) => info);
  }

  /** Revokes a token: its owner or an admin. */
  async revokeToken(by: Principal, tokenId: string, client: string): Promise<TokenInfo> {
    const rows = await queryRows<TokenRow>(
      this.ch,
      `SELECT token_id, token_hash, owner, name, roles, kind, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(expires_at) AS expires, revoked
       FROM api_tokens FINAL WHERE token_id = {id:String}`,
      { id: tokenId },
    );
    const record = rows[0] ? rowToToken(rows[0]) : null;
    if (!record) throw new AuthError(404, `no token "${tokenId}"`);
    if (record.owner !== by.username && !by.roles.includes('admin'))
      throw new AuthError(403, `token ${tokenId} belongs to another user; only its owner or an admin may revoke it`);
    await this.setRevoked(tokenId, record);
    this.record('token_revoked', 'ok', by.username, client, `${record.kind} ${tokenId} of ${record.owner}`);
    const { hash: _hash, ...info } = record;
    return { ...info, revoked: true };
  }

  /**
   * Changes the caller's own password: every session and API token of the account is revoked
   * (the one used for this call too) and a fresh session is returned. Display tokens the user
   * created for wall screens stay (docs/security.md).
   */
  async changePassword(by: Principal, current: string, next: string, client: string): Promise<IssuedSession> {
    const user = await this.user(by.username);
    if (!user) throw new AuthError(401, 'your account no longer exists');
    await this.confirmPassword(user, current, client, 'password_changed');
    this.assertPasswordPolicy(next, user.username);
    await this.writeUser({ ...user, passwordHash: await hashPassword(next) });
    const revoked = await this.revokeAllOf(user.username, 'password changed', { display: false }, client);
    const issued = await this.issueToken(user.username, 'session', 'login session', user.roles, SESSION_TTL_MS);
    this.record('password_changed', 'ok', user.username, client, `${revoked} sessions and tokens revoked; new session ${issued.info.id}`);
    return { token: issued.token, tokenId: issued.info.id, expiresAt: issued.info.expiresAt };
  }

  /** Clears login throttle records of a user name (at every address) and/or an address (admin). */
  unlock(by: Principal, target: { username?: string; address?: string }, client: string): number {
    const cleared = this.throttle.unlock(target);
    this.record(
      'login_unlocked',
      'ok',
      by.username,
      client,
      `${target.username ? `user ${target.username}` : ''}${target.username && target.address ? ', ' : ''}${target.address ? `address ${target.address}` : ''}: ${cleared} records cleared`,
    );
    return cleared;
  }

  // --- users (admin) -------------------------------------------------------------------

  async listUsers(): Promise<UserInfo[]> {
    await this.loadUsers();
    return [...this.users.values()].map(publicUser).sort((a, b) => a.username.localeCompare(b.username));
  }

  async createUser(
    by: Principal,
    u: { username: string; displayName?: string; roles: Role[]; password: string },
    client: string,
  ): Promise<UserInfo> {
    if (!USERNAME_PATTERN.test(u.username))
      throw new AuthError(400, `user name "${u.username}" is not 2-32 characters of [a-z0-9._-] starting with a letter`);
    await this.loadUsers();
    if (this.users.has(u.username)) throw new AuthError(409, `user "${u.username}" already exists`);
    this.assertPasswordPolicy(u.password, u.username);
    const record: UserRecord = {
      username: u.username,
      displayName: u.displayName ?? u.username,
      roles: [...new Set(u.roles)],
      disabled: false,
      createdAt: this.now(),
      passwordHash: await hashPassword(u.password),
    };
    await this.writeUser(record);
    this.record('user_created', 'ok', by.username, client, `${u.username} roles ${record.roles.join(',')}`);
    return publicUser(record);
  }

  async updateUser(
    by: Principal,
    username: string,
    change: { roles?: Role[]; disabled?: boolean; password?: string; displayName?: string },
    client: string,
  ): Promise<UserInfo> {
    const user = await this.user(username);
    if (!user) throw new AuthError(404, `no user "${username}"`);
    if (username === by.username && (change.disabled || (change.roles && !change.roles.includes('admin')))) {
      throw new AuthError(400, 'an admin cannot disable or demote their own account (ask another admin)');
    }
    let passwordHash = user.passwordHash;
    if (change.password !== undefined) {
      this.assertPasswordPolicy(change.password, username);
      passwordHash = await hashPassword(change.password);
    }
    const next: UserRecord = {
      ...user,
      ...(change.roles ? { roles: [...new Set(change.roles)] } : {}),
      ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
      ...(change.displayName ? { displayName: change.displayName } : {}),
      passwordHash,
    };
    await this.writeUser(next);
    // Cached principals of this user carry old roles: drop them so the change applies at once.
    this.tokens.clear();
    // A disabled account loses every credential, display tokens too, so re-enabling revives
    // none; a reset password ends the sessions and API tokens someone may have taken.
    let revoked = 0;
    if (change.disabled === true)
      revoked = await this.revokeAllOf(username, `account disabled by ${by.username}`, { display: true }, client);
    else if (change.password !== undefined)
      revoked = await this.revokeAllOf(username, `password reset by ${by.username}`, { display: false }, client);
    if (next.disabled) for (const l of this.revokeListeners) l(null, username);
    this.record(
      'user_updated',
      'ok',
      by.username,
      client,
      `${username}: ${Object.keys(change)
        .filter((k) => k !== 'password')
        .join(', ')}${change.password ? ' password reset' : ''}${revoked ? `; ${revoked} sessions and tokens revoked` : ''}`,
    );
    return publicUser(next);
  }

  /** Called with a revoked token id (or a disabled user name), so live sockets can be closed. */
  onRevoked(listener: (tokenId: string | null, username: string | null) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  // --- security events -----------------------------------------------------------------

  /** Queues a security event for ClickHouse (flushed about once a second). Never includes secrets. */
  record(type: SecurityEventType, outcome: 'ok' | 'refused', username: string, client: string, detail: string): void {
    if (this.pendingEvents.length >= MAX_PENDING_EVENTS) {
      this.counters.eventsDropped++;
      return;
    }
    const event: SecurityEvent = {
      ts: this.now(),
      type,
      outcome,
      username: username.slice(0, 64),
      client: client.slice(0, 128),
      detail: detail.slice(0, 500),
    };
    this.pendingEvents.push(event);
    this.onRecord?.({ ...event, node: this.node });
  }

  /** Notes a refused request (403) for the log and the counters. */
  denied(username: string, client: string, what: string): void {
    this.counters.denied++;
    this.record('access_denied', 'refused', username, client, what);
  }

  async flushEvents(): Promise<void> {
    // A write under way stores only the events it took when it began: wait for it, then store
    // what was recorded since (or join the write another caller began meanwhile, which took it).
    if (this.flushing) await this.flushing;
    if (this.flushing) return this.flushing;
    if (this.pendingEvents.length === 0) return;
    const batch = this.pendingEvents;
    this.pendingEvents = [];
    this.flushing = this.ch
      .insert({ table: 'security_events', values: batch.map((e) => ({ ...e, node: this.node })), format: 'JSONEachRow' })
      .then(() => undefined)
      .catch((err: Error) => {
        this.log('warn', `security events not stored yet (${batch.length}), retrying: ${err.message}`);
        this.pendingEvents = [...batch, ...this.pendingEvents].slice(0, MAX_PENDING_EVENTS);
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async listEvents(q: { type?: string; username?: string; limit: number }): Promise<SecurityEvent[]> {
    await this.flushEvents();
    const rows = await queryRows<{
      ms: string | number;
      type: SecurityEventType;
      outcome: 'ok' | 'refused';
      username: string;
      client: string;
      detail: string;
    }>(
      this.ch,
      `SELECT toUnixTimestamp64Milli(ts) AS ms, type, outcome, username, client, detail FROM security_events
       WHERE ({type:String} = '' OR type = {type:String}) AND ({user:String} = '' OR username = {user:String})
       ORDER BY ts DESC LIMIT {limit:UInt32}`,
      { type: q.type ?? '', user: q.username ?? '', limit: q.limit },
    );
    return rows.map((r) => ({
      ts: Number(r.ms),
      type: r.type,
      outcome: r.outcome,
      username: r.username,
      client: r.client,
      detail: r.detail,
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushEvents();
    if (this.flushing) await this.flushing;
  }

  // --- internals -----------------------------------------------------------------------

  /** Refuses a new password that breaks the policy (password.ts), with its code for the console. */
  private assertPasswordPolicy(password: string, username: string): void {
    const problem = checkPassword(password, username);
    if (problem) throw new AuthError(400, problem.message, problem.code, problem.params);
  }

  /**
   * Checks the current password of a signed-in user (password change, token minting) through
   * the login throttle: 429 while throttled (even for the right password), 403 when wrong.
   */
  private async confirmPassword(user: UserRecord, password: string, client: string, event: SecurityEventType): Promise<void> {
    const verdict = this.throttle.check(user.username, client);
    if (!verdict.allowed) {
      this.counters.loginThrottled++;
      this.record(
        event,
        'refused',
        user.username,
        client,
        `password check throttled (${verdict.locked ? 'locked' : `retry after ${Math.ceil(verdict.retryAfterMs / 1000)} s`})`,
      );
      throw new AuthError(
        429,
        verdict.locked
          ? `too many wrong passwords: locked for ${Math.ceil(verdict.retryAfterMs / 60_000)} min`
          : `too many wrong passwords: wait ${Math.ceil(verdict.retryAfterMs / 1000)} s before trying again`,
        'too_many_attempts',
        { retryAfterS: Math.ceil(verdict.retryAfterMs / 1000), locked: verdict.locked },
        verdict.retryAfterMs,
      );
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      this.throttle.fail(user.username, client);
      this.record(event, 'refused', user.username, client, 'wrong current password');
      throw new AuthError(403, 'the current password is wrong', 'current_password_wrong');
    }
    this.throttle.succeed(user.username, client);
  }

  /**
   * Revokes every live session and API token of `owner` (and display tokens when asked) in one
   * write; closes their sockets. Returns how many were revoked.
   */
  private async revokeAllOf(owner: string, why: string, include: { display: boolean }, client: string): Promise<number> {
    const rows = await queryRows<TokenRow>(
      this.ch,
      `SELECT token_id, token_hash, owner, name, roles, kind, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(expires_at) AS expires, revoked
       FROM api_tokens FINAL WHERE owner = {owner:String} AND revoked = 0 AND expires_at > fromUnixTimestamp64Milli({now:Int64})`,
      { owner, now: this.now() },
    );
    const live = rows.map(rowToToken).filter((t) => include.display || t.kind !== 'display');
    if (live.length === 0) return 0;
    const revoked = live.map((t) => ({ ...t, revoked: true }));
    await this.ch.insert({ table: 'api_tokens', values: revoked.map((t) => this.tokenRow(t)), format: 'JSONEachRow' });
    for (const t of revoked) this.tokens.set(t.hash, { record: t, at: this.now() });
    for (const t of revoked) for (const l of this.revokeListeners) l(t.id, null);
    this.record(
      'token_revoked',
      'ok',
      owner,
      client,
      `${revoked.length} sessions and tokens of ${owner} (${why}): ${revoked.map((t) => `${t.kind} ${t.id}`).join(', ')}`,
    );
    return revoked.length;
  }

  private authFailure(client: string, reason: string): AuthError {
    this.counters.authFailed++;
    this.record('auth_failed', 'refused', '', client, reason);
    return new AuthError(401, reason);
  }

  private noteTokenUse(record: TokenRecord, client: string): void {
    // One event per token, node and 10 minutes: a script polling every second must not flood the log.
    const last = this.tokenUseLogged.get(record.id) ?? 0;
    if (this.now() - last < 600_000) return;
    if (this.tokenUseLogged.size > 10_000) this.tokenUseLogged.clear();
    this.tokenUseLogged.set(record.id, this.now());
    this.record('token_use', 'ok', record.owner, client, `${record.kind} ${record.id}`);
  }

  private async issueToken(
    owner: string,
    kind: TokenKind,
    name: string,
    roles: Role[],
    ttlMs: number,
  ): Promise<{ token: string; info: TokenInfo }> {
    const token = `${PREFIX[kind]}${randomBytes(32).toString('base64url')}`;
    const now = this.now();
    const record: TokenRecord = {
      id: randomBytes(6).toString('hex'),
      hash: sha256(token),
      owner,
      name: name.slice(0, 100),
      kind,
      roles,
      createdAt: now,
      expiresAt: now + ttlMs,
      revoked: false,
    };
    await this.writeToken(record);
    this.tokens.set(record.hash, { record, at: now });
    const { hash: _hash, ...info } = record;
    return { token, info };
  }

  private async setRevoked(tokenId: string, known?: TokenRecord): Promise<void> {
    let record = known ?? [...this.tokens.values()].find((t) => t.record?.id === tokenId)?.record ?? null;
    if (!record) {
      const rows = await queryRows<TokenRow>(
        this.ch,
        `SELECT token_id, token_hash, owner, name, roles, kind, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(expires_at) AS expires, revoked FROM api_tokens FINAL WHERE token_id = {id:String}`,
        { id: tokenId },
      );
      record = rows[0] ? rowToToken(rows[0]) : null;
    }
    if (!record) return;
    const revoked = { ...record, revoked: true };
    await this.writeToken(revoked);
    this.tokens.set(revoked.hash, { record: revoked, at: this.now() });
    for (const l of this.revokeListeners) l(tokenId, null);
  }

  private tokenRow(t: TokenRecord): Record<string, unknown> {
    return {
      token_id: t.id,
      token_hash: t.hash,
      owner: t.owner,
      name: t.name,
      roles: t.roles,
      kind: t.kind,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
      revoked: t.revoked ? 1 : 0,
      updated_at: this.now(),
    };
  }

  private async writeToken(t: TokenRecord): Promise<void> {
    await this.ch.insert({ table: 'api_tokens', values: [this.tokenRow(t)], format: 'JSONEachRow' });
  }

  private async loadToken(hash: string): Promise<TokenRecord | null> {
    const rows = await queryRows<TokenRow>(
      this.ch,
      `SELECT token_id, token_hash, owner, name, roles, kind, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(expires_at) AS expires, revoked
       FROM api_tokens FINAL WHERE token_hash = {hash:String} LIMIT 1`,
      { hash },
    );
    return rows[0] ? rowToToken(rows[0]) : null;
  }

  private async user(username: string): Promise<UserRecord | null> {
    if (this.now() - this.usersLoadedAt > CACHE_TTL_MS || !this.users.has(username)) {
      // A miss may be an account another node just created: reload, at most once a second.
      if (this.now() - this.usersLoadedAt > 1000) await this.loadUsers();
    }
    return this.users.get(username) ?? null;
  }

  private async loadUsers(): Promise<void> {
    const rows = await queryRows<{
      username: string;
      display_name: string;
      roles: string[];
      password_hash: string;
      disabled: number;
      created: string | number;
    }>(
      this.ch,
      'SELECT username, display_name, roles, password_hash, disabled, toUnixTimestamp64Milli(created_at) AS created FROM users FINAL',
    );
    this.users = new Map(
      rows.map((r) => [
        r.username,
        {
          username: r.username,
          displayName: r.display_name,
          roles: toRoles(r.roles),
          passwordHash: r.password_hash,
          disabled: Number(r.disabled) === 1,
          createdAt: Number(r.created),
        },
      ]),
    );
    this.usersLoadedAt = this.now();
  }

  private async writeUser(u: UserRecord): Promise<void> {
    await this.ch.insert({
      table: 'users',
      values: [
        {
          username: u.username,
          display_name: u.displayName,
          roles: u.roles,
          password_hash: u.passwordHash,
          disabled: u.disabled ? 1 : 0,
          created_at: u.createdAt,
          updated_at: this.now(),
        },
      ],
      format: 'JSONEachRow',
    });
    this.users.set(u.username, u);
  }
}

interface TokenRow {
  token_id: string;
  token_hash: string;
  owner: string;
  name: string;
  roles: string[];
  kind: string;
  created: string | number;
  expires: string | number;
  revoked: number;
}

function rowToToken(r: TokenRow): TokenRecord {
  const kind: TokenKind = r.kind === 'session' || r.kind === 'display' ? r.kind : 'token';
  return {
    id: r.token_id,
    hash: r.token_hash,
    owner: r.owner,
    name: r.name,
    kind,
    roles: toRoles(r.roles),
    createdAt: toMs(r.created),
    expiresAt: toMs(r.expires),
    revoked: Number(r.revoked) === 1,
  };
}

function publicUser(u: UserRecord): UserInfo {
  return { username: u.username, displayName: u.displayName, roles: u.roles, disabled: u.disabled, createdAt: u.createdAt };
}

/** A valid hash of a random string: verifying against it costs as much as a real check. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
