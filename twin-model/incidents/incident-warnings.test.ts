/**
 * Official warnings (CAP) as context evidence in the correlator: a rainstorm red warning over a
 * waterlogging incident raises its confidence by the warning's boost, with the reason in its
 * evidence; a cancelled warning stops counting; CityTwin's own alerts never count.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capToContext, type WarningContext } from '../cap/cap-context.ts';
import { capCancel, capDraftFromIncident } from '../cap/cap-drafts.ts';
import { parseCapXml } from '../cap/cap-xml.ts';
import { applyIncidentInput, createIncidentState, type Evidence, type IncidentContext } from './incident-correlator.ts';
import { changeNoteOf, linkReasonOf, linkReasonText } from './incident-explanations.ts';
import { incidentSchema } from './incident-schemas.ts';

const rainstorm = (() => {
  const r = parseCapXml(readFileSync(new URL('../cap/fixtures/rainstorm-red-warning.xml', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.alert;
})();
/** 16:00 Beijing time: the red warning (14:00–20:00) is in force. */
const T0 = Date.UTC(2026, 6, 1, 8);
const clock = (): IncidentContext & { set(ms: number): void } => {
  let now = T0;
  return { now: () => now, set: (ms) => (now = ms) };
};
/** Inside the warned polygon (30.56–30.64 N, 114.24–114.32 E). */
const AT = { lng: 114.265, lat: 30.586 };
const gauge = (id: string, ts: number, at = AT): Evidence => ({
  id: `alarm:${id}`,
  kind: 'sensor_alarm',
  sensorKind: 'water_level',
  sensorId: id,
  level: 'alarm',
  metric: 'water_level_cm',
  value: 32,
  ts,
  ...at,
  district: '420103',
});
const call = (id: string, ts: number, at = AT): Evidence => ({
  id: `event:hotline:${id}`,
  kind: 'event',
  eventType: 'citizen_report',
  category: 'waterlogging',
  source: 'hotline',
  ts,
  lng: at.lng,
  lat: at.lat + 0.001,
  district: '420103',
});

function openIncident(s = createIncidentState(), ctx = clock(), at = AT, n = 1) {
  applyIncidentInput(s, { type: 'alarm', evidence: gauge(`wl-${n}`, ctx.now(), at) }, ctx);
  const changes = applyIncidentInput(s, { type: 'event', evidence: call(`c${n}`, ctx.now(), at) }, ctx);
  return { s, ctx, changes, id: changes.find((c) => c.what === 'opened')!.incidentId };
}

describe('official warnings in the correlator', () => {
  it('raises a covered waterlogging incident by the red warning’s boost, with the reason in its evidence', () => {
    const { s, ctx, id } = openIncident();
    expect(s.incidents.get(id)!.confidence).toBe(0.73);
    const warnings = capToContext(rainstorm, ctx.now());
    const changes = applyIncidentInput(s, { type: 'warnings', warnings }, ctx);
    expect(changes.map((c) => c.what)).toEqual(['evidence_linked']);
    const incident = s.incidents.get(id)!;
    expect(incident.confidence).toBe(0.93);
    const support = incident.evidence.find((e) => e.kind === 'official_warning')!;
    expect(support).toMatchObject({ family: 'warning', weight: 0.2, signal: 'official_warning', source: 'whqxt@weather.example.cn' });
    expect(support.why).toEqual({
      code: 'official_warning_covers',
      params: {
        kind: 'rainstorm',
        severity: 'Extreme',
        colour: 'red',
        sender: 'whqxt@weather.example.cn',
        identifier: '42010041600000_20260701140000',
        inside: 'polygon',
        effective: Date.UTC(2026, 6, 1, 6),
        expires: Date.UTC(2026, 6, 1, 12),
      },
    });
    // The warning places nothing: the incident stays where its gauge and call are.
    expect(incident.lng).toBeCloseTo(AT.lng, 6);
    // The stored record form reads back as the same reason; the snapshot validates.
    expect(linkReasonOf(linkReasonText(support.why))).toEqual(support.why);
    expect(changeNoteOf('evidence_linked', changes[0]!.detail)).toEqual({
      code: 'evidence_linked',
      params: { evidenceId: support.id, signal: 'official_warning', why: support.why },
    });
    expect(incidentSchema.parse(JSON.parse(JSON.stringify(incident)))).toEqual(incident);
    // The same warnings again change nothing.
    expect(applyIncidentInput(s, { type: 'warnings', warnings }, ctx)).toEqual([]);
  });

  it('applies the held warnings to an incident that opens while they are in force', () => {
    const s = createIncidentState();
    const ctx = clock();
    applyIncidentInput(s, { type: 'warnings', warnings: capToContext(rainstorm, ctx.now()) }, ctx);
    const { changes, id } = openIncident(s, ctx);
    expect(changes.map((c) => c.what)).toEqual(['opened', 'evidence_linked']);
    expect(s.incidents.get(id)!.confidence).toBe(0.93);
  });

  it('withdraws the support when the issuer cancels the warning, and leaves incidents outside it alone', () => {
    const { s, ctx, id } = openIncident();
    const outside = openIncident(s, ctx, { lng: 114.31, lat: 30.52 }, 2);
    const warnings: WarningContext[] = capToContext(rainstorm, ctx.now());
    applyIncidentInput(s, { type: 'warnings', warnings }, ctx);
    expect(s.incidents.get(outside.id)!.evidence.some((e) => e.kind === 'official_warning')).toBe(false);
    const cancel = capCancel(rainstorm, '解除', { identifier: 'cancel-1', sent: '2026-07-01T16:30:00+08:00' });
    expect(capToContext(cancel, ctx.now())).toEqual([]);
    const changes = applyIncidentInput(s, { type: 'warnings', warnings: [], withdrawn: warnings.map((w) => w.key) }, ctx);
    expect(changes.map((c) => [c.incidentId, c.what])).toEqual([[id, 'evidence_inactive']]);
    expect(changeNoteOf('evidence_inactive', changes[0]!.detail)).toMatchObject({
      code: 'warning_withdrawn',
      params: { identifier: '42010041600000_20260701140000' },
    });
    expect(s.incidents.get(id)!.confidence).toBe(0.73);
  });

  it("never counts CityTwin's own alert about the incident", () => {
    const { s, ctx, id } = openIncident();
    const own = capDraftFromIncident(s.incidents.get(id)!, { id: 'wuhan' }, { sender: 'cap@citytwin.example', at: ctx.now() });
    expect(applyIncidentInput(s, { type: 'warnings', warnings: capToContext(own, ctx.now()) }, ctx)).toEqual([]);
  });

  it('lets a quiet incident resolve even while a warning covers it', () => {
    const { s, ctx, id } = openIncident();
    applyIncidentInput(s, { type: 'warnings', warnings: capToContext(rainstorm, ctx.now()) }, ctx);
    applyIncidentInput(s, { type: 'alarm_cleared', sensorId: 'wl-1', ts: ctx.now() }, ctx);
    ctx.set(T0 + 3 * 3_600_000);
    applyIncidentInput(s, { type: 'tick' }, ctx);
    const incident = s.incidents.get(id)!;
    expect(incident.status === 'resolved' || incident.resolutionProposed).toBe(true);
  });
});
