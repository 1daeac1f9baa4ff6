/**
 * What the administration page reads and changes, each through the server's own routes
 * (docs/security.md): accounts (`/api/users`), tokens and sessions (`/api/auth/tokens`), the
 * security log (`/api/security/events`), department bindings (`/api/case-departments`) and
 * field-unit bindings (`/api/field-units`). The server checks and audits every change.
 */
import { type AuthResult, jsonCall } from '../backend/session.ts';
import { issuesOf } from '../ops/ops-ui.ts';
import { passwordErrorText } from '../panels/user-menu.ts';
import { h, setText } from '../ui/dom.ts';

export interface UserInfo {
  username: string;
  displayName: string;
  roles: string[];
  disabled: boolean;
  createdAt: number;
}

export interface TokenInfo {
  id: string;
  owner: string;
  name: string;
  kind: 'session' | 'token' | 'display';
  roles: string[];
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface SecurityEvent {
  ts: number;
  type: string;
  outcome: 'ok' | 'refused';
  username: string;
  client: string;
  detail: string;
}

export interface Binding {
  username: string;
  changedBy: string;
  updatedAt: number;
}

export const listUsers = () => jsonCall<UserInfo[]>('GET', '/api/users');
export const listTokens = () => jsonCall<TokenInfo[]>('GET', '/api/auth/tokens?all=1');
export const listEvents = (limit = 200) => jsonCall<SecurityEvent[]>('GET', `/api/security/events?limit=${limit}`);
export const listDepartments = () =>
  jsonCall<{
    departments: string[];
    namesEn?: Array<{ department: string; nameEn: string }>;
    bindings: Array<Binding & { department: string }> | null;
  }>('GET', '/api/case-departments');
export const listUnitBindings = () => jsonCall<{ bindings: Array<Binding & { unitId: string }> }>('GET', '/api/field-units');
export const listUnits = () => jsonCall<Array<{ id: string; nameZh: string; nameEn: string }>>('GET', '/api/units');

/**
 * A random password that passes the policy (16 characters from a set without look-alikes,
 * from the browser's cryptographic generator), for a reset shown once.
 */
export function randomPassword(length = 16): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const limit = 256 - (256 % alphabet.length);
  const bytes = new Uint8Array(length * 2);
  let out = '';
  // Bytes at or above `limit` are dropped (no modulo bias); 32 rounds leave nothing to chance.
  for (let round = 0; round < 32 && out.length < length; round++) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
  }
  return out;
}

/** The form field a refusal is about: the issue's path, the password policy's codes, a taken name. */
export function refusalField(r: AuthResult<unknown>): string | null {
  if (r.ok) return null;
  const issue = issuesOf(r)[0];
  // The router names where the problem is ("body.username"); the form's field is the part after it.
  if (issue) return issue.path.replace(/^(body|query|path)\./, '').split('.')[0] || null;
  const code = r.details?.code;
  if (typeof code === 'string' && code.startsWith('password_')) return 'password';
  if (code === 'current_password_wrong' || code === 'too_many_attempts') return 'password';
  if (code === 'token_ttl_too_long') return 'ttlDays';
  if (r.status === 409 || /user name/.test(r.error)) return 'username';
  return null;
}

/** A refusal in words: the password policy's codes worded in the page's language, else the server's reason with its issues. */
export function refusalText(r: AuthResult<unknown>): string {
  if (r.ok) return '';
  const code = r.details?.code;
  if (typeof code === 'string' && (code.startsWith('password_') || code === 'current_password_wrong' || code === 'too_many_attempts'))
    return passwordErrorText(r);
  const issues = issuesOf(r);
  if (issues.length) return issues.map((i) => `${i.value !== undefined ? `“${i.value}”: ` : ''}${i.message}`).join('; ');
  return r.error;
}

/** A form's fields by name, each with its error line below it; `show` puts a refusal at its field (or on the form's line). */
export class FieldErrors {
  private readonly lines = new Map<string, HTMLElement>();
  private readonly controls = new Map<string, HTMLElement>();

  constructor(private readonly general: HTMLElement) {}

  /** The error line of a field, to place below its control. */
  line(name: string, control: HTMLElement): HTMLElement {
    const el = h('span', { class: 'ops-field-error', hidden: true, 'data-testid': `error-${name}`, role: 'alert' });
    this.lines.set(name, el);
    this.controls.set(name, control);
    return el;
  }

  clear(): void {
    for (const el of this.lines.values()) el.hidden = true;
    for (const c of this.controls.values()) c.removeAttribute('aria-invalid');
    this.general.hidden = true;
  }

  /** Shows `text` at `name`'s field, or on the form's line when the form has no such field. */
  show(name: string | null, text: string): void {
    this.clear();
    const line = name ? this.lines.get(name) : undefined;
    const target = line ?? this.general;
    target.hidden = false;
    target.dataset.kind = 'error';
    // The refused value is quoted (a password never is).
    const control = name ? this.controls.get(name) : undefined;
    const value = name !== 'password' && control instanceof HTMLInputElement && control.type === 'text' ? control.value.trim() : '';
    setText(target, line && value && !text.includes(value) ? `“${value}”: ${text}` : text);
    if (name) this.controls.get(name)?.setAttribute('aria-invalid', 'true');
  }
}

/** Copies text to the clipboard; false when the browser refuses (then the text is selected for a manual copy). */
export async function copyText(text: string, input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.focus();
    input.select();
    return false;
  }
}
