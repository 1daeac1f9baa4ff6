/**
 * Silent stations in a district share (`signals[].countSilent`, docs/incidents.md): a station
 * that has gone quiet is neither hot nor cool. The shipped heat rule opens on the share of hot
 * stations (30 %); where the hot and the silent stations together reach it, the share is
 * undecided and the district's substations and emergency departments decide.
 */
import { describe, expect, it } from 'vitest';
import type { SensorSite } from '../city/city-types.ts';
import { SensorStateCode } from '../sensor-state.ts';
import { createTwinState } from '../twin-state.ts';
import { createIncidentState } from './incident-correlator.ts';
import { AT, DISTRICT, districtSensor as sensor, districtShare, heatCorrelator, MIN, T0 } from './fixtures/heat-district.ts';
import { DEFAULT_INCIDENT_RULES, parseIncidentRule } from './incident-rules.ts';
import { FusionEngine } from './fusion-engine.ts';

const correlator = () => heatCorrelator(DEFAULT_INCIDENT_RULES.get('heat_stress')!);

describe('a district share left undecided by silent stations', () => {
  it('opens when the hot and silent stations reach the share and the grid and an ED of the district warn', () => {
    const c = correlator();
    c.alarm(districtShare(0.2, T0, 0.2));
    c.alarm(sensor('power_substation', 1, T0 + MIN));
    expect(c.opened()).toHaveLength(0);
    expect(c.alarm(sensor('hospital_ed', 2, T0 + 8 * MIN)).map((x) => x.what)).toEqual(['opened']);
    const [incident] = c.opened();
    expect(incident!.evidence.map((e) => e.signal).sort()).toEqual(['district_heat_silent', 'grid_load', 'hospital_load']);
  });

  it('does not open on the undecided share without both corroborating families', () => {
    const c = correlator();
    c.alarm(districtShare(0.2, T0, 0.2));
    for (let n = 1; n <= 6; n++) c.alarm(sensor('power_substation', n, T0 + n * MIN));
    expect(c.opened()).toHaveLength(0);
  });

  it('does not open on one hot station of a district whose stations all report, grid and EDs or not', () => {
    const c = correlator();
    c.alarm(districtShare(0.2, T0));
    c.alarm(sensor('power_substation', 1, T0 + MIN));
    c.alarm(sensor('hospital_ed', 2, T0 + 2 * MIN));
    expect(c.opened()).toHaveLength(0);
  });

  it('does not open when the hot and silent stations together stay under the share', () => {
    const c = correlator();
    c.alarm(districtShare(0.15, T0, 0.1));
    c.alarm(sensor('power_substation', 1, T0 + MIN));
    c.alarm(sensor('hospital_ed', 2, T0 + 2 * MIN));
    expect(c.opened()).toHaveLength(0);
  });

  it('a decided share opens as before, with no corroboration', () => {
    const c = correlator();
    expect(c.alarm(districtShare(0.4, T0, 0.2)).map((x) => x.what)).toEqual(['opened']);
    expect(c.opened()[0]!.evidence.map((e) => e.signal)).toEqual(['district_heat']);
  });
});

describe('the fusion engine counts a district’s stale stations', () => {
  const site = (id: string, kind: SensorSite['kind'], n: number): SensorSite => ({
    id,
    kind,
    lng: AT.lng + 0.01 * n,
    lat: AT.lat,
    district: DISTRICT,
    sourceId: 'qxj',
    nameZh: id,
    nameEn: id,
    lowness: 0,
  });
  const HOT = { 'tp-1': 36, 'ps-1': 90, 'ed-1': 96 } as Record<string, number>;
  const METRIC = { temperature: 'air_temp_c', power_substation: 'load_pct', hospital_ed: 'occupancy_pct' } as Record<string, string>;

  /**
   * Five stations (station 5 silent after its first reading when `silent`; reporting again,
   * normal, from +50 min when `comesBack`), a substation and an ED; hot from +25 min.
   */
  function run(silent: boolean, comesBack = false) {
    const sites = [
      ...[1, 2, 3, 4, 5].map((n) => site(`tp-${n}`, 'temperature', n)),
      site('ps-1', 'power_substation', 6),
      site('ed-1', 'hospital_ed', 7),
    ];
    const twin = createTwinState({ sites: new Map(sites.map((s) => [s.id, s])) });
    const e = new FusionEngine(twin, createIncidentState(), { inCity: () => true, districtAt: () => DISTRICT });
    let now = T0;
    const ctx = { now: () => now };
    for (const s of sites) e.meta(s.id, { kind: s.kind, lng: s.lng, lat: s.lat, district: s.district }, ctx);
    for (let m = 0; m <= 60; m++) {
      now = T0 + m * MIN;
      for (const s of sites) {
        if (s.kind === 'temperature' && m % 5 !== 0) continue;
        if (silent && s.id === 'tp-5' && m > 0 && !(comesBack && m >= 50)) continue;
        const value = m >= 25 && HOT[s.id] !== undefined ? HOT[s.id]! : s.kind === 'temperature' ? 31 : 60;
        e.readings(s.id, [{ metric: METRIC[s.kind]!, ts: now, value }], ctx);
      }
      e.tick(ctx);
    }
    return { twin, incidents: [...e.incidents.incidents.values()] };
  }

  it('opens the district when one of its five stations is hot, one is silent, and the grid and the ED warn', () => {
    const { twin, incidents } = run(true);
    expect(twin.byId.get('tp-5')!.state).toBe(SensorStateCode.stale);
    expect(incidents).toHaveLength(1);
    const area = incidents[0]!.evidence.find((x) => x.areaShare !== undefined);
    expect(area).toMatchObject({ signal: 'district_heat_silent', areaShare: 0.2, silentShare: 0.2 });
  });

  it('clears the undecided share when the silent station reports again, normal', () => {
    const { twin, incidents } = run(true, true);
    expect(twin.byId.get('tp-5')!.state).toBe(SensorStateCode.normal);
    // One hot station of five reporting: 0.2, under the share: the district's evidence is no longer held.
    const area = incidents[0]!.evidence.find((x) => x.areaShare !== undefined);
    expect(area).toMatchObject({ signal: 'district_heat_silent', silentShare: 0.2, active: false });
  });

  it('opens nothing when all five report and only one is hot (the grid and the ED alone do not open heat)', () => {
    const { incidents } = run(false);
    expect(incidents).toEqual([]);
  });
});

describe('countSilent in the rule format', () => {
  const heat = DEFAULT_INCIDENT_RULES.get('heat_stress')!;
  const silent = heat.signals.find((s) => s.id === 'district_heat_silent')!;

  it('is shipped on the heat rule with the grid and the EDs as corroboration', () => {
    expect(silent).toMatchObject({ evidence: 'area_share', minShare: 0.3, countSilent: true, canOpen: true });
    expect(silent.corroboration).toEqual({ signals: ['hospital_load', 'grid_load'], minFamilies: 2, withinS: 3600 });
  });

  it('refuses countSilent without corroboration, and on a signal that is not a district share', () => {
    const noCorroboration = heat.signals.map((s) => (s.id === 'district_heat_silent' ? { ...s, corroboration: undefined } : s));
    expect(() => parseIncidentRule({ ...heat, signals: noCorroboration }, 'heat_stress.json')).toThrow(
      /signal district_heat_silent: countSilent needs corroboration/,
    );
    const onAlarm = heat.signals.map((s) => (s.id === 'temperature' ? { ...s, countSilent: true } : s));
    expect(() => parseIncidentRule({ ...heat, signals: onAlarm }, 'heat_stress.json')).toThrow(
      /signal temperature: countSilent applies to area_share signals only, not sensor_alarm/,
    );
  });
});
