import { describe, expect, it } from 'vitest';
import { applyIncidentInput, createIncidentState, linkReasonText, type Evidence, type Incident } from '../../twin-model/index.ts';
import { decodeIncidentSnapshot, encodeIncidentSnapshot, INCIDENT_SNAPSHOT } from './incident-snapshot.ts';
import { StoredJsonError } from './stored-json.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const report = (id: string, lng: number): Evidence => ({
  id: `event:hotline-12345:${id}`,
  kind: 'event',
  eventType: 'manual_report',
  category: 'waterlogging',
  source: 'hotline-12345',
  ts: T0,
  lng,
  lat: 30.55,
});
const alarm = (sensorId: string, lng: number): Evidence => ({
  id: `alarm:${sensorId}`,
  kind: 'sensor_alarm',
  sensorKind: 'water_level',
  sensorId,
  level: 'alarm',
  metric: 'water_level_cm',
  value: 41.5,
  ts: T0 + 1000,
  lng,
  lat: 30.55,
  assetId: 'up-0012',
  district: '420106',
});

/** Incidents as the correlator makes them: a report and an alarm fused, one acknowledged by an operator. */
function incidents(): Incident[] {
  const state = createIncidentState();
  const ctx = { now: () => T0 + 5000 };
  applyIncidentInput(state, { type: 'event', evidence: report('case-1', 114.3) }, ctx);
  applyIncidentInput(state, { type: 'alarm', evidence: alarm('wl-1', 114.3001) }, ctx);
  const [opened] = applyIncidentInput(state, { type: 'event', evidence: report('case-2', 114.5) }, ctx);
  applyIncidentInput(state, { type: 'operator', incidentId: opened!.incidentId, actor: 'op', command: { action: 'acknowledge' } }, ctx);
  const all = [...state.incidents.values()];
  expect(all.length).toBeGreaterThanOrEqual(2);
  // The report and the alarm fused: evidence of both kinds, with the alarm's measurement.
  expect(all.some((i) => i.evidence.some((e) => e.kind === 'sensor_alarm' && e.value !== undefined))).toBe(true);
  return structuredClone(all);
}

/** The incident as versions 0 and 1 stored it: each evidence's `why` in its English record form. */
function withRecordText(incident: Incident): Record<string, unknown> {
  return { ...incident, evidence: incident.evidence.map((e) => ({ ...e, why: linkReasonText(e.why) })) };
}

describe('incident snapshots', () => {
  it('read rows written before versions (the incident as JSON.stringify wrote it) as the same incident', () => {
    for (const incident of incidents()) {
      const legacy = JSON.stringify(withRecordText(incident));
      expect(legacy).not.toContain('"code"');
      expect(decodeIncidentSnapshot(legacy, 'of a test row')).toEqual(incident);
      // Unstamped rows that already hold reasons read the same.
      expect(decodeIncidentSnapshot(JSON.stringify(incident), 'of a test row')).toEqual(incident);
    }
  });

  it('read version 1 rows (reasons as record text) with each reason back as its code', () => {
    for (const incident of incidents()) {
      const v1 = JSON.stringify({ schemaVersion: 1, ...withRecordText(incident) });
      expect(decodeIncidentSnapshot(v1, 'of a test row')).toEqual(incident);
    }
  });

  it('write the current version as a top-level stamp beside the fields SQL reads, and read it back unchanged', () => {
    for (const incident of incidents()) {
      const text = encodeIncidentSnapshot(incident);
      const stored = JSON.parse(text) as Record<string, unknown>;
      expect(stored.schemaVersion).toBe(INCIDENT_SNAPSHOT.current);
      // The KPI rollups read these with JSONExtract: still at the top level.
      expect(stored.district).toBe(incident.district);
      expect(stored.severity).toBe(incident.severity);
      expect(stored.openedAt).toBe(incident.openedAt);
      expect(decodeIncidentSnapshot(text, 'of a test row')).toEqual(incident);
    }
  });

  it('keep a cleared alarm’s clear time (its quiet time counts from it), and read version 2 rows written without one', () => {
    const state = createIncidentState();
    let now = T0 + 5000;
    const ctx = { now: () => now };
    applyIncidentInput(state, { type: 'event', evidence: report('case-1', 114.3) }, ctx);
    const [linked] = applyIncidentInput(state, { type: 'alarm', evidence: alarm('wl-1', 114.3001) }, ctx);
    now = T0 + 30 * 60_000;
    applyIncidentInput(state, { type: 'alarm_cleared', sensorId: 'wl-1', ts: now }, ctx);
    const incident = structuredClone(state.incidents.get(linked!.incidentId)!);
    expect(incident.evidence.find((e) => e.id === 'alarm:wl-1')!.clearedAt).toBe(now);
    expect(decodeIncidentSnapshot(encodeIncidentSnapshot(incident), 'of a test row')).toEqual(incident);
    const before = { ...incident, evidence: incident.evidence.map(({ clearedAt: _, ...e }) => e) };
    expect(decodeIncidentSnapshot(JSON.stringify({ schemaVersion: 2, ...before }), 'of a test row')).toEqual(before);
  });

  it('upgrade version 0 to version 1 field for field', () => {
    const [incident] = incidents();
    const v0 = withRecordText(incident!);
    expect(INCIDENT_SNAPSHOT.upgrade[0]!(v0 as never)).toEqual(v0);
  });

  it('upgrade version 1 to version 2: record texts to reasons, a text that is none kept as a text reason', () => {
    const [incident] = incidents();
    const v1 = withRecordText(incident!) as { evidence: Array<Record<string, unknown>> };
    v1.evidence[0]!.why = 'linked by hand';
    const v2 = INCIDENT_SNAPSHOT.upgrade[1]!(v1 as never) as Incident;
    expect(v2.evidence[0]!.why).toEqual({ code: 'text', params: { text: 'linked by hand' } });
    expect(v2.evidence.slice(1)).toEqual(incident!.evidence.slice(1));
    expect(v2.evidence.every((e) => typeof e.why === 'object')).toBe(true);
  });

  it('read an optional measurement written as null (a non-finite number in JSON) as absent', () => {
    const [incident] = incidents();
    const legacy = JSON.parse(JSON.stringify(incident)) as { evidence: Array<Record<string, unknown>>; moreEvidence?: unknown };
    legacy.evidence[0]!.value = null;
    legacy.evidence[0]!.areaShare = null;
    legacy.moreEvidence = null;
    const read = decodeIncidentSnapshot(JSON.stringify(legacy), 'of a test row');
    expect(read.evidence[0]!.value).toBeUndefined();
    expect(read.evidence[0]!.areaShare).toBeUndefined();
    expect(read.moreEvidence).toBeUndefined();
    expect(read.evidence[0]!.id).toBe(incident!.evidence[0]!.id);
  });

  it('refuse a version this code does not know, naming it and the versions it reads', () => {
    const [incident] = incidents();
    const text = JSON.stringify({ schemaVersion: 7, ...incident });
    expect(() => decodeIncidentSnapshot(text, 'of incident_changes inc-000001 seq 3')).toThrow(StoredJsonError);
    expect(() => decodeIncidentSnapshot(text, 'of incident_changes inc-000001 seq 3')).toThrow(
      /incident snapshot of incident_changes inc-000001 seq 3: schemaVersion 7 is not one this version reads \(0 to 2\)/,
    );
  });

  it('refuse a snapshot that does not match its version, naming the field and quoting the text', () => {
    const [incident] = incidents();
    const bad = JSON.stringify({ schemaVersion: 1, ...incident, status: 'lost' });
    expect(() => decodeIncidentSnapshot(bad, 'of a test row')).toThrow(/version 1: status: .*"status":"lost"/);
    expect(() => decodeIncidentSnapshot('{"id":', 'of a test row')).toThrow(/not JSON/);
    expect(() => decodeIncidentSnapshot('[1,2]', 'of a test row')).toThrow(/not a JSON object/);
  });
});
