/**
 * The city simulator: every sensor site of a city model reporting over MQTT the way real
 * gateways do. The values come from the pure signal patterns and weather field; this class
 * is the I/O edge: a clock, a timer and one MQTT connection.
 *
 * Life of a reading: a sensor's slot comes due in simulated time → `sampleSignals` gives its
 * values → it joins the sensor's pending batch (or is dropped, ~1%) → when the batch is full
 * the gateway format encodes it → the message is published, or held back 30–300 s and sent
 * late with its original timestamps (~1%).
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { CityModel, DeclaredSensorKind, DeclaredSensorSite, SensorSite } from '../twin-model/city/city-types.ts';
import { createRandom, hashString, type Random } from '../twin-model/random.ts';
import { isSensorKind, SENSOR_KINDS, type SensorKind } from '../twin-model/vocabulary.ts';
import { planDeclaredKind, type DeclaredKindPlan } from './declared-signals.ts';
import { planGateways, type GatewayPlan, type SensorSchedule } from './gateway-plan.ts';
import { cityTimeZone } from './local-time.ts';
import {
  buildJunkPayload,
  buildSensorMeta,
  encodeNativeJson,
  encodeSenml,
  JUNK_KINDS,
  sensorDataTopic,
  sensorMetaTopic,
  serviceMetricsTopic,
  type Sample,
} from './payload-encoding.ts';
import { cityRainstorm, createWeather, type RainstormOptions, type Weather, type WeatherScenario } from './rainstorm.ts';
import { sampleSignals } from './signal-patterns.ts';
import { StormReports, type StormReportOptions } from './storm-reports.ts';
import { topics } from '../twin-model/messages/topics.ts';

/** Options of {@link CitySimulator}. */
export interface CitySimulatorOptions {
  /** Broker to publish to, e.g. `mqtt://127.0.0.1:1883`. */
  brokerUrl: string;
  /**
   * The city whose sensors report: its `sensorSites`, and its `declaredSensorSites` of kinds
   * the simulator has a pattern for (declared-signals.ts; the others are skipped and logged).
   * Its time zone drives the daily patterns; its extent (or `storms`) places the rainstorm.
   */
  city: CityModel;
  /** Seed of values, gateway plan, dropouts and late deliveries. @default city.seed */
  seed?: number;
  /** @default 'none' */
  scenario?: WeatherScenario;
  /** Simulated seconds per wall-clock second (1 = real time). @default 1 */
  timeScale?: number;
  /** Sampling rate relative to the default reporting intervals. @default 1 */
  rateMultiplier?: number;
  /** Share of samples not sent at all (gaps). @default 0.01 */
  dropoutRate?: number;
  /** Share of messages sent 30–300 s (simulated) late with their original timestamps. @default 0.01 */
  lateRate?: number;
  /** Model sites that send data but never a meta message. @default 5 */
  unregisteredCount?: number;
  /** Extra sensors, not in the model at all, that send data and no meta. @default 2 */
  strayCount?: number;
  /** Extra junk messages per data message (broken JSON, "NaN", unknown metrics …). @default 0 */
  badMessageRate?: number;
  /** QoS of data messages (meta is always QoS 1, retained). @default 1 */
  qos?: 0 | 1 | 2;
  /** Extra mqtt.js connect options (credentials, TLS, clientId …). */
  mqttOptions?: IClientOptions;
  /** Wall clock in epoch ms. @default Date.now */
  clock?: () => number;
  /** Simulated time at `start()` (epoch ms). @default clock() when `start()` is called */
  startMs?: number;
  /**
   * Time written into payloads. `wall` (default): the wall-clock moment the simulated sample
   * maps to, so a compressed run (timeScale > 1) plays the scenario faster while readings
   * carry real times the ingest accepts and the twin judges as fresh. `simulated`: the
   * simulated time itself (for generating history with `startMs` in the past).
   */
  stamp?: 'wall' | 'simulated';
  /** When the rainstorm's first rain falls (epoch ms, simulated). @default startMs + 60 s */
  stormStartMs?: number;
  /**
   * Hotline cases and video detections near flooded underpasses (rainstorm only), or false for
   * none. @default the defaults of simulations/storm-reports.ts
   */
  reports?: Partial<StormReportOptions> | false;
  /** Shape of the rainstorm (track, speed, intensity, size). @default the storm through the city's centre (`cityRainstorm`) */
  rainstorm?: Partial<RainstormOptions>;
  /** Daily mean air temperature (°C). @default 27 */
  meanTempC?: number;
  /** Wall-clock period of the publishing timer. @default 100 */
  tickMs?: number;
  /** Most samples one sensor catches up in one tick; the rest are skipped (counted). @default 20 */
  maxCatchUp?: number;
  /** Publishes awaiting their callback above which sampling pauses (backpressure). @default 20000 */
  maxInFlight?: number;
  /** Where the simulator says what it does not simulate (declared kinds without a pattern). */
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** A declared kind the simulator does not publish, and why. */
export interface SkippedKind {
  kind: string;
  sensors: number;
  reason: string;
}

/** Counters of one kind. */
export interface KindStats {
  messages: number;
  readings: number;
}

/** What the simulator has done since `start()`. */
export interface SimulatorStats {
  /** Current simulated time (epoch ms). */
  simTimeMs: number;
  /** Data messages handed to the client (sensor and service-metrics topics, late ones included). */
  messages: number;
  /** Readings (metric values) in those messages. */
  readings: number;
  /** Retained meta messages published. */
  metaMessages: number;
  /** Readings not sent by the dropout setting. */
  droppedReadings: number;
  /** Messages held back to be sent late, and how many of them have gone out. */
  lateQueued: number;
  lateSent: number;
  /** Junk messages published. */
  badMessages: number;
  /** Samples skipped because the simulator could not keep up. */
  skippedSamples: number;
  /** Publishes that failed, and connection errors seen. */
  publishErrors: number;
  connectionErrors: number;
  /** Hotline cases and video detections published (rainstorm scenario). */
  reports: number;
  /** Every v1 kind, and the declared kinds the simulator publishes. */
  byKind: Record<string, KindStats>;
}

/** A site the simulator drives: a v1 kind, or a declared kind with its sampler. */
type SimSite = SensorSite | DeclaredSensorSite;

interface SensorRuntime {
  site: SimSite;
  /** The declared kind's plan (declared sites only). */
  declared: Extract<DeclaredKindPlan, { simulated: true }> | undefined;
  schedule: SensorSchedule;
  dataTopic: string;
  /** Service halls also publish on the metrics topic (serviceId = site id). */
  metricsTopic: string | undefined;
  /** Values stream and network-behaviour stream, both per sensor so order never matters. */
  values: Random;
  network: Random;
  nextDueMs: number;
  pending: Sample[];
  slots: number;
}

interface OutMessage {
  topic: string;
  payload: string;
  kind: string;
  readings: number;
}

interface LateMessage {
  dueMs: number;
  messages: OutMessage[];
}

const STRAY_KINDS: readonly SensorKind[] = ['rain_gauge', 'water_level', 'traffic_flow'];

function rate(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`${name} must be a share in [0, 1], got ${String(value)}`);
  }
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got ${String(value)}`);
  return value;
}

function emptyKindStats(declared: readonly string[] = []): Record<string, KindStats> {
  return Object.fromEntries([...SENSOR_KINDS, ...declared].map((k) => [k, { messages: 0, readings: 0 }]));
}

/**
 * Ids of model sites that will never publish meta, and synthetic sites for sensors that are
 * not in the model at all. Pure and deterministic by seed.
 */
export function pickUnregistered(
  sites: readonly SensorSite[],
  unregisteredCount: number,
  strayCount: number,
  random: Random,
): { unregisteredIds: Set<string>; strays: SensorSite[] } {
  const order = sites.map((s) => s.id);
  const n = Math.min(unregisteredCount, order.length);
  // Partial Fisher–Yates: the first n entries become a uniform sample.
  for (let i = 0; i < n; i++) {
    const j = i + random.int(order.length - i);
    const a = order[i] as string;
    order[i] = order[j] as string;
    order[j] = a;
  }
  const unregisteredIds = new Set(order.slice(0, n));
  const strays: SensorSite[] = [];
  const known = new Set(sites.map((s) => s.id));
  for (let i = 0; i < strayCount && sites.length > 0; i++) {
    const kind = STRAY_KINDS[i % STRAY_KINDS.length] as SensorKind;
    const model = random.pick(sites);
    let id = `unlisted-${kind.replace('_', '-')}-${String(i + 1).padStart(2, '0')}`;
    while (known.has(id)) id = `${id}x`;
    known.add(id);
    strays.push({
      ...model,
      id,
      kind,
      // Somewhere near a real site, so its values look local.
      lng: model.lng + random.range(-0.01, 0.01),
      lat: model.lat + random.range(-0.01, 0.01),
      nameZh: `未登记设备 ${i + 1}`,
      nameEn: `Unlisted device ${i + 1}`,
    });
  }
  return { unregisteredIds, strays };
}

/**
 * Publishes a city's sensors over MQTT: retained meta for each registered site, then data
 * on a timer following the gateway plan. See the module comment for the life of a reading.
 */
export class CitySimulator {
  readonly plan: GatewayPlan;
  /** Model sites that send data but no meta. */
  readonly unregisteredIds: ReadonlySet<string>;
  /** Sensors not in the model that send data but no meta. */
  readonly strays: readonly SensorSite[];
  /** Declared kinds not published (no pattern for a metric's unit), with their sensor counts. */
  readonly skippedKinds: readonly SkippedKind[];

  private readonly options: CitySimulatorOptions;
  private readonly clock: () => number;
  private readonly timeScale: number;
  private readonly dropoutRate: number;
  private readonly lateRate: number;
  private readonly badMessageRate: number;
  private readonly qos: 0 | 1 | 2;
  private readonly tickMs: number;
  private readonly maxCatchUp: number;
  private readonly maxInFlight: number;
  private readonly simStartMs: number | undefined;
  private readonly sensors: SensorRuntime[];
  private readonly seed: number;
  private readonly timeZone: string;
  private readonly declaredKinds: ReadonlyMap<string, DeclaredSensorKind>;

  private weatherField: Weather | undefined;
  private reports: StormReports | undefined;
  /** Simulated time up to which reports have been published. */
  private reportsUpToMs = 0;
  private client: MqttClient | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private state: 'idle' | 'starting' | 'running' | 'stopped' = 'idle';
  private stoppedAtSimMs = 0;
  private wallStartMs = 0;
  private readonly stampMode: 'wall' | 'simulated';
  private simOriginMs = 0;
  private inFlight = 0;
  private late: LateMessage[] = [];
  private readonly counters: Omit<SimulatorStats, 'simTimeMs' | 'byKind'> = {
    messages: 0,
    readings: 0,
    metaMessages: 0,
    droppedReadings: 0,
    lateQueued: 0,
    lateSent: 0,
    badMessages: 0,
    skippedSamples: 0,
    publishErrors: 0,
    reports: 0,
    connectionErrors: 0,
  };
  private readonly byKind: Record<string, KindStats>;

  constructor(options: CitySimulatorOptions) {
    this.options = options;
    if (typeof options.brokerUrl !== 'string' || options.brokerUrl === '') {
      throw new Error(`brokerUrl must be a broker URL such as mqtt://127.0.0.1:1883, got ${JSON.stringify(options.brokerUrl)}`);
    }
    this.clock = options.clock ?? Date.now;
    this.seed = options.seed ?? options.city.seed;
    this.timeScale = positive('timeScale', options.timeScale ?? 1);
    this.stampMode = options.stamp ?? 'wall';
    this.dropoutRate = rate('dropoutRate', options.dropoutRate ?? 0.01);
    this.lateRate = rate('lateRate', options.lateRate ?? 0.01);
    this.badMessageRate = rate('badMessageRate', options.badMessageRate ?? 0);
    const qos = options.qos ?? 1;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new Error(`qos must be 0, 1 or 2, got ${String(qos)}`);
    this.qos = qos;
    this.tickMs = positive('tickMs', options.tickMs ?? 100);
    this.maxCatchUp = positive('maxCatchUp', options.maxCatchUp ?? 20);
    this.maxInFlight = positive('maxInFlight', options.maxInFlight ?? 20_000);
    this.simStartMs = options.startMs;

    const root = createRandom(this.seed);
    const { unregisteredIds, strays } = pickUnregistered(
      options.city.sensorSites,
      count('unregisteredCount', options.unregisteredCount ?? 5),
      count('strayCount', options.strayCount ?? 2),
      root.fork('unregistered'),
    );
    this.unregisteredIds = unregisteredIds;
    this.strays = strays;
    this.timeZone = cityTimeZone(options.city);
    // Declared kinds: simulated when every metric's unit has a pattern, else skipped (and said).
    this.declaredKinds = new Map((options.city.vocabulary ?? []).map((k) => [k.kind, k]));
    const plans = new Map<string, DeclaredKindPlan>();
    const declaredSites: Array<{ site: DeclaredSensorSite; plan: Extract<DeclaredKindPlan, { simulated: true }> }> = [];
    const skipped = new Map<string, SkippedKind>();
    for (const site of options.city.declaredSensorSites ?? []) {
      const declared = this.declaredKinds.get(site.kind);
      let plan = plans.get(site.kind);
      if (plan === undefined) {
        plan = declared
          ? planDeclaredKind(declared)
          : { kind: site.kind, simulated: false, reason: 'the city does not declare it (vocabulary)' };
        plans.set(site.kind, plan);
      }
      if (plan.simulated) declaredSites.push({ site, plan });
      else {
        const entry = skipped.get(site.kind) ?? { kind: site.kind, sensors: 0, reason: plan.reason };
        entry.sensors++;
        skipped.set(site.kind, entry);
      }
    }
    this.skippedKinds = [...skipped.values()];
    this.byKind = emptyKindStats([...new Set(declaredSites.map((d) => d.site.kind))]);
    const sites: SimSite[] = [...options.city.sensorSites, ...strays, ...declaredSites.map((d) => d.site)];
    const declaredMetrics = Object.fromEntries([...this.declaredKinds].map(([k, d]) => [k, Object.keys(d.metrics).length]));
    this.plan = planGateways(sites, { seed: this.seed, rateMultiplier: options.rateMultiplier ?? 1, declaredMetrics });
    const declaredPlanOf = new Map(declaredSites.map((d) => [d.site.id, d.plan]));
    this.sensors = sites.map((site, i) => {
      const schedule = this.plan.sensors[i];
      if (schedule === undefined || schedule.sensorId !== site.id) throw new Error(`no schedule for site ${site.id}`);
      return {
        site,
        declared: isSensorKind(site.kind) ? undefined : declaredPlanOf.get(site.id),
        schedule,
        dataTopic: sensorDataTopic(site.id),
        metricsTopic: site.kind === 'service_hall' ? serviceMetricsTopic(site.id) : undefined,
        values: root.fork(`values:${site.id}`),
        network: root.fork(`network:${site.id}`),
        nextDueMs: 0,
        pending: [],
        slots: 0,
      };
    });
  }

  /** The weather field of the run (built by `start()`, when the simulated start is known). */
  get weather(): Weather | undefined {
    return this.weatherField;
  }

  private buildWeather(simStartMs: number): Weather {
    const o = this.options;
    const common = {
      seed: this.seed,
      sites: o.city.sensorSites,
      timeZone: this.timeZone,
      ...(o.meanTempC === undefined ? {} : { meanTempC: o.meanTempC }),
    };
    if ((o.scenario ?? 'none') === 'none') return createWeather({ scenario: 'none', ...common });
    return createWeather({
      scenario: 'rainstorm',
      startMs: o.stormStartMs ?? simStartMs + 60_000,
      // The storm crosses this city (its extent, or its own `storms` hint), unless told otherwise.
      rainstorm: { ...cityRainstorm(o.city), ...o.rainstorm },
      ...common,
    });
  }

  /** Simulated time now (epoch ms). */
  simNow(): number {
    if (this.state === 'idle' || this.state === 'starting') return this.simStartMs ?? this.clock();
    if (this.state === 'stopped') return this.stoppedAtSimMs;
    return this.simOriginMs + (this.clock() - this.wallStartMs) * this.timeScale;
  }

  /**
   * Connect, publish retained meta for every registered site, then start reporting.
   * Resolves once the meta messages are acknowledged.
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`start() can be called once, on a new simulator; this one is ${this.state}`);
    this.state = 'starting';
    for (const k of this.skippedKinds) {
      this.options.log?.('warn', `simulator: ${k.sensors} sensor(s) of declared kind ${k.kind} not simulated: ${k.reason}`);
    }
    const wallNow = this.clock();
    const clientId = `sim-${(hashString(`${this.seed}:${wallNow}`) >>> 0).toString(16)}`;
    let client: MqttClient;
    try {
      client = await connectAsync(this.options.brokerUrl, { clientId, clean: true, ...this.options.mqttOptions });
    } catch (err) {
      this.state = 'idle';
      throw new Error(`cannot connect to the broker at ${this.options.brokerUrl}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.client = client;
    client.on('error', () => {
      this.counters.connectionErrors++;
    });
    this.wallStartMs = this.clock();
    this.simOriginMs = this.simStartMs ?? this.wallStartMs;
    this.weatherField = this.buildWeather(this.simOriginMs);
    if (this.options.scenario === 'rainstorm' && this.options.reports !== false) {
      this.reports = new StormReports(this.options.city.sensorSites, this.weatherField, this.seed, this.options.reports ?? {});
      this.reportsUpToMs = this.simOriginMs;
    }
    this.state = 'running';
    for (const s of this.sensors) {
      const { intervalMs, phaseMs } = s.schedule;
      // First slot at or after the start, on the sensor's phase grid.
      s.nextDueMs = Math.ceil((this.simOriginMs - phaseMs) / intervalMs) * intervalMs + phaseMs;
    }

    const metaSent: Array<Promise<unknown>> = [];
    const sources = new Map(this.options.city.sources.map((src) => [src.id, src]));
    for (const { site, declared } of this.sensors) {
      if (this.unregisteredIds.has(site.id) || this.strays.includes(site as SensorSite)) continue;
      const meta = buildSensorMeta(site, sources.get(site.sourceId), declared ? this.declaredKinds.get(site.kind) : undefined);
      metaSent.push(client.publishAsync(sensorMetaTopic(site.id), JSON.stringify(meta), { qos: 1, retain: true }));
      this.counters.metaMessages++;
    }
    await Promise.all(metaSent);
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  /** Stop reporting and disconnect (waits for in-flight publishes). Late messages not yet due are not sent. */
  async stop(): Promise<void> {
    if (this.state === 'running') this.stoppedAtSimMs = this.simNow();
    this.state = 'stopped';
    if (this.timer !== undefined) clearInterval(this.timer);
    const client = this.client;
    if (client !== undefined) await client.endAsync();
    this.timer = undefined;
    this.client = undefined;
    this.late = [];
  }

  /** Counters since start, by kind. */
  stats(): SimulatorStats {
    const byKind = Object.fromEntries(Object.entries(this.byKind).map(([k, v]) => [k, { ...v }]));
    return { simTimeMs: this.simNow(), ...this.counters, byKind };
  }

  private tick(): void {
    const now = this.simNow();
    if (this.inFlight < this.maxInFlight) {
      for (const s of this.sensors) this.advance(s, now);
    }
    if (this.reports && now > this.reportsUpToMs) {
      // People call and cameras flag standing water while it stands: evidence beside the gauges.
      for (const r of this.reports.due(this.reportsUpToMs, now)) {
        this.send(topics.event(r.source), JSON.stringify({ ...r.event, ts: this.stampOf(r.simMs) }));
        this.counters.reports++;
      }
      this.reportsUpToMs = now;
    }
    if (this.late.length > 0) {
      const stillLate: LateMessage[] = [];
      for (const item of this.late) {
        if (item.dueMs <= now) {
          for (const m of item.messages) this.publish(m);
          this.counters.lateSent++;
        } else stillLate.push(item);
      }
      this.late = stillLate;
    }
  }

  private advance(s: SensorRuntime, now: number): void {
    const { intervalMs } = s.schedule;
    let produced = 0;
    while (s.nextDueMs <= now) {
      if (produced >= this.maxCatchUp) {
        const behind = Math.floor((now - s.nextDueMs) / intervalMs) + 1;
        s.nextDueMs += behind * intervalMs;
        this.counters.skippedSamples += behind;
        break;
      }
      this.sample(s, s.nextDueMs, now);
      s.nextDueMs += intervalMs;
      produced++;
    }
  }

  private sample(s: SensorRuntime, timeMs: number, now: number): void {
    // Values are drawn whether or not the sample is dropped, so dropout never shifts them.
    const weather = this.weatherField;
    if (weather === undefined) return;
    const site = s.site;
    const values = s.declared
      ? s.declared.sample(site as DeclaredSensorSite, timeMs, weather, s.values)
      : sampleSignals(site as SensorSite, timeMs, weather, s.values);
    s.slots++;
    if (s.network.next() < this.dropoutRate) this.counters.droppedReadings += s.schedule.metrics;
    else s.pending.push({ timeMs, values });
    if (s.slots >= s.schedule.samplesPerMessage) this.flush(s, now);
  }

  /** The payload time of a simulated instant (see `stamp`). */
  private stampOf(simMs: number): number {
    if (this.stampMode === 'simulated') return simMs;
    return Math.round(this.wallStartMs + (simMs - this.simOriginMs) / this.timeScale);
  }

  private flush(s: SensorRuntime, now: number): void {
    const samples =
      this.stampMode === 'wall' && this.timeScale !== 1 ? s.pending.map((p) => ({ ...p, timeMs: this.stampOf(p.timeMs) })) : s.pending;
    s.pending = [];
    s.slots = 0;
    const first = samples[0];
    if (first === undefined) return;
    let payload: string;
    switch (s.schedule.format) {
      case 'json-epoch':
        payload = encodeNativeJson(first, 'epoch-ms');
        break;
      case 'json-rfc3339-utc':
        payload = encodeNativeJson(first, 'rfc3339-utc');
        break;
      case 'json-rfc3339-local':
        payload = encodeNativeJson(first, 'rfc3339-local', this.timeZone);
        break;
      case 'senml':
        payload = encodeSenml(s.site.id, samples, s.declared?.units);
        break;
    }
    const readings = samples.length * s.schedule.metrics;
    const messages: OutMessage[] = [{ topic: s.dataTopic, payload, kind: s.site.kind, readings }];
    if (s.metricsTopic !== undefined) messages.push({ topic: s.metricsTopic, payload, kind: s.site.kind, readings });
    if (s.network.next() < this.lateRate) {
      this.late.push({ dueMs: now + s.network.range(30_000, 300_000), messages });
      this.counters.lateQueued++;
    } else {
      for (const m of messages) this.publish(m);
    }
    if (this.badMessageRate > 0 && s.network.next() < this.badMessageRate) {
      const junk = buildJunkPayload(s.network.pick(JUNK_KINDS), s.site.kind, first.timeMs, s.network);
      this.send(s.dataTopic, junk);
      this.counters.badMessages++;
    }
  }

  private publish(m: OutMessage): void {
    this.send(m.topic, m.payload);
    this.counters.messages++;
    this.counters.readings += m.readings;
    let k = this.byKind[m.kind];
    if (!k) {
      k = { messages: 0, readings: 0 };
      this.byKind[m.kind] = k;
    }
    k.messages++;
    k.readings += m.readings;
  }

  private send(topic: string, payload: string): void {
    const client = this.client;
    if (client === undefined) return;
    this.inFlight++;
    client.publish(topic, payload, { qos: this.qos, retain: false }, (err) => {
      this.inFlight--;
      if (err) this.counters.publishErrors++;
    });
  }
}
