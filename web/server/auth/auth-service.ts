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
import { AccountsStore, type StorageClient, type TokenRow } from '../../../storage/index.ts';
import { quoteValue, type Classification } from '../../../twin-model/index.ts';
import { checkPassword, hashPassword, randomPassword, verifyPassword } from './password.ts';
import { clearanceOf, DEFAULT_CLEARANCE, isRole, type ClearanceTable, type Role } from './policy.ts';
import { SecurityLog } from './security-log.ts';
import { LoginThrottle } from './throttle.ts';
import {
  AuthError,
  CACHE_TTL_MS,
  DEFAULT_MAX_TOKEN_TTL_DAYS,
  DEFAULT_TOKEN_TTL_DAYS,
  SESSION_TTL_MS,
  TOKEN_PATTERN,
  USERNAME_PATTERN,
  type IssuedSession,
  type LoginResult,
  type Principal,
  type RevokeListener,
  type SecurityEvent,
  type SecurityEventType,
  type TokenInfo,
  type TokenKind,
  type TokenRecord,
  type UserInfo,
  type UserRecord,
} from './auth-types.ts';

export * from './auth-types.ts';

const PREFIX: Record<TokenKind, string> = { token: 'ctw_', session: 'cts_', display: 'ctd_' };

export interface AuthServiceOptions {
  clickhouse: StorageClient;
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

export class AuthService {
  readonly throttle: LoginThrottle;
  /** Longest lifetime of an API or display token, in days. */
  readonly maxTokenTtlDays: number;
  /** Counters for /metrics. */
  readonly counters = { loginOk: 0, loginFailed: 0, loginThrottled: 0, authFailed: 0, denied: 0, eventsDropped: 0 };
  private readonly store: AccountsStore;
  private readonly now: () => number;
  private readonly log: NonNullable<AuthServiceOptions['log']>;
  private readonly node: string;
  private readonly clearanceTable: ClearanceTable;
  private users = new Map<string, UserRecord>();
  private usersLoadedAt = 0;
  private readonly tokens = new Map<string, { record: TokenRecord | null; at: number }>();
  private readonly tokenUseLogged = new Map<string, number>();
  private readonly events: SecurityLog;
  private readonly revokeListeners = new Set<RevokeListener>();

  constructor(options: AuthServiceOptions) {
    this.store = new AccountsStore(options.clickhouse);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.node = options.node ?? hostname();
    this.clearanceTable = options.clearance ?? DEFAULT_CLEARANCE;
    this.throttle = options.throttle ?? new LoginThrottle(this.now);
    this.maxTokenTtlDays = options.maxTokenTtlDays ?? DEFAULT_MAX_TOKEN_TTL_DAYS;
    this.events = new SecurityLog({ store: this.store, node: this.node, now: this.now, log: this.log, onRecord: options.onRecord });
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
    return (await this.store.tokensOf(owner)).map(toTokenRecord).map(({ hash: _hash, ...info }) => info);
  }

  /** Revokes a token: its owner or an admin. */
  async revokeToken(by: Principal, tokenId: string, client: string): Promise<TokenInfo> {
    const stored = await this.store.tokenById(tokenId);
    const record = stored ? toTokenRecord(stored) : null;
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

  /** An account's display name (the name people know it by), or null for an account that does not exist. */
  async displayNameOf(username: string): Promise<string | null> {
    return (await this.user(username))?.displayName ?? null;
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
      throw new AuthError(400, `user name ${quoteValue(u.username)} is not 2-32 characters of [a-z0-9._-] starting with a letter`);
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
    else if (change.roles && [...user.roles].sort().join() !== [...next.roles].sort().join()) {
      const reason = `the roles of ${username} changed (${user.roles.join(', ')} → ${next.roles.join(', ')}): connect again`;
      for (const l of this.revokeListeners) l(null, username, reason);
    }
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

  /**
   * Called with a revoked token id, or a user name whose account was disabled or whose roles
   * changed (with the reason), so live sockets, which keep the roles of their handshake, are closed.
   */
  onRevoked(listener: RevokeListener): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  // --- security events -----------------------------------------------------------------

  /** Queues a security event for ClickHouse (flushed about once a second). Never includes secrets. */
  record(type: SecurityEventType, outcome: 'ok' | 'refused', username: string, client: string, detail: string): void {
    if (!this.events.record(type, outcome, username, client, detail)) this.counters.eventsDropped++;
  }

  /** Notes a refused request (403) for the log and the counters. */
  denied(username: string, client: string, what: string): void {
    this.counters.denied++;
    this.record('access_denied', 'refused', username, client, what);
  }

  async flushEvents(): Promise<void> {
    await this.events.flush();
  }

  async listEvents(q: { type?: string; username?: string; limit: number }): Promise<SecurityEvent[]> {
    return this.events.list(q);
  }

  async close(): Promise<void> {
    await this.events.close();
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
    const rows = await this.store.liveTokensOf(owner, this.now());
    const live = rows.map(toTokenRecord).filter((t) => include.display || t.kind !== 'display');
    if (live.length === 0) return 0;
    const revoked = live.map((t) => ({ ...t, revoked: true }));
    await this.store.writeTokens(revoked, this.now());
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
      const stored = await this.store.tokenById(tokenId);
      record = stored ? toTokenRecord(stored) : null;
    }
    if (!record) return;
    const revoked = { ...record, revoked: true };
    await this.writeToken(revoked);
    this.tokens.set(revoked.hash, { record: revoked, at: this.now() });
    for (const l of this.revokeListeners) l(tokenId, null);
  }

  private async writeToken(t: TokenRecord): Promise<void> {
    await this.store.writeTokens([t], this.now());
  }

  private async loadToken(hash: string): Promise<TokenRecord | null> {
    const stored = await this.store.tokenByHash(hash);
    return stored ? toTokenRecord(stored) : null;
  }

  private async user(username: string): Promise<UserRecord | null> {
    if (this.now() - this.usersLoadedAt > CACHE_TTL_MS || !this.users.has(username)) {
      // A miss may be an account another node just created: reload, at most once a second.
      if (this.now() - this.usersLoadedAt > 1000) await this.loadUsers();
    }
    return this.users.get(username) ?? null;
  }

  private async loadUsers(): Promise<void> {
    const rows = await this.store.users();
    this.users = new Map(rows.map((r) => [r.username, { ...r, roles: toRoles(r.roles) }]));
    this.usersLoadedAt = this.now();
  }

  private async writeUser(u: UserRecord): Promise<void> {
    await this.store.writeUser(u, this.now());
    this.users.set(u.username, u);
  }
}

/** A stored token as the service knows it: its kind, and only the roles it knows. */
function toTokenRecord(r: TokenRow): TokenRecord {
  const kind: TokenKind = r.kind === 'session' || r.kind === 'display' ? r.kind : 'token';
  return {
    id: r.id,
    hash: r.hash,
    owner: r.owner,
    name: r.name,
    kind,
    roles: toRoles(r.roles),
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revoked: r.revoked,
  };
}

function publicUser(u: UserRecord): UserInfo {
  return { username: u.username, displayName: u.displayName, roles: u.roles, disabled: u.disabled, createdAt: u.createdAt };
}

/** A valid hash of a random string: verifying against it costs as much as a real check. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
