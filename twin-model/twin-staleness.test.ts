import { describe, expect, it } from 'vitest';
import { createRandom } from './random.ts';
import { SENSOR_STATES, SensorStateCode } from './sensor-state.ts';
import { applyTwinInput, countByState, createTwinChanges, createTwinState, type TwinState } from './twin-state.ts';

const T0 = Date.UTC(2026, 6, 1);
const STALE_MS = 10 * 60_000;

/** Which sensors the rule says are stale at `now`, by looking at every one. */
function staleByScan(state: TwinState, now: number): string[] {
  return state.sensors
    .filter((e) => e.registered && now - (e.lastTs > 0 ? e.lastTs : e.firstSeenAt) > STALE_MS)
    .map((e) => e.id)
    .sort();
}

function staleInTwin(state: TwinState): string[] {
  return state.sensors
    .filter((e) => e.state === SensorStateCode.stale)
    .map((e) => e.id)
    .sort();
}

describe('staleness by deadline', () => {
  it('agrees with a scan of every sensor through readings, registrations, late readings and clock jumps', () => {
    const rng = createRandom(7);
    const random = () => rng.next();
    const state = createTwinState({ defaultStaleAfterMs: STALE_MS });
    let now = T0;
    const ctx = { now: () => now };
    const changes = createTwinChanges({ collectAlarms: true });
    const ids = Array.from({ length: 300 }, (_, i) => `s-${i}`);
    for (const id of ids.slice(0, 200))
      applyTwinInput(state, { type: 'meta', id, meta: { kind: 'probe_x', lng: 114, lat: 30.5 } }, ctx, changes);
    for (let step = 0; step < 400; step++) {
      const r = random();
      if (r < 0.02) now -= Math.floor(random() * 20 * 60_000);
      else if (r < 0.05) now += Math.floor(random() * 3 * 3_600_000);
      else now += Math.floor(random() * 20_000);
      for (let k = 0; k < 5; k++) {
        const id = ids[Math.floor(random() * ids.length)]!;
        if (random() < 0.1) applyTwinInput(state, { type: 'meta', id, meta: { kind: 'probe_x', lng: 114, lat: 30.5 } }, ctx, changes);
        // Some readings come late (their time well before the clock).
        const ts = now - (random() < 0.2 ? Math.floor(random() * 15 * 60_000) : 0);
        applyTwinInput(state, { type: 'readings', id, readings: [{ metric: 'x', ts, value: k }] }, ctx, changes);
      }
      applyTwinInput(state, { type: 'tick' }, ctx, changes);
      expect(staleInTwin(state), `step ${step}`).toEqual(staleByScan(state, now));
      // The counts kept as states change agree with a count of every sensor.
      if (step === 10 || step % 50 === 0) {
        const scanned = Object.fromEntries(SENSOR_STATES.map((name, code) => [name, state.sensors.filter((e) => e.state === code).length]));
        expect(countByState(state), `step ${step}`).toEqual(scanned);
      }
    }
    expect(staleInTwin(state).length).toBeGreaterThan(0);
  });

  it('notes each sensor that falls stale once, in index order, and none before its limit', () => {
    const state = createTwinState({ defaultStaleAfterMs: STALE_MS });
    let now = T0;
    const ctx = { now: () => now };
    for (let i = 0; i < 50; i++)
      applyTwinInput(state, { type: 'meta', id: `s-${i}`, meta: { kind: 'probe_x', lng: 114, lat: 30.5 } }, ctx, createTwinChanges());
    applyTwinInput(state, { type: 'tick' }, ctx, createTwinChanges());
    for (let i = 49; i >= 0; i -= 2) {
      now += 1000;
      applyTwinInput(state, { type: 'readings', id: `s-${i}`, readings: [{ metric: 'x', ts: now, value: 1 }] }, ctx, createTwinChanges());
    }
    now = T0 + STALE_MS + 500;
    const changes = createTwinChanges();
    applyTwinInput(state, { type: 'tick' }, ctx, changes);
    expect([...changes.changed]).toEqual(Array.from({ length: 25 }, (_, k) => 2 * k));
    const again = createTwinChanges();
    applyTwinInput(state, { type: 'tick' }, ctx, again);
    expect([...again.changed]).toEqual([]);
    // The others read at T0 + 1 … 25 s: stale 1 … 25 s after the first ones.
    now += 30_000;
    const later = createTwinChanges();
    applyTwinInput(state, { type: 'tick' }, ctx, later);
    expect([...later.changed]).toEqual(Array.from({ length: 25 }, (_, k) => 2 * k + 1));
  });
});
