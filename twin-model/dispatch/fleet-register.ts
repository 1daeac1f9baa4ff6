/**
 * A new fleet register put in force in a running fleet (a units.csv imported at run time,
 * docs/city-packages.md "Registers at run time"). Units the register adds join at home and
 * available; units it keeps take their new register details (kind, names, capabilities, home
 * station and position, shift) and keep their live state (status, position, incident); units it
 * no longer lists leave the fleet. A unit on an assignment is not retired from under its incident:
 * imports that would are refused (see {@link busyUnitIds}); one that becomes busy between the
 * check and the apply stays, flagged as retiring, until it is free ({@link dropFreeRetiring}).
 */
import type { FleetState } from './unit-state.ts';
import type { ResponseUnit } from './unit-types.ts';

export interface FleetRegisterResult {
  added: string[];
  /** Kept units whose register details changed. */
  updated: string[];
  retired: string[];
  /** Retired by the register but still on an assignment: kept until free. */
  retiring: string[];
}

/** Whether a unit works for an incident (dispatched, en route, on scene). */
export function isOnAssignment(unit: Pick<ResponseUnit, 'status' | 'incidentId'>): boolean {
  return unit.incidentId !== undefined || unit.status === 'dispatched' || unit.status === 'en_route' || unit.status === 'on_scene';
}

/** The units on an assignment, with their incident: those a register may not retire now. */
export function busyUnitIds(state: Pick<FleetState, 'units'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const u of state.units.values()) if (isOnAssignment(u)) out.set(u.id, u.incidentId ?? '');
  return out;
}

const REGISTER_FIELDS = ['kind', 'nameZh', 'nameEn', 'homeStationId', 'homeDistrict', 'homeLng', 'homeLat', 'homeNodeId'] as const;

function registerChanged(held: ResponseUnit, next: ResponseUnit): boolean {
  if (REGISTER_FIELDS.some((f) => held[f] !== next[f])) return true;
  if (held.capabilities.join(';') !== next.capabilities.join(';')) return true;
  return held.shift.startHour !== next.shift.startHour || held.shift.endHour !== next.shift.endHour;
}

function remove(state: FleetState, id: string): void {
  state.units.delete(id);
  state.statusSince.delete(id);
  state.targets.delete(id);
  state.silent.delete(id);
  state.offRoad.delete(id);
}

/**
 * Puts `next` (the fleet generated from the new register, units at home and available) in force
 * in `state`. `retiring` holds the units kept only for their assignment; it is updated.
 */
export function applyFleetRegister(state: FleetState, next: readonly ResponseUnit[], retiring: Set<string>): FleetRegisterResult {
  const out: FleetRegisterResult = { added: [], updated: [], retired: [], retiring: [] };
  const listed = new Set<string>();
  for (const unit of next) {
    listed.add(unit.id);
    retiring.delete(unit.id);
    const held = state.units.get(unit.id);
    if (!held) {
      state.units.set(unit.id, { ...unit, capabilities: [...unit.capabilities], shift: { ...unit.shift } });
      state.statusSince.set(unit.id, 0);
      out.added.push(unit.id);
      continue;
    }
    if (!registerChanged(held, unit)) continue;
    const moved = held.homeNodeId !== unit.homeNodeId && held.status === 'available' && held.lastFixAt === 0;
    state.units.set(unit.id, {
      ...held,
      kind: unit.kind,
      nameZh: unit.nameZh,
      nameEn: unit.nameEn,
      capabilities: [...unit.capabilities],
      homeStationId: unit.homeStationId,
      homeDistrict: unit.homeDistrict,
      homeLng: unit.homeLng,
      homeLat: unit.homeLat,
      homeNodeId: unit.homeNodeId,
      shift: { ...unit.shift },
      // A unit that never sent a fix is where its register says it is.
      ...(moved ? { lng: unit.lng, lat: unit.lat, nodeId: unit.nodeId } : {}),
      version: held.version + 1,
    });
    out.updated.push(unit.id);
  }
  for (const held of [...state.units.values()]) {
    if (listed.has(held.id)) continue;
    if (isOnAssignment(held)) {
      retiring.add(held.id);
      out.retiring.push(held.id);
    } else {
      remove(state, held.id);
      retiring.delete(held.id);
      out.retired.push(held.id);
    }
  }
  return out;
}

/** Removes the retiring units that are free now; returns their ids. */
export function dropFreeRetiring(state: FleetState, retiring: Set<string>): string[] {
  const dropped: string[] = [];
  for (const id of [...retiring]) {
    const unit = state.units.get(id);
    if (unit && isOnAssignment(unit)) continue;
    remove(state, id);
    retiring.delete(id);
    dropped.push(id);
  }
  return dropped;
}
