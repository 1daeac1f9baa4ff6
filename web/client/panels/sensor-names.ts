/**
 * Sensors' names for lists that name sensors by id (an incident's evidence): asked once per sensor
 * from `GET /api/sensors/{id}` (the registry's name in each language) and kept. A sensor the
 * server no longer knows (404), or one without a name, has none: it is shown by its id.
 */
import type { SensorDetail } from '../../shared/protocol.ts';
import { ApiError } from '../backend/api-client.ts';
import type { Language } from '../i18n/language.ts';

/** The name of a sensor in `lang` (the other language's, or its own name, when that one is missing), or null. */
export function sensorName(v: Pick<SensorDetail, 'name' | 'nameZh' | 'nameEn'>, lang: Language): string | null {
  return (lang === 'en' ? (v.nameEn ?? v.name ?? v.nameZh) : (v.nameZh ?? v.name ?? v.nameEn)) || null;
}

type Names = Pick<SensorDetail, 'name' | 'nameZh' | 'nameEn'>;

export class SensorNames {
  /** By sensor id: its names, or null when it has none (unknown to the server, or unnamed). */
  private readonly known = new Map<string, Names | null>();
  private readonly asking = new Set<string>();

  /**
   * `fetchDetail` reads one sensor (api-client's fetchSensorDetail); `onLearned` is called when
   * names arrive, so what shows them is drawn again.
   */
  constructor(
    private readonly fetchDetail: (id: string) => Promise<Names>,
    private readonly onLearned: () => void,
  ) {}

  /** The sensor's name in `lang`, or null (none, or not known yet: then asked for, once at a time). */
  name(id: string, lang: Language): string | null {
    const names = this.known.get(id);
    if (names === undefined) {
      this.ask(id);
      return null;
    }
    return names ? sensorName(names, lang) : null;
  }

  private ask(id: string): void {
    if (this.asking.has(id)) return;
    this.asking.add(id);
    this.fetchDetail(id).then(
      (detail) => {
        this.asking.delete(id);
        this.known.set(id, detail);
        if (sensorName(detail, 'zh') !== null) this.onLearned();
      },
      (err: unknown) => {
        this.asking.delete(id);
        // Not known (any more): shown by its id for good. Any other failure is asked again next time.
        if (err instanceof ApiError && err.failure.kind === 'not-found') this.known.set(id, null);
      },
    );
  }
}
