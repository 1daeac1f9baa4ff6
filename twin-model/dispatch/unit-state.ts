/**
 * The live state of the response fleet: who is available, dispatched, en route, on scene,
 * returning or out of service, where each unit is, and which incident it works for.
 *
 * `applyUnitInput(state, input, ctx)` is the one updater: deterministic (time from `ctx`, no
 * I/O), so the live twin, replay and the what-if simulation run the same code. Every change is
 * returned as a `UnitChange` carrying the unit as it is after the change; refused dispatcher
 * actions throw a `DispatchError` (with a code) and leave the state as it was. Inputs:
 *
 * - `assign` — a dispatcher sends a unit to an incident (optimistic concurrency on the unit's
 *   `version`; choosing another unit than the recommended one needs a reason);
 * - `status` — a dispatcher or the unit moves it along the status table below;
 * - `position` — an AVL fix (`citytwin/v1/units/{unitId}/position`): validated, snapped to the
 *   road graph, and an en-route unit close to its incident arrives by itself;
 * - `release` — the incident was resolved or closed: its units return;
 * - `tick` — about once a second: dispatched or en-route units that went silent are flagged.
 *
 * Status table (anything else is refused with `transition_not_allowed`):
 *
 * | from                  | to               | how                                                  |
 * |-----------------------|------------------|------------------------------------------------------|
 * | available, returning  | dispatched       | `assign` only (it sets the incident)                 |
 * | dispatched            | en_route         | `status` / AVL                                       |
 * | en_route              | on_scene         | `status` / AVL / arrival within `arrivalRadiusM`     |
 * | on_scene              | returning        | `status` / AVL / `release`                           |
 * | dispatched, en_route  | returning        | `release` (the incident closed before arrival)       |
 * | returning             | available        | `status` / AVL                                       |
 * | dispatched, en_route  | available        | `status` with a reason: a cancelled assignment       |
 * | any other             | out_of_service   | `status` with a reason (AVL: reason "reported by the unit") |
 * | out_of_service        | available        | `status` / AVL                                       |
 *
 * Versions: `version` counts the changes a dispatcher acts on — assignment and status — so
 * that of two dispatchers assigning the same unit at once the second, holding the old version,
 * is refused. AVL fixes and warnings do not bump it: a unit reporting every few seconds would
 * otherwise refuse every assignment prepared more than a few seconds ago.
 */
import { equirectangularM as distanceM } from '../city/city-queries.ts';
import type { DispatchLogEntry, ResponseUnit, UnitStatus } from './unit-types.ts';
import { ASSIGNABLE_STATUSES, UNIT_STATUSES } from './unit-types.ts';

export interface UnitContext {
  now(): number;
}

export interface UnitStateConfig {
  /** Whether a position is inside the city (fixes outside are rejected). Default: everywhere. */
  inCity?: (lng: number, lat: number) => boolean;
  /**
   * The road-graph node a fix snaps to and how far the fix is from the road (m). Default: no
   * snapping (the unit keeps its node, no off-road warning).
   */
  snap?: (lng: number, lat: number) => { nodeId: number; distanceM: number };
  /** Where an incident is, for arrival detection when `assign` carries no place. */
  incidentPlace?: (incidentId: string) => { lng: number; lat: number } | null;
  /** A fix further than this from any road (m) gives an `off_road` warning. Default 300. */
  offRoadM?: number;
  /** An en-route unit this close to its incident (m) is on scene. Default 100. */
  arrivalRadiusM?: number;
  /** A dispatched or en-route unit with no fix for this long (s) is `silent`. Default 120. */
  silentAfterS?: number;
  /** Fixes stamped further ahead of the clock than this (ms) are rejected. Default 120 000. */
  maxFutureMs?: number;
}

type ResolvedConfig = Required<Omit<UnitStateConfig, 'snap' | 'incidentPlace'>> & Pick<UnitStateConfig, 'snap' | 'incidentPlace'>;

export const DEFAULT_UNIT_STATE_CONFIG = {
  offRoadM: 300,
  arrivalRadiusM: 100,
  silentAfterS: 120,
  maxFutureMs: 120_000,
} as const;

export type UnitWarning = 'off_road' | 'silent' | 'bad_status';

export interface FleetState {
  readonly config: ResolvedConfig;
  readonly units: Map<string, ResponseUnit>;
  /** Where each assigned unit is going (its incident's place), for arrival detection. */
  readonly targets: Map<string, { lng: number; lat: number }>;
  /** When each unit entered its current status (epoch ms; 0 = before the state existed). */
  readonly statusSince: Map<string, number>;
  /** Units currently flagged silent. */
  readonly silent: Set<string>;
  /** Units whose last fix was off the road. */
  readonly offRoad: Set<string>;
}

/** Why a dispatcher's request was refused (the console words each code; the HTTP adapter picks the status). */
export const DISPATCH_ERROR_CODES = [
  'unknown_unit',
  'unknown_incident',
  'incident_not_active',
  'no_unit',
  'unit_unavailable',
  'version_conflict',
  'override_needs_reason',
  'transition_not_allowed',
  'reason_required',
  'unknown_status',
] as const;
export type DispatchErrorCode = (typeof DISPATCH_ERROR_CODES)[number];

/** A refused dispatcher action: the state is unchanged. */
export class DispatchError extends Error {
  constructor(
    readonly code: DispatchErrorCode,
    message: string,
    /** The unit as it is (when known), so a client can refresh what it showed. */
    readonly unit?: ResponseUnit,
  ) {
    super(message);
    this.name = 'DispatchError';
  }
}

export type UnitInput =
  | {
      type: 'assign';
      unitId: string;
      incidentId: string;
      actor: string;
      reason?: string;
      /** The unit's `version` the dispatcher saw; refused with `version_conflict` when it moved on. */
      expectedVersion?: number;
      /** The dispatcher chose another unit than the recommended one, and why. */
      override?: { recommendedUnitId: string; reason: string };
      /** Where the incident is (for arrival detection); else `config.incidentPlace`. */
      place?: { lng: number; lat: number };
    }
  | { type: 'status'; unitId: string; to: UnitStatus; actor: string; reason?: string }
  | {
      type: 'position';
      unitId: string;
      /** Epoch ms of the fix. */
      ts: number;
      lng: number;
      lat: number;
      speed?: number | null;
      heading?: number | null;
      /** A status reported by the unit's terminal (applied when the transition is allowed). */
      status?: string | null;
    }
  | { type: 'release'; incidentId: string; actor: string; reason?: string }
  | { type: 'tick' };

export type UnitChangeWhat =
  /** Assigned to an incident (status → dispatched). */
  | 'assigned'
  /** A status transition (from → to). */
  | 'status'
  /** Reached the incident: en_route → on_scene by the twin. */
  | 'arrived'
  /** Its incident resolved or closed: → returning. */
  | 'released'
  /** A new AVL position. */
  | 'position'
  /** An AVL fix that was not applied (`reason` says why). */
  | 'fix_rejected'
  /** A warning raised (`warning` says which). */
  | 'warning'
  /** A warning cleared. */
  | 'warning_cleared';

export interface UnitChange {
  unitId: string;
  at: number;
  /** User name, `twin` for automatic changes, `unit:<id>` for what the unit reported. */
  actor: string;
  what: UnitChangeWhat;
  from?: UnitStatus;
  to?: UnitStatus;
  incidentId?: string;
  reason?: string;
  warning?: UnitWarning;
  override?: { recommendedUnitId: string; reason: string };
  /** Distance from the road (off_road) or to the incident (arrived), m. */
  distanceM?: number;
  /** The unit after the change. */
  unit: ResponseUnit;
}

/** A fleet state over the given units (copied: the caller's objects are not changed). */
export function createFleetState(units: Iterable<ResponseUnit>, config: UnitStateConfig = {}): FleetState {
  const resolved: ResolvedConfig = {
    inCity: config.inCity ?? (() => true),
    offRoadM: config.offRoadM ?? DEFAULT_UNIT_STATE_CONFIG.offRoadM,
    arrivalRadiusM: config.arrivalRadiusM ?? DEFAULT_UNIT_STATE_CONFIG.arrivalRadiusM,
    silentAfterS: config.silentAfterS ?? DEFAULT_UNIT_STATE_CONFIG.silentAfterS,
    maxFutureMs: config.maxFutureMs ?? DEFAULT_UNIT_STATE_CONFIG.maxFutureMs,
    ...(config.snap ? { snap: config.snap } : {}),
    ...(config.incidentPlace ? { incidentPlace: config.incidentPlace } : {}),
  };
  const state: FleetState = {
    config: resolved,
    units: new Map(),
    targets: new Map(),
    statusSince: new Map(),
    silent: new Set(),
    offRoad: new Set(),
  };
  for (const u of units) {
    if (state.units.has(u.id)) throw new Error(`createFleetState: unit id ${JSON.stringify(u.id)} appears twice`);
    state.units.set(u.id, { ...u, capabilities: [...u.capabilities], shift: { ...u.shift } });
    state.statusSince.set(u.id, 0);
  }
  return state;
}

/** Transitions allowed through `status` (and AVL); assignment and release have their own inputs. */
const STATUS_TRANSITIONS: Readonly<Record<UnitStatus, readonly UnitStatus[]>> = {
  available: ['out_of_service'],
  dispatched: ['en_route', 'available', 'out_of_service'],
  en_route: ['on_scene', 'available', 'out_of_service'],
  on_scene: ['returning', 'out_of_service'],
  returning: ['available', 'out_of_service'],
  out_of_service: ['available'],
};

/** Whether `status` may move a unit from one status to another (see the table in the module comment). */
export function isAllowedTransition(from: UnitStatus, to: UnitStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** Transitions that need a reason: going out of service, and cancelling an assignment. */
export function needsReason(from: UnitStatus, to: UnitStatus): boolean {
  return to === 'out_of_service' || (to === 'available' && (from === 'dispatched' || from === 'en_route'));
}

export function isUnitStatus(value: unknown): value is UnitStatus {
  return typeof value === 'string' && (UNIT_STATUSES as readonly string[]).includes(value);
}

/** Statuses in which a unit works for an incident. */
const ON_INCIDENT: ReadonlySet<UnitStatus> = new Set(['dispatched', 'en_route', 'on_scene']);
/** Statuses in which a unit is expected to report its position (silence is flagged). */
const WATCHED: ReadonlySet<UnitStatus> = new Set(['dispatched', 'en_route']);

/** Applies one input; returns the changes (empty when nothing changed). Throws `DispatchError` for refused actions. */
export function applyUnitInput(state: FleetState, input: UnitInput, ctx: UnitContext): UnitChange[] {
  switch (input.type) {
    case 'assign':
      return assign(state, input, ctx);
    case 'status':
      return setStatus(state, input, ctx);
    case 'position':
      return position(state, input, ctx);
    case 'release':
      return release(state, input, ctx);
    case 'tick':
      return tick(state, ctx);
    default: {
      const never: never = input;
      throw new Error(`applyUnitInput: unknown input ${JSON.stringify(never)}`);
    }
  }
}

function unitOf(state: FleetState, unitId: string): ResponseUnit {
  const unit = state.units.get(unitId);
  if (!unit) throw new DispatchError('unknown_unit', `unknown unit ${JSON.stringify(unitId)}`);
  return unit;
}

/** Replaces the unit with an updated copy (units handed out in changes are never mutated later). */
function update(state: FleetState, unit: ResponseUnit, patch: Partial<ResponseUnit>, bump: boolean): ResponseUnit {
  const next: ResponseUnit = { ...unit, ...patch, version: bump ? unit.version + 1 : unit.version };
  if (patch.incidentId === undefined && 'incidentId' in patch) delete next.incidentId;
  state.units.set(unit.id, next);
  return next;
}

/** Moves a unit to a new status (bookkeeping shared by every input that does). */
function transition(
  state: FleetState,
  unit: ResponseUnit,
  to: UnitStatus,
  now: number,
  incidentId: string | undefined,
): { unit: ResponseUnit; extra: UnitChange[] } {
  const keepsIncident = ON_INCIDENT.has(to);
  const next = update(state, unit, { status: to, incidentId: keepsIncident ? incidentId : undefined }, true);
  state.statusSince.set(unit.id, now);
  if (!keepsIncident) state.targets.delete(unit.id);
  const extra: UnitChange[] = [];
  // Leaving the watched statuses ends a silence warning: show it cleared, not lingering.
  if (!WATCHED.has(to) && state.silent.delete(unit.id)) {
    extra.push({
      unitId: unit.id,
      at: now,
      actor: 'twin',
      what: 'warning_cleared',
      warning: 'silent',
      reason: `no longer expected to report (now ${to})`,
      unit: next,
    });
  }
  return { unit: next, extra };
}

function assign(state: FleetState, input: Extract<UnitInput, { type: 'assign' }>, ctx: UnitContext): UnitChange[] {
  const unit = unitOf(state, input.unitId);
  const now = ctx.now();
  if (input.expectedVersion !== undefined && input.expectedVersion !== unit.version) {
    throw new DispatchError(
      'version_conflict',
      `unit ${unit.id} changed since version ${input.expectedVersion} (now version ${unit.version}, ${unit.status}${unit.incidentId ? ` for ${unit.incidentId}` : ''}); refresh and try again`,
      unit,
    );
  }
  if (!ASSIGNABLE_STATUSES.includes(unit.status)) {
    throw new DispatchError(
      'unit_unavailable',
      `unit ${unit.id} is ${unit.status}${unit.incidentId ? ` for ${unit.incidentId}` : ''}; only units that are ${ASSIGNABLE_STATUSES.join(' or ')} can be assigned`,
      unit,
    );
  }
  let override = input.override;
  if (override && override.recommendedUnitId === unit.id) override = undefined;
  if (override && !override.reason?.trim()) {
    throw new DispatchError(
      'override_needs_reason',
      `unit ${unit.id} is not the recommended unit ${override.recommendedUnitId}: say why it is sent instead`,
      unit,
    );
  }
  const from = unit.status;
  const { unit: next, extra } = transition(state, unit, 'dispatched', now, input.incidentId);
  const place = input.place ?? state.config.incidentPlace?.(input.incidentId) ?? null;
  if (place) state.targets.set(unit.id, { lng: place.lng, lat: place.lat });
  const change: UnitChange = {
    unitId: unit.id,
    at: now,
    actor: input.actor,
    what: 'assigned',
    from,
    to: 'dispatched',
    incidentId: input.incidentId,
    ...(input.reason ? { reason: input.reason } : {}),
    ...(override ? { override: { ...override } } : {}),
    unit: next,
  };
  return [change, ...extra];
}

function setStatus(state: FleetState, input: Extract<UnitInput, { type: 'status' }>, ctx: UnitContext): UnitChange[] {
  const unit = unitOf(state, input.unitId);
  if (!isUnitStatus(input.to))
    throw new DispatchError('unknown_status', `status ${JSON.stringify(input.to)} is not one of ${UNIT_STATUSES.join(', ')}`, unit);
  const from = unit.status;
  if (from === input.to) return [];
  if (!isAllowedTransition(from, input.to)) {
    const allowed = STATUS_TRANSITIONS[from];
    const via = input.to === 'dispatched' ? ' (assign it to an incident instead)' : '';
    throw new DispatchError(
      'transition_not_allowed',
      `unit ${unit.id} cannot go from ${from} to ${input.to}${via}; from ${from} it can go to ${allowed.join(', ')}`,
      unit,
    );
  }
  if (needsReason(from, input.to) && !input.reason?.trim()) {
    const what = input.to === 'out_of_service' ? 'taking a unit out of service' : 'cancelling an assignment';
    throw new DispatchError('reason_required', `${what} needs a reason (unit ${unit.id}, ${from} → ${input.to})`, unit);
  }
  return statusChange(state, unit, input.to, ctx.now(), input.actor, input.reason);
}

function statusChange(
  state: FleetState,
  unit: ResponseUnit,
  to: UnitStatus,
  now: number,
  actor: string,
  reason: string | undefined,
  what: UnitChangeWhat = 'status',
  distanceM?: number,
): UnitChange[] {
  const from = unit.status;
  const incidentId = unit.incidentId;
  const { unit: next, extra } = transition(state, unit, to, now, incidentId);
  const change: UnitChange = {
    unitId: unit.id,
    at: now,
    actor,
    what,
    from,
    to,
    ...(incidentId ? { incidentId } : {}),
    ...(reason ? { reason } : {}),
    ...(distanceM !== undefined ? { distanceM: Math.round(distanceM) } : {}),
    unit: next,
  };
  return [change, ...extra];
}

function position(state: FleetState, input: Extract<UnitInput, { type: 'position' }>, ctx: UnitContext): UnitChange[] {
  const unit = unitOf(state, input.unitId);
  const now = ctx.now();
  const cfg = state.config;
  const reject = (reason: string): UnitChange[] => [
    { unitId: unit.id, at: now, actor: `unit:${unit.id}`, what: 'fix_rejected', reason, unit },
  ];
  if (!Number.isFinite(input.ts) || !Number.isFinite(input.lng) || !Number.isFinite(input.lat))
    return reject(`fix ${JSON.stringify({ ts: input.ts, lng: input.lng, lat: input.lat })} is not a finite time and position`);
  if (!cfg.inCity(input.lng, input.lat)) return reject(`fix at ${input.lng.toFixed(5)},${input.lat.toFixed(5)} is outside the city`);
  if (input.ts > now + cfg.maxFutureMs)
    return reject(
      `fix time ${new Date(input.ts).toISOString()} is ${Math.round((input.ts - now) / 1000)} s ahead of the clock (limit ${cfg.maxFutureMs / 1000} s)`,
    );
  if (input.ts <= unit.lastFixAt)
    return reject(`fix time ${new Date(input.ts).toISOString()} is not after the last fix ${new Date(unit.lastFixAt).toISOString()}`);

  const out: UnitChange[] = [];
  const snapped = cfg.snap?.(input.lng, input.lat);
  let moved = update(
    state,
    unit,
    { lng: input.lng, lat: input.lat, lastFixAt: input.ts, ...(snapped ? { nodeId: snapped.nodeId } : {}) },
    false,
  );
  out.push({ unitId: unit.id, at: now, actor: `unit:${unit.id}`, what: 'position', unit: moved });

  if (snapped) {
    const off = snapped.distanceM > cfg.offRoadM;
    if (off && !state.offRoad.has(unit.id)) {
      state.offRoad.add(unit.id);
      out.push({
        unitId: unit.id,
        at: now,
        actor: 'twin',
        what: 'warning',
        warning: 'off_road',
        distanceM: Math.round(snapped.distanceM),
        reason: `fix is ${Math.round(snapped.distanceM)} m from the nearest road (limit ${cfg.offRoadM} m)`,
        unit: moved,
      });
    } else if (!off && state.offRoad.delete(unit.id)) {
      out.push({
        unitId: unit.id,
        at: now,
        actor: 'twin',
        what: 'warning_cleared',
        warning: 'off_road',
        distanceM: Math.round(snapped.distanceM),
        reason: 'back on the road',
        unit: moved,
      });
    }
  }
  if (state.silent.delete(unit.id)) {
    out.push({
      unitId: unit.id,
      at: now,
      actor: 'twin',
      what: 'warning_cleared',
      warning: 'silent',
      reason: 'reporting again',
      unit: moved,
    });
  }

  // A status from the unit's terminal, applied when the table allows it without a dispatcher.
  if (input.status !== undefined && input.status !== null && input.status !== moved.status) {
    const to = input.status;
    if (
      isUnitStatus(to) &&
      isAllowedTransition(moved.status, to) &&
      !(to === 'available' && (moved.status === 'dispatched' || moved.status === 'en_route'))
    ) {
      out.push(...statusChange(state, moved, to, now, `unit:${unit.id}`, to === 'out_of_service' ? 'reported by the unit' : undefined));
      moved = state.units.get(unit.id)!;
    } else {
      const why = !isUnitStatus(to)
        ? `reported status ${JSON.stringify(to)} is not one of ${UNIT_STATUSES.join(', ')}`
        : `reported status ${to} is not allowed from ${moved.status}${to === 'available' ? ' (a dispatcher cancels an assignment)' : ''}; kept ${moved.status}`;
      out.push({ unitId: unit.id, at: now, actor: 'twin', what: 'warning', warning: 'bad_status', reason: why, unit: moved });
    }
  }

  // Arrival: an en-route unit within the radius of its incident is on scene.
  const target = state.targets.get(unit.id);
  if (moved.status === 'en_route' && target) {
    const d = distanceM(moved.lng, moved.lat, target.lng, target.lat);
    if (d <= cfg.arrivalRadiusM)
      out.push(
        ...statusChange(
          state,
          moved,
          'on_scene',
          now,
          'twin',
          `within ${Math.round(d)} m of the incident (limit ${cfg.arrivalRadiusM} m)`,
          'arrived',
          d,
        ),
      );
  }
  return out;
}

function release(state: FleetState, input: Extract<UnitInput, { type: 'release' }>, ctx: UnitContext): UnitChange[] {
  const now = ctx.now();
  const out: UnitChange[] = [];
  // Map order is insertion order: the fleet's order, so the changes are deterministic.
  for (const unit of state.units.values()) {
    if (unit.incidentId !== input.incidentId || !ON_INCIDENT.has(unit.status)) continue;
    out.push(...statusChange(state, unit, 'returning', now, input.actor, input.reason ?? `incident ${input.incidentId} ended`, 'released'));
  }
  return out;
}

function tick(state: FleetState, ctx: UnitContext): UnitChange[] {
  const now = ctx.now();
  const limitMs = state.config.silentAfterS * 1000;
  const out: UnitChange[] = [];
  for (const unit of state.units.values()) {
    if (!WATCHED.has(unit.status) || state.silent.has(unit.id)) continue;
    // Silence counts from the later of the last fix and the moment it was dispatched.
    const since = Math.max(unit.lastFixAt, state.statusSince.get(unit.id) ?? 0);
    if (now - since < limitMs) continue;
    state.silent.add(unit.id);
    out.push({
      unitId: unit.id,
      at: now,
      actor: 'twin',
      what: 'warning',
      warning: 'silent',
      ...(unit.incidentId ? { incidentId: unit.incidentId } : {}),
      reason: `no position for ${Math.round((now - since) / 1000)} s while ${unit.status} (limit ${state.config.silentAfterS} s)`,
      unit,
    });
  }
  return out;
}

/**
 * The dispatch-log record of a change (`twin-model/dispatch/dispatch-log.ts` chains it), or
 * null for changes that are not logged (positions, rejected fixes: they are in the position
 * store). `override` is logged as its own action so overrides are easy to audit.
 */
export function logInputOf(change: UnitChange): Omit<DispatchLogEntry, 'seq' | 'prevHash' | 'hash'> | null {
  const base = {
    at: change.at,
    actor: change.actor,
    unitId: change.unitId,
    ...(change.incidentId ? { incidentId: change.incidentId } : {}),
    ...(change.reason ? { reason: change.reason } : {}),
  };
  const statusData = { from: change.from, to: change.to, version: change.unit.version };
  switch (change.what) {
    case 'assigned':
      return change.override
        ? {
            ...base,
            action: 'override',
            data: { ...statusData, recommendedUnitId: change.override.recommendedUnitId, overrideReason: change.override.reason },
          }
        : { ...base, action: 'assign', data: statusData };
    case 'status':
      return { ...base, action: 'status', data: statusData };
    case 'arrived':
      return {
        ...base,
        action: 'arrive',
        data: { ...statusData, distanceM: change.distanceM, lng: change.unit.lng, lat: change.unit.lat },
      };
    case 'released':
      return { ...base, action: 'clear', data: statusData };
    case 'warning':
    case 'warning_cleared':
      return {
        ...base,
        action: 'warning',
        data: {
          warning: change.warning,
          raised: change.what === 'warning',
          ...(change.distanceM !== undefined ? { distanceM: change.distanceM } : {}),
        },
      };
    case 'position':
    case 'fix_rejected':
      return null;
    default: {
      const never: never = change.what;
      throw new Error(`logInputOf: unknown change ${String(never)}`);
    }
  }
}
