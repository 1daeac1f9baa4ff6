/**
 * Sensors' names for lists that name sensors by id (an incident's evidence), read from
 * `GET /api/sensors/{id}` (the registry's name in each language). Only the names are kept, per
 * sensor id:
 * - a name for `keepMs` (10 min): then asked again (the old name shown meanwhile), so a register
 *   rename shows without reloading the page;
 * - a sensor the server does not know (404), or refuses to show (401, 403, any other 4xx but 429):
 *   no name, for the page's life — it is shown by its id and never asked again;
 * - a busy or unreachable server (5xx, 429, network, a bad answer): no name for now, asked again
 *   after `retryMs` (60 s), never on the next redraw.
 * Evidence that is not a registry sensor is never asked for: a district-wide alarm's evidence
 * (`isAreaEvidence`: it has an `areaShare`, twin-model/incidents/fusion-engine.ts) names its area,
 * and its callers do not look it up; any id, whatever it starts with, is a sensor's. At most `maxInFlight`
 * (4) requests are open at once, the rest wait in order; answers arriving together cause one
 * redraw (one per animation frame), and only when a name shown changes.
 */
import type { SensorDetail } from '../../shared/protocol.ts';
import { ApiError } from '../backend/api-client.ts';
import type { Language } from '../i18n/language.ts';

/** The name of a sensor in `lang` (the other language's, or its own name, when that one is missing), or null. */
export function sensorName(v: Pick<SensorDetail, 'name' | 'nameZh' | 'nameEn'>, lang: Language): string | null {
  return (lang === 'en' ? (v.nameEn ?? v.name ?? v.nameZh) : (v.nameZh ?? v.name ?? v.nameEn)) || null;
}

type Names = Pick<SensorDetail, 'name' | 'nameZh' | 'nameEn'>;

/**
 * Whether an evidence row is a district-wide alarm's (it carries the share of the district's
 * sensors in alarm): an area, not a registry sensor — it has no name and no sensor panel. Its id
 * is not the test: a registry sensor's own id may start with `area-` too.
 */
export function isAreaEvidence(e: { readonly areaShare?: number | undefined }): boolean {
  return e.areaShare !== undefined;
}

export interface SensorNamesOptions {
  /** Requests open at once (default 4). */
  maxInFlight?: number;
  /** How long a name is kept before it is asked again, ms (default 10 min). */
  keepMs?: number;
  /** How long after a busy or unreachable server a sensor is asked again, ms (default 60 s). */
  retryMs?: number;
  /** The clock (default Date.now). */
  now?: () => number;
  /** Runs the redraw once for answers arriving together (default: the next animation frame). */
  schedule?: (redraw: () => void) => void;
}

interface Known {
  /** The names in each language, or null for none (no name, not known, refused, or not yet). */
  zh: string | null;
  en: string | null;
  /** When to ask again (Infinity: never). */
  until: number;
}

const NO_NAME = { zh: null, en: null };
const MINUTE = 60_000;

function nextFrame(redraw: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => redraw());
  else setTimeout(redraw, 0);
}

/** A failure that will stay as it is for the page's life: not known, or refused. */
function lasting(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  const f = err.failure;
  return f.kind === 'not-found' || (f.kind === 'http' && f.status >= 400 && f.status < 500 && f.status !== 408 && f.status !== 429);
}

export class SensorNames {
  private readonly known = new Map<string, Known>();
  /** Ids waiting for a free request, in the order they were first asked for. */
  private readonly queue = new Set<string>();
  private readonly inFlight = new Set<string>();
  private redrawPending = false;
  private readonly maxInFlight: number;
  private readonly keepMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private readonly schedule: (redraw: () => void) => void;

  /**
   * `fetchDetail` reads one sensor (api-client's fetchSensorDetail); `onLearned` is called when
   * names shown change, so what shows them is drawn again (at most once per `schedule`).
   */
  constructor(
    private readonly fetchDetail: (id: string) => Promise<Names>,
    private readonly onLearned: () => void,
    options: SensorNamesOptions = {},
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.keepMs = options.keepMs ?? 10 * MINUTE;
    this.retryMs = options.retryMs ?? MINUTE;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? nextFrame;
  }

  /** The sensor's name in `lang`, or null (none, or not known yet: then asked for, in turn). */
  name(id: string, lang: Language): string | null {
    const k = this.known.get(id);
    if (!k || this.now() >= k.until) this.ask(id);
    return k ? (lang === 'en' ? k.en : k.zh) : null;
  }

  /** Requests open now and ids waiting (for tests and diagnostics). */
  get pending(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight.size, queued: this.queue.size };
  }

  private ask(id: string): void {
    if (this.inFlight.has(id) || this.queue.has(id)) return;
    this.queue.add(id);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < this.maxInFlight && this.queue.size > 0) {
      const id = this.queue.values().next().value as string;
      this.queue.delete(id);
      this.inFlight.add(id);
      this.fetchDetail(id).then(
        (detail) => this.learn(id, { zh: sensorName(detail, 'zh'), en: sensorName(detail, 'en') }, this.keepMs),
        (err: unknown) => {
          // Not known or refused: shown by its id for the page's life. Otherwise asked again after
          // a while, an earlier name (a refresh failed) kept meanwhile.
          if (lasting(err)) this.learn(id, NO_NAME, Number.POSITIVE_INFINITY);
          else this.learn(id, this.known.get(id) ?? NO_NAME, this.retryMs);
        },
      );
    }
  }

  private learn(id: string, names: { zh: string | null; en: string | null }, keep: number): void {
    this.inFlight.delete(id);
    const before = this.known.get(id);
    this.known.set(id, { zh: names.zh, en: names.en, until: this.now() + keep });
    if ((before?.zh ?? null) !== names.zh || (before?.en ?? null) !== names.en) this.redrawSoon();
    this.pump();
  }

  private redrawSoon(): void {
    if (this.redrawPending) return;
    this.redrawPending = true;
    this.schedule(() => {
      this.redrawPending = false;
      this.onLearned();
    });
  }
}
