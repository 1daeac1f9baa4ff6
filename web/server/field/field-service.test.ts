import { describe, expect, it } from 'vitest';
import type { FieldUnitRow } from '../../../storage/index.ts';
import { generateCity } from '../../../twin-model/city/index.ts';
import { DispatchError, type CityEvent } from '../../../twin-model/index.ts';
import { DispatchService } from '../dispatch/dispatch-service.ts';
import { TwinService } from '../live/twin-service.ts';
import { FieldDesk, NotBoundError } from './field-service.ts';
import { nextFieldStatuses } from './field-view.ts';
import { UnitBindings, type FieldUnitSource } from './unit-bindings.ts';

const city = generateCity({ sensorCount: 0 });
const T0 = Date.UTC(2026, 6, 1, 2); // 10:00 in the city: every shift is on
const asset = city.assets.find((a) => a.kind === 'underpass')!;
const flood: CityEvent = {
  source: 'hotline',
  id: 'case-1',
  ts: T0,
  type: 'manual_report',
  lng: asset.lng + 0.0012345,
  lat: asset.lat + 0.0012345,
  category: 'waterlogging',
  severity: 3,
  text: 'field-test-citizen-words',
};

/** The bindings table in memory (the store's own interface). */
function memoryStore(): FieldUnitSource & { rows: FieldUnitRow[] } {
  const rows: FieldUnitRow[] = [];
  return {
    rows,
    all: async () => rows,
    write: async (row) => {
      rows.push(row);
    },
  };
}

function desk() {
  const twin = new TwinService({ city, now: () => T0 });
  const dispatch = new DispatchService({ city, twin, now: () => T0 });
  const bindings = new UnitBindings(memoryStore(), () => T0);
  return { twin, dispatch, bindings, desk: new FieldDesk({ dispatch, twin, city, bindings, now: () => T0 }) };
}

describe('the field desk', () => {
  it('offers the statuses of the dispatch table a crew may set without a dispatcher', () => {
    expect(nextFieldStatuses('available')).toEqual([]);
    expect(nextFieldStatuses('dispatched')).toEqual(['en_route']);
    expect(nextFieldStatuses('en_route')).toEqual(['on_scene']);
    expect(nextFieldStatuses('on_scene')).toEqual(['returning']);
    expect(nextFieldStatuses('returning')).toEqual(['available']);
    expect(nextFieldStatuses('out_of_service')).toEqual(['available']);
  });

  it("shows a bound crew its unit's assignment at public clearance, and moves it by the dispatch rules", async () => {
    const { twin, dispatch, bindings, desk: field } = desk();
    expect(await field.assignment('crew-1')).toMatchObject({ unit: null, assignment: null, next: [] });
    await expect(field.setStatus('crew-1', 'en_route')).rejects.toBeInstanceOf(NotBoundError);

    twin.onEvent(flood);
    const [incident] = twin.activeIncidents();
    const [best] = await dispatch.recommend(incident!.id, null, 3);
    await bindings.bind('crew-1', best!.unitId, 'admin');
    expect((await field.assignment('crew-1')).assignment).toBeNull();
    await dispatch.assign({ incidentId: incident!.id, unitIds: [best!.unitId], actor: 'disp' });

    const a = await field.assignment('crew-1');
    expect(a.unit).toMatchObject({ id: best!.unitId, status: 'dispatched' });
    expect(a.next).toEqual(['en_route']);
    expect(a.assignment).toMatchObject({ dispatchedAt: T0, dispatchedBy: 'disp', incident: { id: incident!.id, type: 'waterlogging' } });
    expect(a.assignment!.route!.path.length).toBeGreaterThan(1);
    expect(a.assignment!.route!.etaAt).toBe(T0 + a.assignment!.route!.etaS * 1000);
    // A citizen's report is above public clearance: no evidence, no words, the place coarse.
    const text = JSON.stringify(a);
    expect(text).not.toContain('field-test-citizen-words');
    expect(text).not.toContain('evidence');
    expect(a.assignment!.incident!.place).toMatchObject({ coarse: true, lng: Number(incident!.lng.toFixed(2)) });

    expect(await field.setStatus('crew-1', 'en_route')).toMatchObject({ from: 'dispatched', status: 'en_route' });
    expect(await field.setStatus('crew-1', 'on_scene')).toMatchObject({ from: 'en_route', status: 'on_scene' });
    // The same refusal as the dispatcher's: on scene goes through returning.
    const refused = await field.setStatus('crew-1', 'available').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DispatchError);
    expect(refused).toMatchObject({ code: 'transition_not_allowed' });
    expect((refused as Error).message).toContain('from on_scene it can go to returning');
    expect(await field.setStatus('crew-1', 'returning')).toMatchObject({ status: 'returning' });
    expect(await field.setStatus('crew-1', 'available')).toMatchObject({ status: 'available' });
    expect(await field.assignment('crew-1')).toMatchObject({ assignment: null, next: [] });
  });
});
