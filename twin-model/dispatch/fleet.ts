/**
 * The response fleet of a city. A city that registers its units (a city package's units.csv,
 * `CityModel.units`) gets exactly those, in register order. Otherwise the fleet is generated
 * deterministically from the city model:
 * pump teams at pump depots, fire engines at fire stations, ambulances at hospitals, police
 * and traffic police at police stations (unit-needs.json says which kind lives where).
 *
 * Units of a kind are dealt round-robin over the districts that have a station of that kind
 * (so every district gets its share), and within a district round-robin over its stations.
 * Most units work around the clock; a seeded few work a day (08–20) or night (20–08) shift.
 * `prepositioned` adds extra units of a kind in a district (the what-if simulation's "stage
 * two more pump teams in Hanyang").
 */
import type { Asset, CityModel, UnitRecord } from '../city/city-types.ts';
import { districtAt, haversineM, nearestNode } from '../city/city-queries.ts';
import { localHour } from '../local-time.ts';
import { createRandom, hashString } from '../random.ts';
import { UNIT_KINDS, type ResponseUnit, type Shift, type UnitKind } from './unit-types.ts';
import { unitKindSpec } from './unit-needs.ts';

export interface FleetOptions {
  /** Seed of the shift draw (default: the city's seed). */
  seed?: number;
  /** Units per kind (default: `defaultCount` in unit-needs.json). Ignored when the city registers its units. */
  counts?: Partial<Record<UnitKind, number>>;
  /** Extra units: one per entry, of that kind, based in that district. */
  prepositioned?: { kind: UnitKind; district: string }[];
}

/** Share of units on a 24-hour shift; the rest split between day and night shifts. */
const ALL_DAY_SHARE = 0.8;
const DAY_SHIFT: Shift = { startHour: 8, endHour: 20 };
const NIGHT_SHIFT: Shift = { startHour: 20, endHour: 8 };
const ALL_DAY: Shift = { startHour: 0, endHour: 24 };
/** A registered unit with no station named is attached to the nearest station of its kind within this distance. */
const REGISTER_STATION_M = 500;

/** Whether a shift covers a local hour (0–23.99); start > end wraps past midnight. */
export function onShiftAt(shift: Shift, hour: number): boolean {
  const h = ((hour % 24) + 24) % 24;
  if (shift.startHour === shift.endHour) return false;
  if (shift.startHour < shift.endHour) return h >= shift.startHour && h < shift.endHour;
  return h >= shift.startHour || h < shift.endHour;
}

/** Local hour (fractional, 0–24) of an epoch-ms instant on the city's clocks (its IANA zone). */
export function localHourOf(epochMs: number, timeZone: string): number {
  return localHour(epochMs, timeZone);
}

/** Whether a unit is on shift at an epoch-ms instant: its shift hours are the city's local hours in `timeZone`. */
export function isOnShift(unit: Pick<ResponseUnit, 'shift'>, epochMs: number, timeZone: string): boolean {
  return onShiftAt(unit.shift, localHour(epochMs, timeZone));
}

function shortDistrictName(city: CityModel, code: string): { zh: string; en: string } {
  const d = city.districts.find((x) => x.code === code);
  if (!d) return { zh: code, en: code };
  return { zh: d.nameZh.replace(/区$/, ''), en: d.nameEn.replace(/ District$/, '') };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The fleet of the city: deterministic for a city and options. */
export function generateFleet(city: CityModel, options: FleetOptions = {}): ResponseUnit[] {
  const random = createRandom((options.seed ?? city.seed) ^ hashString('fleet'));
  const units: ResponseUnit[] = [];
  const perDistrictNumber = new Map<string, number>();
  const nextNumber = (kind: UnitKind, district: string): number => {
    const key = `${kind}/${district}`;
    const n = (perDistrictNumber.get(key) ?? 0) + 1;
    perDistrictNumber.set(key, n);
    return n;
  };
  const make = (
    kind: UnitKind,
    district: string,
    home: { id: string; lng: number; lat: number; nodeId: number },
    idSuffix: string,
  ): ResponseUnit => {
    const spec = unitKindSpec(kind);
    const number = nextNumber(kind, district);
    const names = shortDistrictName(city, district);
    const r = random.next();
    const shift = r < ALL_DAY_SHARE ? ALL_DAY : r < (1 + ALL_DAY_SHARE) / 2 ? DAY_SHIFT : NIGHT_SHIFT;
    return {
      id: `${spec.idPrefix}-${district}-${idSuffix}${pad(number)}`,
      kind,
      nameZh: `${names.zh}${spec.nameZh} ${number}`,
      nameEn: `${names.en} ${spec.nameEn} ${number}`,
      capabilities: [...spec.capabilities],
      homeStationId: home.id,
      homeDistrict: district,
      homeLng: home.lng,
      homeLat: home.lat,
      homeNodeId: home.nodeId,
      shift: { ...shift },
      status: 'available',
      lng: home.lng,
      lat: home.lat,
      nodeId: home.nodeId,
      lastFixAt: 0,
      version: 0,
    };
  };

  const stationsByKind = new Map<UnitKind, Map<string, Asset[]>>();
  for (const kind of UNIT_KINDS) {
    const stationKind = unitKindSpec(kind).station;
    const byDistrict = new Map<string, Asset[]>();
    for (const a of city.assets) {
      if (a.kind !== stationKind) continue;
      const list = byDistrict.get(a.district) ?? [];
      list.push(a);
      byDistrict.set(a.district, list);
    }
    for (const list of byDistrict.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    stationsByKind.set(kind, new Map([...byDistrict].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }

  if (city.units) {
    for (const record of city.units) {
      const unit = registeredUnit(city, record, stationsByKind.get(record.kind)!);
      nextNumber(unit.kind, unit.homeDistrict);
      units.push(unit);
    }
  } else {
    for (const kind of UNIT_KINDS) {
      const count = Math.max(0, Math.floor(options.counts?.[kind] ?? unitKindSpec(kind).defaultCount));
      const byDistrict = stationsByKind.get(kind)!;
      const districts = [...byDistrict.keys()];
      if (count > 0 && districts.length === 0)
        throw new Error(`generateFleet: the city has no ${unitKindSpec(kind).station} for ${kind} units`);
      for (let i = 0; i < count; i++) {
        const district = districts[i % districts.length]!;
        const stations = byDistrict.get(district)!;
        const station = stations[Math.floor(i / districts.length) % stations.length]!;
        units.push(make(kind, district, station, ''));
      }
    }
  }

  const extraAt = new Map<string, number>();
  for (const { kind, district } of options.prepositioned ?? []) {
    const stations = stationsByKind.get(kind)?.get(district);
    const key = `${kind}/${district}`;
    const k = extraAt.get(key) ?? 0;
    extraAt.set(key, k + 1);
    let home: { id: string; lng: number; lat: number; nodeId: number };
    if (stations && stations.length > 0) {
      home = stations[k % stations.length]!;
    } else {
      const d = city.districts.find((x) => x.code === district);
      if (!d) throw new Error(`generateFleet: unknown district ${district} for prepositioned ${kind}`);
      const node = nearestNode(city.graph, d.seat[0], d.seat[1]);
      home = { id: `staging-${district}`, lng: node.lng, lat: node.lat, nodeId: node.id };
    }
    units.push(make(kind, district, home, 'x'));
  }
  return units;
}

/**
 * A unit of the city's register, at home and available. Its station is the one the register
 * names, else the nearest station of its kind within {@link REGISTER_STATION_M}, else none
 * (`homeStationId` empty); its district is the station's, else the one at its home position.
 */
function registeredUnit(city: CityModel, record: UnitRecord, stationsByDistrict: Map<string, Asset[]>): ResponseUnit {
  let station: Asset | undefined;
  if (record.stationId !== undefined) station = city.assets.find((a) => a.id === record.stationId);
  if (!station) {
    let bestM = REGISTER_STATION_M;
    for (const list of stationsByDistrict.values()) {
      for (const a of list) {
        const d = haversineM(a, record);
        if (d <= bestM) {
          bestM = d;
          station = a;
        }
      }
    }
  }
  const node = nearestNode(city.graph, record.lng, record.lat);
  const spec = unitKindSpec(record.kind);
  return {
    id: record.id,
    kind: record.kind,
    nameZh: record.nameZh,
    nameEn: record.nameEn,
    capabilities: record.capabilities.length > 0 ? [...record.capabilities] : [...spec.capabilities],
    homeStationId: station?.id ?? '',
    homeDistrict: station?.district ?? districtAt(city, record.lng, record.lat)?.code ?? '',
    homeLng: record.lng,
    homeLat: record.lat,
    homeNodeId: node.id,
    shift: { ...(record.shift ?? ALL_DAY) },
    status: 'available',
    lng: record.lng,
    lat: record.lat,
    nodeId: node.id,
    lastFixAt: 0,
    version: 0,
  };
}
