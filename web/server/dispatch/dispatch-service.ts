/**
 * Dispatch at run time: the fleet of response units (twin-model/dispatch), their live state from
 * AVL fixes and dispatchers' actions, recommendations for an incident ranked by road travel time
 * on the city's road graph under the restrictions the open incidents impose (flooded underpasses,
 * blocked bridges), assignments with their routes, automatic release when an incident ends,
 * re-routing when a route becomes blocked, and every action in the hash-chained dispatch log
 * stored in ClickHouse (`dispatch_log`, storage/dispatch-log-store.ts).
 *
 * The decisions are pure and live in twin-model/dispatch (assignment.ts checks an assignment,
 * unit-trips.ts plans and re-plans trips, unit-state.ts applies inputs); this service holds the
 * state, logs and tells listeners. Refusals are `DispatchError`s with a code; the HTTP adapter
 * (dispatch-routes.ts) turns codes into statuses.
 *
 * With several web nodes the twin writer (cluster/cluster-bus.ts) owns dispatch as it owns
 * incidents: other nodes forward dispatchers' commands to it and mirror the unit changes it sends
 * (cluster/forwarding-writer.ts).
 */
import type { DispatchLogStore } from '../../../storage/index.ts';
import type { ChainAnchor, ChainHead } from '../../../twin-model/audit/hash-chain.ts';
import { districtAt, isInCity } from '../../../twin-model/city/index.ts';
import { cityTimeZone } from '../../../twin-model/local-time.ts';
import { appendEntry, verifyChain, type ChainVerification } from '../../../twin-model/dispatch/dispatch-log.ts';
import {
  activeIncidentFor,
  applyFleetRegister,
  ASSIGNMENT_RANKING_LIMIT,
  applyUnitInput,
  busyUnitIds,
  createFleetState,
  DispatchError,
  dropFreeRetiring,
  generateFleet,
  logInputOf,
  planAssignment,
  rankingKey,
  rankingLogInput,
  recommendUnits,
  rerouteIfBlocked,
  RestrictionsMemo,
  RoadRouter,
  SHOWN_RECOMMENDATIONS,
  tripAfterChange,
  type AssignRequest,
  type CityModel,
  type DispatchLogEntry,
  type FleetRegisterResult,
  type FleetState,
  type Incident,
  type IncidentChange,
  type ResponseUnit,
  type RoadRestrictions,
  type TripRouting,
  type UnitChange,
  type UnitInput,
  type UnitPosition,
  type UnitRecommendation,
  type UnitStatus,
  type UnitTrip,
} from '../../../twin-model/index.ts';
import { BatchedAppender } from '../../../storage/index.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { WriterAnswer, WriterChange, WriterCommand } from '../cluster/cluster-messages.ts';
import { ForwardingWriter } from '../cluster/forwarding-writer.ts';
import type { TwinService } from '../live/twin-service.ts';

export type { AssignRequest, UnitTrip };

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

type DispatchCommand = Extract<WriterCommand, { kind: `dispatch_${string}` }>;
type UnitChangeBatch = Extract<WriterChange, { kind: 'unit_changes' }>;

/** The result of a command, from the writer's answer (here or forwarded): its refusal thrown as a `DispatchError`. */
function resultOf<K extends 'unit_changes' | 'recommendations'>(answer: WriterAnswer, kind: K): Extract<WriterAnswer, { kind: K }> {
  if (answer.kind === kind) return answer as Extract<WriterAnswer, { kind: K }>;
  if (answer.kind === 'dispatch_refused') throw new DispatchError(answer.code, answer.message);
  if (answer.kind === 'failed') throw new Error(`the twin writer failed on the dispatch command: ${answer.message}`);
  throw new Error(`the twin writer answered a dispatch command with ${answer.kind}`);
}

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
  /** Units a register import retired while they were on an assignment: they leave when free. */
  private readonly retiring = new Set<string>();
  private readonly fleetListeners = new Set<() => void>();
  private readonly trips = new Map<string, UnitTrip>();
  /** The last ranking logged per incident (who saw which units in which order). */
  private readonly loggedRankings = new Map<string, string>();
  private readonly listeners = new Set<UnitListener>();
  private restrictions: RoadRestrictions = { closed: new Map() };
  private restrictionsDirty = true;
  /** Each active incident's restrictions, worked out again only when it changes. */
  private readonly restrictionsMemo = new RestrictionsMemo();
  private head: ChainHead | null = null;
  /** The last entry known to be stored (signed in the audit checkpoints). */
  private stored: ChainHead | null = null;
  /** Heads recorded outside the database (the audit log's signed checkpoints). */
  private anchors: () => ChainAnchor[] = () => [];
  /** Log entries on their way to ClickHouse, batched (storage/batched-appender.ts). */
  private readonly logWriter: BatchedAppender<DispatchLogEntry>;
  private store: DispatchLogStore | null = null;
  /** Whether this node writes dispatch; forwards commands and mirrors unit changes otherwise. */
  private readonly writer: ForwardingWriter<DispatchCommand, UnitChangeBatch>;

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
    this.fleet = createFleetState(generateFleet(city), {
      inCity: (lng, lat) => isInCity(city, lng, lat),
      snap: (lng, lat) => this.router.snap(lng, lat),
      incidentPlace: (id) => {
        const i = options.twin.incident(id);
        return i ? { lng: i.lng, lat: i.lat } : null;
      },
    });
    this.writer = new ForwardingWriter<DispatchCommand, UnitChangeBatch>({
      name: 'dispatch',
      handles: (c): c is DispatchCommand => c.kind.startsWith('dispatch_'),
      mirrors: (c): c is UnitChangeBatch => c.kind === 'unit_changes',
      execute: async (c) => this.execute(c),
      mirror: (c) => this.mirrorUnits(c.units),
    });
    // Incidents change the roads (closures) and end assignments (release).
    options.twin.onIncidentChanges((changes) => this.onIncidentChanges(changes));
  }

  /** Stores the log through `store` and continues the chain from the stored head. */
  async useStore(store: DispatchLogStore): Promise<void> {
    this.store = store;
    const head = await store.head();
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
    this.writer.attach(channel);
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
    if (this.restrictionsDirty || !this.restrictionsMemo.current(this.options.city)) {
      this.restrictions = this.restrictionsMemo.restrictions(this.options.twin.activeIncidents(), this.options.city);
      this.restrictionsDirty = false;
    }
    return this.restrictions;
  }

  /**
   * Puts the city's unit register in force while running (a units.csv imported at run time, on
   * every node): new units join at home, kept ones take their new details, retired ones leave —
   * one still on an assignment stays until it is free. Listeners of {@link onFleetChanged} hear of it.
   */
  applyRegister(): FleetRegisterResult {
    const result = applyFleetRegister(this.fleet, generateFleet(this.options.city), this.retiring);
    for (const id of result.retired) this.trips.delete(id);
    const { added, updated, retired, retiring } = result;
    const kept = retiring.length ? `; leaving once free: ${retiring.join(', ')}` : '';
    this.log('info', `fleet register in force: +${added.length} ~${updated.length} -${retired.length}${kept}`);
    this.fleetChanged();
    return result;
  }

  /** The units on an assignment, with their incident (a register import may not retire them). */
  busyUnits(): Map<string, string> {
    return busyUnitIds(this.fleet);
  }

  /** Called when units join or leave the fleet (the console's unit board reloads the list). */
  onFleetChanged(listener: () => void): () => void {
    this.fleetListeners.add(listener);
    return () => this.fleetListeners.delete(listener);
  }

  private fleetChanged(): void {
    for (const l of this.fleetListeners) l();
  }

  /** Retired units that came free leave the fleet. */
  private dropRetired(): void {
    if (this.retiring.size === 0) return;
    const dropped = dropFreeRetiring(this.fleet, this.retiring);
    if (dropped.length === 0) return;
    for (const id of dropped) this.trips.delete(id);
    this.log('info', `retired units left the fleet once free: ${dropped.join(', ')}`);
    this.fleetChanged();
  }

  onUnitChanges(listener: UnitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Ranked units for an incident. With an `actor` (a dispatcher shown the ranking: the explicit
   * `POST …/recommendations`), the ranking is recorded as a `recommend` log entry, once per
   * ranking, by the writer; without one (`GET`, wall screens, scripts) nothing is written and
   * this node answers. Throws `DispatchError` (`unknown_incident`, `incident_not_active`).
   */
  async recommend(incidentId: string, actor: string | null, limit = 5): Promise<UnitRecommendation[]> {
    if (!actor) return this.recommendHere(incidentId, null, limit);
    return resultOf(await this.writer.run({ kind: 'dispatch_recommend', incidentId, actor, limit }), 'recommendations').recommendations;
  }

  /** Assigns units (all or nothing). Throws `DispatchError` with the code of the refusal. */
  async assign(request: AssignRequest): Promise<UnitChange[]> {
    return resultOf(await this.writer.run({ kind: 'dispatch_assign', request }), 'unit_changes').changes;
  }

  /** A status change by hand. Throws `DispatchError` with the code of the refusal. */
  async setStatus(unitId: string, to: UnitStatus, actor: string, reason?: string): Promise<UnitChange[]> {
    const command = { kind: 'dispatch_status' as const, unitId, to, actor, ...(reason ? { reason } : {}) };
    return resultOf(await this.writer.run(command), 'unit_changes').changes;
  }

  /** An AVL fix from MQTT (`citytwin/v1/units/{unitId}/position`). Unknown units are ignored (stored by the ingest). */
  onPosition(p: UnitPosition): void {
    const held = this.fleet.units.get(p.unitId);
    if (!held) return;
    if (!this.writer.isWriter()) {
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
    if (!this.writer.isWriter()) return;
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
      this.head && this.writer.isWriter() ? [{ seq: this.head.seq, hash: this.head.hash, label: 'the head this server holds' }] : [];
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

  /** A command on the writer: its result, or its refusal. */
  private execute(c: DispatchCommand): WriterAnswer {
    try {
      switch (c.kind) {
        case 'dispatch_assign':
          return { kind: 'unit_changes', changes: this.assignHere(c.request) };
        case 'dispatch_status':
          return {
            kind: 'unit_changes',
            changes: this.apply({ type: 'status', unitId: c.unitId, to: c.to, actor: c.actor, ...(c.reason ? { reason: c.reason } : {}) }),
          };
        case 'dispatch_recommend':
          return { kind: 'recommendations', recommendations: this.recommendHere(c.incidentId, c.actor, c.limit ?? 5) };
        default: {
          const never: never = c;
          throw new Error(`unknown dispatch command ${JSON.stringify(never)}`);
        }
      }
    } catch (err) {
      if (err instanceof DispatchError) return { kind: 'dispatch_refused', code: err.code, message: err.message };
      throw err;
    }
  }

  /** The unit changes the writer sent, on another node: into the fleet and to this node's clients. */
  private mirrorUnits(units: UnitChangeBatch['units']): void {
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
    this.dropRetired();
  }

  private activeIncident(incidentId: string): Incident {
    return activeIncidentFor(incidentId, this.options.twin.incident(incidentId));
  }

  private recommendHere(incidentId: string, actor: string | null, limit: number): UnitRecommendation[] {
    const recs = this.rank(this.activeIncident(incidentId), limit);
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
      timeZone: cityTimeZone(city),
      limit,
      districtOf: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
    });
  }

  /**
   * Logs a ranking a dispatcher saw or acted on, once: the console refreshes the list as units
   * move, and an unchanged ranking shown again is no new decision input.
   */
  private logRanking(incidentId: string, actor: string, recs: readonly UnitRecommendation[]): void {
    const key = rankingKey(actor, recs);
    if (this.loggedRankings.get(incidentId) === key) return;
    this.loggedRankings.set(incidentId, key);
    this.appendLog(rankingLogInput(incidentId, actor, recs, this.currentRestrictions().closed.size, this.now()));
  }

  private assignHere(req: AssignRequest): UnitChange[] {
    const incident = this.activeIncident(req.incidentId);
    const recs = this.rank(incident, ASSIGNMENT_RANKING_LIMIT);
    const plan = planAssignment(req, incident, (id) => this.fleet.units.get(id), recs);
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
    this.dropRetired();
    return changes;
  }

  private routing(): TripRouting {
    return { router: this.router, graph: this.options.city.graph, restrictions: () => this.currentRestrictions(), now: this.now() };
  }

  /** The trip a unit is on after a change: to its incident, home, or none. */
  private planTrip(unit: ResponseUnit): UnitTrip | null {
    const trip = tripAfterChange(unit, this.trips.get(unit.id), (id) => this.options.twin.incident(id), this.routing());
    if (trip) this.trips.set(unit.id, trip);
    else this.trips.delete(unit.id);
    return trip;
  }

  private onIncidentChanges(changes: readonly IncidentChange[]): void {
    this.restrictionsDirty = true;
    if (!this.writer.isWriter()) return;
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
    // No trip under way: nothing to reroute (the restrictions wait until someone asks for them).
    if (this.trips.size === 0 || this.currentRestrictions().closed.size === 0) return;
    const routing = this.routing();
    const trips = new Map<string, UnitTrip | null>();
    const changes: UnitChange[] = [];
    for (const trip of this.trips.values()) {
      const unit = this.fleet.units.get(trip.unitId);
      if (!unit) continue;
      const reroute = rerouteIfBlocked(trip, unit, routing);
      if (!reroute) continue;
      const next = reroute.trip;
      this.trips.set(unit.id, next);
      trips.set(unit.id, next);
      this.counters.reroutes++;
      this.appendLog({
        at: this.now(),
        actor: 'twin',
        action: 'reroute',
        unitId: unit.id,
        ...(trip.incidentId ? { incidentId: trip.incidentId } : {}),
        reason: reroute.reason,
        data: { blockedEdge: reroute.blockedEdge, etaS: Math.round(next.route.travelTimeS), routeM: Math.round(next.route.lengthM) },
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
    if (this.writer.isWriter() && this.writer.inCluster() && changes.some((c) => c.what !== 'position')) {
      // Positions reach every node over MQTT; the rest only the writer knows.
      const units = changes
        .filter((c) => c.what !== 'position')
        .map((change) => ({
          change,
          trip: trips.has(change.unitId) ? trips.get(change.unitId)! : (this.trips.get(change.unitId) ?? null),
        }));
      this.writer.publish({ kind: 'unit_changes', units });
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
