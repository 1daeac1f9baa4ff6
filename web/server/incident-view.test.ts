import { describe, expect, it } from 'vitest';
import type { Incident, LinkedEvidence } from '../../twin-model/index.ts';
import { compareIncidents, incidentViewer } from './incident-view.ts';

const ev = (id: string, sensorId?: string): LinkedEvidence =>
  ({ id, kind: sensorId ? 'sensor_alarm' : 'event', ts: 0, lng: 114.3, lat: 30.5, signal: 's', family: 'sensor', weight: 0.5, active: true, why: 'w', linkedAt: 0, ...(sensorId ? { sensorId } : {}) }) as LinkedEvidence;
const incident = (id: string, severity: number, openedAt: number, evidence: LinkedEvidence[] = []): Incident =>
  ({ id, type: 'waterlogging', status: 'open', severity, openedAt, evidence }) as Incident;

describe('incidentViewer', () => {
  it('leaves out evidence from sensors above the clearance and counts it', () => {
    const classes: Record<string, 'public' | 'internal' | 'sensitive'> = { 'wl-1': 'public', 'ed-1': 'sensitive' };
    const classify = (e: LinkedEvidence) => (e.sensorId ? (classes[e.sensorId] ?? 'internal') : null);
    const inc = incident('inc-1', 3, 0, [ev('alarm:wl-1', 'wl-1'), ev('alarm:ed-1', 'ed-1'), ev('event:hotline:1')]);
    const display = incidentViewer(['public'], classify)(inc);
    expect(display.evidence.map((e) => e.id)).toEqual(['alarm:wl-1', 'event:hotline:1']);
    expect(display.hiddenEvidence).toBe(1);
    const operator = incidentViewer(['public', 'internal', 'sensitive'], classify)(inc);
    expect(operator.evidence).toHaveLength(3);
    expect(operator.hiddenEvidence).toBe(0);
    // The incident itself is not changed.
    expect(inc.evidence).toHaveLength(3);
  });

  it('orders the queue by severity, then newest first', () => {
    const list = [incident('a', 2, 10), incident('b', 4, 5), incident('c', 4, 9)];
    expect(list.sort(compareIncidents).map((i) => i.id)).toEqual(['c', 'b', 'a']);
  });
});
