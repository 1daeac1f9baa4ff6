/**
 * The twin at run time: one {@link FusionEngine} — the pure twin state and the incident
 * correlator together — fed by accepted messages (from the ingest in the same process, or from
 * its own MQTT subscription in a separate web process), ticked for staleness and incident
 * resolution, and rebuilt from ClickHouse at start so a restart shows the city and its open
 * incidents at once. Every incident change is handed to listeners (the socket.io stream) and
 * appended to the event-sourced {@link IncidentStore}.
 *
 * With several web nodes, one of them is the twin writer (cluster/cluster-bus.ts): only its
 * correlator's changes count — they are stored and sent to the other nodes. The other nodes keep
 * their own sensor twin and run the same correlator in the shadow (its changes are dropped), show
 * the writer's incidents from a mirror, and forward operators' actions to the writer (the
 * forwarding and mirroring are cluster/forwarding-writer.ts, shared with dispatch). When a node
 * becomes the writer it takes the incidents over from its mirror and continues their numbering
 * after the highest id stored.
 */
import { BatchedAppender, type IncidentStore, type TwinRebuildStore } from '../../../storage/index.ts';
import type { WarningContext } from '../../../twin-model/cap/index.ts';
import {
  activeIncidents,
  applyIncidentInput,
  createIncidentState,
  createTwinState,
  FusionEngine,
  IncidentActionError,
  KIND_NAME_PATTERN,
  registerSites,
  siteMeta,
  Vocabulary,
  parseTopic,
  resolveSensorMeta,
  restoreIncidents,
  stateReasonAt,
  type CityEvent,
  type CityModel,
  type Classification,
  type CompiledRuleSet,
  type Incident,
  type IncidentAction,
  type IncidentRule,
  type IncidentType,
  type IncidentChange,
  type Reading,
  type RegisterField,
  type SeenUnit,
  type SensorEntry,
  type SensorMeta,
  type DeclaredSensorSite,
  type TwinConfig,
  type TwinContext,
  type TwinState,
} from '../../../twin-model/index.ts';
import { eventClassifier, higherClass, lowersClass, sensorClassifier, type EventClassifier } from '../auth/classification.ts';
import { UNCLASSIFIED_AS } from '../auth/policy.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { IncidentRefusalCode, WriterAnswer, WriterChange, WriterCommand } from '../cluster/cluster-messages.ts';
import { ForwardingWriter } from '../cluster/forwarding-writer.ts';
import { bySensorId, MetricUnitLog, unitsNow } from './metric-unit-log.ts';
import type { EvidenceClassifier } from '../incidents/incident-view.ts';
import { LiveStream } from './live-stream.ts';

export interface TwinServiceOptions {
  city: CityModel | null;
  districtAt?: TwinConfig['districtAt'];
  /** Whether a report's position is inside the city; default: anywhere. */
  inCity?: (lng: number, lat: number) => boolean;
  now?: () => number;
  /** Incident changes are written in batches this often (ms). */
  persistDelayMs?: number;
  /**
   * Sensors the city retired from its register (storage/city-register-store.ts): not shown
   * live — their meta and readings leave the twin alone (the ingest still stores them).
   */
  retiredSensors?: ReadonlySet<string>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** The vocabulary (v1 and the city's declared kinds); default: v1 only. */
  vocabulary?: Vocabulary;
}

export type IncidentListener = (changes: readonly IncidentChange[]) => void;

/**
 * Device meta that tried to change what the register decides for a sensor (sensor-register.ts)
 * or to lower its classification below its source's: the fields refused.
 */
export interface MetaRefusal {
  sensorId: string;
  fields: Array<RegisterField | 'classification'>;
  /** What the device sent (for the security log). */
  meta: SensorMeta | null;
}

export type MetaRefusalListener = (refusal: MetaRefusal) => void;

/** What the twin reads at start (storage/twin-rebuild-store.ts). */
export type TwinRebuildSource = Pick<TwinRebuildStore, 'registeredSensors' | 'latestReadings'> &
  Partial<Pick<TwinRebuildStore, 'metricUnits'>>;

/**
 * An operator's action that was refused, here or by the writer on another node: the incident is
 * not known (`unknown_incident`), or the action does not apply to it as it is
 * (`action_not_applicable`: acknowledging a closed incident, merging across types …).
 */
export class IncidentRefused extends IncidentActionError {
  constructor(
    readonly code: IncidentRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'IncidentRefused';
  }
}

type IncidentCommand = Extract<WriterCommand, { kind: 'incident_action' }>;
type IncidentChangeBatch = Extract<WriterChange, { kind: 'incident_changes' }>;

export class TwinService {
  readonly state: TwinState;
  readonly stream: LiveStream;
  /** The twin and the correlator; `engine.twin` is {@link state}, the state the stream shows. */
  readonly engine: FusionEngine;
  /**
   * Incident changes made (as the writer), stored, store failures (retried with the next batch),
   * received from the writer (as another node), and made in the shadow (dropped: not the writer).
   */
  get incidentCounters(): { changes: number; stored: number; storeFailures: number; mirrored: number; shadowed: number } {
    return { ...this.counts, stored: this.history.counters.stored, storeFailures: this.history.counters.failures };
  }
  private readonly counts = { changes: 0, mirrored: 0, shadowed: 0 };
  /** Meta messages refused in part (the register's fields kept, a classification kept from falling). */
  get metaRefused(): number {
    return this.refusedMeta;
  }
  private refusedMeta = 0;
  /** Sensors the city retired (not shown live), and the messages about them the twin left alone. */
  private readonly retired: Set<string>;
  private retiredInputs = 0;
  /** Meta and readings messages of retired sensors (stored by the ingest, not shown live). */
  get retiredSensorInputs(): number {
    return this.retiredInputs;
  }
  private readonly refusalListeners = new Set<MetaRefusalListener>();
  private readonly sites: Map<string, DeclaredSensorSite>;
  /** Sensor kinds and metrics (v1 and declared), shared with this process's ingest. */
  readonly vocabulary: Vocabulary;
  private readonly sourceClass: ReadonlyMap<string, Classification>;
  /** Classification of a report by its source (auth/classification.ts). */
  readonly classifyEvent: EventClassifier;
  /** District-wide evidence: classification by kind and district, briefly cached (it scans the twin). */
  private readonly areaClasses = new Map<string, { at: number; cls: Classification }>();
  private readonly ctx: TwinContext;
  private readonly listeners = new Set<IncidentListener>();
  private readonly log: NonNullable<TwinServiceOptions['log']>;
  private store: IncidentStore | null = null;
  /** Incident changes on their way to the store, batched (storage/batched-appender.ts). */
  private readonly history: BatchedAppender<IncidentChange>;
  /** The units seen of metrics outside the vocabulary, stored as they change (metric-unit-log.ts). */
  readonly unitLog: MetricUnitLog;
  /** Whether this node's correlator is the one that counts; forwards and mirrors otherwise. */
  private readonly writer: ForwardingWriter<IncidentCommand, IncidentChangeBatch>;
  /** The writer's incidents, as the other nodes see them (by id, newest change). */
  private readonly mirror = new Map<string, Incident>();
  /** The highest incident number stored, read when this node is about to take the writing over. */
  private highestStored = 0;

  constructor(options: TwinServiceOptions) {
    const now = options.now ?? Date.now;
    this.ctx = { now };
    this.log = options.log ?? (() => undefined);
    this.history = new BatchedAppender<IncidentChange>({
      write: (batch) => this.store!.append(batch),
      delayMs: options.persistDelayMs ?? 200,
      // Kept for the next write: the incident history must not lose an operator's action.
      onFailure: (err, kept) => this.log('warn', `incident store: ${err.message}; ${kept} changes kept for the next write`),
    });
    this.unitLog = new MetricUnitLog(options.persistDelayMs ?? 200, (m) => this.log('warn', m));
    this.vocabulary = options.vocabulary ?? new Vocabulary();
    // The register: sensors of v1 kinds and of the kinds the city declares.
    this.sites = new Map(registerSites(options.city).map((s) => [s.id, s]));
    this.retired = new Set(options.retiredSensors ?? []);
    this.sourceClass = new Map((options.city?.sources ?? []).map((s) => [s.id, s.classification]));
    this.classifyEvent = eventClassifier(options.city?.sources ?? []);
    const vocabulary = this.vocabulary;
    this.state = createTwinState({
      sites: this.sites,
      kindMetrics: (kind) => vocabulary.kindMetrics(kind),
      ...(options.districtAt ? { districtAt: options.districtAt } : {}),
    });
    // Classification follows the sensor's meta, else its registered source (分级分类).
    this.stream = new LiveStream(this.state, { now, classify: sensorClassifier(options.city?.sources ?? []) });
    const districtAt = options.districtAt ?? (() => null);
    // The engine notes changed sensors in the stream's pending set, so the map and the
    // correlator see the same twin updates without applying any input twice.
    this.engine = new FusionEngine(
      this.state,
      createIncidentState(),
      { inCity: options.inCity ?? (() => true), districtAt },
      this.stream.pending,
    );
    this.writer = new ForwardingWriter<IncidentCommand, IncidentChangeBatch>({
      name: 'incidents',
      handles: (c): c is IncidentCommand => c.kind === 'incident_action',
      mirrors: (c): c is IncidentChangeBatch => c.kind === 'incident_changes',
      execute: (c) => this.execute(c),
      mirror: (c) => this.applyRemote(c.changes, true),
      prepareTakeOver: () => this.readHighestStored(),
      takeOver: () => this.takeOver(),
      stepDown: () => this.stepDown(),
    });
  }

  /**
   * A sensor's meta message. Fields the register decides are kept (twin-state.ts applies
   * sensor-register.ts) and a classification below the source's does not count; such a message
   * is counted, logged and handed to the refusal listeners (the security log). `restored`: read
   * back from storage at start, already reported when it arrived.
   */
  onMeta(sensorId: string, meta: SensorMeta | null, restored = false): void {
    if (this.retired.has(sensorId)) {
      this.retiredInputs++;
      return;
    }
    if (!restored) this.checkMeta(sensorId, meta);
    this.emit(this.engine.meta(sensorId, meta, this.ctx));
  }

  /** Calls `listener` with every meta message refused in part; returns the unsubscribe. */
  onMetaRefused(listener: MetaRefusalListener): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  private checkMeta(sensorId: string, meta: SensorMeta | null): void {
    const site = this.sites.get(sensorId);
    const fields: MetaRefusal['fields'] = resolveSensorMeta(site, meta).refused;
    const entry = this.state.byId.get(sensorId);
    const sourceId = site?.sourceId ?? meta?.source ?? entry?.sourceId ?? null;
    const source = sourceId ? this.sourceClass.get(sourceId) : undefined;
    if (meta?.classification && source && lowersClass(source, meta.classification)) fields.push('classification');
    if (fields.length === 0) return;
    this.refusedMeta++;
    this.log('warn', `sensor ${sensorId}: device meta refused for ${fields.join(', ')} (the register and the source decide these)`);
    for (const l of this.refusalListeners) {
      try {
        l({ sensorId, fields, meta });
      } catch (err) {
        this.log('warn', `meta refusal listener: ${(err as Error).message}`);
      }
    }
  }

  /**
   * A register import applied (web/server/register): `sites` registered with the register's
   * own meta (new, moved, renamed), `retired` deregistered (unregistered until the next start,
   * which no longer shows them; their further messages are left alone).
   */
  applyRegister(sites: readonly DeclaredSensorSite[], retired: readonly string[]): void {
    for (const site of sites) {
      this.sites.set(site.id, site);
      this.retired.delete(site.id);
      this.emit(this.engine.meta(site.id, siteMeta(site), this.ctx));
    }
    for (const id of retired) {
      this.sites.delete(id);
      if (this.state.byId.has(id)) this.emit(this.engine.meta(id, null, this.ctx));
      this.retired.add(id);
    }
  }

  /** A sensor's readings, with the units of its metrics outside the vocabulary (stored as they change unless `restored`). */
  onReadings(sensorId: string, readings: readonly Reading[], units?: readonly SeenUnit[], restored = false): void {
    if (this.retired.has(sensorId)) {
      this.retiredInputs++;
      return;
    }
    const was = units?.length ? unitsNow(this.state.byId.get(sensorId), units) : null;
    this.emit(this.engine.readings(sensorId, readings, this.ctx, units));
    if (was && !restored) this.unitLog.changed(sensorId, units!, was, this.state.byId.get(sensorId), this.ctx.now());
  }

  /** A discrete report (hotline case, video detection, manual report). */
  onEvent(event: CityEvent): void {
    this.emit(this.engine.event(event, this.ctx));
  }

  /** Why a sensor is in its state now (a stale sensor's silence worded at the twin's clock). */
  stateReason(entry: SensorEntry): string | null {
    return stateReasonAt(this.state, entry, this.ctx.now());
  }

  tick(): void {
    this.emit(this.engine.tick(this.ctx));
  }

  /**
   * Puts an alarm rule set in force live (docs/rules.md): every sensor is re-evaluated from its
   * current values; the alarms that rise or clear become incident evidence as usual (stored and
   * sent on by the writer, shadowed elsewhere). Every node applies it to its own twin.
   */
  setAlarmRules(rules: CompiledRuleSet): void {
    this.emit(this.engine.setRules(rules, this.ctx));
  }

  /** Puts incident rules in force live: evidence from now on is linked by them. */
  setIncidentRules(rules: ReadonlyMap<IncidentType, IncidentRule>): void {
    this.engine.setIncidentRules(rules);
  }

  /** The alarm rules in force. */
  alarmRules(): CompiledRuleSet {
    return this.state.config.rules;
  }

  /**
   * The official warnings held (web/server/cap), and the keys of those cancelled or updated
   * since: the correlator adds or withdraws their support on the incidents they cover.
   */
  setWarnings(warnings: readonly WarningContext[], withdrawn: readonly string[] = []): void {
    this.emit(this.engine.warnings(warnings, withdrawn, this.ctx));
  }

  /**
   * An operator's action on an incident. Throws IncidentActionError when the action does not
   * apply (the incident is closed, a merge across types …); the state is then unchanged.
   */
  act(incidentId: string, actor: string, command: IncidentAction, reason?: string): IncidentChange[] {
    const changes = applyIncidentInput(
      this.engine.incidents,
      { type: 'operator', incidentId, actor, command, ...(reason ? { reason } : {}) },
      this.ctx,
    );
    this.emit(changes);
    return changes;
  }

  /**
   * An operator's action wherever the writer is: applied here on the writer (and stored before
   * this resolves), forwarded to it otherwise. Throws {@link IncidentRefused} when it does not
   * apply (the state is then unchanged), NoWriterError (cluster-bus.ts) when no writer answers.
   */
  async actAnywhere(incidentId: string, actor: string, command: IncidentAction, reason?: string): Promise<IncidentChange[]> {
    const answer = await this.writer.run({ kind: 'incident_action', incidentId, actor, command, ...(reason ? { reason } : {}) });
    switch (answer.kind) {
      case 'incident_changes':
        // Forwarded: the changes show here at once; the writer's broadcast of them is then no news.
        this.applyRemote(answer.changes, false);
        return answer.changes;
      case 'incident_refused':
        throw new IncidentRefused(answer.code, answer.message);
      case 'failed':
        throw new Error(`the twin writer failed on the action: ${answer.message}`);
      default:
        throw new Error(`the twin writer answered an incident action with ${answer.kind}`);
    }
  }

  /** Whether this node's correlator is the writer (always, on a node alone). */
  isWriter(): boolean {
    return this.writer.isWriter();
  }

  /** The incidents open or acknowledged now. */
  activeIncidents(): Incident[] {
    if (this.isWriter()) return activeIncidents(this.engine.incidents);
    return [...this.mirror.values()].filter((i) => i.status === 'open' || i.status === 'acknowledged');
  }

  /** An incident the twin holds (any status since start or restore), or undefined. */
  incident(id: string): Incident | undefined {
    return this.isWriter() ? this.engine.incidents.incidents.get(id) : this.mirror.get(id);
  }

  /** Every incident held in memory (active ones and those ended within the last day). */
  knownIncidents(): Incident[] {
    return this.isWriter() ? [...this.engine.incidents.incidents.values()] : [...this.mirror.values()];
  }

  /**
   * Joins a cluster's writer channel: as the writer, changes are sent to the other nodes; as
   * another node, the writer's changes are mirrored and this node's own are shadowed.
   */
  attachWriterChannel(channel: TwinWriterChannel): void {
    this.writer.attach(channel);
  }

  /** An action on the writer: its changes, stored, or why it was refused. */
  private async execute(c: IncidentCommand): Promise<WriterAnswer> {
    let changes: IncidentChange[];
    try {
      changes = this.act(c.incidentId, c.actor, c.command, c.reason);
    } catch (err) {
      if (!(err instanceof IncidentActionError)) throw err;
      return {
        kind: 'incident_refused',
        code: this.incident(c.incidentId) ? 'action_not_applicable' : 'unknown_incident',
        message: err.message,
      };
    }
    // Stored before the answer: "recorded" means the history read next includes it.
    await this.flushIncidents();
    return { kind: 'incident_changes', changes };
  }

  /** This node stops writing: its view becomes the mirror of the writer's incidents. */
  private stepDown(): void {
    this.mirror.clear();
    for (const i of this.engine.incidents.incidents.values()) this.mirror.set(i.id, i);
    this.log('info', 'another web node writes incidents; this node mirrors them');
  }

  private async readHighestStored(): Promise<void> {
    this.highestStored = 0;
    try {
      this.highestStored = (await this.store?.maxIncidentNumber()) ?? 0;
    } catch (err) {
      this.log('warn', `incident store: ${(err as Error).message}; numbering continues from the mirror`);
    }
  }

  /** This node becomes the writer: the correlator takes the incidents over from the mirror. */
  private takeOver(): void {
    const state = this.engine.incidents;
    // The shadow's own incidents go; the pending evidence and the seen reports stay (same inputs).
    state.incidents.clear();
    restoreIncidents(state, [...this.mirror.values()]);
    state.nextId = Math.max(state.nextId, this.highestStored + 1);
    this.log('info', `this node now writes incidents (${activeIncidents(state).length} open taken over)`);
  }

  /** The writer's changes, on another node: into the mirror and to this node's clients. */
  private applyRemote(changes: readonly IncidentChange[], notify: boolean): void {
    if (this.isWriter()) return;
    const fresh: IncidentChange[] = [];
    for (const c of changes) {
      const held = this.mirror.get(c.incidentId);
      if (held && held.updatedAt > c.incident.updatedAt) continue;
      this.mirror.set(c.incidentId, c.incident);
      fresh.push(c);
    }
    this.counts.mirrored += fresh.length;
    const dayAgo = this.ctx.now() - 24 * 3600_000;
    for (const [id, i] of this.mirror)
      if (i.status !== 'open' && i.status !== 'acknowledged' && i.updatedAt < dayAgo) this.mirror.delete(id);
    if (notify && fresh.length) this.notify(fresh);
  }

  /** Calls `listener` with every batch of incident changes; returns the unsubscribe. */
  onIncidentChanges(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Classification of a piece of evidence: a report by its source, a sensor alarm by its sensor,
   * district-wide evidence (`alarm:area-<kind>-<district>`, placed at the mean of the sensors in
   * alarm) by the highest of the district's sensors of that kind.
   */
  readonly classifyEvidence: EvidenceClassifier = (e): Classification => {
    // An official warning is published to the public by its issuer.
    if (e.kind === 'official_warning') return 'public';
    if (e.kind === 'event') return this.classifyEvent(e.source, e.eventType ?? null);
    const id = e.sensorId ?? e.id.replace(/^alarm:/, '');
    if (!this.state.byId.has(id) && id.startsWith('area-')) return this.areaClass(id);
    return this.classifySensorId(id);
  };

  /** Classification of a sensor (or service) by id: the twin's entry, else its register site, else unclassified. */
  classifySensorId(id: string): Classification {
    const entry = this.state.byId.get(id);
    if (entry) return this.stream.classify(entry);
    return this.stream.classify({ classification: null, sourceId: this.sites.get(id)?.sourceId ?? null });
  }

  /**
   * Classification of a message by its topic (a dead letter carries its raw payload): a sensor's
   * or service's topic as that sensor, a report's as its source (type unknown), a unit's fix as
   * internal; a topic outside the scheme is sensitive (nothing says what it carries).
   */
  classifyTopic(topic: string): Classification {
    const t = parseTopic(topic);
    if (!t.ok) return 'sensitive';
    switch (t.topic.kind) {
      case 'sensor_meta':
      case 'sensor_data':
      case 'service_data':
        return this.classifySensorId(t.topic.id);
      case 'event':
        return this.classifyEvent(t.topic.source, null);
      case 'unit_position':
        return UNCLASSIFIED_AS;
      case 'gateway_senml':
        // A gateway's pack may carry any of its sensors' readings, of any classification.
        return 'sensitive';
      // Official warnings are published to the public by their issuer.
      case 'cap_warning':
        return 'public';
      default: {
        const never: never = t.topic;
        throw new Error(`unknown topic kind ${JSON.stringify(never)}`);
      }
    }
  }

  private areaClass(id: string): Classification {
    const now = this.ctx.now();
    const held = this.areaClasses.get(id);
    if (held && now - held.at < 5000) return held.cls;
    // area-<kind>-<district>: kinds use underscores, districts are codes.
    const m = /^area-([a-z_]+)-(.+)$/.exec(id);
    let cls: Classification = UNCLASSIFIED_AS;
    if (m) {
      let found: Classification | null = null;
      for (const s of this.state.sensors)
        if (s.kind === m[1] && s.district === m[2]) found = found ? higherClass(found, this.stream.classify(s)) : this.stream.classify(s);
      cls = found ?? UNCLASSIFIED_AS;
    }
    this.areaClasses.set(id, { at: now, cls });
    return cls;
  }

  /** Stores every incident change from now on (and those not yet stored). */
  useIncidentStore(store: IncidentStore): void {
    this.store = store;
  }

  /** Resolves once every change made so far is stored (or the store failed on it). */
  async flushIncidents(): Promise<void> {
    await this.history.flush();
  }

  /** Stops the batch timer and writes what is left. */
  async close(): Promise<void> {
    await this.flushIncidents();
    await this.unitLog.close();
  }

  private emit(changes: readonly IncidentChange[]): void {
    if (changes.length === 0) return;
    if (!this.isWriter()) {
      // Another node writes: this correlator's view is not the one shown or stored.
      this.counts.shadowed += changes.length;
      return;
    }
    this.counts.changes += changes.length;
    this.writer.publish({ kind: 'incident_changes', changes: [...changes] });
    this.notify(changes);
    this.queueForStore(changes);
  }

  private notify(changes: readonly IncidentChange[]): void {
    for (const l of this.listeners) {
      try {
        l(changes);
      } catch (err) {
        this.log('warn', `incident listener: ${(err as Error).message}`);
      }
    }
  }

  private queueForStore(changes: readonly IncidentChange[]): void {
    // Batched: a storm links evidence many times a second; one insert per change would not keep up.
    if (this.store) this.history.push(changes);
  }

  /**
   * Loads the registry and the latest values from storage, and the incidents still open from
   * the incident store (before the sensors, so alarms that are still on join their incidents
   * instead of opening new ones). Returns the sensors loaded.
   */
  async rebuildFrom(source: TwinRebuildSource): Promise<number> {
    if (this.store) {
      const restored = restoreIncidents(this.engine.incidents, await this.store.active());
      if (restored.length) this.log('info', `incidents restored from storage: ${restored.length} open`);
    }
    for (const s of await source.registeredSensors()) {
      // A v1 kind or a declared one (a deregistration has none).
      if (!KIND_NAME_PATTERN.test(s.kind)) continue;
      const meta: SensorMeta = { kind: s.kind, lng: s.lng, lat: s.lat };
      if (s.name) meta.name = s.name;
      if (s.unit) meta.unit = s.unit;
      if (s.district) meta.district = s.district;
      if (s.source) meta.source = s.source;
      if (s.classification) meta.classification = s.classification;
      this.onMeta(s.sensorId, meta, true);
    }
    const bySensor = new Map<string, Reading[]>();
    for (const r of await source.latestReadings()) {
      const list = bySensor.get(r.sensorId) ?? [];
      list.push({ metric: r.metric, ts: r.ts, value: r.value });
      bySensor.set(r.sensorId, list);
    }
    // The units the sensors' metrics outside the vocabulary last came in, with their values.
    const unitsBySensor = bySensorId((await source.metricUnits?.()) ?? []);
    for (const [id, readings] of bySensor) this.onReadings(id, readings, unitsBySensor.get(id), true);
    this.tick();
    return this.state.sensors.length;
  }
}
