import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.ts';
import type { IncidentType } from '../vocabulary.ts';
import { applyIncidentInput, createIncidentState } from './incident-correlator.ts';
import { candidateIncidents, incidentsWithAlarm, linkReachM, pendingNear, pendingPosition } from './incident-index.ts';
import { equirectangularM } from '../city/city-queries.ts';
import { linkReason } from './incident-linking.ts';
import { ACTIVE } from './incident-refresh.ts';
import { restoreIncidents } from './incident-restore.ts';
import type { IncidentRule } from './incident-rules.ts';
import type { Evidence, Incident, IncidentState, LinkedEvidence } from './incident-types.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const DISTRICTS = Array.from({ length: 8 }, (_, i) => `d${i}`);
const ASSETS = Array.from({ length: 30 }, (_, i) => `a${i}`);

function fixture(seed: number, count: number) {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const state = createIncidentState();
  const rules = [...state.rules.values()];
  const rulesNow = () => [...state.rules.values()];
  // A city of about 30 × 30 km, incidents crowded near its centre as in a storm.
  const place = () => {
    const s = r() < 0.5 ? 0.02 : 0.3;
    return { lng: 114.3 + (r() - 0.5) * s, lat: 30.55 + (r() - 0.5) * s };
  };
  const evidence = (sensor: number, at: { lng: number; lat: number }, district: string | null, assetId: string | null): LinkedEvidence => ({
    id: `alarm:s${sensor}`,
    kind: 'sensor_alarm',
    ts: T0,
    ...at,
    ...(district ? { district } : {}),
    ...(assetId ? { assetId } : {}),
    signal: 'water_level',
    family: 'sensor',
    weight: 0.5,
    active: r() < 0.7,
    why: { code: 'anchor', params: {} },
    linkedAt: T0,
  });
  for (let n = 1; n <= count; n++) {
    const rule = pick(rules);
    const at = place();
    const district = r() < 0.85 ? pick(DISTRICTS) : null;
    const assetId = r() < 0.3 ? pick(ASSETS) : null;
    const status = pick(['open', 'open', 'acknowledged', 'resolved', 'closed', 'false_alarm'] as const);
    const incident: Incident = {
      id: `inc-${String(n).padStart(6, '0')}`,
      type: rule.type,
      status,
      ...at,
      district,
      assetId,
      severity: 2,
      severityPinned: false,
      confidence: 0.8,
      openedAt: T0,
      updatedAt: T0,
      lastEvidenceAt: T0 - Math.floor(r() * 600_000),
      resolutionProposed: false,
      evidence: [evidence(Math.floor(r() * 400), at, district, assetId), evidence(Math.floor(r() * 400), place(), district, null)],
    };
    state.incidents.set(incident.id, incident);
  }
  // Resolved by the twin in an order of their own (not the incidents' order).
  const resolved = [...state.incidents.values()].filter((i) => i.status === 'resolved');
  for (const i of resolved.sort(() => r() - 0.5)) state.resolvedByTwin.set(i.id, T0 + Math.floor(r() * 60_000));
  const probe = (): { rule: IncidentRule; e: Evidence } => {
    const rule = pick(rulesNow());
    const at = place();
    return {
      rule,
      e: {
        id: `event:probe:${Math.floor(r() * 1e9)}`,
        kind: 'event',
        ts: T0 - Math.floor(r() * 300_000),
        ...at,
        ...(r() < 0.9 ? { district: pick(DISTRICTS) } : {}),
        ...(r() < 0.4 ? { assetId: pick(ASSETS) } : {}),
      },
    };
  };
  return { state, r, pick, probe };
}

/** Whether any signal of the rule links `e` to the incident (the correlator's own test). */
function links(rule: IncidentRule, e: Evidence, i: Incident, joining: boolean): boolean {
  return rule.signals.some((s) => linkReason(rule, s, e, i, joining) !== null);
}

/** The index's answers against a walk of every incident, for `probes` random evidence. */
function compareWithWalk(state: IncidentState, probe: () => { rule: IncidentRule; e: Evidence }, probes: number): number {
  let found = 0;
  for (let k = 0; k < probes; k++) {
    const { rule, e } = probe();
    const walkActive = [...state.incidents.values()].filter((i) => i.type === rule.type && ACTIVE.has(i.status) && links(rule, e, i, true));
    const indexActive = candidateIncidents(state, rule, e, false).filter(
      (i) => i.type === rule.type && ACTIVE.has(i.status) && links(rule, e, i, true),
    );
    expect(indexActive.map((i) => i.id)).toEqual(walkActive.map((i) => i.id));
    const walkResolved = [...state.resolvedByTwin.keys()]
      .map((id) => state.incidents.get(id))
      .filter((i): i is Incident => !!i && i.type === rule.type && i.status === 'resolved' && links(rule, e, i, false));
    const indexResolved = candidateIncidents(state, rule, e, true).filter(
      (i) => state.resolvedByTwin.has(i.id) && i.type === rule.type && i.status === 'resolved' && links(rule, e, i, false),
    );
    expect(indexResolved.map((i) => i.id)).toEqual(walkResolved.map((i) => i.id));
    found += walkActive.length + walkResolved.length;
  }
  for (let s = 0; s < 400; s++) {
    const id = `alarm:s${s}`;
    const holds = (i: Incident) => i.evidence.some((x) => x.id === id && x.active);
    expect(
      incidentsWithAlarm(state, id)
        .filter(holds)
        .map((i) => i.id),
    ).toEqual([...state.incidents.values()].filter(holds).map((i) => i.id));
  }
  return found;
}

describe('incident index', () => {
  it('finds, among thousands of incidents, exactly the ones a walk of all of them links, in the walk order', () => {
    const { state, probe } = fixture(11, 4000);
    // Not vacuous: the probes do meet incidents they link to.
    expect(compareWithWalk(state, probe, 300)).toBeGreaterThan(150);
  });

  it('keeps up with status changes, merges, splits, clears and the retention of ended incidents', () => {
    const { state, pick, probe, r } = fixture(12, 3000);
    compareWithWalk(state, probe, 50);
    let now = T0 + 60_000;
    const ctx = { now: () => now };
    const actions = ['acknowledge', 'close', 'reopen', 'resolve', 'false_alarm', 'merge', 'split'] as const;
    for (let k = 0; k < 1200; k++) {
      now += 1000;
      const ids = [...state.incidents.keys()];
      const incident = state.incidents.get(pick(ids))!;
      if (r() < 0.2) {
        applyIncidentInput(state, { type: 'alarm_cleared', sensorId: `s${Math.floor(r() * 400)}`, ts: now }, ctx);
        continue;
      }
      const action = pick(actions);
      const command =
        action === 'merge'
          ? {
              action,
              otherId:
                [...state.incidents.values()].find((i) => i.type === incident.type && i.id !== incident.id && ACTIVE.has(i.status))?.id ??
                incident.id,
            }
          : action === 'split'
            ? { action, evidenceIds: [incident.evidence[0]!.id] }
            : { action };
      try {
        applyIncidentInput(state, { type: 'operator', incidentId: incident.id, actor: 'op', command }, ctx);
      } catch {
        // Refused actions (closing what is closed) change nothing.
      }
      if (k % 300 === 0) compareWithWalk(state, probe, 30);
    }
    compareWithWalk(state, probe, 150);
    // A day later the tick lets ended incidents go: the index forgets them too.
    now += 25 * 3600_000;
    const before = state.incidents.size;
    applyIncidentInput(state, { type: 'tick' }, ctx);
    expect(state.incidents.size).toBeLessThan(before);
    compareWithWalk(state, probe, 150);
  });

  it('answers for the incidents restored into a state, and for incidents put into a state by hand', () => {
    const { state, probe } = fixture(13, 3000);
    compareWithWalk(state, probe, 20);
    const restored = createIncidentState();
    restoreIncidents(restored, [...state.incidents.values()]);
    expect(restored.incidents.size).toBeGreaterThan(1000);
    compareWithWalk(restored, probe, 150);
    // Restored again over the same ids (a node taking over from its mirror): the new objects count.
    const again = [...state.incidents.values()].map((i) => ({ ...i, lng: i.lng + 0.05, evidence: i.evidence.map((e) => ({ ...e })) }));
    restoreIncidents(restored, again);
    compareWithWalk(restored, probe, 150);
    // Incidents set by hand between inputs: the next input notices and rebuilds.
    const more = fixture(14, 500).state;
    for (const [id, i] of more.incidents) restored.incidents.set(`x-${id}`, { ...i, id: `x-${id}` });
    applyIncidentInput(restored, { type: 'tick' }, { now: () => T0 });
    compareWithWalk(restored, probe, 150);
  });

  it('follows the rules in force: another rule set re-files every incident', () => {
    const { state, probe } = fixture(15, 2000);
    compareWithWalk(state, probe, 20);
    const wider = new Map<IncidentType, IncidentRule>(
      [...state.rules].map(([t, rule]) => [t, { ...rule, spatial: { ...rule.spatial, radiusM: rule.spatial.radiusM * 4 } }]),
    );
    state.rules = wider;
    applyIncidentInput(state, { type: 'tick' }, { now: () => T0 });
    compareWithWalk(state, probe, 150);
  });

  it('finds the pending evidence a walk of the pool links, in pool order, as pools fill, open incidents, expire and lose withdrawn alarms', () => {
    const r = seededRandom(16);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const state = createIncidentState();
    const rules = [...state.rules.values()];
    let now = T0;
    const ctx = { now: () => now };
    const place = () => ({ lng: 114.3 + (r() - 0.5) * 0.2, lat: 30.55 + (r() - 0.5) * 0.2 });
    const evidence = (): Evidence => {
      const rule = pick(rules);
      const signal = pick(rule.signals);
      const sensor = `s${Math.floor(r() * 3000)}`;
      const at = {
        ts: now - Math.floor(r() * 120_000),
        ...place(),
        ...(r() < 0.9 ? { district: pick(DISTRICTS) } : {}),
        ...(r() < 0.3 ? { assetId: pick(ASSETS) } : {}),
      };
      return signal.evidence === 'event'
        ? {
            ...at,
            id: `event:t:${Math.floor(r() * 1e9)}`,
            kind: 'event',
            eventType: pick(signal.eventTypes!),
            category: signal.categories?.[0],
          }
        : {
            ...at,
            id: `alarm:${sensor}`,
            kind: 'sensor_alarm',
            sensorId: sensor,
            sensorKind: pick(signal.sensorKinds!),
            level: 'alarm',
            ...(signal.evidence === 'area_share' ? { areaShare: 1 } : {}),
          };
    };
    let compared = 0;
    for (let k = 1; k <= 6000; k++) {
      // Ticks are rare: evidence also falls out of the window as new evidence arrives.
      now += 1000;
      const x = r();
      if (x < 0.8) applyIncidentInput(state, { type: r() < 0.5 ? 'alarm' : 'event', evidence: evidence() } as never, ctx);
      else if (x < 0.998)
        applyIncidentInput(state, { type: 'alarm_cleared', sensorId: `s${Math.floor(r() * 3000)}`, ts: now, withdrawn: r() < 0.2 }, ctx);
      else applyIncidentInput(state, { type: 'tick' }, ctx);
      if (k % 500 !== 0) continue;
      for (let q = 0; q < 40; q++) {
        const e = evidence();
        for (const rule of rules) {
          const pool = state.pending.get(rule.type) ?? [];
          const linkable = (p: LinkedEvidence) =>
            rule.signals.some(
              (s) =>
                linkReason(rule, s, e, {
                  lng: p.lng,
                  lat: p.lat,
                  assetId: p.assetId ?? null,
                  district: p.district ?? null,
                  lastEvidenceAt: p.ts,
                }) !== null,
            );
          const within = (p: LinkedEvidence) => equirectangularM(e.lng, e.lat, p.lng, p.lat) <= linkReachM(rule);
          expect(pendingNear(state, rule, e.lng, e.lat, e.district, e.assetId).filter(linkable)).toEqual(pool.filter(linkable));
          expect(pendingNear(state, rule, e.lng, e.lat, null, null).filter(within)).toEqual(pool.filter(within));
          compared += pool.filter(linkable).length;
          const id = pick([e.id, ...pool.slice(0, 20).map((p) => p.id)]);
          expect(pendingPosition(state, rule.type, pool, id)).toBe(pool.findIndex((p) => p.id === id));
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(state.counters.opened).toBeGreaterThan(10);
  });
});
