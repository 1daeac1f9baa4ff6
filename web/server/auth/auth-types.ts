/**
 * What the accounts service speaks of: principals, tokens and sessions, accounts, security
 * events and refusals, and the limits on them (auth-service.ts).
 */
import type { Classification } from '../../../twin-model/index.ts';
import type { Role } from './policy.ts';

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

/** An account with its password hash (never leaves the service). */
export interface UserRecord extends UserInfo {
  passwordHash: string;
}

/** A token with the SHA-256 of its secret (never leaves the service). */
export interface TokenRecord extends TokenInfo {
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

/** Told of a revoked token (`tokenId`) or of an account whose credentials no longer hold what they did (`username`, `reason`). */
export type RevokeListener = (tokenId: string | null, username: string | null, reason?: string) => void;
