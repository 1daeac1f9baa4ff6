import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { applyTwinInput, createTwinChanges, createTwinState, type SensorEntry, type TwinState } from '../twin-state.ts';
import { AreaGroups } from './area-groups.ts';

const KINDS = ['temperature', 'water_level', 'traffic'] as const;
const DISTRICTS = ['420102', '420103', '420104', '420105'];

/** What district-wide evidence asked for before the groups: a walk over every sensor. */
function walk(twin: TwinState, kind: string, district: string): SensorEntry[] {
  return twin.sensors.filter((s) => s.kind === kind && s.district === district);
}

describe('AreaGroups', () => {
  it.each([
    ['built again after a meta input', false],
    ['told of each move', true],
  ])('answers what a walk over the twin answers, in its order, while sensors come, move and change kind (%s)', (_, told) => {
    const rnd = seededRandom(7);
    const twin = createTwinState();
    const changes = createTwinChanges();
    let now = 1_750_000_000_000;
    const ctx = { now: () => now };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    let groups: AreaGroups | null = null;
    const meta = (id: string) => {
      const before = twin.byId.get(id);
      const [kind, district, version] = [before?.kind, before?.district, twin.metaVersion];
      applyTwinInput(
        twin,
        { type: 'meta', id, meta: { kind: pick(KINDS), lng: 114 + rnd(), lat: 30 + rnd(), district: pick(DISTRICTS) } },
        ctx,
        changes,
      );
      if (told) groups?.moved(twin.byId.get(id)!, kind, district, version);
    };
    for (let i = 0; i < 500; i++) meta(`s-${i}`);
    groups = new AreaGroups(twin);
    groups.of('temperature', '420102');
    let compared = 0;
    for (let step = 0; step < 60; step++) {
      now += 1000;
      const what = step % 3;
      // A known sensor moves or changes kind; a new device reports; nothing changes.
      if (what === 0) {
        meta(`s-${Math.floor(rnd() * 500)}`);
        meta(`s-${Math.floor(rnd() * 500)}`);
      } else if (what === 1)
        applyTwinInput(twin, { type: 'readings', id: `new-${step}`, readings: [{ metric: 'x', ts: now, value: 1 }] }, ctx, changes);
      for (const kind of KINDS)
        for (const district of DISTRICTS) {
          const answer = groups.of(kind, district).filter((s) => s.kind === kind && s.district === district);
          expect(answer).toEqual(walk(twin, kind, district));
          compared += answer.length;
        }
    }
    expect(compared).toBeGreaterThan(10_000);
    // Told of each move, the groups were built once; else again after each meta input.
    if (told) expect(groups.builds).toBe(1);
    else expect(groups.builds).toBeGreaterThan(10);
  });
});
