/**
 * The checks of a city package's registers: vocabulary.json (declared sensor kinds), sources.csv,
 * sensors.csv, units.csv, rules/ and kpi.json. Each reads its file through the {@link PackageReader}, adds
 * every problem it finds, and returns the records that passed (check-package.ts runs them after
 * the geography, which gives them the city's extent, districts and assets).
 */
import type { CityKpiTargets, CityRules, DeclaredSensorKind, LngLat, Source, UnitRecord } from '../city/city-types.ts';
import { incidentRuleSchema } from '../incidents/incident-rules.ts';
import { parseRuleSet, RuleSetError, ruleVocabulary } from '../rules/rule-set.ts';
import { isSenmlUnit } from '../senml-units.ts';
import { KIND_METRICS, METRIC_UNITS, SENSOR_KINDS, isMetricName, isSensorKind } from '../vocabulary.ts';
import { ALARM_RULES_FILE, INCIDENT_RULES_DIR } from './package-files.ts';
import { nameOf, type PackageReader, type Where } from './package-reader.ts';
import {
  SENSOR_COLUMNS,
  SOURCE_COLUMNS,
  UNIT_COLUMNS,
  alarmRulesSchema,
  sensorRowSchema,
  sourceRowSchema,
  unitRowSchema,
  vocabularySchema,
  kpiTargetsSchema,
  RESPONSE_STEP_NAMES,
} from './package-schemas.ts';
import type { ParsedSensor } from './parsed-package.ts';

/** What the geography tells the registers about places. */
export interface PlaceChecks {
  /** Reports a position outside the city's extent; true when it is. */
  outside(file: string, where: Where, p: LngLat, field: string): boolean;
  /** The district containing a point ('' when none does). */
  districtAt(p: LngLat): string;
  /** Whether the package has any district (a point in none is then worth a warning). */
  hasDistricts: boolean;
  assetIds: ReadonlySet<string>;
}

/** vocabulary.json: new sensor kinds with SenML units, none redefining a v1 kind or metric. */
export function checkVocabulary(reader: PackageReader): DeclaredSensorKind[] {
  const vocabulary: DeclaredSensorKind[] = [];
  const vocabDoc = reader.json('vocabulary.json');
  if (vocabDoc) {
    const r = vocabularySchema.safeParse(vocabDoc.doc);
    if (!r.success) reader.problems.issues('vocabulary.json', {}, r.error.issues, vocabDoc.doc);
    else {
      const seen = new Set<string>();
      r.data.kinds.forEach((k, i) => {
        const at = `kinds.${i}`;
        let ok = true;
        if (isSensorKind(k.kind)) {
          reader.problems.error(
            'vocabulary_redefines_v1',
            'vocabulary.json',
            {},
            `${k.kind} is a v1 kind; v1 kinds keep their metrics and units (contracts.md): declare a new kind name`,
            `${at}.kind`,
            k.kind,
          );
          ok = false;
        } else if (seen.has(k.kind)) {
          reader.problems.error('duplicate_id', 'vocabulary.json', {}, 'the kind is declared twice', `${at}.kind`, k.kind);
          ok = false;
        }
        seen.add(k.kind);
        for (const [metric, unit] of Object.entries(k.metrics)) {
          if (isMetricName(metric) && METRIC_UNITS[metric] !== unit) {
            reader.problems.error(
              'vocabulary_redefines_v1',
              'vocabulary.json',
              {},
              `${metric} is a v1 metric in ${METRIC_UNITS[metric]}; keep its unit or choose a new metric name`,
              `${at}.metrics.${metric}`,
              unit,
            );
            ok = false;
          } else if (!isMetricName(metric) && !isSenmlUnit(unit)) {
            reader.problems.error(
              'invalid_senml_unit',
              'vocabulary.json',
              {},
              'not a unit of the SenML registries (RFC 8428 §12.1, RFC 8798); e.g. Cel, m, cm, Pa, hPa, %RH, dB, ug/m3, count, /',
              `${at}.metrics.${metric}`,
              unit,
            );
            ok = false;
          }
        }
        if (ok) vocabulary.push({ kind: k.kind, label: { zh: k.label.zh, en: k.label.en }, metrics: { ...k.metrics } });
      });
    }
  }
  return vocabulary;
}

/** A department has one English name: the `department_en` of every row that gives one agrees with the first. */
function checkDepartmentEn(
  reader: PackageReader,
  englishOf: Map<string, { en: string; line: number }>,
  department: string,
  en: string,
  line: number,
): void {
  const first = englishOf.get(department);
  if (!first) englishOf.set(department, { en, line });
  else if (first.en !== en)
    reader.problems.error(
      'invalid_value',
      'sources.csv',
      { line },
      `department "${department}" is named "${first.en}" in English on line ${first.line}; a department has one English name (the case desk and the KPI screen show it)`,
      'department_en',
      en,
    );
}

/** sources.csv: unique ids, and event source names that pick one source each. */
export function checkSources(reader: PackageReader): Source[] {
  const sources: Source[] = [];
  const sourceLines = new Map<string, number>();
  {
    const t = reader.csv('sources.csv', SOURCE_COLUMNS);
    const seen = new Map<string, number | string>();
    const englishOf = new Map<string, { en: string; line: number }>();
    for (const row of t?.rows ?? []) {
      const r = sourceRowSchema.safeParse(row.values);
      if (!r.success)
        reader.problems.issues('sources.csv', { line: row.line }, r.error.issues, row.values, '', 'invalid_value', t!.missing);
      if (!r.success || !reader.checkUnique('sources.csv', seen, r.data.id, { line: row.line }, 'source')) continue;
      const names = nameOf(r.data);
      sources.push({
        id: r.data.id,
        ...names,
        departmentZh: r.data.department,
        departmentEn: r.data.department_en || r.data.department,
        classification: r.data.classification,
        ...(r.data.event_sources.length > 0 ? { eventSources: r.data.event_sources } : {}),
      });
      sourceLines.set(r.data.id, row.line);
      if (r.data.department_en) checkDepartmentEn(reader, englishOf, r.data.department, r.data.department_en, row.line);
    }
    // A report's `{source}` must pick one classification: an event source name belongs to one
    // source and is no other source's id.
    const owners = new Map<string, string>(sources.map((s) => [s.id, s.id]));
    for (const s of sources) {
      for (const alias of s.eventSources ?? []) {
        const owner = owners.get(alias);
        if (owner !== undefined && owner !== s.id)
          reader.problems.error(
            'duplicate_event_source',
            'sources.csv',
            { line: sourceLines.get(s.id)! },
            `the name is already ${owner === alias ? 'the id' : 'an event source name'} of source ${owner}; a report's source must pick one classification`,
            'event_sources',
            alias,
          );
        else owners.set(alias, s.id);
      }
    }
  }
  return sources;
}

/** sensors.csv: a known kind, an existing source and asset, a place in the extent, unique external ids. */
export function checkSensors(
  reader: PackageReader,
  places: PlaceChecks,
  declaredKinds: ReadonlyMap<string, DeclaredSensorKind>,
  sourceIds: ReadonlySet<string>,
): ParsedSensor[] {
  const sensors: ParsedSensor[] = [];
  {
    const t = reader.csv('sensors.csv', SENSOR_COLUMNS);
    const seen = new Map<string, number | string>();
    const externalSeen = new Map<string, number>();
    const kindsRule = `allowed: the v1 kinds ${SENSOR_KINDS.join(', ')}${declaredKinds.size > 0 ? `, or one declared in vocabulary.json (${[...declaredKinds.keys()].join(', ')})` : ', or a kind declared in vocabulary.json'}`;
    for (const row of t?.rows ?? []) {
      const r = sensorRowSchema.safeParse(row.values);
      if (!r.success)
        reader.problems.issues('sensors.csv', { line: row.line }, r.error.issues, row.values, '', 'invalid_value', t!.missing);
      if (!r.success || !reader.checkUnique('sensors.csv', seen, r.data.id, { line: row.line }, 'sensor')) continue;
      const s = r.data;
      const where = { line: row.line };
      let ok = true;
      if (!isSensorKind(s.kind) && !declaredKinds.has(s.kind)) {
        reader.problems.error('unknown_sensor_kind', 'sensors.csv', where, `unknown sensor kind; ${kindsRule}`, 'kind', s.kind);
        ok = false;
      }
      if (!sourceIds.has(s.source) && reader.has('sources.csv')) {
        reader.problems.error('unknown_reference', 'sensors.csv', where, 'no source has this id in sources.csv', 'source', s.source);
        ok = false;
      }
      if (s.asset !== undefined && !places.assetIds.has(s.asset)) {
        reader.problems.error('unknown_reference', 'sensors.csv', where, 'no asset has this id in assets.geojson', 'asset', s.asset);
        ok = false;
      }
      const p: LngLat = [s.lng, s.lat];
      if (places.outside('sensors.csv', where, p, 'lng,lat')) ok = false;
      for (const x of s.external_ids) {
        const first = externalSeen.get(x);
        if (first !== undefined) {
          reader.problems.error(
            'duplicate_external_id',
            'sensors.csv',
            where,
            `the external id is already the name of the sensor on line ${first}; a device name must pick one sensor`,
            'external_ids',
            x,
          );
          ok = false;
        } else externalSeen.set(x, row.line);
      }
      const district = places.districtAt(p);
      if (!district && places.hasDistricts && ok)
        reader.problems.warn(
          'outside_districts',
          'sensors.csv',
          where,
          'the sensor is in no district (its readings count for no district)',
          'lng,lat',
          p,
        );
      if (!ok) continue;
      const sensor: ParsedSensor = {
        line: row.line,
        id: s.id,
        kind: s.kind,
        lng: s.lng,
        lat: s.lat,
        source: s.source,
        ...nameOf(s),
        externalIds: s.external_ids,
        district,
      };
      if (s.asset !== undefined) sensor.asset = s.asset;
      if (s.lowness !== undefined) sensor.lowness = s.lowness;
      sensors.push(sensor);
    }
  }
  return sensors;
}

/** units.csv: a place in the extent and an existing station. */
export function checkUnits(reader: PackageReader, places: PlaceChecks): UnitRecord[] {
  const units: UnitRecord[] = [];
  {
    const t = reader.csv('units.csv', UNIT_COLUMNS);
    const seen = new Map<string, number | string>();
    for (const row of t?.rows ?? []) {
      const r = unitRowSchema.safeParse(row.values);
      if (!r.success) reader.problems.issues('units.csv', { line: row.line }, r.error.issues, row.values, '', 'invalid_value', t!.missing);
      if (!r.success || !reader.checkUnique('units.csv', seen, r.data.id, { line: row.line }, 'unit')) continue;
      const u = r.data;
      const where = { line: row.line };
      let ok = !places.outside('units.csv', where, [u.lng, u.lat], 'lng,lat');
      if (u.station !== undefined && !places.assetIds.has(u.station)) {
        reader.problems.error('unknown_reference', 'units.csv', where, 'no asset has this id in assets.geojson', 'station', u.station);
        ok = false;
      }
      if (!ok) continue;
      const unit: UnitRecord = { id: u.id, kind: u.kind, ...nameOf(u), lng: u.lng, lat: u.lat, capabilities: u.capabilities };
      if (u.station !== undefined) unit.stationId = u.station;
      if (u.shift !== undefined) {
        const [start, end] = u.shift.split('-').map(Number) as [number, number];
        unit.shift = { startHour: start, endHour: end };
      }
      units.push(unit);
    }
  }
  return units;
}

/** rules/: alarm rules for known kinds and their metrics, one incident rule per incident type. */
export function checkRules(reader: PackageReader, declaredKinds: ReadonlyMap<string, DeclaredSensorKind>): CityRules {
  const rules: CityRules = {};
  const alarmDoc = reader.json(ALARM_RULES_FILE);
  if (alarmDoc && isRuleSetV1(alarmDoc.doc)) {
    const ok = checkRuleSetV1(reader, alarmDoc.doc, declaredKinds);
    if (ok) rules.alarms = alarmDoc.doc as CityRules['alarms'];
  } else if (alarmDoc) {
    const r = alarmRulesSchema.safeParse(alarmDoc.doc);
    if (!r.success) reader.problems.issues(ALARM_RULES_FILE, {}, r.error.issues, alarmDoc.doc, '', 'invalid_rule');
    else {
      let ok = true;
      for (const [kind, rule] of Object.entries(r.data)) {
        const metrics: readonly string[] | undefined = isSensorKind(kind)
          ? KIND_METRICS[kind]
          : declaredKinds.has(kind)
            ? Object.keys(declaredKinds.get(kind)!.metrics)
            : undefined;
        if (!metrics) {
          reader.problems.error(
            'unknown_sensor_kind',
            ALARM_RULES_FILE,
            {},
            'rules for an unknown sensor kind; a v1 kind or one declared in vocabulary.json',
            kind,
          );
          ok = false;
          continue;
        }
        rule.metrics.forEach((m, i) => {
          if (!metrics.includes(m.metric)) {
            reader.problems.error(
              'invalid_rule',
              ALARM_RULES_FILE,
              {},
              `not a metric of ${kind}; allowed: ${metrics.join(', ')}`,
              `${kind}.metrics.${i}.metric`,
              m.metric,
            );
            ok = false;
          }
        });
      }
      if (ok) rules.alarms = r.data;
    }
  }
  const incidentDocs: Record<string, unknown> = {};
  const incidentTypes = new Map<string, string>();
  for (const file of reader
    .files()
    .filter((f) => f.startsWith(INCIDENT_RULES_DIR) && f.endsWith('.json'))
    .sort()) {
    const doc = reader.json(file);
    if (!doc) continue;
    const r = incidentRuleSchema.safeParse(doc.doc);
    if (!r.success) {
      reader.problems.issues(file, {}, r.error.issues, doc.doc, '', 'invalid_rule');
      continue;
    }
    const first = incidentTypes.get(r.data.type);
    if (first) {
      reader.problems.error(
        'invalid_rule',
        file,
        {},
        `a second rule for incident type ${r.data.type} (the first is ${first})`,
        'type',
        r.data.type,
      );
      continue;
    }
    incidentTypes.set(r.data.type, file);
    incidentDocs[file.slice(INCIDENT_RULES_DIR.length)] = doc.doc;
  }
  if (Object.keys(incidentDocs).length > 0) rules.incidents = incidentDocs;
  return rules;
}

/** kpi.json (an extension): response-time targets per step; a misspelt step is an error. */
export function checkKpiTargets(reader: PackageReader): CityKpiTargets | undefined {
  const kpiDoc = reader.json('kpi.json');
  if (!kpiDoc) return undefined;
  const r = kpiTargetsSchema.safeParse(kpiDoc.doc);
  if (!r.success) {
    // A misspelt step would be a target silently not applied: an error, not a warning.
    const misspelt = r.error.issues.filter((i) => i.code === 'unrecognized_keys' && i.path.join('.') === 'responseTargets');
    for (const issue of misspelt)
      for (const key of issue.code === 'unrecognized_keys' ? issue.keys : [])
        reader.problems.error(
          'invalid_value',
          'kpi.json',
          {},
          `not a response-time step; allowed: ${RESPONSE_STEP_NAMES.join(', ')}`,
          `responseTargets.${key}`,
          key,
        );
    reader.problems.issues(
      'kpi.json',
      {},
      r.error.issues.filter((i) => !misspelt.includes(i)),
      kpiDoc.doc,
    );
    return undefined;
  }
  const responseTargets: CityKpiTargets['responseTargets'] = {};
  for (const step of RESPONSE_STEP_NAMES) {
    const t = r.data.responseTargets[step];
    if (t) responseTargets[step] = { medianS: t.medianS, p90S: t.p90S };
  }
  return { responseTargets };
}

/** `rules/alarms.json` in the rule-set format (docs/rules.md, `schemaVersion` 1) rather than the first one. */
function isRuleSetV1(doc: unknown): boolean {
  return doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'schemaVersion' in doc;
}

/** A rule set of format version 1, checked by the loader the product uses; each problem reported with its path. */
function checkRuleSetV1(reader: PackageReader, doc: unknown, declaredKinds: ReadonlyMap<string, DeclaredSensorKind>): boolean {
  const declared = Object.fromEntries([...declaredKinds].map(([kind, k]) => [kind, Object.keys(k.metrics)]));
  try {
    parseRuleSet(doc, ALARM_RULES_FILE, { vocabulary: ruleVocabulary(declared) });
    return true;
  } catch (err) {
    if (!(err instanceof RuleSetError)) throw err;
    for (const i of err.issues) {
      const code = i.message.startsWith('unknown sensor kind') ? 'unknown_sensor_kind' : 'invalid_rule';
      reader.problems.error(
        code,
        ALARM_RULES_FILE,
        {},
        i.message,
        i.path || undefined,
        i.value === undefined ? undefined : JSON.parse(i.value),
      );
    }
    return false;
  }
}
