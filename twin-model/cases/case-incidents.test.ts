import { describe, expect, it } from 'vitest';
import { applyIncidentInput, createIncidentState, type Incident, type IncidentChange } from '../incidents/incident-correlator.ts';
import { listedIncident } from '../incidents/fixtures/listed-incident.ts';
import { createCaseDesk, intakeCase } from './case-desk.ts';
import { caseEvent, caseEvidence, caseEvidenceId, caseLinksFromIncidentChange, proposeIncidentLink } from './case-incidents.ts';
import type { HotlineCase } from './case-types.ts';
import { clock, deskContext, intake, MIN, PLACE, shanghai, wuhanRules } from './fixtures/case-fixtures.ts';

const T0 = shanghai(2026, 7, 1, 10, 0);
const north = (m: number) => m / 111_320;

function takeCase(o: Parameters<typeof intake>[0] = {}): HotlineCase {
  const desk = createCaseDesk(wuhanRules());
  const { caseId } = intakeCase(desk, intake({ receivedAt: T0, ...o }), deskContext(clock(T0)));
  return desk.cases.get(caseId)!;
}

function incident(id: string, type: Incident['type'], dNorthM: number, o: Partial<Incident> = {}): Incident {
  return listedIncident(id, type, PLACE.lng, PLACE.lat + north(dNorthM), {
    district: '420103',
    confidence: 0.7,
    openedAt: T0 - 20 * MIN,
    updatedAt: T0 - 5 * MIN,
    lastEvidenceAt: T0 - 5 * MIN,
    ...o,
  });
}

describe('join or open', () => {
  it('joins the nearest open incident of the matching type within its radius', () => {
    const c = takeCase();
    const p = proposeIncidentLink(c, [
      incident('inc-1', 'waterlogging', 400),
      incident('inc-2', 'waterlogging', 200),
      incident('inc-3', 'fire', 10),
    ]);
    expect(p).toEqual({
      kind: 'join',
      incidentId: 'inc-2',
      incidentType: 'waterlogging',
      why: { code: 'within_radius', params: { distanceM: 200, limitM: 600, minutes: 5 } },
    });
  });

  it("ignores incidents that are closed, too far, or quiet for longer than the rule's window", () => {
    const c = takeCase();
    const p = proposeIncidentLink(c, [
      incident('inc-1', 'waterlogging', 100, { status: 'resolved' }),
      incident('inc-2', 'waterlogging', 900),
      incident('inc-3', 'waterlogging', 100, { lastEvidenceAt: T0 - 2 * 3_600_000 }),
    ]);
    expect(p).toEqual({ kind: 'open', incidentType: 'waterlogging', automatic: false, weight: 0.4, minConfidence: 0.6 });
  });

  it('a fire report opens a fire incident on its own', () => {
    expect(proposeIncidentLink(takeCase({ category: 'fire' }), [])).toMatchObject({ kind: 'open', incidentType: 'fire', automatic: true });
  });

  it('a traffic call joins a crash up to the join radius (spill-over), preferred over a flood it only corroborates', () => {
    const c = takeCase({ category: 'traffic' });
    const crash = incident('inc-9', 'traffic_accident', 1500);
    const flood = incident('inc-8', 'waterlogging', 100);
    expect(proposeIncidentLink(c, [flood, crash])).toMatchObject({
      kind: 'join',
      incidentId: 'inc-9',
      why: { code: 'spill_over', params: { limitM: 5000 } },
    });
    expect(proposeIncidentLink(c, [flood])).toMatchObject({ kind: 'join', incidentId: 'inc-8' });
  });

  it('categories no incident takes, or takes only as corroboration, propose nothing', () => {
    expect(proposeIncidentLink(takeCase({ category: 'noise' }), [])).toEqual({ kind: 'none', reason: 'no_incident_type' });
    expect(proposeIncidentLink(takeCase({ category: 'other' }), [])).toEqual({ kind: 'none', reason: 'cannot_open' });
  });
});

describe('the case as evidence', () => {
  it('has the evidence id of its report on the events path, and carries no text', () => {
    const c = takeCase({ source: 'hotline-12345', externalId: 'c-42' });
    expect(caseEvidenceId(c)).toBe('event:hotline-12345:c-42');
    expect(caseEvidence(c)).toMatchObject({
      id: 'event:hotline-12345:c-42',
      kind: 'event',
      eventType: 'citizen_report',
      category: 'waterlogging',
      district: '420103',
    });
    expect(caseEvent(c)).toMatchObject({ source: 'hotline-12345', id: 'c-42', type: 'citizen_report', text: null, ts: T0 });
  });

  it("the correlator's changes link the cases whose reports opened or joined an incident", () => {
    const state = createIncidentState();
    const ctx = { now: () => T0 + MIN };
    const cases = [0, 40, 80, 120].map((m, i) => takeCase({ externalId: `c-${i}`, lat: PLACE.lat + north(m) }));
    const byEvidence = new Map(cases.map((c) => [caseEvidenceId(c), c.id] as const));
    const changes: IncidentChange[] = [];
    for (const c of cases) changes.push(...applyIncidentInput(state, { type: 'event', evidence: caseEvidence(c) }, ctx));
    const links = changes.flatMap((ch) => caseLinksFromIncidentChange(ch, byEvidence));
    // Three reports reach the waterlogging rule's confidence together; the fourth joins.
    expect(changes.map((ch) => ch.what)).toEqual(['opened', 'evidence_linked']);
    const incidentId = changes[0]!.incidentId;
    expect(links).toEqual([
      { caseId: cases[0]!.id, incidentId, how: 'opened' },
      { caseId: cases[1]!.id, incidentId, how: 'opened' },
      { caseId: cases[2]!.id, incidentId, how: 'opened' },
      { caseId: cases[3]!.id, incidentId, how: 'joined' },
    ]);
  });
});
