/**
 * Accounts, API tokens and sessions, and the security event log (migration 2: `users`,
 * `api_tokens`, `security_events`; web/server/auth). Users and tokens are ReplacingMergeTree by
 * `updated_at`: a change (new roles, a revocation) is a new row, read back with `FINAL`. Secrets
 * are never stored: passwords as scrypt hashes, tokens and sessions as SHA-256 of the token.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { SecurityEventRecord } from '../twin-model/audit/audit-bindings.ts';
import { queryRows } from './clickhouse-client.ts';

/** An account (`users`). */
export interface UserRow {
  username: string;
  displayName: string;
  /** Role names as stored (the service keeps those it knows). */
  roles: string[];
  /** scrypt hash (web/server/auth/password.ts). */
  passwordHash: string;
  disabled: boolean;
  /** Epoch ms. */
  createdAt: number;
}

/** An API token, a display token or a session (`api_tokens`). */
export interface TokenRow {
  id: string;
  /** SHA-256 (hex) of the token. */
  hash: string;
  owner: string;
  name: string;
  roles: string[];
  /** `session`, `token` or `display`. */
  kind: string;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
}

/** A row of `security_events`: logins, refusals, account and token changes, with the node that saw it. */
export type SecurityEventRow = SecurityEventRecord;

interface StoredToken {
  token_id: string;
  token_hash: string;
  owner: string;
  name: string;
  roles: string[];
  kind: string;
  created: string | number;
  expires: string | number;
  revoked: number | string;
}

const TOKEN_SELECT =
  'SELECT token_id, token_hash, owner, name, roles, kind, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(expires_at) AS expires, revoked FROM api_tokens FINAL';

function fromStoredToken(r: StoredToken): TokenRow {
  return {
    id: r.token_id,
    hash: r.token_hash,
    owner: r.owner,
    name: r.name,
    roles: r.roles,
    kind: r.kind,
    createdAt: Number(r.created),
    expiresAt: Number(r.expires),
    revoked: Number(r.revoked) === 1,
  };
}

interface StoredEvent {
  ms: number | string;
  type: string;
  outcome: string;
  username: string;
  client: string;
  detail: string;
  node: string;
}

function fromStoredEvent(r: StoredEvent): SecurityEventRow {
  return { ts: Number(r.ms), type: r.type, outcome: r.outcome, username: r.username, client: r.client, detail: r.detail, node: r.node };
}

export class AccountsStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Every account, newest version of each. */
  async users(): Promise<UserRow[]> {
    const rows = await queryRows<{
      username: string;
      display_name: string;
      roles: string[];
      password_hash: string;
      disabled: number | string;
      created: string | number;
    }>(
      this.client,
      'SELECT username, display_name, roles, password_hash, disabled, toUnixTimestamp64Milli(created_at) AS created FROM users FINAL',
    );
    return rows.map((r) => ({
      username: r.username,
      displayName: r.display_name,
      roles: r.roles,
      passwordHash: r.password_hash,
      disabled: Number(r.disabled) === 1,
      createdAt: Number(r.created),
    }));
  }

  /** Stores a version of an account, made at `updatedAt` (epoch ms). */
  async writeUser(u: UserRow, updatedAt: number): Promise<void> {
    await this.client.insert({
      table: 'users',
      values: [
        {
          username: u.username,
          display_name: u.displayName,
          roles: u.roles,
          password_hash: u.passwordHash,
          disabled: u.disabled ? 1 : 0,
          created_at: u.createdAt,
          updated_at: updatedAt,
        },
      ],
      format: 'JSONEachRow',
    });
  }

  /** The token with this SHA-256, or null. */
  async tokenByHash(hash: string): Promise<TokenRow | null> {
    const [row] = await queryRows<StoredToken>(this.client, `${TOKEN_SELECT} WHERE token_hash = {hash:String} LIMIT 1`, { hash });
    return row ? fromStoredToken(row) : null;
  }

  /** The token with this id, or null. */
  async tokenById(id: string): Promise<TokenRow | null> {
    const [row] = await queryRows<StoredToken>(this.client, `${TOKEN_SELECT} WHERE token_id = {id:String}`, { id });
    return row ? fromStoredToken(row) : null;
  }

  /** Tokens of `owner` (every owner's when null), sessions included, newest first, at most 1,000. */
  async tokensOf(owner: string | null): Promise<TokenRow[]> {
    const rows = await queryRows<StoredToken>(
      this.client,
      `${TOKEN_SELECT} WHERE ({owner:String} = '' OR owner = {owner:String}) ORDER BY created_at DESC LIMIT 1000`,
      { owner: owner ?? '' },
    );
    return rows.map(fromStoredToken);
  }

  /** Tokens of `owner` neither revoked nor expired at `now` (epoch ms). */
  async liveTokensOf(owner: string, now: number): Promise<TokenRow[]> {
    const rows = await queryRows<StoredToken>(
      this.client,
      `${TOKEN_SELECT} WHERE owner = {owner:String} AND revoked = 0 AND expires_at > fromUnixTimestamp64Milli({now:Int64})`,
      { owner, now },
    );
    return rows.map(fromStoredToken);
  }

  /** Stores versions of tokens (a creation, revocations), made at `updatedAt` (epoch ms), in one insert. */
  async writeTokens(tokens: readonly TokenRow[], updatedAt: number): Promise<void> {
    if (tokens.length === 0) return;
    await this.client.insert({
      table: 'api_tokens',
      values: tokens.map((t) => ({
        token_id: t.id,
        token_hash: t.hash,
        owner: t.owner,
        name: t.name,
        roles: t.roles,
        kind: t.kind,
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        revoked: t.revoked ? 1 : 0,
        updated_at: updatedAt,
      })),
      format: 'JSONEachRow',
    });
  }

  async insertSecurityEvents(events: readonly SecurityEventRow[]): Promise<void> {
    if (events.length === 0) return;
    await this.client.insert({ table: 'security_events', values: events.map((e) => ({ ...e })), format: 'JSONEachRow' });
  }

  /** Security events, newest first, optionally of one type and/or user name. */
  async securityEvents(q: { type?: string; username?: string; limit: number }): Promise<SecurityEventRow[]> {
    const rows = await queryRows<StoredEvent>(
      this.client,
      `SELECT toUnixTimestamp64Milli(ts) AS ms, type, outcome, username, client, detail, node FROM security_events
       WHERE ({type:String} = '' OR type = {type:String}) AND ({user:String} = '' OR username = {user:String})
       ORDER BY ts DESC LIMIT {limit:UInt32}`,
      { type: q.type ?? '', user: q.username ?? '', limit: q.limit },
    );
    return rows.map(fromStoredEvent);
  }

  /** Security events at or after `since` (epoch ms), oldest first (the audit's bindings). */
  async securityEventsSince(since: number): Promise<SecurityEventRow[]> {
    const rows = await queryRows<StoredEvent>(
      this.client,
      `SELECT toUnixTimestamp64Milli(ts) AS ms, type, outcome, username, client, detail, node FROM security_events
       WHERE ts >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY ts`,
      { since },
    );
    return rows.map(fromStoredEvent);
  }
}
