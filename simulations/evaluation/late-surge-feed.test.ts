/**
 * The late queue feed of tuning 2 seed 54 of the service surge, through the whole fusion engine
 * (docs/incidents.md, fifth round and "Quiet time"): the main hall's second queue feed sits
 * behind a gateway that delivers its readings minutes late. The first feed's warning, active
 * for 44 minutes, used to resolve the hall's incident the moment it cleared (its quiet time was
 * counted from when it was raised), and the late warning, arriving 36 s later, then reopened it.
 * Counted from the clear, the quiet time keeps the incident open: the late warning joins it.
 * One incident for the one surge, resolved once.
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
  it('keeps the hall’s incident open after its first feed clears: the late warning joins it, and it resolves once', () => {
    const truth = run.groundTruth.filter((t) => t.type === 'service_surge' && !t.tail);
    expect(truth.map((t) => t.assetId)).toContain(MAIN_HALL);
    const hall = incidents.filter((i) => i.type === 'service_surge' && i.assetId === MAIN_HALL);
    expect(hall).toHaveLength(1);
    const history = changes.filter((c) => c.incidentId === hall[0]!.id);
    expect(history.map((c) => c.what).filter((w) => w === 'resolved' || w === 'reopened' || w === 'opened')).toEqual([
      'opened',
      'resolved',
    ]);
    // The first feed cleared; the late feed's warning arrived after that clear and joined the open incident.
    const [first, late] = hall[0]!.evidence.filter((e) => e.kind === 'sensor_alarm');
    expect(first!.clearedAt).toBeDefined();
    const linked = history.find(
      (c) =>
        c.what === 'evidence_linked' && changeNoteOf('evidence_linked', c.detail).code === 'evidence_linked' && c.at > first!.clearedAt!,
    )!;
    expect(linked.incident.status).toBe('open');
    expect(linked.incident.evidence.map((e) => e.id)).toContain(late!.id);
    // Resolved the quiet time after the last feed cleared, not when the first one did.
    const resolved = history.find((c) => c.what === 'resolved')!;
    expect(resolved.at - late!.clearedAt!).toBeGreaterThanOrEqual(DEFAULT_INCIDENT_RULES.get('service_surge')!.resolve.quietS * 1000);
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
