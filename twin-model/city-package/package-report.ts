/**
 * The check report of a city package: every problem with the file, the line (CSV) or feature
 * index (GeoJSON), the field, the bad value and what is allowed. Problems carry a stable
 * `code` (documented in docs/city-packages.md) and an English message for the CLI and logs.
 */

export const PROBLEM_CODES = [
  'missing_file',
  'unreadable_package',
  'unknown_file',
  'invalid_json',
  'invalid_geojson',
  'invalid_geometry',
  'csv_encoding',
  'csv_quote',
  'csv_unterminated_quote',
  'csv_field_count',
  'csv_blank_line',
  'csv_empty',
  'csv_duplicate_column',
  'missing_column',
  'unknown_column',
  'invalid_value',
  'unknown_property',
  'duplicate_id',
  'unknown_reference',
  'unknown_sensor_kind',
  'invalid_timezone',
  'outside_extent',
  'crosses_antimeridian',
  'outside_districts',
  'roads_disconnected',
  'road_oneway_trap',
  'underpass_not_on_road',
  'invalid_senml_unit',
  'vocabulary_redefines_v1',
  'duplicate_external_id',
  'duplicate_event_source',
  'invalid_rule',
  'basemap_in_zip',
  'unit_on_assignment',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface PackageProblem {
  /** `error` stops a load; `warning` is worth fixing but the package loads. */
  severity: 'error' | 'warning';
  code: ProblemCode;
  /** Path of the file inside the package, e.g. `sensors.csv`, `rules/incidents/fire.json`. */
  file: string;
  /** 1-based line of a CSV record (the header is line 1). */
  line?: number;
  /** 0-based index of a GeoJSON feature in its `features` array. */
  feature?: number;
  /** Column, property (`properties.class`), geometry or JSON path of the bad value. */
  field?: string;
  /** The bad value as written (quoted JSON, at most 80 characters). */
  value?: string;
  /** What is wrong and what is allowed. */
  message: string;
}

/** Figures of a checked package (what a load would contain). */
export interface PackageSummary {
  districts: number;
  roadSegments: number;
  graphNodes: number;
  graphEdges: number;
  oneWayEdges: number;
  /** Nodes of the largest connected part of the road graph. */
  largestComponentNodes: number;
  assets: number;
  buildings: number;
  waterFeatures: number;
  sources: number;
  sensors: number;
  units: number;
  declaredKinds: number;
}

/** A summary of nothing yet (every count 0). */
export function emptySummary(): PackageSummary {
  return {
    districts: 0,
    roadSegments: 0,
    graphNodes: 0,
    graphEdges: 0,
    oneWayEdges: 0,
    largestComponentNodes: 0,
    assets: 0,
    buildings: 0,
    waterFeatures: 0,
    sources: 0,
    sensors: 0,
    units: 0,
    declaredKinds: 0,
  };
}

export interface PackageReport {
  /** The package as given (folder or .zip path). */
  path: string;
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  problems: PackageProblem[];
  summary: PackageSummary;
}

/** One line per problem: `sensors.csv:14 kind = "noise": unknown sensor kind; allowed: …`. */
export function formatProblem(p: PackageProblem): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.feature !== undefined) where += ` feature ${p.feature}`;
  const field = p.field ? ` ${p.field}` : '';
  const value = p.value !== undefined ? ` = ${p.value}` : '';
  return `${p.severity === 'error' ? 'error' : 'warning'} ${where}${field}${value}: ${p.message} [${p.code}]`;
}

/** The whole report as text: one line per problem, then the figures and the verdict. */
export function formatReport(report: PackageReport): string {
  const lines = report.problems.map(formatProblem);
  const s = report.summary;
  const errors = report.problems.filter((p) => p.severity === 'error').length;
  const warnings = report.problems.length - errors;
  lines.push(
    `${report.path}: ${s.districts} districts, ${s.roadSegments} road segments (graph ${s.graphNodes} nodes, ${s.graphEdges} edges, ` +
      `${s.oneWayEdges} one-way, largest connected part ${s.largestComponentNodes} nodes), ${s.assets} assets, ${s.buildings} buildings, ` +
      `${s.waterFeatures} water features, ${s.sources} sources, ${s.sensors} sensors, ${s.units} units, ${s.declaredKinds} declared kinds`,
  );
  lines.push(
    report.ok
      ? `OK (${warnings} warning${warnings === 1 ? '' : 's'})`
      : `NOT LOADABLE: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}
