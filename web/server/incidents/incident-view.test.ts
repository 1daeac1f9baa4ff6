import { describe, expect, it } from 'vitest';
import type { Incident, IncidentChange, LinkedEvidence } from '../../../twin-model/index.ts';
import { eventClassifier } from '../auth/classification.ts';
import {
  coarsen,
  compareIncidents,
  historyViewer,
  incidentUpdateViewer,
  incidentViewer,
  WITHHELD_DETAIL,
  type EvidenceRef,
} from './incident-view.ts';

const ev = (id: string, extra: Partial<LinkedEvidence> = {}): LinkedEvidence =>
  ({
    id,
    kind: id.startsWith('alarm:') ? 'sensor_alarm' : 'event',
    ts: 0,
    lng: 114.312345,
    lat: 30.556789,
    signal: 's',
    family: 'sensor',
    weight: 0.5,
    active: true,
    why: 'w',
    linkedAt: 0,
    ...extra,
  }) as LinkedEvidence;
const incident = (
  id: string,
  severity: number,
  openedAt: number,
  evidence: LinkedEvidence[] = [],
  place: Partial<Incident> = {},
): Incident =>
  ({
    id,
    type: 'waterlogging',
    status: 'open',
    severity,
    openedAt,
    evidence,
    lng: 114.312345,
    lat: 30.556789,
    assetId: null,
    ...place,
  }) as Incident;

const sensorClasses: Record<string, 'public' | 'internal' | 'sensitive'> = { 'wl-1': 'public', 'ed-1': 'sensitive' };
const events = eventClassifier([
  { id: 'hotline.12345-cases', classification: 'sensitive', eventSources: ['hotline-12345'] },
  { id: 'dsj.video-algorithms', classification: 'internal', eventSources: ['aihub-video'] },
]);
const classify = (e: EvidenceRef) =>
  e.kind === 'event' ? events(e.source, e.eventType ?? null) : (sensorClasses[e.sensorId ?? ''] ?? 'internal');
const ALL = ['public', 'internal', 'sensitive'] as const;

describe('incidentViewer', () => {
  it('leaves out evidence above the clearance — sensors and reports — and counts it', () => {
    const inc = incident('inc-1', 3, 0, [
      ev('alarm:wl-1', { sensorId: 'wl-1' }),
      ev('alarm:ed-1', { sensorId: 'ed-1' }),
      ev('event:hotline-12345:case-1', { source: 'hotline-12345', eventType: 'citizen_report' }),
      ev('event:aihub-video:cam-7', { source: 'aihub-video', eventType: 'video_detection' }),
    ]);
    const display = incidentViewer(['public'], classify)(inc);
    expect(display.evidence.map((e) => e.id)).toEqual(['alarm:wl-1']);
    expect(display.hiddenEvidence).toBe(3);
    const leader = incidentViewer(['public', 'internal'], classify)(inc);
    expect(leader.evidence.map((e) => e.id)).toEqual(['alarm:wl-1', 'event:aihub-video:cam-7']);
    const operator = incidentViewer(ALL, classify)(inc);
    expect(operator.evidence).toHaveLength(4);
    expect(operator).toMatchObject({ hiddenEvidence: 0, coarse: false, lng: 114.312345, lat: 30.556789 });
    // The incident itself is not changed.
    expect(inc.evidence).toHaveLength(4);
  });

  it('coarsens the position and drops an asset no visible evidence names when evidence is withheld', () => {
    const inc = incident(
      'inc-2',
      3,
      0,
      [ev('event:hotline-12345:case-1', { source: 'hotline-12345', eventType: 'citizen_report', assetId: 'up-1' })],
      { assetId: 'up-1' },
    );
    const display = incidentViewer(['public'], classify)(inc);
    expect(display).toMatchObject({
      type: 'waterlogging',
      status: 'open',
      severity: 3,
      lng: 114.31,
      lat: 30.56,
      assetId: null,
      coarse: true,
      hiddenEvidence: 1,
      evidence: [],
    });
    const withVisible = incident(
      'inc-3',
      3,
      0,
      [ev('alarm:wl-1', { sensorId: 'wl-1', assetId: 'up-1' }), ev('alarm:ed-1', { sensorId: 'ed-1' })],
      { assetId: 'up-1' },
    );
    expect(incidentViewer(['public'], classify)(withVisible)).toMatchObject({ assetId: 'up-1', coarse: true, lng: 114.31 });
    expect(coarsen(114.305)).toBeCloseTo(114.31, 6);
  });

  it('classifies a report from an unknown source: a citizen report as sensitive, others as internal', () => {
    expect(events('somebody-else', 'citizen_report')).toBe('sensitive');
    expect(events('somebody-else', 'manual_report')).toBe('internal');
    expect(events('somebody-else', null)).toBe('sensitive');
    expect(events('hotline-12345', 'manual_report')).toBe('sensitive');
  });

  it('orders the queue by severity, then newest first', () => {
    const list = [incident('a', 2, 10), incident('b', 4, 5), incident('c', 4, 9)];
    expect(list.sort(compareIncidents).map((i) => i.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('change details', () => {
  const inc = incident('inc-4', 3, 0, [
    ev('event:hotline-12345:case-9', { source: 'hotline-12345', eventType: 'citizen_report' }),
    ev('alarm:wl-1', { sensorId: 'wl-1' }),
  ]);
  const change = (detail: string): IncidentChange => ({
    incidentId: inc.id,
    at: 1,
    actor: 'twin',
    what: 'evidence_linked',
    detail,
    incident: inc,
  });

  it('replaces a detail naming withheld evidence, also evidence the incident no longer lists', () => {
    const display = historyViewer(['public'], classify);
    expect(display(change('event:hotline-12345:case-9 (hotline): 120 m, 2 min after')).detail).toBe(WITHHELD_DETAIL);
    expect(display(change('alarm:ed-1 back to normal at 2026-07-01T00:00:00.000Z')).detail).toBe(WITHHELD_DETAIL);
    expect(display(change('alarm:wl-1 (water): same asset up-1')).detail).toBe('alarm:wl-1 (water): same asset up-1');
    expect(display(change('acknowledged')).detail).toBe('acknowledged');
    expect(historyViewer(ALL, classify)(change('event:hotline-12345:case-9 (hotline): 120 m')).detail).toBe(
      'event:hotline-12345:case-9 (hotline): 120 m',
    );
  });

  it('gives the socket update the same view and detail', () => {
    const update = incidentUpdateViewer(['public'], classify)(change('event:hotline-12345:case-9 (hotline): 120 m'));
    expect(update.detail).toBe(WITHHELD_DETAIL);
    expect(update.incident).toMatchObject({ hiddenEvidence: 1, coarse: true });
    expect(JSON.stringify(update)).not.toContain('case-9');
  });
});
