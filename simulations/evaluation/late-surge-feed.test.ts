/**
 * Late evidence reopening a resolved incident (docs/incidents.md, fifth round), through the
 * whole fusion engine, on tuning 2 seed 54 of the service surge: the main hall's second queue
 * feed sits behind a gateway that delivers its readings minutes late; its warning, dated before
 * the twin resolved the hall's incident, arrives after the resolution. It reopens that incident:
 * one incident for the one surge, where there were two.
 */
import { describe, expect, it } from 'vitest';
import { generateCity } from '../../twin-model/city/index.ts';
import { DEFAULT_INCIDENT_RULES, changeNoteOf } from '../../twin-model/index.ts';
import { generateScenario } from '../scenarios/index.ts';
import { scoreScenario } from './incident-scoring.ts';
import { replayScenario } from './replay-scenario.ts';

const city = generateCity();
const run = generateScenario('service_surge', { city, seed: 54 });
const { incidents, changes } = replayScenario(city, run, DEFAULT_INCIDENT_RULES);
/** The hall of the run's main surge (its second surge is at another hall, over 5 km away). */
const MAIN_HALL = 'hall-420106-03';

describe('service surge, seed 54: the late queue feed', () => {
  it('reopens the hall’s incident with the late warning instead of opening a second one', () => {
    const truth = run.groundTruth.filter((t) => t.type === 'service_surge' && !t.tail);
    expect(truth.map((t) => t.assetId)).toContain(MAIN_HALL);
    const hall = incidents.filter((i) => i.type === 'service_surge' && i.assetId === MAIN_HALL);
    expect(hall).toHaveLength(1);
    const history = changes.filter((c) => c.incidentId === hall[0]!.id).map((c) => c.what);
    // Opened, resolved by the twin, reopened by the late warning, resolved again.
    expect(history.filter((w) => w === 'resolved' || w === 'reopened' || w === 'opened')).toEqual([
      'opened',
      'resolved',
      'reopened',
      'resolved',
    ]);
    const reopened = changes.find((c) => c.incidentId === hall[0]!.id && c.what === 'reopened')!;
    expect(reopened.actor).toBe('twin');
    const note = changeNoteOf('reopened', reopened.detail);
    expect(note.code).toBe('late_evidence');
    const late = hall[0]!.evidence.find((e) => e.id === (note.code === 'late_evidence' ? note.params.evidenceId : ''))!;
    // The late warning is dated before the resolution it arrived after.
    const resolvedAt = changes.find((c) => c.incidentId === hall[0]!.id && c.what === 'resolved')!.at;
    expect(late.ts).toBeLessThan(resolvedAt);
    expect(reopened.at).toBeGreaterThan(resolvedAt);
  });

  it('scores one incident per surge event, with no duplicates left to explain', () => {
    const score = scoreScenario(incidents, run.groundTruth, { rules: DEFAULT_INCIDENT_RULES });
    expect(score.duplicates).toEqual([]);
    expect(score).toMatchObject({ trueEvents: 2, detected: 2, matchedIncidents: 2, incidentsPerEvent: 1 });
  });

  it('lists an event matched by two incidents as a duplicate, in the order they opened', () => {
    const surge = incidents.find((i) => i.type === 'service_surge' && i.assetId === MAIN_HALL)!;
    const second = { ...surge, id: 'inc-copy', openedAt: surge.openedAt + 60_000 };
    const score = scoreScenario([second, ...incidents], run.groundTruth, { rules: DEFAULT_INCIDENT_RULES });
    expect(score.duplicates.map((d) => [d.event.assetId, d.incidents.map((i) => i.id)])).toEqual([[MAIN_HALL, [surge.id, 'inc-copy']]]);
    expect(score.incidentsPerEvent).toBe(1.5);
  });
});
