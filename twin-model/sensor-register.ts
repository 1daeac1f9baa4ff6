/**
 * Who decides where a sensor is, what it is called and whose data it carries.
 *
 * A sensor in the city's register (the generated city's planned sites today, a city package's
 * `sensors.csv` later, or an administrator) is registered by the city: its kind, position, name
 * and source are the register's, and device meta cannot change them — any MQTT client that may
 * publish on `citytwin/v1/sensors/{id}/meta` could otherwise move a hospital sensor, rename it or
 * re-source it into a public feed. Device meta may fill what the register leaves open (unit) and
 * may raise the sensor's classification (the classification rule itself, "never below the
 * source's", is applied where sources are known: web/server/auth/classification.ts). A sensor
 * outside the register is registered by its first meta and follows its meta, as before.
 *
 * Pure: the twin (twin-state.ts), replay and the server's readers of the stored registry all
 * resolve a meta message through {@link resolveSensorMeta}, so every path shows the same sensor.
 */
import type { CityModel, DeclaredSensorSite } from './city/city-types.ts';
import type { SensorMeta } from './messages/record-parsers.ts';

/** What device meta may not change on a registered sensor. */
export const REGISTER_FIELDS = ['kind', 'position', 'name', 'source', 'registration'] as const;
export type RegisterField = (typeof REGISTER_FIELDS)[number];

/**
 * A position within this many degrees of the register's (about 1 m) is the same position:
 * gateways round coordinates (the simulator to 1e-6°).
 */
export const POSITION_TOLERANCE_DEG = 1e-5;

export interface MetaResolution {
  /**
   * The meta to apply: the register's fields, the device's others. Null = deregistered, or, with
   * `registration` refused, nothing to apply (the registered sensor stays as it is).
   */
  meta: SensorMeta | null;
  /** Fields the device tried to change on a registered sensor (kept as the register says). */
  refused: RegisterField[];
}

/**
 * Resolves a device's meta against the register entry `site` (undefined: not registered by the
 * city, the meta is taken as it is). An empty meta (deregistration) of a registered sensor is
 * refused: the sensor stays as it is.
 */
export function resolveSensorMeta(site: DeclaredSensorSite | undefined, meta: SensorMeta | null): MetaResolution {
  if (!site) return { meta, refused: [] };
  if (meta === null) return { meta: null, refused: ['registration'] };
  const refused: RegisterField[] = [];
  if (meta.kind !== site.kind) refused.push('kind');
  if (Math.abs(meta.lng - site.lng) > POSITION_TOLERANCE_DEG || Math.abs(meta.lat - site.lat) > POSITION_TOLERANCE_DEG)
    refused.push('position');
  if (meta.name !== undefined && meta.name !== site.nameZh && meta.name !== site.nameEn) refused.push('name');
  if (meta.source !== undefined && meta.source !== site.sourceId) refused.push('source');
  const out: SensorMeta = {
    kind: site.kind,
    lng: site.lng,
    lat: site.lat,
    name: site.nameZh,
    district: site.district,
    source: site.sourceId,
  };
  if (meta.unit !== undefined) out.unit = meta.unit;
  if (meta.classification !== undefined) out.classification = meta.classification;
  return { meta: out, refused };
}

/**
 * The city's register: its sensors of v1 kinds and of the kinds it declares (a package's
 * vocabulary.json). Every reader of the register takes both.
 */
export function registerSites(city: Pick<CityModel, 'sensorSites' | 'declaredSensorSites'> | null | undefined): DeclaredSensorSite[] {
  if (!city) return [];
  return [...city.sensorSites, ...(city.declaredSensorSites ?? [])];
}
