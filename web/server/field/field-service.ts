/**
 * The field desk: what a field crew's account (the `field` role, bound to ONE unit by an admin,
 * unit-bindings.ts) sees of its unit and the status changes it makes. Status changes go through
 * the dispatch service (dispatch-service.ts) exactly as a dispatcher's do — the same transition
 * table, the same refusals, the same hash-chained dispatch log, with the crew's user name as the
 * actor. It remembers when and by whom each unit was last sent (the `assigned` change), so the
 * crew sees its dispatch time.
 */
import type { CityModel } from '../../../twin-model/index.ts';
import type { FieldAssignmentResponse, FieldStatus, FieldStatusResponse } from '../../shared/field-protocol.ts';
import type { DispatchService } from '../dispatch/dispatch-service.ts';
import type { TwinService } from '../live/twin-service.ts';
import { fieldAssignment, fieldUnit, nextFieldStatuses, type Dispatched } from './field-view.ts';
import type { UnitBindings } from './unit-bindings.ts';

/** How often the field page asks for its assignment (ms): a new assignment shows within this time. */
export const FIELD_POLL_MS = 5_000;

/** The account is not bound to a unit (the admin binds it: `POST /api/field-units/{username}`). */
export class NotBoundError extends Error {}

export interface FieldDeskOptions {
  dispatch: DispatchService;
  twin: TwinService;
  city: CityModel | null;
  bindings: UnitBindings;
  now?: () => number;
}

export class FieldDesk {
  private readonly sent = new Map<string, Dispatched>();
  private readonly now: () => number;

  constructor(private readonly options: FieldDeskOptions) {
    this.now = options.now ?? Date.now;
    options.dispatch.onUnitChanges((changes) => {
      for (const c of changes)
        if (c.what === 'assigned' && c.incidentId) this.sent.set(c.unitId, { incidentId: c.incidentId, at: c.at, by: c.actor });
    });
  }

  get bindings(): UnitBindings {
    return this.options.bindings;
  }

  /** Whether `unitId` is a unit of the fleet. */
  knowsUnit(unitId: string): boolean {
    return this.options.dispatch.unit(unitId) !== undefined;
  }

  /** Some of the fleet's unit ids, for an error that says what is accepted. */
  unitIdExamples(n = 5): string[] {
    return this.options.dispatch
      .units()
      .slice(0, n)
      .map((u) => u.id);
  }

  /** The assignment of the unit `username` is bound to (unit null when unbound or the unit is gone). */
  async assignment(username: string): Promise<FieldAssignmentResponse> {
    const { dispatch, twin, city } = this.options;
    const unitId = await this.options.bindings.unitOf(username);
    const unit = unitId ? dispatch.unit(unitId) : undefined;
    if (!unit) return { serverTime: this.now(), unit: null, assignment: null, next: [], pollMs: FIELD_POLL_MS };
    const incident = unit.incidentId ? twin.incident(unit.incidentId) : undefined;
    return {
      serverTime: this.now(),
      unit: fieldUnit(unit),
      assignment: fieldAssignment(unit, dispatch.trip(unit.id), incident, this.sent.get(unit.id), city, twin.classifyEvidence),
      next: nextFieldStatuses(unit.status),
      pollMs: FIELD_POLL_MS,
    };
  }

  /**
   * Sets the status of the unit `username` is bound to, by the dispatch rules. Throws
   * {@link NotBoundError} when the account has no unit, and the dispatch service's `DispatchError`
   * for a refused transition.
   */
  async setStatus(username: string, to: FieldStatus): Promise<FieldStatusResponse> {
    const { dispatch } = this.options;
    const unitId = await this.options.bindings.unitOf(username);
    const unit = unitId ? dispatch.unit(unitId) : undefined;
    if (!unitId || !unit) throw new NotBoundError(`the account "${username}" is not bound to a unit of the fleet; an admin binds it`);
    const from = unit.status;
    await dispatch.setStatus(unitId, to, username);
    await dispatch.flush();
    const after = dispatch.unit(unitId)!;
    return { unitId, from, status: after.status, version: after.version };
  }
}
