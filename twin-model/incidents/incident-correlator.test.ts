import { describe, expect, it } from 'vitest';
import {
  applyIncidentInput,
  confidenceOf,
  createIncidentState,
  IncidentActionError,
  rebuildIncidents,
  type Evidence,
  type IncidentAction,
  type IncidentChange,
  type IncidentContext,
} from './incident-correlator.ts';
import { DEFAULT_INCIDENT_RULES, IncidentRuleError, parseIncidentRule } from './incident-rules.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
function clock(): IncidentContext & { set(ms: number): void } {
  let now = T0;
  return { now: () => now, set: (ms) => (now = ms) };
}
// An underpass near Wuchang and points around it (≈ 111 m per 0.001° of latitude).
const UP = { lng: 114.3, lat: 30.55 };
const wl = (sensorId: string, dLat: number, ts: number, level: 'warning' | 'alarm' = 'alarm', assetId?: string): Evidence => ({
  id: `alarm:${sensorId}`,
  kind: 'sensor_alarm',
  sensorKind: 'water_level',
  sensorId,
  level,
  metric: 'water_level_cm',
  value: 32,
  ts,
  lng: UP.lng,
  lat: UP.lat + dLat,
  ...(assetId ? { assetId } : {}),
  district: '420106',
});
const report = (id: string, type: string, category: string, dLat: number, ts: number): Evidence => ({
  id: `event:hotline:${id}`,
  kind: 'event',
  eventType: type,
  category,
  source: 'hotline',
  ts,
  lng: UP.lng,
  lat: UP.lat + dLat,
  district: '420106',
});

describe('incident rules', () => {
  it('ships a valid rule for every incident type', () => {
    expect([...DEFAULT_INCIDENT_RULES.keys()].sort()).toEqual([
      'crowd',
      'fire',
      'heat_stress',
      'power_outage',
      'service_surge',
      'traffic_accident',
      'waterlogging',
    ]);
  });
  it('rejects an invalid rule file with the field named', () => {
    const bad = {
      ...DEFAULT_INCIDENT_RULES.get('fire')!,
      signals: [{ id: 'x', evidence: 'event', family: 'video', weight: 1.5, canOpen: true }],
    };
    expect(() => parseIncidentRule(bad, 'fire.json')).toThrow(IncidentRuleError);
    expect(() => parseIncidentRule(bad, 'fire.json')).toThrow(/fire.json.*signals\.0\.weight/);
  });
});

describe('confidenceOf', () => {
  it('grows much more with independent families than with repeats', () => {
    const e = (family: 'sensor' | 'hotline', weight: number) => ({ family, weight }) as never;
    const one = confidenceOf([e('hotline', 0.4)], 0.15);
    const repeats = confidenceOf([e('hotline', 0.4), e('hotline', 0.4), e('hotline', 0.4)], 0.15);
    const independent = confidenceOf([e('hotline', 0.4), e('sensor', 0.55)], 0.15);
    expect(one).toBe(0.4);
    expect(repeats).toBeGreaterThan(one);
    expect(independent).toBeGreaterThan(repeats);
    expect(independent).toBe(0.73);
  });
});

describe('applyIncidentInput', () => {
  it('does not open on one water-level alarm (a stuck gauge) but opens with a hotline case, and says why', () => {
    const s = createIncidentState();
    const ctx = clock();
    expect(applyIncidentInput(s, { type: 'alarm', evidence: wl('wl-1', 0, T0) }, ctx)).toEqual([]);
    ctx.set(T0 + 120_000);
    const changes = applyIncidentInput(
      s,
      { type: 'event', evidence: report('c1', 'citizen_report', 'waterlogging', 0.002, T0 + 120_000) },
      ctx,
    );
    expect(changes).toHaveLength(1);
    const inc = changes[0]!.incident;
    expect(changes[0]!.what).toBe('opened');
    expect(inc).toMatchObject({ type: 'waterlogging', status: 'open', confidence: 0.73, district: '420106' });
    expect(inc.evidence.map((e) => e.id).sort()).toEqual(['alarm:wl-1', 'event:hotline:c1']);
    expect(inc.evidence.find((e) => e.id === 'alarm:wl-1')!.why).toEqual({
      code: 'near',
      params: { distanceM: 223, limitM: 600, minutes: 2 },
    });
    expect(inc.evidence.find((e) => e.id === 'event:hotline:c1')!.why).toEqual({ code: 'anchor', params: {} });
  });

  it('does not let rain that began long after a gauge rose corroborate it (maxLagS), but rain around the rise does', () => {
    const rain = (sensorId: string, ts: number): Evidence => ({
      ...wl(sensorId, 0.01, ts, 'warning'),
      sensorKind: 'rain_gauge',
      metric: 'rainfall_mm_h',
      value: 25,
    });
    // A gauge high since the run began (stuck float), rain arriving 25 min later: no incident.
    const stuck = createIncidentState();
    const ctx = clock();
    applyIncidentInput(stuck, { type: 'alarm', evidence: wl('wl-stuck', 0, T0) }, ctx);
    ctx.set(T0 + 25 * 60_000);
    expect(applyIncidentInput(stuck, { type: 'alarm', evidence: rain('rg-1', ctx.now()) }, ctx)).toEqual([]);
    expect(stuck.incidents.size).toBe(0);
    // Rain first, the water rising under it: one incident from the two families.
    const real = createIncidentState();
    const ctx2 = clock();
    applyIncidentInput(real, { type: 'alarm', evidence: rain('rg-1', T0) }, ctx2);
    ctx2.set(T0 + 12 * 60_000);
    const opened = applyIncidentInput(real, { type: 'alarm', evidence: wl('wl-2', 0, ctx2.now()) }, ctx2);
    expect(opened.map((c) => c.what)).toEqual(['opened']);
    expect(opened[0]!.incident.evidence.map((e) => e.signal).sort()).toEqual(['heavy_rain', 'water_level']);
  });

  it('keeps the gauge of another low street out of an open incident: its water opens its own (placeRadiusM)', () => {
    const rain: Evidence = { ...wl('rg-1', 0.01, T0, 'warning'), sensorKind: 'rain_gauge', metric: 'rainfall_mm_h', value: 25 };
    const s = createIncidentState();
    const ctx = clock();
    applyIncidentInput(s, { type: 'alarm', evidence: rain }, ctx);
    ctx.set(T0 + 60_000);
    const first = applyIncidentInput(s, { type: 'alarm', evidence: wl('wl-a', 0, ctx.now(), 'warning') }, ctx);
    expect(first.map((c) => c.what)).toEqual(['opened']);
    // A gauge 410 m away (within the rule's 600 m, beyond the gauge's 300 m place), its samples
    // buffered and arriving late: not more evidence of the first street but a flood of its own.
    ctx.set(T0 + 9 * 60_000);
    const second = applyIncidentInput(s, { type: 'alarm', evidence: wl('wl-b', 0.0037, ctx.now(), 'warning') }, ctx);
    expect(second.map((c) => c.what)).toEqual(['opened']);
    expect(second[0]!.incident.evidence.map((e) => e.id).sort()).toEqual(['alarm:rg-1', 'alarm:wl-b']);
    // A gauge 200 m from the first one is the same street: it joins.
    ctx.set(T0 + 10 * 60_000);
    const third = applyIncidentInput(s, { type: 'alarm', evidence: wl('wl-c', -0.0018, ctx.now(), 'warning') }, ctx);
    expect(third.map((c) => [c.what, c.incidentId])).toEqual([['evidence_linked', first[0]!.incidentId]]);
  });

  it('gives a call to the nearer gauge still waiting for corroboration rather than to an incident farther away', () => {
    const s = createIncidentState();
    const ctx = clock();
    // Underpass up-1 floods (gauge + call): an incident there.
    applyIncidentInput(s, { type: 'alarm', evidence: wl('wl-a', 0, T0, 'alarm', 'up-1') }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('c1', 'citizen_report', 'waterlogging', 0.001, T0) }, ctx);
    expect(s.incidents.size).toBe(1);
    // A low street 700 m north: its gauge alarms alone (not enough); then a call 120 m from it,
    // within reach of the incident (580 m) but nearer the gauge.
    ctx.set(T0 + 60_000);
    applyIncidentInput(s, { type: 'alarm', evidence: wl('wl-b', 0.0063, ctx.now(), 'warning') }, ctx);
    expect(s.incidents.size).toBe(1);
    const changes = applyIncidentInput(
      s,
      { type: 'event', evidence: report('c2', 'citizen_report', 'waterlogging', 0.0052, ctx.now()) },
      ctx,
    );
    expect(changes.map((c) => c.what)).toEqual(['opened']);
    expect(changes[0]!.incident.evidence.map((e) => e.id).sort()).toEqual(['alarm:wl-b', 'event:hotline:c2']);
    expect(s.incidents.size).toBe(2);
  });

  it('fuses twelve alarms, five calls and a camera at one underpass into ONE incident', () => {
    const s = createIncidentState();
    const ctx = clock();
    const all: IncidentChange[] = [];
    for (let i = 0; i < 12; i++) {
      ctx.set(T0 + i * 10_000);
      all.push(...applyIncidentInput(s, { type: 'alarm', evidence: wl(`wl-${i}`, (i % 4) * 0.0005, ctx.now(), 'alarm', 'up-7') }, ctx));
    }
    for (let i = 0; i < 5; i++)
      all.push(
        ...applyIncidentInput(s, { type: 'event', evidence: report(`c${i}`, 'citizen_report', 'waterlogging', 0.001, ctx.now()) }, ctx),
      );
    all.push(
      ...applyIncidentInput(
        s,
        {
          type: 'event',
          evidence: { ...report('v1', 'video_detection', 'standing_water', 0, ctx.now()), id: 'event:ai:v1', source: 'ai' },
        },
        ctx,
      ),
    );
    const open = [...s.incidents.values()];
    expect(open).toHaveLength(1);
    expect(open[0]!.evidence).toHaveLength(18);
    expect(open[0]!.assetId).toBe('up-7');
    expect(open[0]!.confidence).toBeGreaterThan(0.95);
    expect(open[0]!.severity).toBe(5);
    expect(all.filter((c) => c.what === 'opened')).toHaveLength(1);
  });

  it('keeps two distant floods apart and ignores a repeated report id', () => {
    const s = createIncidentState();
    const ctx = clock();
    applyIncidentInput(s, { type: 'alarm', evidence: wl('a', 0, T0) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('x1', 'citizen_report', 'waterlogging', 0, T0) }, ctx);
    applyIncidentInput(s, { type: 'alarm', evidence: wl('b', 0.05, T0) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('x2', 'citizen_report', 'waterlogging', 0.05, T0) }, ctx);
    expect(applyIncidentInput(s, { type: 'event', evidence: report('x2', 'citizen_report', 'waterlogging', 0.05, T0) }, ctx)).toEqual([]);
    expect(s.incidents.size).toBe(2);
    expect(s.counters.duplicates).toBe(1);
  });

  it('ignores reports about unrelated things', () => {
    const s = createIncidentState();
    const ctx = clock();
    applyIncidentInput(s, { type: 'alarm', evidence: wl('a', 0, T0) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('n1', 'citizen_report', 'noise', 0, T0) }, ctx);
    expect(s.incidents.size).toBe(0);
    expect(s.counters.unmatched).toBe(1);
  });

  it('resolves when the signals are normal and quiet for the rule time', () => {
    const s = createIncidentState();
    const ctx = clock();
    applyIncidentInput(s, { type: 'alarm', evidence: wl('a', 0, T0) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('r1', 'citizen_report', 'waterlogging', 0, T0) }, ctx);
    const id = [...s.incidents.keys()][0]!;
    ctx.set(T0 + 20 * 60_000);
    expect(applyIncidentInput(s, { type: 'tick' }, ctx)).toEqual([]);
    ctx.set(T0 + 21 * 60_000);
    applyIncidentInput(s, { type: 'alarm_cleared', sensorId: 'a', ts: ctx.now() }, ctx);
    ctx.set(T0 + 37 * 60_000);
    const done = applyIncidentInput(s, { type: 'tick' }, ctx);
    expect(done.map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
  });

  it('records operator actions with who and why: acknowledge, severity, merge, split, false alarm', () => {
    const s = createIncidentState();
    const ctx = clock();
    applyIncidentInput(s, { type: 'alarm', evidence: wl('a', 0, T0) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('m1', 'citizen_report', 'waterlogging', 0, T0) }, ctx);
    applyIncidentInput(s, { type: 'alarm', evidence: wl('b', 0.03, T0) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('m2', 'citizen_report', 'waterlogging', 0.03, T0) }, ctx);
    const [a, b] = [...s.incidents.keys()];
    const op = (incidentId: string, command: IncidentAction) =>
      applyIncidentInput(s, { type: 'operator', incidentId, actor: 'zhang.wei', reason: 'checked on camera', command }, ctx);
    expect(op(a!, { action: 'acknowledge' })[0]).toMatchObject({
      actor: 'zhang.wei',
      what: 'acknowledged',
      detail: 'acknowledged (checked on camera)',
    });
    expect(op(a!, { action: 'set_severity', severity: 4 })[0]!.incident).toMatchObject({ severity: 4, severityPinned: true });
    const merged = op(a!, { action: 'merge', otherId: b! });
    expect(merged.map((c) => c.what)).toEqual(['absorbed', 'merged_into']);
    expect(s.incidents.get(a!)!.evidence).toHaveLength(4);
    expect(s.incidents.get(b!)!.status).toBe('closed');
    const split = op(a!, { action: 'split', evidenceIds: ['alarm:b', 'event:hotline:m2'] });
    const newId = split[1]!.incidentId;
    expect(
      s.incidents
        .get(newId)!
        .evidence.map((e) => e.id)
        .sort(),
    ).toEqual(['alarm:b', 'event:hotline:m2']);
    expect(op(newId, { action: 'false_alarm' })[0]!.incident.status).toBe('false_alarm');
    expect(() => op(newId, { action: 'acknowledge' })).toThrow(IncidentActionError);
    expect(() => op(a!, { action: 'set_severity', severity: 9 })).toThrow(/severity 9/);
    expect(() => op('inc-999999', { action: 'close' })).toThrow(/does not exist/);
  });

  it('rebuilds the state at any past time from its changes', () => {
    const s = createIncidentState();
    const ctx = clock();
    const log: IncidentChange[] = [];
    log.push(...applyIncidentInput(s, { type: 'alarm', evidence: wl('a', 0, T0) }, ctx));
    log.push(...applyIncidentInput(s, { type: 'event', evidence: report('q1', 'citizen_report', 'waterlogging', 0, T0) }, ctx));
    const id = [...s.incidents.keys()][0]!;
    ctx.set(T0 + 60_000);
    log.push(...applyIncidentInput(s, { type: 'operator', incidentId: id, actor: 'li.na', command: { action: 'acknowledge' } }, ctx));
    expect(rebuildIncidents(log, T0 + 30_000).get(id)!.status).toBe('open');
    expect(rebuildIncidents(log).get(id)).toEqual(s.incidents.get(id));
  });
});
