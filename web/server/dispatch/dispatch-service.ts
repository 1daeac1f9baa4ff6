/**
 * Dispatch at run time: the fleet of response units (twin-model/dispatch), their live state from
 * AVL fixes and dispatchers' actions, recommendations for an incident ranked by road travel time
 * on the city's road graph under the restrictions the open incidents impose (flooded underpasses,
 * blocked bridges), assignments with their routes, automatic release when an incident ends,
 * re-routing when a route becomes blocked, and every action in the hash-chained dispatch log
 * stored in ClickHouse (`dispatch_log`).
 *
 * With several web nodes the twin writer (cluster-bus.ts) owns dispatch as it owns incidents:
 * other nodes forward dispatchers' commands to it and mirror the unit changes it sends.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { districtAt, isInCity } from '../../../twin-model/city/index.ts';
import {
  applyUnitInput,
  createFleetState,
  DispatchError,
  logInputOf,
  type FleetState,
  type UnitChange,
  type UnitInput,
} from '../../../twin-model/dispatch/unit-state.ts';
import {
  ASSIGNABLE_STATUSES,
  generateFleet,
  recommendUnits,
  responderRestrictions,
  restrictionsFromIncidents,
  RoadRouter,
  type CityModel,
  type DispatchLogEntry,
  type Incident,
  type IncidentChange,
  type ResponseUnit,
  type RoadRestrictions,
  type Route,
  type SensorSite,
  type UnitPosition,
  type UnitRecommendation,
  type UnitStatus,
} from '../../../twin-model/index.ts';
import { appendEntry, verifyChain, type ChainVerification } from '../../../twin-model/dispatch/dispatch-log.ts';
import type { ChainAnchor, ChainHead } from '../../../twin-model/audit/hash-chain.ts';
import { DispatchLogStore } from '../../../storage/dispatch-log-store.ts';
import { BatchedAppender } from '../../../storage/batched-appender.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { TwinService } from '../live/twin-service.ts';

/** A unit's current trip: where it drives, since when, and why. */
export interface UnitTrip {
  unitId: string;
  incidentId: string | null;
  /** `to_incident` while dispatched / en route, `home` while returning. */
  leg: 'to_incident' | 'home';
  route: Route;
  /** When this route was computed (epoch ms). */
  since: number;
  /** Times the route was recomputed because it became blocked. */
  reroutes: number;
}

export type UnitListener = (changes: readonly UnitChange[], trips: ReadonlyMap<string, UnitTrip | null>) => void;

export interface DispatchServiceOptions {
  city: CityModel;
  twin: TwinService;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Log entries are written in batches this often (ms). */
  persistDelayMs?: number;
  /** Told of every log entry as it is chained (the audit log binds to it). */
  onLogEntry?: (entry: DispatchLogEntry) => void;
}

export interface AssignRequest {
  incidentId: string;
  unitIds: string[];
  actor: string;
  reason?: string;
  /** Why the dispatcher chose other units than the recommended ones (required then). */
  overrideReason?: string;
  /** The versions of the units the dispatcher saw (refused when another dispatcher moved first). */
  expectedVersions?: Record<string, number>;
}

/** A command forwarded to the writer, and its answer. */
type DispatchCommand =
  | { type: 'dispatch_assign'; request: AssignRequest }
  | { type: 'dispatch_status'; unitId: string; to: UnitStatus; actor: string; reason?: string }
  | { type: 'dispatch_recommend'; incidentId: string; actor: string; limit?: number };
type DispatchAnswer = { ok: unknown } | { error: string; code: string; status: number };

/** A dispatcher's request that was refused: the HTTP status, a stable code and why. The state is unchanged. */
export class DispatchRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'DispatchRefused';
  }
}

const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  unknown_unit: 404,
  unknown_incident: 404,
  unit_unavailable: 409,
  version_conflict: 409,
  incident_not_active: 409,
  transition_not_allowed: 409,
  override_needs_reason: 422,
  reason_required: 422,
  unknown_status: 400,
};

/** Runs `fn`, turning the fleet's refusals into {@link DispatchRefused}. */
function refusing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DispatchError) throw new DispatchRefused(err.message, STATUS_OF_CODE[err.code] ?? 409, err.code);
    throw err;
  }
}

/** Recommendations a console shows (and the route answers by default): the ranking logged with an assignment. */
export const SHOWN_RECOMMENDATIONS = 8;

/** Statuses whose unit drives somewhere (its trip is drawn on the map). */
const MOVING: ReadonlySet<UnitStatus> = new Set(['dispatched', 'en_route', 'returning']);

export class DispatchService {
  readonly router: RoadRouter;
  readonly fleet: FleetState;
  /** The writer's hash-chain head and log figures. */
  readonly counters = { logEntries: 0, reroutes: 0, rejectedFixes: 0 };
  /** Log entries stored, and failed writes (retried). */
  get logCounters(): { stored: number; failures: number } {
    return { ...this.logWriter.counters };
  }
  private readonly now: () => number;
  private readonly log: NonNullable<DispatchServiceOptions['log']>;
  private readonly sites: Map<string, SensorSite>;
  private readonly trips = new Map<string, UnitTrip>();
  /** The last ranking logged per incident (who saw which units in which order). */
  private readonly loggedRankings = new Map<string, string>();
  private readonly listeners = new Set<UnitListener>();
  private restrictions: RoadRestrictions = { closed: new Map() };
  private restrictionsDirty = true;
  private head: ChainHead | null = null;
  /** The last entry known to be stored (signed in the audit checkpoints). */
  private stored: ChainHead | null = null;
  /** Heads recorded outside the database (the audit log's signed checkpoints). */
  private anchors: () => ChainAnchor[] = () => [];
  /** Log entries on their way to ClickHouse, batched (batched-appender.ts). */
  private readonly logWriter: BatchedAppender<DispatchLogEntry>;
  private store: DispatchLogStore | null = null;
  private channel: TwinWriterChannel | null = null;

  constructor(private readonly options: DispatchServiceOptions) {
    const { city } = options;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.logWriter = new BatchedAppender<DispatchLogEntry>({
      write: (batch) => this.writeLog(batch),
      delayMs: options.persistDelayMs ?? 200,
      onFailure: (err, kept) => this.log('warn', `dispatch log: ${err.message}; ${kept} entries kept for the next write`),
    });
    this.router = new RoadRouter(city.graph);
    this.sites = new Map(city.sensorSites.map((s) => [s.id, s]));
    this.fleet = createFleetState(generateFleet(city), {
      inCity: (lng, lat) => isInCity(city, lng, lat),
      snap: (lng, lat) => this.router.snap(lng, lat),
      incidentPlace: (id) => {
        const i = options.twin.incident(id);
        return i ? { lng: i.lng, lat: i.lat } : null;
      },
    });
    // Incidents change the roads (closures) and end assignments (release).
    options.twin.onIncidentChanges((changes) => this.onIncidentChanges(changes));
  }

  /** Stores the log in ClickHouse and continues the chain from the stored head. */
  async useStore(client: ClickHouseClient): Promise<void> {
    this.store = new DispatchLogStore(client);
    const head = await this.store.head();
    this.head = head ? { seq: head.seq, hash: head.hash } : null;
    this.stored = this.head;
    if (this.head) this.log('info', `dispatch log continues after entry ${this.head.seq}`);
  }

  /**
   * Continues the chain after a head signed outside the database when the stored log ends
   * before it (its tail was cut while the server was stopped): the gap stays visible to every
   * later verification instead of being written over with new entries of the same numbers.
   */
  resumeAfter(signed: ChainHead | null): void {
    if (!signed || (this.head && this.head.seq >= signed.seq)) return;
    this.log(
      'warn',
      `dispatch log: the stored log ends at entry ${this.head?.seq ?? 0} but a signed checkpoint records entry ${signed.seq}; continuing after ${signed.seq}`,
    );
    this.head = { seq: signed.seq, hash: signed.hash };
  }

  /** Anchors verification at heads recorded outside the database (the audit checkpoints). */
  anchorWith(anchors: () => ChainAnchor[]): void {
    this.anchors = anchors;
  }

  /** The last entry stored in ClickHouse (null before the first). */
  get storedHead(): ChainHead | null {
    return this.stored;
  }

  /** Joins the cluster: forwarded commands are served on the writer, unit changes mirrored elsewhere. */
  attachWriterChannel(channel: TwinWriterChannel): void {
    this.channel = channel;
    channel.serve(async (command) => {
      const c = JSON.parse(command) as DispatchCommand;
      if (!c.type?.startsWith('dispatch_')) return null;
      if (!channel.isWriter()) return null;
      try {
        return JSON.stringify({ ok: await this.runLocally(c) } satisfies DispatchAnswer);
      } catch (err) {
        if (err instanceof DispatchRefused)
          return JSON.stringify({ error: err.message, code: err.code, status: err.status } satisfies DispatchAnswer);
        throw err;
      }
    });
    channel.onChanges((batch) => {
      if (!batch.startsWith('{"units"')) return;
      const { units } = JSON.parse(batch) as { units: Array<{ change: UnitChange; trip: UnitTrip | null }> };
      const trips = new Map<string, UnitTrip | null>();
      for (const { change, trip } of units) {
        this.fleet.units.set(change.unitId, change.unit);
        if (trip) this.trips.set(change.unitId, trip);
        else this.trips.delete(change.unitId);
        trips.set(change.unitId, trip);
      }
      this.notify(
        units.map((u) => u.change),
        trips,
      );
    });
  }

  private get writer(): boolean {
    return this.channel ? this.channel.isWriter() : true;
  }

  units(): ResponseUnit[] {
    return [...this.fleet.units.values()];
  }

  unit(id: string): ResponseUnit | undefined {
    return this.fleet.units.get(id);
  }

  trip(unitId: string): UnitTrip | undefined {
    return this.trips.get(unitId);
  }

  allTrips(): UnitTrip[] {
    return [...this.trips.values()];
  }

  /** Warnings currently raised per unit. */
  warningsOf(unitId: string): string[] {
    const w: string[] = [];
    if (this.fleet.silent.has(unitId)) w.push('silent');
    if (this.fleet.offRoad.has(unitId)) w.push('off_road');
    return w;
  }

  /** The closures and slow-downs in force, from the active incidents. */
  currentRestrictions(): RoadRestrictions {
    if (this.restrictionsDirty) {
      this.restrictions = restrictionsFromIncidents(this.options.twin.activeIncidents(), this.options.city, (id) => this.sites.get(id));
      this.restrictionsDirty = false;
    }
    return this.restrictions;
  }

  onUnitChanges(listener: UnitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Ranked units for an incident. With an `actor` (a dispatcher shown the ranking: the explicit
   * `POST …/recommendations`), the ranking is recorded as a `recommend` log entry, once per
   * ranking; without one (`GET`, wall screens, scripts) nothing is written.
   */
  async recommend(incidentId: string, actor: string | null, limit = 5): Promise<UnitRecommendation[]> {
    if (!this.writer && actor)
      return (await this.forward({ type: 'dispatch_recommend', incidentId, actor, limit })) as UnitRecommendation[];
    return this.recommendLocally(incidentId, actor, limit);
  }

  async assign(request: AssignRequest): Promise<UnitChange[]> {
    if (!this.writer) return (await this.forward({ type: 'dispatch_assign', request })) as UnitChange[];
    return refusing(() => this.assignLocally(request));
  }

  async setStatus(unitId: string, to: UnitStatus, actor: string, reason?: string): Promise<UnitChange[]> {
    if (!this.writer)
      return (await this.forward({ type: 'dispatch_status', unitId, to, actor, ...(reason ? { reason } : {}) })) as UnitChange[];
    return refusing(() => this.apply({ type: 'status', unitId, to, actor, ...(reason ? { reason } : {}) }));
  }

  /** An AVL fix from MQTT (`citytwin/v1/units/{unitId}/position`). Unknown units are ignored (stored by the ingest). */
  onPosition(p: UnitPosition): void {
    const held = this.fleet.units.get(p.unitId);
    if (!held) return;
    if (!this.writer) {
      // Another node writes dispatch: its fixes move the mirrored unit on the map, nothing more
      // (statuses, arrival and warnings come from the writer).
      if (p.ts <= held.lastFixAt || !isInCity(this.options.city, p.lng, p.lat)) return;
      const unit: ResponseUnit = { ...held, lng: p.lng, lat: p.lat, lastFixAt: p.ts, nodeId: this.router.snap(p.lng, p.lat).nodeId };
      this.fleet.units.set(unit.id, unit);
      this.notify([{ unitId: unit.id, at: this.now(), actor: `unit:${unit.id}`, what: 'position', unit }], new Map());
      return;
    }
    try {
      this.apply({
        type: 'position',
        unitId: p.unitId,
        ts: p.ts,
        lng: p.lng,
        lat: p.lat,
        speed: p.speed,
        heading: p.heading,
        status: p.status,
      });
    } catch (err) {
      this.log('warn', `AVL fix of ${p.unitId}: ${(err as Error).message}`);
    }
  }

  /** Silent units; about once a second. */
  tick(): void {
    if (!this.writer) return;
    this.apply({ type: 'tick' });
  }

  /** Every log entry in order (seq), for export and verification. */
  async logEntries(range: { from?: number; to?: number } = {}): Promise<DispatchLogEntry[]> {
    await this.flush();
    if (!this.store) return [];
    return this.store.entries(range);
  }

  /**
   * Verifies the stored chain, anchored at the head this process knows and at the heads signed
   * in the audit checkpoints (so a tail cut while the server was stopped shows too).
   */
  async verifyLog(): Promise<ChainVerification> {
    const entries = await this.logEntries();
    // The writer knows its head: a truncated or rewritten tail shows against it.
    const own: ChainAnchor[] =
      this.head && this.writer ? [{ seq: this.head.seq, hash: this.head.hash, label: 'the head this server holds' }] : [];
    return verifyChain(entries, { anchors: [...own, ...this.anchors()] });
  }

  /** Resolves once every log entry made so far is stored (or failed). */
  async flush(): Promise<void> {
    await this.logWriter.flush();
  }

  async close(): Promise<void> {
    await this.flush();
  }

  // --- the writer's side -------------------------------------------------------------------

  private async runLocally(c: DispatchCommand): Promise<unknown> {
    switch (c.type) {
      case 'dispatch_assign':
        return refusing(() => this.assignLocally(c.request));
      case 'dispatch_status':
        return refusing(() =>
          this.apply({ type: 'status', unitId: c.unitId, to: c.to, actor: c.actor, ...(c.reason ? { reason: c.reason } : {}) }),
        );
      case 'dispatch_recommend':
        return this.recommendLocally(c.incidentId, c.actor, c.limit ?? 5);
    }
  }

  private async forward(command: DispatchCommand): Promise<unknown> {
    const answer = JSON.parse(await this.channel!.forward(JSON.stringify(command))) as DispatchAnswer;
    if ('error' in answer) throw new DispatchRefused(answer.error, answer.status, answer.code);
    return answer.ok;
  }

  private incidentOrThrow(incidentId: string): Incident {
    const incident = this.options.twin.incident(incidentId);
    if (!incident) throw new DispatchRefused(`incident "${incidentId}" is not known`, 404, 'unknown_incident');
    if (incident.status !== 'open' && incident.status !== 'acknowledged') {
      throw new DispatchRefused(
        `incident ${incidentId} is ${incident.status}; units go to open or acknowledged incidents`,
        409,
        'incident_not_active',
      );
    }
    return incident;
  }

  private recommendLocally(incidentId: string, actor: string | null, limit: number): UnitRecommendation[] {
    const recs = this.rank(this.incidentOrThrow(incidentId), limit);
    if (actor) this.logRanking(incidentId, actor, recs);
    return recs;
  }

  private rank(incident: Incident, limit: number): UnitRecommendation[] {
    const city = this.options.city;
    return recommendUnits({
      incident,
      units: this.units(),
      router: this.router,
      restrictions: this.currentRestrictions(),
      now: this.now(),
      limit,
      districtOf: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
    });
  }

  /**
   * Logs a ranking a dispatcher saw or acted on, once: the console refreshes the list as units
   * move, and an unchanged ranking shown again is no new decision input.
   */
  private logRanking(incidentId: string, actor: string, recs: readonly UnitRecommendation[]): void {
    const ranking = `${actor}|${recs.map((r) => r.unitId).join(',')}`;
    if (this.loggedRankings.get(incidentId) === ranking) return;
    this.loggedRankings.set(incidentId, ranking);
    this.appendLog({
      at: this.now(),
      actor,
      action: 'recommend',
      incidentId,
      data: {
        ranked: recs.map((r) => ({ unitId: r.unitId, etaS: Math.round(r.etaS), rank: r.rank })),
        closures: this.currentRestrictions().closed.size,
      },
    });
  }

  private assignLocally(req: AssignRequest): UnitChange[] {
    const incident = this.incidentOrThrow(req.incidentId);
    if (req.unitIds.length === 0) throw new DispatchRefused('name at least one unit to assign', 400, 'no_unit');
    // The best recommendation of each kind: choosing another unit of that kind is an override.
    const recs = this.rank(incident, 50);
    const bestOfKind = new Map<string, UnitRecommendation>();
    for (const r of recs) if (!bestOfKind.has(r.kind)) bestOfKind.set(r.kind, r);
    // All or nothing: every unit is checked before any is changed.
    const plan: UnitInput[] = [];
    for (const unitId of req.unitIds) {
      const unit = this.fleet.units.get(unitId);
      if (!unit) throw new DispatchRefused(`unit "${unitId}" is not known`, 404, 'unknown_unit');
      // Another dispatcher moved first: the unit is taken, or changed since this one looked.
      const expected = req.expectedVersions?.[unitId];
      if (expected !== undefined && expected !== unit.version) {
        throw new DispatchRefused(
          `${unit.id} changed since you looked (now ${unit.status}, version ${unit.version}); refresh and choose again`,
          409,
          'version_conflict',
        );
      }
      if (!ASSIGNABLE_STATUSES.includes(unit.status))
        throw new DispatchRefused(
          `${unit.id} is ${unit.status}; only available or returning units can be assigned`,
          409,
          'unit_unavailable',
        );
      const best = bestOfKind.get(unit.kind);
      const override = best && best.unitId !== unitId ? { recommendedUnitId: best.unitId, reason: req.overrideReason ?? '' } : undefined;
      if (override && !override.reason.trim()) {
        throw new DispatchRefused(
          `${unitId} is not the recommended ${unit.kind} (${best!.unitId}, ETA ${Math.round(best!.etaS / 60)} min); give a reason to override`,
          422,
          'override_needs_reason',
        );
      }
      plan.push({
        type: 'assign',
        unitId,
        incidentId: req.incidentId,
        actor: req.actor,
        ...(req.reason ? { reason: req.reason } : {}),
        ...(req.expectedVersions?.[unitId] !== undefined ? { expectedVersion: req.expectedVersions[unitId] } : {}),
        ...(override ? { override } : {}),
        place: { lng: incident.lng, lat: incident.lat },
      });
    }
    // The ranking the dispatcher acted on goes into the log before the assignment (once; a
    // ranking already logged for this dispatcher through the console is not repeated).
    this.logRanking(req.incidentId, req.actor, recs.slice(0, SHOWN_RECOMMENDATIONS));
    const out: UnitChange[] = [];
    for (const p of plan) out.push(...this.apply(p));
    return out;
  }

  /** Applies an input to the fleet, updates trips, logs, notifies. */
  private apply(input: UnitInput): UnitChange[] {
    const changes = applyUnitInput(this.fleet, input, { now: this.now });
    if (changes.length === 0) return changes;
    const trips = new Map<string, UnitTrip | null>();
    for (const c of changes) {
      if (c.what === 'fix_rejected') this.counters.rejectedFixes++;
      if (c.what === 'assigned' || c.what === 'released' || c.what === 'status' || c.what === 'arrived')
        trips.set(c.unitId, this.planTrip(c.unit));
      const entry = logInputOf(c);
      if (entry) {
        if (c.what === 'assigned') {
          const trip = this.trips.get(c.unitId);
          if (trip) entry.data = { ...entry.data, etaS: Math.round(trip.route.travelTimeS), routeM: Math.round(trip.route.lengthM) };
        }
        this.appendLog(entry);
      }
    }
    this.notify(changes, trips);
    return changes;
  }

  /** The trip a unit is on after a change: to its incident, home, or none. */
  private planTrip(unit: ResponseUnit): UnitTrip | null {
    const old = this.trips.get(unit.id);
    let trip: UnitTrip | null = null;
    if ((unit.status === 'dispatched' || unit.status === 'en_route') && unit.incidentId) {
      const incident = this.options.twin.incident(unit.incidentId);
      if (incident) {
        if (old && old.leg === 'to_incident' && old.incidentId === unit.incidentId) return old;
        trip = this.routeTrip(unit, incident, 'to_incident');
      }
    } else if (unit.status === 'returning') {
      if (old && old.leg === 'home') return old;
      trip = this.routeTrip(unit, { lng: unit.homeLng, lat: unit.homeLat, nodeId: unit.homeNodeId }, 'home');
    }
    if (trip) this.trips.set(unit.id, trip);
    else this.trips.delete(unit.id);
    return trip;
  }

  private routeTrip(
    unit: ResponseUnit,
    target: { lng: number; lat: number; id?: string; nodeId?: number },
    leg: UnitTrip['leg'],
  ): UnitTrip | null {
    const to = target.nodeId ?? this.router.snap(target.lng, target.lat).nodeId;
    const restrictions = responderRestrictions(this.currentRestrictions(), this.options.city.graph, to);
    const route = this.router.route(unit.nodeId, to, restrictions) ?? this.router.route(unit.nodeId, to);
    if (!route) return null;
    return {
      unitId: unit.id,
      incidentId: leg === 'to_incident' ? (unit.incidentId ?? null) : null,
      leg,
      route,
      since: this.now(),
      reroutes: 0,
    };
  }

  private onIncidentChanges(changes: readonly IncidentChange[]): void {
    this.restrictionsDirty = true;
    if (!this.writer) return;
    const ended = new Set<string>();
    for (const c of changes) {
      const s = c.incident.status;
      if (s === 'resolved' || s === 'closed' || s === 'false_alarm') ended.add(c.incidentId);
    }
    for (const id of ended) {
      this.loggedRankings.delete(id);
      if (![...this.fleet.units.values()].some((u) => u.incidentId === id)) continue;
      const status = changes.findLast((c) => c.incidentId === id)!;
      this.apply({
        type: 'release',
        incidentId: id,
        actor: status.actor === 'twin' ? 'twin' : status.actor,
        reason: `incident ${status.incident.status}`,
      });
    }
    this.rerouteBlocked();
  }

  /** Trips that now cross a closed edge are recomputed from where the unit is. */
  private rerouteBlocked(): void {
    const closed = this.currentRestrictions().closed;
    if (closed.size === 0) return;
    const trips = new Map<string, UnitTrip | null>();
    const changes: UnitChange[] = [];
    for (const trip of this.trips.values()) {
      const unit = this.fleet.units.get(trip.unitId);
      if (!unit || !MOVING.has(unit.status)) continue;
      const to = trip.route.toNode;
      const restrictions = responderRestrictions(this.currentRestrictions(), this.options.city.graph, to)!;
      // Only what is still ahead of the unit matters.
      const at = trip.route.nodes.indexOf(unit.nodeId);
      const ahead = trip.route.edges.slice(Math.max(0, at));
      const blocked = ahead.find((e) => restrictions.closed.has(e));
      if (blocked === undefined) continue;
      const route = this.router.route(unit.nodeId, to, restrictions);
      if (!route) continue;
      const next: UnitTrip = { ...trip, route, since: this.now(), reroutes: trip.reroutes + 1 };
      this.trips.set(unit.id, next);
      trips.set(unit.id, next);
      this.counters.reroutes++;
      this.appendLog({
        at: this.now(),
        actor: 'twin',
        action: 'reroute',
        unitId: unit.id,
        ...(trip.incidentId ? { incidentId: trip.incidentId } : {}),
        reason: restrictions.closed.get(blocked) ?? 'road closed',
        data: { blockedEdge: blocked, etaS: Math.round(route.travelTimeS), routeM: Math.round(route.lengthM) },
      });
      changes.push({
        unitId: unit.id,
        at: this.now(),
        actor: 'twin',
        what: 'status',
        from: unit.status,
        to: unit.status,
        reason: 'rerouted',
        unit,
      });
    }
    if (trips.size) this.notify(changes, trips);
  }

  private notify(changes: readonly UnitChange[], trips: ReadonlyMap<string, UnitTrip | null>): void {
    if (this.writer && this.channel && changes.some((c) => c.what !== 'position')) {
      // Positions reach every node over MQTT; the rest only the writer knows.
      const units = changes
        .filter((c) => c.what !== 'position')
        .map((change) => ({
          change,
          trip: trips.has(change.unitId) ? trips.get(change.unitId)! : (this.trips.get(change.unitId) ?? null),
        }));
      this.channel.publish(JSON.stringify({ units }));
    }
    for (const l of this.listeners) {
      try {
        l(changes, trips);
      } catch (err) {
        this.log('warn', `unit listener: ${(err as Error).message}`);
      }
    }
  }

  private appendLog(input: Parameters<typeof appendEntry>[1]): void {
    const entry = appendEntry(this.head, input);
    this.head = { seq: entry.seq, hash: entry.hash };
    this.counters.logEntries++;
    try {
      this.options.onLogEntry?.(entry);
    } catch (err) {
      this.log('warn', `dispatch log listener: ${(err as Error).message}`);
    }
    // The chain must not lose an entry: a failed write is kept and retried.
    if (this.store) this.logWriter.push([entry]);
  }

  private async writeLog(batch: readonly DispatchLogEntry[]): Promise<void> {
    await this.store!.insert(batch);
    const last = batch.at(-1);
    if (last) this.stored = { seq: last.seq, hash: last.hash };
  }
}
