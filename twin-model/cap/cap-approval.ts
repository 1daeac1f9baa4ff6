/**
 * The two-person rule for public warnings: an alert is drafted by one person, approved by a
 * DIFFERENT person, then published; updates and cancels go the same way. One pure updater,
 * `applyCapDeskInput(desk, input)`, returns the next desk and the record it changed, or a
 * refusal with a code and parameters (worded at the edge, in the user's language).
 *
 *   draft ──approve (not an author)──► approved ──publish──► published ──(a later Update)──► superseded
 *     ▲  │                                 │                         └──(a later Cancel)──► cancelled
 *     │  └──reject──► rejected ◄──reject───┘
 *     └──edit (by anyone; the editor becomes an author, approval starts again)
 *
 * What is published is exactly what was approved: the alert's content, its identifier and its
 * `sent` time are fixed at drafting (CAP's `sent` is "the time and date of the origination").
 */
import { formatCapReference, sameCapReference, type CapAlert } from './cap-types.ts';
import { capTimeToMs } from './cap-time.ts';
import { validateCapAlert, type CapProblem } from './cap-validate.ts';

export const CAP_RECORD_STATES = ['draft', 'approved', 'rejected', 'published', 'superseded', 'cancelled'] as const;
export type CapRecordState = (typeof CAP_RECORD_STATES)[number];

export interface CapRecord {
  identifier: string;
  alert: CapAlert;
  state: CapRecordState;
  draftedBy: string;
  draftedAt: number;
  /** Everyone who wrote this content (the drafter and each editor): none of them may approve it. */
  authors: string[];
  approvedBy?: string;
  approvedAt?: number;
  rejectedBy?: string;
  rejectedAt?: number;
  rejectReason?: string;
  publishedBy?: string;
  publishedAt?: number;
  /** The published Update or Cancel that replaced this alert. */
  supersededBy?: string;
}

/** The alerts on the desk, by identifier. */
export interface CapDesk {
  records: ReadonlyMap<string, CapRecord>;
}

export function createCapDesk(): CapDesk {
  return { records: new Map() };
}

export type CapDeskInput =
  | { type: 'draft'; alert: CapAlert; actor: string; at: number }
  | { type: 'edit'; identifier: string; alert: CapAlert; actor: string; at: number }
  | { type: 'approve'; identifier: string; actor: string; at: number }
  | { type: 'reject'; identifier: string; reason: string; actor: string; at: number }
  | { type: 'publish'; identifier: string; actor: string; at: number };

export const CAP_DESK_REFUSALS = [
  /** The alert breaks CAP 1.2 (`problems`). */
  'invalid_alert',
  /** A draft with an identifier already on the desk. */
  'duplicate_identifier',
  /** No alert with this identifier. */
  'unknown_alert',
  /** An edit that changes the identifier. */
  'identifier_changed',
  /** The action needs another state (`state`, `needs`). */
  'wrong_state',
  /** An author approving their own alert (two-person rule). */
  'self_approval',
  /** A reject without a reason. */
  'reason_required',
  /** An Update or Cancel whose original is not on the desk (`reference`). */
  'unknown_original',
  /** An Update or Cancel whose original is not (or no longer) the published alert (`original`, `state`). */
  'original_not_published',
  /** An actor name that is empty. */
  'actor_required',
] as const;
export type CapDeskRefusalCode = (typeof CAP_DESK_REFUSALS)[number];

export interface CapDeskRefusal {
  code: CapDeskRefusalCode;
  params: Record<string, string | number>;
  problems?: CapProblem[];
}

export type CapDeskResult = { ok: true; desk: CapDesk; record: CapRecord; changed: CapRecord[] } | { ok: false; refusal: CapDeskRefusal };

const refuse = (code: CapDeskRefusalCode, params: Record<string, string | number> = {}, problems?: CapProblem[]): CapDeskResult => ({
  ok: false,
  refusal: problems ? { code, params, problems } : { code, params },
});

/** The record on the desk that `alert` (an Update or Cancel) follows: the last of its references that is ours. */
function originalOf(desk: CapDesk, alert: CapAlert): CapRecord | undefined {
  for (let i = alert.references.length - 1; i >= 0; i--) {
    const ref = alert.references[i]!;
    const record = desk.records.get(ref.identifier);
    if (record && sameCapReference(ref, { sender: record.alert.sender, identifier: record.identifier, sent: record.alert.sent }))
      return record;
  }
  return undefined;
}

function checkFollows(desk: CapDesk, alert: CapAlert): CapDeskResult | null {
  if (alert.msgType !== 'Update' && alert.msgType !== 'Cancel') return null;
  const original = originalOf(desk, alert);
  if (!original) return refuse('unknown_original', { reference: alert.references.map(formatCapReference).join(' ') });
  if (original.state !== 'published') return refuse('original_not_published', { original: original.identifier, state: original.state });
  return null;
}

function withRecords(desk: CapDesk, ...records: CapRecord[]): CapDesk {
  const next = new Map(desk.records);
  for (const r of records) next.set(r.identifier, r);
  return { records: next };
}

/** Applies one action to the desk (pure: `desk` is not changed). */
export function applyCapDeskInput(desk: CapDesk, input: CapDeskInput): CapDeskResult {
  if (input.actor.trim() === '') return refuse('actor_required');
  switch (input.type) {
    case 'draft': {
      const problems = validateCapAlert(input.alert);
      if (problems.length > 0) return refuse('invalid_alert', { identifier: input.alert.identifier }, problems);
      if (desk.records.has(input.alert.identifier)) return refuse('duplicate_identifier', { identifier: input.alert.identifier });
      const follows = checkFollows(desk, input.alert);
      if (follows) return follows;
      const record: CapRecord = {
        identifier: input.alert.identifier,
        alert: structuredClone(input.alert),
        state: 'draft',
        draftedBy: input.actor,
        draftedAt: input.at,
        authors: [input.actor],
      };
      return { ok: true, desk: withRecords(desk, record), record, changed: [record] };
    }
    case 'edit': {
      const current = desk.records.get(input.identifier);
      if (!current) return refuse('unknown_alert', { identifier: input.identifier });
      if (current.state !== 'draft' && current.state !== 'approved' && current.state !== 'rejected') {
        return refuse('wrong_state', { identifier: input.identifier, state: current.state, needs: 'draft, approved or rejected' });
      }
      if (input.alert.identifier !== input.identifier) {
        return refuse('identifier_changed', { identifier: input.identifier, value: input.alert.identifier });
      }
      const problems = validateCapAlert(input.alert);
      if (problems.length > 0) return refuse('invalid_alert', { identifier: input.identifier }, problems);
      const follows = checkFollows(desk, input.alert);
      if (follows) return follows;
      // A changed text needs a fresh approval, and its editor can no longer approve it.
      const record: CapRecord = {
        identifier: current.identifier,
        alert: structuredClone(input.alert),
        state: 'draft',
        draftedBy: current.draftedBy,
        draftedAt: current.draftedAt,
        authors: current.authors.includes(input.actor) ? current.authors : [...current.authors, input.actor],
      };
      return { ok: true, desk: withRecords(desk, record), record, changed: [record] };
    }
    case 'approve': {
      const current = desk.records.get(input.identifier);
      if (!current) return refuse('unknown_alert', { identifier: input.identifier });
      if (current.state !== 'draft') return refuse('wrong_state', { identifier: input.identifier, state: current.state, needs: 'draft' });
      if (current.authors.includes(input.actor)) return refuse('self_approval', { identifier: input.identifier, actor: input.actor });
      const follows = checkFollows(desk, current.alert);
      if (follows) return follows;
      const record: CapRecord = { ...current, state: 'approved', approvedBy: input.actor, approvedAt: input.at };
      return { ok: true, desk: withRecords(desk, record), record, changed: [record] };
    }
    case 'reject': {
      const current = desk.records.get(input.identifier);
      if (!current) return refuse('unknown_alert', { identifier: input.identifier });
      if (current.state !== 'draft' && current.state !== 'approved') {
        return refuse('wrong_state', { identifier: input.identifier, state: current.state, needs: 'draft or approved' });
      }
      if (input.reason.trim() === '') return refuse('reason_required', { identifier: input.identifier });
      const { approvedBy: _b, approvedAt: _a, ...rest } = current;
      const record: CapRecord = { ...rest, state: 'rejected', rejectedBy: input.actor, rejectedAt: input.at, rejectReason: input.reason };
      return { ok: true, desk: withRecords(desk, record), record, changed: [record] };
    }
    case 'publish': {
      const current = desk.records.get(input.identifier);
      if (!current) return refuse('unknown_alert', { identifier: input.identifier });
      if (current.state !== 'approved')
        return refuse('wrong_state', { identifier: input.identifier, state: current.state, needs: 'approved' });
      const follows = checkFollows(desk, current.alert);
      if (follows) return follows;
      const record: CapRecord = { ...current, state: 'published', publishedBy: input.actor, publishedAt: input.at };
      const original =
        current.alert.msgType === 'Update' || current.alert.msgType === 'Cancel' ? originalOf(desk, current.alert) : undefined;
      if (!original) return { ok: true, desk: withRecords(desk, record), record, changed: [record] };
      const replaced: CapRecord = {
        ...original,
        state: current.alert.msgType === 'Cancel' ? 'cancelled' : 'superseded',
        supersededBy: current.identifier,
      };
      return { ok: true, desk: withRecords(desk, record, replaced), record, changed: [record, replaced] };
    }
  }
}

/** How long a published Cancel stays in the feed so receivers learn of it. */
export const CAP_CANCEL_LISTED_MS = 24 * 3_600_000;

/** The newest `expires` of an alert's infos (epoch ms), or null when none has one. */
export function capExpiresMs(alert: CapAlert): number | null {
  let latest: number | null = null;
  for (const info of alert.infos) {
    const t = info.expires === undefined ? null : capTimeToMs(info.expires);
    if (t !== null && (latest === null || t > latest)) latest = t;
  }
  return latest;
}

/**
 * The alerts a public feed lists at `now`, newest first: the published head of each chain
 * (superseded and cancelled alerts are replaced by their Update or Cancel), while in force
 * (not past their latest `expires`), and a Cancel for CAP_CANCEL_LISTED_MS after it was sent.
 */
export function publishedCapAlerts(desk: CapDesk, now: number): CapAlert[] {
  const listed: Array<{ alert: CapAlert; sentMs: number }> = [];
  for (const record of desk.records.values()) {
    if (record.state !== 'published') continue;
    const sentMs = capTimeToMs(record.alert.sent) ?? record.publishedAt ?? 0;
    const until = record.alert.msgType === 'Cancel' ? sentMs + CAP_CANCEL_LISTED_MS : capExpiresMs(record.alert);
    if (until !== null && until <= now) continue;
    listed.push({ alert: record.alert, sentMs });
  }
  return listed.sort((a, b) => b.sentMs - a.sentMs || a.alert.identifier.localeCompare(b.alert.identifier)).map((x) => x.alert);
}
