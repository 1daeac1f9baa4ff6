import { describe, expect, it } from 'vitest';
import { SENSOR_KINDS } from '../twin-model/vocabulary.ts';
import { buildSmallCity } from './fixtures/small-city.ts';
import { estimatePlanRate, planGateways, reportIntervalMs, type PlannedSite } from './gateway-plan.ts';

/** 3000 sites spread evenly over the kinds, 13 districts, one source per kind. */
function manySites(n = 3000): PlannedSite[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = SENSOR_KINDS[i % SENSOR_KINDS.length] ?? 'rain_gauge';
    return {
      id: `s-${String(i).padStart(5, '0')}`,
      kind,
      district: `4201${String(2 + (i % 13)).padStart(2, '0')}`,
      sourceId: `src-${kind}`,
    };
  });
}

describe('planGateways', () => {
  it('is deterministic by seed and independent of input order', () => {
    const sites = manySites(500);
    const a = planGateways(sites, { seed: 3 });
    expect(planGateways(sites, { seed: 3 })).toEqual(a);
    const reversed = planGateways([...sites].reverse(), { seed: 3 });
    expect([...reversed.sensors].reverse()).toEqual(a.sensors);
    expect(planGateways(sites, { seed: 4 }).sensors).not.toEqual(a.sensors);
  });

  it('schedules every site once, on a gateway of its source and district, with a phase inside its interval', () => {
    const sites = buildSmallCity().sensorSites;
    const plan = planGateways(sites, { seed: 1, maxSensorsPerGateway: 2 });
    expect(plan.sensors.map((s) => s.sensorId)).toEqual(sites.map((s) => s.id));
    const owner = new Map<string, string>();
    for (const g of plan.gateways) {
      expect(g.id).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      expect(g.sensorIds.length).toBeLessThanOrEqual(2);
      for (const id of g.sensorIds) owner.set(id, g.id);
    }
    for (const [i, s] of plan.sensors.entries()) {
      const site = sites[i];
      expect(owner.get(s.sensorId)).toBe(s.gatewayId);
      expect(s.intervalMs).toBe(reportIntervalMs(s.kind));
      expect(s.phaseMs).toBeGreaterThanOrEqual(0);
      expect(s.phaseMs).toBeLessThan(s.intervalMs);
      expect(s.gatewayId).toContain(site?.district);
    }
  });

  it('mixes native JSON and SenML, packs only SenML, and keeps a pack within its span', () => {
    const plan = planGateways(manySites(), { seed: 9 });
    const formats = new Set(plan.gateways.map((g) => g.format));
    expect(formats).toEqual(new Set(['json-epoch', 'json-rfc3339-utc', 'json-rfc3339-local', 'senml']));
    const packed = plan.sensors.filter((s) => s.samplesPerMessage > 1);
    expect(packed.length).toBeGreaterThan(100);
    for (const s of packed) {
      expect(s.format).toBe('senml');
      expect(s.samplesPerMessage * s.intervalMs).toBeLessThanOrEqual(300_000);
    }
  });

  it('scales intervals with the rate multiplier and rejects a bad one', () => {
    const sites = manySites(50);
    const fast = planGateways(sites, { rateMultiplier: 4 });
    for (const s of fast.sensors) expect(s.intervalMs).toBe(reportIntervalMs(s.kind) / 4);
    expect(() => planGateways(sites, { rateMultiplier: 0 })).toThrow(/rateMultiplier.*got 0/);
  });
});

describe('estimatePlanRate', () => {
  it('adds up samples per second by kind, counting service halls twice', () => {
    const sites: PlannedSite[] = [
      { id: 'a', kind: 'water_level', district: '420106', sourceId: 'w' },
      { id: 'b', kind: 'service_hall', district: '420106', sourceId: 'h' },
    ];
    const plan = planGateways(sites, { shares: { jsonEpoch: 1, jsonRfc3339: 0, senml: 0, senmlPacked: 0 } });
    const rate = estimatePlanRate(plan);
    expect(rate.byKind.water_level).toEqual({ messagesPerSec: 1 / 30, readingsPerSec: 1 / 30 });
    expect(rate.byKind.service_hall).toEqual({ messagesPerSec: 2 / 120, readingsPerSec: 4 / 120 });
    expect(rate.messagesPerSec).toBeCloseTo(1 / 30 + 2 / 120, 12);
  });
});
