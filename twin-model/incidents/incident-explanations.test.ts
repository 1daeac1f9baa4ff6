import { describe, expect, it } from 'vitest';
import {
  changeNoteOf,
  changeNoteText,
  linkReasonOf,
  linkReasonText,
  type ChangeNote,
  type ChangeWhat,
  type LinkReason,
} from './incident-explanations.ts';
import { upgradeStoredIncident } from './incident-restore.ts';
import type { Incident } from './incident-correlator.ts';

const REASONS: LinkReason[] = [
  { code: 'same_district', params: { district: '420106', minutes: 3 } },
  { code: 'same_asset', params: { assetId: 'up-0012', minutes: 0 } },
  { code: 'near', params: { distanceM: 223, limitM: 600, minutes: 2 } },
  { code: 'spill_over', params: { distanceM: 950, limitM: 1200, minutes: 7 } },
  { code: 'anchor', params: {} },
  { code: 'merged_from', params: { incidentId: 'inc-000003', actor: 'zhang wei' } },
  { code: 'split_from', params: { incidentId: 'inc-000004', actor: 'li' } },
];

const NOTES: Array<[ChangeWhat, ChangeNote]> = [
  ['opened', { code: 'opened', params: { evidence: 3, sources: 2, confidence: 0.755 } }],
  ['evidence_linked', { code: 'evidence_linked', params: { evidenceId: 'event:hotline:c1', signal: 'hotline', why: REASONS[2]! } }],
  ['evidence_inactive', { code: 'evidence_withdrawn', params: { evidenceId: 'alarm:wl-1' } }],
  ['evidence_inactive', { code: 'evidence_cleared', params: { evidenceId: 'alarm:wl-1', at: Date.UTC(2026, 6, 1, 8, 3) } }],
  ['resolution_proposed', { code: 'signals_normal', params: { quietS: 1800, operatorConfirms: true } }],
  ['resolved', { code: 'signals_normal', params: { quietS: 600, operatorConfirms: false } }],
  ['acknowledged', { code: 'acknowledged', params: {} }],
  ['severity_set', { code: 'severity_set', params: { reason: '积水过膝 (knee deep)', severity: 4 } }],
  ['absorbed', { code: 'absorbed', params: { otherId: 'inc-000009' } }],
  ['merged_into', { code: 'merged_into', params: { reason: 'same underpass', incidentId: 'inc-000001' } }],
  ['split_off', { code: 'split_off', params: { evidence: 2, incidentId: 'inc-000010' } }],
  ['split_from', { code: 'split_from', params: { incidentId: 'inc-000001' } }],
  ['false_alarm', { code: 'false_alarm', params: { reason: 'drill' } }],
  ['resolved', { code: 'resolved', params: {} }],
  ['closed', { code: 'closed', params: {} }],
  ['reopened', { code: 'reopened', params: { reason: 'water rising again' } }],
  ['reopened', { code: 'late_evidence', params: { evidenceId: 'alarm:sh-2', minutesBefore: 10 } }],
  [
    'evidence_linked',
    {
      code: 'late_evidence_linked',
      params: { evidenceId: 'event:manual:m1', signal: 'manual', why: REASONS[1]!, minutesBefore: 10 },
    },
  ],
  [
    'evidence_linked',
    { code: 'late_alarm_cleared', params: { evidenceId: 'alarm:sh-2', signal: 'hall_busy', why: REASONS[1]!, minutesBefore: 2 } },
  ],
];

describe('incident explanations: record text and codes', () => {
  it('reads every link reason back from its record text', () => {
    for (const r of REASONS) expect(linkReasonOf(linkReasonText(r))).toEqual(r);
  });

  it('reads every change note back from its record text', () => {
    for (const [what, note] of NOTES) expect(changeNoteOf(what, changeNoteText(note)), changeNoteText(note)).toEqual(note);
  });

  it('keeps the record text of the first stored incidents', () => {
    expect(linkReasonText(REASONS[2]!)).toBe('223 m away (limit 600 m), 2 min apart');
    expect(changeNoteText(NOTES[1]![1])).toBe('event:hotline:c1 (hotline): 223 m away (limit 600 m), 2 min apart');
    expect(changeNoteText(NOTES[7]![1])).toBe('severity 4 (积水过膝 (knee deep))');
    expect(changeNoteText(NOTES[3]![1])).toBe('alarm:wl-1 back to normal at 2026-07-01T08:03:00.000Z');
  });

  it('keeps a text that is not a record of ours as text', () => {
    expect(linkReasonOf('a newer server wrote this')).toEqual({ code: 'text', params: { text: 'a newer server wrote this' } });
    expect(changeNoteOf('updated', 'something else')).toEqual({ code: 'text', params: { text: 'something else' } });
    // A twin text under another kind of change is not read as that change.
    expect(changeNoteOf('closed', 'signals normal for 600 s').code).toBe('text');
    expect(changeNoteOf('evidence_inactive', 'alarm:x back to normal at yesterday').code).toBe('text');
  });

  it('refuses a stored why that is neither text nor reason, quoting it', () => {
    expect(() => linkReasonOf(42)).toThrow(/evidence "why" 42 is neither a text nor a reason of same_district/);
    expect(() => linkReasonOf({ code: 'nope', params: {} })).toThrow(/"code":"nope"/);
  });
});

describe('upgradeStoredIncident', () => {
  const stored = (why: unknown): Incident =>
    ({
      id: 'inc-000001',
      evidence: [{ id: 'alarm:wl-1', why }],
    }) as unknown as Incident;

  it('upgrades the prose of incidents stored before the codes', () => {
    const up = upgradeStoredIncident(stored('same asset up-1, 0 min apart'));
    expect(up.evidence[0]!.why).toEqual({ code: 'same_asset', params: { assetId: 'up-1', minutes: 0 } });
    expect(upgradeStoredIncident(stored('hand-written note')).evidence[0]!.why).toEqual({
      code: 'text',
      params: { text: 'hand-written note' },
    });
  });

  it('returns incidents stored with codes as they are', () => {
    const inc = stored({ code: 'anchor', params: {} });
    expect(upgradeStoredIncident(inc)).toBe(inc);
  });
});
