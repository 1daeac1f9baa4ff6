/**
 * Reading a city package's files for the check (check-package.ts): the problem list every check
 * adds to, and the readers of its JSON, GeoJSON and CSV files that report what they cannot read
 * with the file, line or feature, field and value.
 */
import type { z } from 'zod';
import { decodeUtf8, parseCsv } from './csv.ts';
import { type Geometry, type GeometryType, readFeatureCollection, readGeometry } from './geojson.ts';
import type { PackageFileName, PackageFiles } from './package-files.ts';
import { quoteValue, valueAt } from '../quote-value.ts';
import type { PackageProblem, ProblemCode } from './package-report.ts';

/** Where in a file a problem is: a CSV line or a GeoJSON feature. */
export type Where = { line?: number; feature?: number };

/** The problems found so far, in the order found. */
export class Problems {
  readonly list: PackageProblem[] = [];

  add(
    severity: PackageProblem['severity'],
    code: ProblemCode,
    file: string,
    where: Where,
    message: string,
    field?: string,
    value?: unknown,
  ): void {
    const p: PackageProblem = { severity, code, file, message };
    if (where.line !== undefined) p.line = where.line;
    if (where.feature !== undefined) p.feature = where.feature;
    if (field !== undefined) p.field = field;
    if (value !== undefined) p.value = quoteValue(value);
    this.list.push(p);
  }

  error(code: ProblemCode, file: string, where: Where, message: string, field?: string, value?: unknown): void {
    this.add('error', code, file, where, message, field, value);
  }

  warn(code: ProblemCode, file: string, where: Where, message: string, field?: string, value?: unknown): void {
    this.add('warning', code, file, where, message, field, value);
  }

  /** zod issues of one record or feature; unknown keys become warnings. */
  issues(
    file: string,
    where: Where,
    issues: readonly z.core.$ZodIssue[],
    input: unknown,
    prefix = '',
    code: ProblemCode = 'invalid_value',
    skip?: ReadonlySet<string>,
  ): void {
    for (const issue of issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          this.warn(
            'unknown_property',
            file,
            where,
            'not part of the format (a misspelt name?); it is ignored',
            prefix + [...issue.path, key].join('.'),
          );
        continue;
      }
      const head = issue.path[0];
      if (skip && typeof head === 'string' && skip.has(head)) continue;
      // A CSV record's problem names the column and quotes the whole field as written.
      const path = where.line !== undefined && head !== undefined ? [head] : issue.path;
      this.error(code, file, where, issue.message, prefix + path.map(String).join('.') || undefined, valueAt(input, path));
    }
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }
}

/** A record's names: each language falls back on the other. */
export function nameOf(p: { name_zh?: string | null | undefined; name_en?: string | null | undefined }): {
  nameZh: string;
  nameEn: string;
} {
  const zh = p.name_zh?.trim() ?? '';
  const en = p.name_en?.trim() ?? '';
  return { nameZh: zh || en, nameEn: en || zh };
}

/** Reads the files of one package, adding what it cannot read to `problems`. */
export class PackageReader {
  constructor(
    private readonly pkg: PackageFiles,
    readonly problems: Problems,
  ) {}

  /** The package's file paths. */
  files(): string[] {
    return [...this.pkg.files.keys()];
  }

  /** Whether the package has the file. */
  has(file: string): boolean {
    return this.pkg.files.has(file);
  }

  /** A JSON file's document, or null when it is absent or unreadable (reported). */
  json(file: string): { doc: unknown } | null {
    const bytes = this.pkg.files.get(file);
    if (!bytes) return null;
    const { text, problem } = decodeUtf8(bytes);
    if (problem) {
      this.problems.error('csv_encoding', file, { line: problem.line }, problem.message);
      return null;
    }
    try {
      return { doc: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown };
    } catch (err) {
      const message = (err as Error).message;
      const at = /position (\d+)/.exec(message);
      const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
      this.problems.error('invalid_json', file, line !== undefined ? { line } : {}, `not valid JSON: ${message}`);
      return null;
    }
  }

  /** A GeoJSON file's features with their geometry where it is of an allowed type. */
  features(
    file: string,
    allowed: readonly GeometryType[],
  ): Array<{ index: number; properties: Record<string, unknown>; geometry?: Geometry }> {
    const doc = this.json(file);
    if (!doc) return [];
    const fc = readFeatureCollection(doc.doc);
    if ('code' in fc) {
      this.problems.error(fc.code, file, {}, fc.message, fc.field, fc.value);
      return [];
    }
    for (const { index, issue } of fc.featureIssues)
      this.problems.error(issue.code, file, { feature: index }, issue.message, issue.field, issue.value);
    return fc.features.map((f) => {
      const g = readGeometry(f.geometry, allowed);
      for (const issue of g.issues) this.problems.error(issue.code, file, { feature: f.index }, issue.message, issue.field, issue.value);
      return g.geometry ? { index: f.index, properties: f.properties, geometry: g.geometry } : { index: f.index, properties: f.properties };
    });
  }

  /** Records `id` as seen; false (reported) when it was seen before. */
  checkUnique(file: string, seen: Map<string, number | string>, id: string, where: Where, what: string): boolean {
    const first = seen.get(id);
    if (first !== undefined) {
      this.problems.error(
        'duplicate_id',
        file,
        where,
        `${what} ids must be unique; first used at ${typeof first === 'number' ? `feature ${first}` : first}`,
        'id',
        id,
      );
      return false;
    }
    seen.set(id, where.feature ?? `line ${where.line}`);
    return true;
  }

  /** A CSV file's rows by column, and the required columns it lacks; null when the file is absent. */
  csv(
    file: PackageFileName,
    columns: { required: readonly string[]; optional: readonly string[] },
  ): { rows: Array<{ line: number; values: Record<string, string> }>; missing: Set<string> } | null {
    const bytes = this.pkg.files.get(file);
    if (!bytes) return null;
    const { text, problem } = decodeUtf8(bytes);
    if (problem) this.problems.error(problem.code, file, { line: problem.line }, problem.message);
    const table = parseCsv(text);
    for (const p of table.problems) this.problems.error(p.code, file, { line: p.line }, p.message, undefined, p.value);
    const missing = new Set(columns.required.filter((c) => !table.header.includes(c)));
    for (const c of missing)
      this.problems.error(
        'missing_column',
        file,
        { line: 1 },
        `the header needs the column "${c}"; columns: ${columns.required.join(',')} (then optional ${columns.optional.join(', ')})`,
        c,
      );
    const known = new Set<string>([...columns.required, ...columns.optional]);
    for (const c of table.header)
      if (c !== '' && !known.has(c) && !missing.has(c))
        this.problems.warn('unknown_column', file, { line: 1 }, `not a column of ${file} (misspelt?); it is ignored`, c);
    const rows = table.rows.map((r) => ({ line: r.line, values: Object.fromEntries(table.header.map((h, i) => [h, r.fields[i] ?? ''])) }));
    return { rows, missing };
  }
}
