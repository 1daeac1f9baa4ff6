/**
 * Why the correlator did what it did, as codes with parameters: why a piece of evidence belongs
 * to its incident ({@link LinkReason}, kept on the evidence) and what a change to an incident
 * was ({@link ChangeNote}). They are worded in the reader's language at the edge, by one module
 * (web/shared/incident-wording.ts), as dispatch reasons are.
 *
 * A change is stored with a `detail` text (incident_changes.detail, and the audit record that
 * quotes it): the *record form* below, one English line per note, unchanged since the first
 * stored incident. The record form and its parser sit side by side here, so stored text is
 * read back by the same definition that writes it: {@link changeNoteOf} upgrades a stored
 * detail to its note, {@link linkReasonOf} upgrades an evidence's stored `why` (prose in
 * incidents stored before the codes) to its reason. A text neither knows (written by a newer
 * version) becomes `{ code: 'text' }` and is shown as stored.
 */
import type { WarningEvidence } from '../cap/cap-context.ts';

/** What an official warning covering an incident says (twin-model/cap/cap-context.ts `warningEvidence`). */
export type OfficialWarningParams = WarningEvidence['params'];

/** The kinds of change to an incident (IncidentChange['what']). */
export type ChangeWhat =
  | 'opened'
  | 'evidence_linked'
  | 'evidence_inactive'
  | 'updated'
  | 'acknowledged'
  | 'severity_set'
  | 'merged_into'
  | 'absorbed'
  | 'split_from'
  | 'split_off'
  | 'false_alarm'
  | 'resolution_proposed'
  | 'resolved'
  | 'closed'
  | 'reopened';

/** Why a piece of evidence belongs to its incident. */
export type LinkReason =
  /** Area-wide incidents: the same district, within the rule's window. */
  | { code: 'same_district'; params: { district: string; minutes: number } }
  /** The same underpass, bridge or hall, within the window. */
  | { code: 'same_asset'; params: { assetId: string; minutes: number } }
  /** Within the signal's (or rule's) radius of the incident. */
  | { code: 'near'; params: { distanceM: number; limitM: number; minutes: number } }
  /** Beyond the radius but within the signal's join radius of an open incident. */
  | { code: 'spill_over'; params: { distanceM: number; limitM: number; minutes: number } }
  /** The evidence the others of the opening cluster were matched against. */
  | { code: 'anchor'; params: Record<string, never> }
  | { code: 'merged_from'; params: { incidentId: string; actor: string } }
  | { code: 'split_from'; params: { incidentId: string; actor: string } }
  /** An official warning (CAP) in force during the incident covers its position (docs/cap.md). */
  | { code: 'official_warning_covers'; params: OfficialWarningParams }
  /** Stored text no code matches (shown as it is). */
  | { code: 'text'; params: { text: string } };

export type LinkReasonCode = LinkReason['code'];

/** An operator's own words, when given with an action. */
export interface Because {
  reason?: string;
}

/** What a change to an incident was. */
export type ChangeNote =
  | { code: 'opened'; params: { evidence: number; sources: number; confidence: number } }
  | { code: 'evidence_linked'; params: { evidenceId: string; signal: string; why: LinkReason } }
  /** An alarm no longer trusted (its sensor is stuck). */
  | { code: 'evidence_withdrawn'; params: { evidenceId: string } }
  /** An alarm back to normal at `at` (epoch ms). */
  | { code: 'evidence_cleared'; params: { evidenceId: string; at: number } }
  /** An official warning no longer counts: its issuer cancelled or updated it. */
  | { code: 'warning_withdrawn'; params: { evidenceId: string; identifier: string } }
  /** Every signal normal for `quietS`: resolved, or proposed when an operator confirms. */
  | { code: 'signals_normal'; params: { quietS: number; operatorConfirms: boolean } }
  | { code: 'acknowledged'; params: Because }
  | { code: 'false_alarm'; params: Because }
  | { code: 'resolved'; params: Because }
  | { code: 'closed'; params: Because }
  | { code: 'reopened'; params: Because }
  /**
   * Reopened by the twin: evidence dated `minutesBefore` min before the twin resolved the
   * incident reached it only afterwards (a buffering gateway), so the resolution was premature.
   */
  | { code: 'late_evidence'; params: { evidenceId: string; minutesBefore: number } }
  /**
   * Linked to an incident the twin resolved, without reopening it: evidence dated `minutesBefore`
   * min before the resolution reached the twin only once its quiet time had passed, too late to
   * keep the incident open.
   */
  | { code: 'late_evidence_linked'; params: { evidenceId: string; signal: string; why: LinkReason; minutesBefore: number } }
  /**
   * Linked to an incident the twin resolved, without reopening it: an alarm dated `minutesBefore`
   * min before the resolution whose clear reached the twin with it (one delivery of a buffering
   * gateway): over before the twin learned of it.
   */
  | { code: 'late_alarm_cleared'; params: { evidenceId: string; signal: string; why: LinkReason; minutesBefore: number } }
  | { code: 'severity_set'; params: Because & { severity: number } }
  /** This incident took in `otherId`. */
  | { code: 'absorbed'; params: Because & { otherId: string } }
  | { code: 'merged_into'; params: Because & { incidentId: string } }
  /** `evidence` items moved to the new incident `incidentId`. */
  | { code: 'split_off'; params: Because & { evidence: number; incidentId: string } }
  | { code: 'split_from'; params: Because & { incidentId: string } }
  | { code: 'text'; params: { text: string } };

export type ChangeNoteCode = ChangeNote['code'];

/** The record form of a link reason (the English line stored in change details). */
export function linkReasonText(r: LinkReason): string {
  switch (r.code) {
    case 'same_district':
      return `same district ${r.params.district}, ${r.params.minutes} min apart`;
    case 'same_asset':
      return `same asset ${r.params.assetId}, ${r.params.minutes} min apart`;
    case 'near':
      return `${r.params.distanceM} m away (limit ${r.params.limitM} m), ${r.params.minutes} min apart`;
    case 'spill_over':
      return `spill-over: ${r.params.distanceM} m from the incident (limit ${r.params.limitM} m), ${r.params.minutes} min apart`;
    case 'anchor':
      return 'anchor: the others were matched against it';
    case 'merged_from':
      return `merged from ${r.params.incidentId} by ${r.params.actor}`;
    case 'split_from':
      return `split from ${r.params.incidentId} by ${r.params.actor}`;
    case 'official_warning_covers':
      return officialWarningText(r.params);
    case 'text':
      return r.params.text;
    default: {
      const never: never = r;
      throw new Error(`unknown link reason ${JSON.stringify(never)}`);
    }
  }
}

const isoOf = (ms: number): string => new Date(ms).toISOString();

/** The record form of an official warning's support (read back by {@link OFFICIAL_WARNING_TEXT}). */
function officialWarningText(p: OfficialWarningParams): string {
  const where = p.inside === 'polygon' ? 'inside its polygon' : `${p.distanceM ?? 0} m from its circle's centre`;
  return `official warning ${p.identifier} from ${p.sender} covers it: ${p.kind}${p.colour ? ` ${p.colour}` : ''}, ${p.severity}, ${where}, in force from ${isoOf(p.effective)} to ${p.expires === null ? 'open end' : isoOf(p.expires)}`;
}

const OFFICIAL_WARNING_TEXT =
  /^official warning (\S+) from (\S+) covers it: ([a-z_]+)(?: (blue|yellow|orange|red))?, ([A-Za-z]+), (?:inside its polygon|(\d+) m from its circle's centre), in force from (\S+) to (open end|\S+)$/;

function officialWarningOf(m: RegExpExecArray): LinkReason {
  const effective = Date.parse(m[7]!);
  const expires = m[8] === 'open end' ? null : Date.parse(m[8]!);
  if (!Number.isFinite(effective) || (expires !== null && !Number.isFinite(expires))) return { code: 'text', params: { text: m[0] } };
  return {
    code: 'official_warning_covers',
    params: {
      identifier: m[1]!,
      sender: m[2]!,
      kind: m[3] as OfficialWarningParams['kind'],
      colour: (m[4] ?? null) as OfficialWarningParams['colour'],
      severity: m[5] as OfficialWarningParams['severity'],
      ...(m[6] === undefined ? { inside: 'polygon' as const } : { inside: 'circle' as const, distanceM: Number(m[6]) }),
      effective,
      expires,
    },
  };
}

/** Record forms of link reasons, read back (the inverse of {@link linkReasonText}). */
const LINK_REASON_TEXTS: ReadonlyArray<[RegExp, (m: RegExpExecArray) => LinkReason]> = [
  [/^same district (\S+), (\d+) min apart$/, (m) => ({ code: 'same_district', params: { district: m[1]!, minutes: Number(m[2]) } })],
  [/^same asset (\S+), (\d+) min apart$/, (m) => ({ code: 'same_asset', params: { assetId: m[1]!, minutes: Number(m[2]) } })],
  [
    /^(\d+) m away \(limit (\d+) m\), (\d+) min apart$/,
    (m) => ({ code: 'near', params: { distanceM: Number(m[1]), limitM: Number(m[2]), minutes: Number(m[3]) } }),
  ],
  [
    /^spill-over: (\d+) m from the incident \(limit (\d+) m\), (\d+) min apart$/,
    (m) => ({ code: 'spill_over', params: { distanceM: Number(m[1]), limitM: Number(m[2]), minutes: Number(m[3]) } }),
  ],
  [/^anchor: /, () => ({ code: 'anchor', params: {} })],
  [/^merged from (\S+) by (.+)$/s, (m) => ({ code: 'merged_from', params: { incidentId: m[1]!, actor: m[2]! } })],
  [/^split from (\S+) by (.+)$/s, (m) => ({ code: 'split_from', params: { incidentId: m[1]!, actor: m[2]! } })],
  [OFFICIAL_WARNING_TEXT, officialWarningOf],
];

const LINK_REASON_CODES: ReadonlySet<string> = new Set<LinkReasonCode>([
  'same_district',
  'same_asset',
  'near',
  'spill_over',
  'anchor',
  'merged_from',
  'split_from',
  'official_warning_covers',
  'text',
]);

/**
 * An evidence's `why` as read from a store: a reason (incidents stored since the codes), or
 * the record text of incidents stored before them, upgraded to its code where it is one of
 * ours and kept as `text` otherwise. Anything else is an error quoting it.
 */
export function linkReasonOf(stored: unknown): LinkReason {
  if (typeof stored === 'string') {
    for (const [re, make] of LINK_REASON_TEXTS) {
      const m = re.exec(stored);
      if (m) return make(m);
    }
    return { code: 'text', params: { text: stored } };
  }
  if (
    typeof stored === 'object' &&
    stored !== null &&
    LINK_REASON_CODES.has(String((stored as { code?: unknown }).code)) &&
    typeof (stored as { params?: unknown }).params === 'object' &&
    (stored as { params?: unknown }).params !== null
  ) {
    return stored as LinkReason;
  }
  throw new Error(`evidence "why" ${JSON.stringify(stored)} is neither a text nor a reason of ${[...LINK_REASON_CODES].join(', ')}`);
}

const because = (p: Because): string => (p.reason ? ` (${p.reason})` : '');

/** The record form of a change note (stored as the change's `detail`). */
export function changeNoteText(n: ChangeNote): string {
  switch (n.code) {
    case 'opened':
      return `${n.params.evidence} evidence from ${n.params.sources} independent source(s), confidence ${n.params.confidence}`;
    case 'evidence_linked':
      return `${n.params.evidenceId} (${n.params.signal}): ${linkReasonText(n.params.why)}`;
    case 'evidence_withdrawn':
      return `${n.params.evidenceId} withdrawn: sensor suspect (value stuck)`;
    case 'evidence_cleared':
      return `${n.params.evidenceId} back to normal at ${new Date(n.params.at).toISOString()}`;
    case 'warning_withdrawn':
      return `${n.params.evidenceId} withdrawn: warning ${n.params.identifier} was cancelled or updated by its issuer`;
    case 'signals_normal':
      return `signals normal for ${n.params.quietS} s${n.params.operatorConfirms ? '; an operator confirms' : ''}`;
    case 'acknowledged':
    case 'resolved':
    case 'closed':
    case 'reopened':
      return `${n.code}${because(n.params)}`;
    case 'late_evidence':
      return `reopened: ${n.params.evidenceId} arrived after the resolution, dated ${n.params.minutesBefore} min before it`;
    case 'late_evidence_linked':
      return `${n.params.evidenceId} (${n.params.signal}): ${linkReasonText(n.params.why)}; arrived after the resolution, dated ${n.params.minutesBefore} min before it, its quiet time over: not reopened`;
    case 'late_alarm_cleared':
      return `${n.params.evidenceId} (${n.params.signal}): ${linkReasonText(n.params.why)}; arrived after the resolution together with its clear, dated ${n.params.minutesBefore} min before it: not reopened`;
    case 'false_alarm':
      return `marked false alarm${because(n.params)}`;
    case 'severity_set':
      return `severity ${n.params.severity}${because(n.params)}`;
    case 'absorbed':
      return `merged ${n.params.otherId} into this incident${because(n.params)}`;
    case 'merged_into':
      return `merged into ${n.params.incidentId}${because(n.params)}`;
    case 'split_off':
      return `${n.params.evidence} evidence moved to ${n.params.incidentId}${because(n.params)}`;
    case 'split_from':
      return `split from ${n.params.incidentId}${because(n.params)}`;
    case 'text':
      return n.params.text;
    default: {
      const never: never = n;
      throw new Error(`unknown change note ${JSON.stringify(never)}`);
    }
  }
}

/** Record forms of the twin's own changes (no operator reason), by the change they describe. */
const TWIN_TEXTS: ReadonlyArray<[ChangeWhat, RegExp, (m: RegExpExecArray) => ChangeNote]> = [
  [
    'opened',
    /^(\d+) evidence from (\d+) independent source\(s\), confidence ([\d.]+)$/,
    (m) => ({ code: 'opened', params: { evidence: Number(m[1]), sources: Number(m[2]), confidence: Number(m[3]) } }),
  ],
  [
    'evidence_linked',
    /^(\S+) \(([^)]+)\): (.*); arrived after the resolution, dated (\d+) min before it, its quiet time over: not reopened$/s,
    (m) => ({
      code: 'late_evidence_linked',
      params: { evidenceId: m[1]!, signal: m[2]!, why: linkReasonOf(m[3]!), minutesBefore: Number(m[4]) },
    }),
  ],
  [
    'evidence_linked',
    /^(\S+) \(([^)]+)\): (.*); arrived after the resolution together with its clear, dated (\d+) min before it: not reopened$/s,
    (m) => ({
      code: 'late_alarm_cleared',
      params: { evidenceId: m[1]!, signal: m[2]!, why: linkReasonOf(m[3]!), minutesBefore: Number(m[4]) },
    }),
  ],
  [
    'evidence_linked',
    /^(\S+) \(([^)]+)\): (.*)$/s,
    (m) => ({ code: 'evidence_linked', params: { evidenceId: m[1]!, signal: m[2]!, why: linkReasonOf(m[3]!) } }),
  ],
  [
    'evidence_inactive',
    /^(\S+) withdrawn: sensor suspect \(value stuck\)$/,
    (m) => ({ code: 'evidence_withdrawn', params: { evidenceId: m[1]! } }),
  ],
  [
    'evidence_inactive',
    /^(\S+) back to normal at (\S+)$/,
    (m) =>
      Number.isFinite(Date.parse(m[2]!)) ? { code: 'evidence_cleared', params: { evidenceId: m[1]!, at: Date.parse(m[2]!) } } : text(m[0]),
  ],
  [
    'evidence_inactive',
    /^(\S+) withdrawn: warning (\S+) was cancelled or updated by its issuer$/,
    (m) => ({ code: 'warning_withdrawn', params: { evidenceId: m[1]!, identifier: m[2]! } }),
  ],
  [
    'resolution_proposed',
    /^signals normal for (\d+) s(; an operator confirms)$/,
    (m) => ({ code: 'signals_normal', params: { quietS: Number(m[1]), operatorConfirms: true } }),
  ],
  [
    'reopened',
    /^reopened: (\S+) arrived after the resolution, dated (\d+) min before it$/,
    (m) => ({ code: 'late_evidence', params: { evidenceId: m[1]!, minutesBefore: Number(m[2]) } }),
  ],
  [
    'resolved',
    /^signals normal for (\d+) s$/,
    (m) => ({ code: 'signals_normal', params: { quietS: Number(m[1]), operatorConfirms: false } }),
  ],
];

/** Record forms of operator actions, before the optional ` (reason)`. */
const OPERATOR_TEXTS: ReadonlyArray<[RegExp, (m: RegExpExecArray, p: Because) => ChangeNote]> = [
  [/^acknowledged$/, (_, p) => ({ code: 'acknowledged', params: p })],
  [/^severity (\d)$/, (m, p) => ({ code: 'severity_set', params: { ...p, severity: Number(m[1]) } })],
  [/^merged (\S+) into this incident$/, (m, p) => ({ code: 'absorbed', params: { ...p, otherId: m[1]! } })],
  [/^merged into (\S+)$/, (m, p) => ({ code: 'merged_into', params: { ...p, incidentId: m[1]! } })],
  [/^(\d+) evidence moved to (\S+)$/, (m, p) => ({ code: 'split_off', params: { ...p, evidence: Number(m[1]), incidentId: m[2]! } })],
  [/^split from (\S+)$/, (m, p) => ({ code: 'split_from', params: { ...p, incidentId: m[1]! } })],
  [/^marked false alarm$/, (_, p) => ({ code: 'false_alarm', params: p })],
  [/^resolved$/, (_, p) => ({ code: 'resolved', params: p })],
  [/^closed$/, (_, p) => ({ code: 'closed', params: p })],
  [/^reopened$/, (_, p) => ({ code: 'reopened', params: p })],
];

/** An operator's reason at the end of a record: ` (reason)`. */
const BECAUSE = /^(.*?)(?: \((.*)\))?$/s;

function text(t: string): ChangeNote {
  return { code: 'text', params: { text: t } };
}

/**
 * A stored change detail read back as its note (the inverse of {@link changeNoteText}); a
 * detail that is not a record of ours becomes `text`.
 */
export function changeNoteOf(what: ChangeWhat, detail: string): ChangeNote {
  for (const [kind, re, make] of TWIN_TEXTS) {
    if (kind !== what) continue;
    const m = re.exec(detail);
    if (m) return make(m);
  }
  const [, head = detail, reason] = BECAUSE.exec(detail) ?? [];
  for (const [re, make] of OPERATOR_TEXTS) {
    const m = re.exec(head);
    if (m) return make(m, reason ? { reason } : {});
  }
  return text(detail);
}
