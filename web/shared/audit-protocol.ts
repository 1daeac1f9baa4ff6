/**
 * The audit viewer's wire shapes (docs/security.md, "Audit"), shared by the server
 * (web/server/audit/audit-routes.ts) and the viewer (web/client/audit/).
 */

/** Streams of the audit record (twin-model/audit/audit-log.ts `AUDIT_STREAMS`). */
export const AUDIT_STREAM_NAMES = [
  'incident',
  'dispatch',
  'security',
  'config',
  'city',
  'export',
  'audit',
  'shift',
  'cap',
  'case',
] as const;
export type AuditStreamName = (typeof AUDIT_STREAM_NAMES)[number];

/** One action as the viewer lists it. */
export interface AuditEntryView {
  chain: string;
  seq: number;
  /** Epoch ms (the viewer shows it in the city's time zone). */
  at: number;
  actor: string;
  stream: AuditStreamName;
  action: string;
  object: string;
  detail: string;
  data: Record<string, unknown>;
  hash: string;
}

/** `GET /api/audit/entries`: newest first; `next` continues the list (`before=at:seq`). */
export interface AuditEntriesResponse {
  entries: AuditEntryView[];
  next: string | null;
}

export interface AuditProblemView {
  stream: 'audit' | 'dispatch' | 'incident' | 'security' | 'checkpoint';
  kind: 'altered' | 'missing' | 'reordered' | 'bad_start' | 'unaudited' | 'bad_checkpoint' | 'no_checkpoint' | 'foreign_chain';
  seq: number | null;
  detail: string;
}

/** `GET /api/audit/verify`. */
export interface AuditVerificationView {
  ok: boolean;
  at: number;
  problems: AuditProblemView[];
  chain: string | null;
  chains: Array<{ chain: string; checked: number; head: { seq: number; hash: string } | null; anchored: boolean }>;
  dispatch: { checked: number; head: { seq: number; hash: string } | null };
  checkpoints: {
    read: number;
    valid: number;
    last: { seq: number; hash: string; at: number; dispatch: { seq: number; hash: string } | null } | null;
  };
  /** The Ed25519 public key the checkpoints verify with (SPKI PEM). */
  publicKey: string;
}
