import { describe, expect, it } from 'vitest';
import { generateCity } from '../city/generate-city.ts';
import { districtAt, nearestNode } from '../city/city-queries.ts';
import type { CityModel } from '../city/city-types.ts';
import { ID_PATTERN } from '../vocabulary.ts';
import { generateFleet, isOnShift, localHourOf, onShiftAt } from './fleet.ts';
import { unitKindSpec } from './unit-needs.ts';
import { UNIT_KINDS, type ResponseUnit } from './unit-types.ts';

const city = generateCity({ sensorCount: 0 });
const assets = new Map(city.assets.map((a) => [a.id, a]));

describe('generateFleet', () => {
  const fleet = generateFleet(city);

  it('bases each kind at its station kind with the default counts, ready at home', () => {
    for (const kind of UNIT_KINDS) expect(fleet.filter((u) => u.kind === kind)).toHaveLength(unitKindSpec(kind).defaultCount);
    for (const u of fleet) {
      const station = assets.get(u.homeStationId)!;
      expect(station.kind).toBe(unitKindSpec(u.kind).station);
      expect(u.homeDistrict).toBe(station.district);
      expect([u.homeNodeId, u.nodeId, u.homeLng, u.lng, u.homeLat, u.lat]).toEqual([
        station.nodeId,
        station.nodeId,
        station.lng,
        station.lng,
        station.lat,
        station.lat,
      ]);
      expect(u).toMatchObject({ status: 'available', version: 0, lastFixAt: 0, capabilities: unitKindSpec(u.kind).capabilities });
      expect(u.id).toMatch(ID_PATTERN);
    }
    expect(new Set(fleet.map((u) => u.id)).size).toBe(fleet.length);
  });

  it('spreads units round-robin over districts and names them by district and number', () => {
    const pumps = fleet.filter((u) => u.kind === 'pump_team');
    const perDistrict = new Map<string, number>();
    for (const u of pumps) perDistrict.set(u.homeDistrict, (perDistrict.get(u.homeDistrict) ?? 0) + 1);
    expect(perDistrict.size).toBe(city.districts.length);
    const counts = [...perDistrict.values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    // Units of one district use its different stations before doubling up.
    const hanyang = pumps.filter((u) => u.homeDistrict === '420105');
    expect(new Set(hanyang.map((u) => u.homeStationId)).size).toBe(
      Math.min(hanyang.length, city.assets.filter((a) => a.kind === 'pump_depot' && a.district === '420105').length),
    );
    expect(hanyang.map((u) => u.nameZh)).toContain('汉阳排水抢险队 3');
    expect(hanyang.map((u) => u.nameEn)).toContain('Hanyang pump team 3');
  });

  it('puts most units on a 24-hour shift and some on day or night shifts', () => {
    const allDay = fleet.filter((u) => u.shift.startHour === 0 && u.shift.endHour === 24).length;
    expect(allDay / fleet.length).toBeGreaterThan(0.7);
    expect(fleet.some((u) => u.shift.startHour === 8 && u.shift.endHour === 20)).toBe(true);
    expect(fleet.some((u) => u.shift.startHour === 20 && u.shift.endHour === 8)).toBe(true);
  });

  it('is deterministic, honours counts and a different seed changes only the shifts', () => {
    expect(generateFleet(city)).toEqual(fleet);
    const other = generateFleet(city, { seed: 99 });
    expect(other.map((u) => u.id)).toEqual(fleet.map((u) => u.id));
    expect(other.map((u) => u.shift)).not.toEqual(fleet.map((u) => u.shift));
    const small = generateFleet(city, { counts: { pump_team: 3, fire_engine: 0, ambulance: 1, police: 0, traffic_police: 0 } });
    expect(small.map((u) => u.kind)).toEqual(['pump_team', 'pump_team', 'pump_team', 'ambulance']);
  });

  it('prepositions extra units in a district at its stations, or at the district seat without one', () => {
    const more = generateFleet(city, {
      prepositioned: [
        { kind: 'pump_team', district: '420105' },
        { kind: 'pump_team', district: '420105' },
      ],
    });
    expect(more).toHaveLength(fleet.length + 2);
    const extra = more.slice(fleet.length);
    expect(extra.map((u) => u.homeDistrict)).toEqual(['420105', '420105']);
    expect(extra.every((u) => assets.get(u.homeStationId)?.kind === 'pump_depot')).toBe(true);
    expect(new Set(more.map((u) => u.id)).size).toBe(more.length);
    const bare = { ...city, assets: city.assets.filter((a) => !(a.kind === 'pump_depot' && a.district === '420105')) };
    const staged = generateFleet(bare, {
      counts: { pump_team: 0, fire_engine: 0, ambulance: 0, police: 0, traffic_police: 0 },
      prepositioned: [{ kind: 'pump_team', district: '420105' }],
    });
    expect(staged[0]!.homeStationId).toBe('staging-420105');
    expect(city.graph.nodes[staged[0]!.homeNodeId]!.lng).toBe(staged[0]!.homeLng);
    expect(() => generateFleet(bare, { counts: { pump_team: 0 }, prepositioned: [{ kind: 'pump_team', district: '999999' }] })).toThrow(
      /unknown district 999999/,
    );
  });
});

describe('generateFleet with a register', () => {
  const depot = city.assets.find((a) => a.kind === 'pump_depot')!;
  const hospital = city.assets.find((a) => a.kind === 'hospital')!;
  const registered: CityModel = {
    ...city,
    units: [
      {
        id: 'p-a',
        kind: 'pump_team',
        nameZh: '泵车甲',
        nameEn: 'Pump A',
        lng: depot.lng,
        lat: depot.lat,
        capabilities: [],
        stationId: depot.id,
        shift: { startHour: 8, endHour: 20 },
      },
      // No station named: the hospital 0 m away is its station.
      {
        id: 'a-b',
        kind: 'ambulance',
        nameZh: '救护乙',
        nameEn: 'Ambulance B',
        lng: hospital.lng,
        lat: hospital.lat,
        capabilities: ['medical', 'rescue'],
      },
      // Far from any fire station: no station, the district at its position.
      { id: 'f-c', kind: 'fire_engine', nameZh: '消防丙', nameEn: 'Fire C', lng: 114.9, lat: 30.95, capabilities: [] },
    ],
  };

  it('takes exactly the registered units, in order, at home and available', () => {
    const fleet = generateFleet(registered);
    expect(fleet.map((u) => u.id)).toEqual(['p-a', 'a-b', 'f-c']);
    const [p, a, f] = fleet as [ResponseUnit, ResponseUnit, ResponseUnit];
    expect(p).toMatchObject({
      homeStationId: depot.id,
      homeDistrict: depot.district,
      homeNodeId: depot.nodeId,
      nodeId: depot.nodeId,
      shift: { startHour: 8, endHour: 20 },
      status: 'available',
      version: 0,
    });
    expect(p.capabilities).toEqual(unitKindSpec('pump_team').capabilities);
    expect(a).toMatchObject({
      homeStationId: hospital.id,
      homeDistrict: hospital.district,
      capabilities: ['medical', 'rescue'],
      shift: { startHour: 0, endHour: 24 },
    });
    expect(f.homeStationId).toBe('');
    expect(f.homeDistrict).toBe(districtAt(city, 114.9, 30.95)?.code);
    expect(city.graph.nodes[f.homeNodeId]).toEqual(nearestNode(city.graph, 114.9, 30.95));
  });

  it('ignores the generation counts but still adds prepositioned units', () => {
    const fleet = generateFleet(registered, { counts: { pump_team: 9 }, prepositioned: [{ kind: 'pump_team', district: depot.district }] });
    expect(fleet).toHaveLength(4);
    expect(fleet[3]).toMatchObject({ kind: 'pump_team', homeDistrict: depot.district });
    expect(fleet[3]!.id).toMatch(/-x\d\d$/);
  });

  it('gives an empty fleet for an empty register', () => {
    expect(generateFleet({ ...city, units: [] })).toEqual([]);
  });
});

describe('shifts', () => {
  it('covers the hours of a shift, wrapping past midnight', () => {
    const night = { startHour: 20, endHour: 8 };
    expect([19.9, 20, 23.5, 0, 7.9, 8].map((h) => onShiftAt(night, h))).toEqual([false, true, true, true, true, false]);
    const day = { startHour: 8, endHour: 20 };
    expect([7.9, 8, 19.9, 20].map((h) => onShiftAt(day, h))).toEqual([false, true, true, false]);
    expect(onShiftAt({ startHour: 0, endHour: 24 }, 23.99)).toBe(true);
  });

  it("reads the city's local time in its zone", () => {
    expect(localHourOf(Date.UTC(2026, 6, 1, 0, 30), 'Asia/Shanghai')).toBe(8.5);
    expect(localHourOf(Date.UTC(2026, 6, 1, 18), 'Asia/Shanghai')).toBe(2);
    expect(isOnShift({ shift: { startHour: 8, endHour: 20 } }, Date.UTC(2026, 6, 1, 1), 'Asia/Shanghai')).toBe(true);
    expect(isOnShift({ shift: { startHour: 8, endHour: 20 } }, Date.UTC(2026, 6, 1, 13), 'Asia/Shanghai')).toBe(false);
  });

  it('follows daylight saving where the city has it (Europe/Berlin)', () => {
    const day = { shift: { startHour: 8, endHour: 20 } };
    // 06:30 UTC is 07:30 in winter (off shift) and 08:30 in summer (on shift).
    expect(isOnShift(day, Date.UTC(2026, 0, 15, 6, 30), 'Europe/Berlin')).toBe(false);
    expect(isOnShift(day, Date.UTC(2026, 6, 15, 6, 30), 'Europe/Berlin')).toBe(true);
    expect(isOnShift(day, Date.UTC(2026, 6, 15, 6, 30), 'Asia/Shanghai')).toBe(true);
    expect(isOnShift(day, Date.UTC(2026, 6, 15, 13, 30), 'Asia/Shanghai')).toBe(false);
  });
});
