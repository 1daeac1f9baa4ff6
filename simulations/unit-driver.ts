/**
 * Simulated AVL: drives assigned response units along their routes and publishes their
 * positions on `citytwin/v1/units/{unitId}/position`, exactly as a vehicle terminal would, so
 * positions take the real path (broker → ingest → store → twin). A unit turns out (status
 * `en_route`) a while after it is assigned, drives its route in scenario time (CITYTWIN_TIME_SCALE),
 * reports `on_scene` at the end of it (the twin also puts a unit on scene by itself within its
 * arrival radius), and after its incident ends drives home and reports `available`. A re-routed trip is followed from where the
 * unit is. It reads the trips from the dispatch service it runs next to (the twin writer).
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { positionAlong } from '../twin-model/dispatch/unit-motion.ts';
import type { Route, UnitStatus } from '../twin-model/dispatch/unit-types.ts';
import { topics } from '../twin-model/index.ts';

/** What the driver needs from dispatch: units' status and their current trips. */
export interface TripSource {
  allTrips(): Iterable<{ unitId: string; leg: 'to_incident' | 'home'; since: number; route: Route }>;
  unit(id: string): { status: UnitStatus } | undefined;
}

export interface UnitDriverOptions {
  brokerUrl: string;
  source: TripSource;
  /** Simulated seconds per real second. */
  timeScale?: number;
  /** Seconds (simulated) from assignment to driving off. */
  turnoutS?: number;
  /** How often each moving unit reports (real ms). */
  fixEveryMs?: number;
  now?: () => number;
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Extra mqtt.js connect options (credentials, clientId …). */
  mqttOptions?: IClientOptions;
}

interface Driving {
  /** The trip's `since` this drive follows (a new value means a new route). */
  since: number;
  /** When the unit drove off on this route (real epoch ms), or null while turning out. */
  startedAt: number | null;
  finished: boolean;
}

export class UnitDriver {
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly driving = new Map<string, Driving>();
  private readonly now: () => number;
  /** Fixes published. */
  published = 0;

  constructor(private readonly options: UnitDriverOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.client = await connectAsync(this.options.brokerUrl, {
      clientId: `avl-${process.pid}`,
      clean: true,
      reconnectPeriod: 1000,
      ...this.options.mqttOptions,
    });
    this.timer = setInterval(() => void this.step(), this.options.fixEveryMs ?? 2000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.client?.endAsync();
    this.client = null;
  }

  /** One round: every unit on a trip reports where it is (and its status when it changes). */
  async step(): Promise<void> {
    const now = this.now();
    const scale = this.options.timeScale ?? 1;
    const turnoutMs = ((this.options.turnoutS ?? 30) * 1000) / scale;
    const seen = new Set<string>();
    const fixes: Array<[string, Record<string, unknown>]> = [];
    for (const trip of this.options.source.allTrips()) {
      const unit = this.options.source.unit(trip.unitId);
      if (!unit) continue;
      seen.add(trip.unitId);
      let d = this.driving.get(trip.unitId);
      if (!d || d.since !== trip.since) {
        // A new trip, or the same trip re-routed from where the unit is now.
        const moving = unit.status === 'en_route' || unit.status === 'returning';
        d = { since: trip.since, startedAt: moving ? now : null, finished: false };
        this.driving.set(trip.unitId, d);
      }
      if (d.finished) continue;
      let status: UnitStatus | undefined;
      if (d.startedAt === null) {
        if (unit.status !== 'dispatched' || now - trip.since < turnoutMs) continue;
        d.startedAt = now;
        status = 'en_route';
      }
      const elapsedS = ((now - d.startedAt) / 1000) * scale;
      const p = positionAlong(trip.route, elapsedS);
      // (A unit that only now drives off reports en route first, even on a very short route.)
      if (p.done && status !== 'en_route') {
        d.finished = true;
        // At the end of the route the crew reports from the terminal: on scene (the road node
        // nearest the incident can be further than the twin's arrival radius), or home again.
        status = trip.leg === 'home' ? 'available' : 'on_scene';
      }
      const speedKmh = p.done ? 0 : Math.round((trip.route.lengthM / Math.max(1, trip.route.travelTimeS)) * 3.6);
      fixes.push([
        trip.unitId,
        { ts: now, lng: round6(p.lng), lat: round6(p.lat), speed: speedKmh, heading: Math.round(p.heading), ...(status ? { status } : {}) },
      ]);
    }
    for (const id of this.driving.keys()) if (!seen.has(id)) this.driving.delete(id);
    const client = this.client;
    if (!client || fixes.length === 0) return;
    await Promise.all(
      fixes.map(([id, fix]) =>
        client.publishAsync(topics.unitPosition(id), JSON.stringify(fix), { qos: 1 }).then(
          () => void this.published++,
          (err: Error) => this.options.log?.('warn', `AVL fix of ${id}: ${err.message}`),
        ),
      ),
    );
  }
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
