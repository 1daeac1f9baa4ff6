/**
 * zod schemas of every file of a city package (docs/city-packages.md). Each message says what
 * is allowed, so a report line needs no manual. GeoJSON geometries are checked by hand in `geojson.ts` (positions with their
 * indexes); these schemas cover `city.json`, the GeoJSON properties, the CSV rows (fields
 * arrive as strings), `vocabulary.json` and `rules/alarms.json`.
 */
import { z } from 'zod';
import { CAPABILITIES, UNIT_KINDS } from '../dispatch/index.ts';
import { CLASSIFICATIONS, ID_PATTERN } from '../vocabulary.ts';

/** Road classes of a package (OpenStreetMap's main `highway` values). */
export const PACKAGE_ROAD_CLASSES = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'residential', 'service'] as const;
export type PackageRoadClass = (typeof PACKAGE_ROAD_CLASSES)[number];

/** Free-flow speed of a class when a segment gives no `speed_kmh`. */
export const CLASS_SPEED_KMH: Readonly<Record<PackageRoadClass, number>> = {
  motorway: 80,
  trunk: 60,
  primary: 50,
  secondary: 40,
  tertiary: 35,
  residential: 30,
  service: 20,
};

/** Asset types the product knows by name; packages may use others (`[a-z][a-z0-9_]*`). */
export const KNOWN_ASSET_TYPES = [
  'underpass',
  'bridge',
  'substation',
  'hospital',
  'metro_station',
  'service_hall',
  'fire_station',
  'pump_station',
  'police_station',
  'pump_depot',
  'camera',
] as const;

const ID_RULE = '1–64 characters of A–Z a–z 0–9 . _ -';
/** A sensor kind or asset type name: lower case, digits and `_`. */
export const KIND_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const KIND_RULE = 'lower-case letters, digits and _, starting with a letter (at most 64)';
/** A metric name declared in vocabulary.json. */
export const METRIC_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** An external id (a device's own name, e.g. a SenML base name `urn:dev:ow:10e2073a0108006:`). */
export const EXTERNAL_ID_PATTERN = /^[^\s;]{1,256}$/;

export const idSchema = z.string(`required: an id of ${ID_RULE}`).regex(ID_PATTERN, `an id must be ${ID_RULE}`);
const optionalText = z.string('a text').nullish();
const optionalBool = z.boolean('true or false (a JSON boolean, not a string)').nullish();

/** At least one name; the other language falls back to it. */
function needsAName(p: { name_zh?: string | null | undefined; name_en?: string | null | undefined }): boolean {
  return !!(p.name_zh?.trim() || p.name_en?.trim());
}
const NAME_RULE = { message: 'a name is needed: name_zh or name_en (give both where the console shows both languages)', path: ['name_en'] };

// ---------------------------------------------------------------------------------------------
// city.json

const lngSchema = z.number('a longitude (number)').min(-180, 'a longitude from -180 to 180').max(180, 'a longitude from -180 to 180');
const latSchema = z.number('a latitude (number)').min(-90, 'a latitude from -90 to 90').max(90, 'a latitude from -90 to 90');

export const cityJsonSchema = z
  .object({
    id: idSchema,
    name: z.object(
      { zh: z.string('a Chinese name').min(1, 'a non-empty name'), en: z.string('an English name').min(1, 'a non-empty name') },
      '{"zh": "…", "en": "…"}',
    ),
    center: z.tuple([lngSchema, latSchema], '[lng, lat] (WGS 84)'),
    zoom: z.number('a zoom level (number)').min(0, 'a zoom level from 0 to 22').max(22, 'a zoom level from 0 to 22'),
    timezone: z.string('an IANA time zone such as "Europe/Vienna" or "Asia/Shanghai"').min(1, 'an IANA time zone such as "Europe/Vienna"'),
    /** Extension: seed of the package's randomness (simulator values, fleet shifts when generated). */
    seed: z.number().int('an integer').min(-0x8000_0000, 'a 32-bit integer').max(0xffff_ffff, 'a 32-bit integer').optional(),
    /** Extension: where the simulator's rainstorms cross the city (CityModel `storms`). */
    storms: z
      .object(
        {
          centre: z.tuple([lngSchema, latSchema], '[lng, lat] the live storm passes through'),
          area: z
            .tuple([lngSchema, latSchema, lngSchema, latSchema], '[west, south, east, north] where scenario storms are centred')
            .refine(([w, s, e, n]) => w < e && s < n, 'a box [west, south, east, north] with west < east and south < north'),
        },
        '{"centre": [lng, lat], "area": [west, south, east, north]}',
      )
      .strict()
      .optional(),
  })
  .strict();
export type CityJson = z.infer<typeof cityJsonSchema>;

// ---------------------------------------------------------------------------------------------
// GeoJSON properties

export const districtPropsSchema = z
  .object({
    id: idSchema,
    name_zh: optionalText,
    name_en: optionalText,
    schematic: optionalBool,
    /** Extension: the label point (the district seat), [lng, lat]; else the polygon's centroid. */
    seat: z.tuple([lngSchema, latSchema], '[lng, lat] of the label point').nullish(),
  })
  .refine(needsAName, NAME_RULE);

export const roadPropsSchema = z.object({
  id: idSchema,
  class: z.enum(PACKAGE_ROAD_CLASSES, `a road class: ${PACKAGE_ROAD_CLASSES.join(', ')}`),
  speed_kmh: z.number('a speed in km/h (number)').gt(0, 'a speed above 0 km/h').max(200, 'a speed up to 200 km/h').nullish(),
  oneway: optionalBool,
  bridge: optionalBool,
  tunnel: optionalBool,
  asset: idSchema.nullish(),
  name_zh: optionalText,
  name_en: optionalText,
});
export type RoadProps = z.infer<typeof roadPropsSchema>;

export const waterPropsSchema = z.object({
  kind: z.string(`a water kind (river, canal, stream, lake, reservoir, …): ${KIND_RULE}`).regex(KIND_PATTERN, `a water kind: ${KIND_RULE}`),
  id: idSchema.nullish(),
  name_zh: optionalText,
  name_en: optionalText,
  /** Extension: width of a river drawn as a line (its water surface is the line buffered by half of it). */
  width_m: z.number('a width in metres').gt(0, 'a width above 0 m').max(50_000, 'a width up to 50 km').nullish(),
  /** Extension: the lake's area as published (else measured from the polygon). */
  area_km2: z.number('an area in km²').gt(0, 'an area above 0').nullish(),
});

export const assetPropsSchema = z
  .object({
    id: idSchema,
    type: z
      .string(`an asset type (${KNOWN_ASSET_TYPES.slice(0, 5).join(', ')}, … or another of ${KIND_RULE})`)
      .regex(KIND_PATTERN, `an asset type of ${KIND_RULE}`),
    name_zh: optionalText,
    name_en: optionalText,
    district: idSchema.nullish(),
    synthetic: optionalBool,
  })
  .refine(needsAName, NAME_RULE);

export const buildingPropsSchema = z.object({
  height_m: z.number('required: height_m, the height in metres (number)').gt(0, 'a height above 0 m').max(1000, 'a height up to 1000 m'),
  id: idSchema.nullish(),
});

// ---------------------------------------------------------------------------------------------
// CSV rows (every field arrives as a string)

const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
function decimal(what: string, min: number, max: number) {
  const rule = `${what}: a decimal number from ${min} to ${max} (a point, no spaces)`;
  return z.string(rule).regex(DECIMAL, rule).transform(Number).pipe(z.number().min(min, rule).max(max, rule));
}
const text = z
  .string()
  .optional()
  .transform((v) => v ?? '');
/** An optional column: empty means absent; otherwise the value must pass `schema`. */
const emptyOr = <T extends z.ZodType<unknown, string>>(schema: T) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(schema.optional());

export const sourceRowSchema = z
  .object({
    id: idSchema,
    name_zh: text,
    name_en: text,
    department: z.string('the owning department').min(1, 'the owning department (not empty)'),
    classification: z.enum(CLASSIFICATIONS, `a classification: ${CLASSIFICATIONS.join(', ')}`),
    /** Extension: the department's English name (else `department` is shown in both languages). */
    department_en: text,
    /**
     * Extension: other names under which the source's reports arrive on
     * `citytwin/v1/events/{source}`, `;`-separated; each is a topic-level id.
     */
    event_sources: z
      .string()
      .optional()
      .transform((v) => (v ? v.split(';') : []))
      .pipe(z.array(z.string().regex(ID_PATTERN, `event source names separated by ";", each ${ID_RULE}`))),
  })
  .refine(needsAName, NAME_RULE);
export type SourceRow = z.infer<typeof sourceRowSchema>;

export const SOURCE_COLUMNS = {
  required: ['id', 'name_zh', 'name_en', 'department', 'classification'],
  optional: ['department_en', 'event_sources'],
} as const;

export const sensorRowSchema = z
  .object({
    id: idSchema,
    kind: z.string().regex(KIND_PATTERN, `a sensor kind: ${KIND_RULE}`),
    lng: decimal('a longitude', -180, 180),
    lat: decimal('a latitude', -90, 90),
    source: idSchema,
    name_zh: text,
    name_en: text,
    asset: emptyOr(idSchema),
    external_ids: z
      .string()
      .optional()
      .transform((v) => (v ? v.split(';') : []))
      .pipe(z.array(z.string().regex(EXTERNAL_ID_PATTERN, 'external ids separated by ";", each 1–256 characters without spaces'))),
    /** Extension: ground lowness 0..1 (1 = floods first); else derived from the water nearby. */
    lowness: emptyOr(decimal('lowness', 0, 1)),
  })
  .refine(needsAName, NAME_RULE);
export type SensorRow = z.infer<typeof sensorRowSchema>;

export const SENSOR_COLUMNS = {
  required: ['id', 'kind', 'lng', 'lat', 'source', 'name_zh', 'name_en'],
  optional: ['asset', 'external_ids', 'lowness'],
} as const;

/** `HH-HH`, local hours: start 0–23, end 1–24, start ≠ end (start > end wraps past midnight). */
const SHIFT = /^(\d{2})-(\d{2})$/;
const SHIFT_RULE = 'working hours as HH-HH (start 00–23, end 01–24, e.g. 08-20 or 20-08); empty = around the clock';

export const unitRowSchema = z
  .object({
    id: idSchema,
    kind: z.enum(UNIT_KINDS, `a unit kind: ${UNIT_KINDS.join(', ')}`),
    lng: decimal('a longitude', -180, 180),
    lat: decimal('a latitude', -90, 90),
    name_zh: text,
    name_en: text,
    capabilities: z
      .string()
      .optional()
      .transform((v) => (v ? v.split(';') : []))
      .pipe(z.array(z.enum(CAPABILITIES, `capabilities separated by ";" from: ${CAPABILITIES.join(', ')}`))),
    /** Extension: asset id of the home station. */
    station: emptyOr(idSchema),
    /** Extension: working hours. */
    shift: emptyOr(
      z.string().refine((v) => {
        const m = SHIFT.exec(v);
        if (!m) return false;
        const start = Number(m[1]);
        const end = Number(m[2]);
        return start <= 23 && end >= 1 && end <= 24 && start !== end;
      }, SHIFT_RULE),
    ),
  })
  .refine(needsAName, NAME_RULE);
export type UnitRow = z.infer<typeof unitRowSchema>;

export const UNIT_COLUMNS = {
  required: ['id', 'kind', 'lng', 'lat', 'name_zh', 'name_en'],
  optional: ['capabilities', 'station', 'shift'],
} as const;

// ---------------------------------------------------------------------------------------------
// vocabulary.json and rules/

export const vocabularySchema = z
  .object({
    kinds: z.array(
      z
        .object({
          kind: z.string(`a sensor kind: ${KIND_RULE}`).regex(KIND_PATTERN, `a sensor kind: ${KIND_RULE}`),
          label: z.object(
            { zh: z.string('a Chinese label').min(1, 'a label'), en: z.string('an English label').min(1, 'a label') },
            '{"zh": "…", "en": "…"}',
          ),
          metrics: z
            .record(z.string().regex(METRIC_PATTERN, `a metric name: ${KIND_RULE}`), z.string('a SenML unit name such as "Cel", "dB", "m"'))
            .refine((m) => Object.keys(m).length > 0, 'at least one metric: {"<metric>": "<SenML unit>"}'),
        })
        .strict(),
      'a list of kinds: [{"kind", "label": {"zh", "en"}, "metrics": {…}}]',
    ),
  })
  .strict();
export type VocabularyDoc = z.infer<typeof vocabularySchema>;

const threshold = z.object({ enter: z.number('a number'), exit: z.number('a number') }, '{"enter": number, "exit": number}').strict();

const alarmMetricSchema = z
  .object({
    metric: z.string('a metric of the kind').min(1),
    direction: z.enum(['above', 'below'], 'above (high values are bad) or below (low values are bad)'),
    warning: threshold,
    alarm: threshold,
    onDelayMs: z.number().int('whole milliseconds').min(0, 'from 0').max(86_400_000, 'up to one day').optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const up = r.direction === 'above';
    for (const level of ['warning', 'alarm'] as const) {
      const t = r[level];
      if (up ? t.exit > t.enter : t.exit < t.enter) {
        ctx.addIssue({
          code: 'custom',
          path: [level, 'exit'],
          message: `hysteresis: exit must be ${up ? 'at or below' : 'at or above'} enter for direction ${r.direction}`,
        });
      }
    }
    if (up ? r.alarm.enter < r.warning.enter : r.alarm.enter > r.warning.enter) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarm', 'enter'],
        message: `the alarm level must be ${up ? 'at or above' : 'at or below'} the warning level`,
      });
    }
  });

export const alarmRulesSchema = z.record(
  z.string(),
  z
    .object({
      staleAfterMs: z
        .number('milliseconds of silence before the sensor is stale')
        .int('whole milliseconds')
        .positive('above 0')
        .max(7 * 86_400_000, 'up to 7 days'),
      metrics: z.array(alarmMetricSchema).min(1, 'at least one metric rule'),
    })
    .strict(),
);
export type AlarmRulesDoc = z.infer<typeof alarmRulesSchema>;

// ---------------------------------------------------------------------------------------------
// kpi.json (extension): the city's KPI targets

/** The response-time steps of the KPI screen, in order. */
export const RESPONSE_STEP_NAMES = ['acknowledge', 'dispatch', 'arrive', 'resolve'] as const;

/** Longest target: 30 days. */
const MAX_TARGET_S = 30 * 86_400;

const responseTargetSchema = z
  .object({
    medianS: z.number('seconds from detection').positive('above 0').max(MAX_TARGET_S, 'up to 30 days (2592000 s)'),
    p90S: z.number('seconds from detection').positive('above 0').max(MAX_TARGET_S, 'up to 30 days (2592000 s)'),
  })
  .strict()
  .refine((t) => t.p90S >= t.medianS, { message: 'the p90 target must be at or above the median target', path: ['p90S'] });

export const kpiTargetsSchema = z
  .object({
    responseTargets: z
      .object(
        Object.fromEntries(RESPONSE_STEP_NAMES.map((s) => [s, responseTargetSchema.optional()])) as Record<
          (typeof RESPONSE_STEP_NAMES)[number],
          z.ZodOptional<typeof responseTargetSchema>
        >,
      )
      .strict(),
  })
  .strict();
export type KpiTargetsDoc = z.infer<typeof kpiTargetsSchema>;
