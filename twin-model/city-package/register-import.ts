/**
 * A register imported at run time (docs/city-packages.md, "Registers at run time"): an admin's
 * `sensors.csv`, `units.csv`, `sources.csv` or `vocabulary.json`, checked with the SAME rules as
 * the package loader and compared with the register in force.
 *
 * The file replaces that entity's whole list: it is put in place of the package's file (the
 * files in force: the package with the imports applied so far) and the whole package is checked
 * and loaded again (`validateCityPackage`, `modelFromPackage`), so every reference between files
 * holds exactly as at start (a sensor's source and asset, a kind of the vocabulary, the city's
 * extent). Any error refuses the whole file — nothing is half-applied — with every problem named
 * (file, line, field, value, what is allowed). A valid file gives the diff against the stored
 * register (twin-model/register-diff.ts): added, moved and otherwise changed, retired, unchanged.
 *
 * Pure: files and the stored register in, a check out.
 */
import type { CityModel, DeclaredSensorKind } from '../city/city-types.ts';
import {
  diffCounts,
  diffRegister,
  registerOf,
  type RegisterDiff,
  type RegisterDiffCounts,
  type RegisterEntity,
  type StoredRegisterEntry,
} from '../register-diff.ts';
import { validateCityPackage } from './check-package.ts';
import { modelFromPackage } from './load-package.ts';
import type { PackageFiles } from './package-files.ts';
import type { PackageProblem } from './package-report.ts';

/** What can be imported: a register, or the vocabulary its sensors' kinds come from. */
export const IMPORT_ENTITIES = ['sensor', 'unit', 'source', 'vocabulary'] as const;
export type ImportEntity = (typeof IMPORT_ENTITIES)[number];

/** The package file each import replaces. */
export const IMPORT_FILES: Record<ImportEntity, string> = {
  sensor: 'sensors.csv',
  unit: 'units.csv',
  source: 'sources.csv',
  vocabulary: 'vocabulary.json',
};

/** How declared sensor kinds change with a vocabulary import. */
export interface VocabularyDiff {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
}

export interface RegisterImportCheck {
  entity: ImportEntity;
  file: string;
  /** No error: the import can be applied. */
  ok: boolean;
  /** Every error (in any file: a reference the import breaks) and the imported file's warnings. */
  problems: PackageProblem[];
  /** Entries the file holds (rows of a CSV, kinds of the vocabulary). */
  entries: number;
  /** The register diff of the entity (null for the vocabulary or a refused file). */
  diff: RegisterDiff | null;
  counts: RegisterDiffCounts | null;
  vocabulary: VocabularyDiff | null;
  /** The city as the files in force with the import would load it (null when refused). */
  model: CityModel | null;
}

/** The files in force with `text` in place of the entity's file. */
export function withImportedFile(base: PackageFiles, entity: ImportEntity, text: string): PackageFiles {
  const files = new Map(base.files);
  files.set(IMPORT_FILES[entity], new TextEncoder().encode(text));
  return { ...base, files };
}

/** Declared kinds before and after, by name. */
export function diffVocabulary(before: readonly DeclaredSensorKind[], after: readonly DeclaredSensorKind[]): VocabularyDiff {
  const old = new Map(before.map((k) => [k.kind, JSON.stringify(k)]));
  const next = new Set(after.map((k) => k.kind));
  const out: VocabularyDiff = { added: [], changed: [], removed: [], unchanged: 0 };
  for (const k of after) {
    const was = old.get(k.kind);
    if (was === undefined) out.added.push(k.kind);
    else if (was !== JSON.stringify(k)) out.changed.push(k.kind);
    else out.unchanged++;
  }
  for (const k of before) if (!next.has(k.kind)) out.removed.push(k.kind);
  return out;
}

/**
 * Checks `text` as the entity's file in place of the one in `base` (the files in force) and,
 * when valid, compares the entity's register with `stored` (the register in force). `before`
 * is the city in force (for the vocabulary's diff).
 */
export function checkRegisterImport(
  base: PackageFiles,
  entity: ImportEntity,
  text: string,
  stored: readonly StoredRegisterEntry[],
  before: Pick<CityModel, 'vocabulary'> | null = null,
): RegisterImportCheck {
  const file = IMPORT_FILES[entity];
  const { report, parsed } = validateCityPackage(withImportedFile(base, entity, text));
  const problems = report.problems.filter((p) => p.severity === 'error' || p.file === file);
  const fileEntries =
    entity === 'vocabulary' ? (parsed?.vocabulary.length ?? report.summary.declaredKinds) : summaryCount(report.summary, entity);
  const refused: RegisterImportCheck = {
    entity,
    file,
    ok: false,
    problems,
    entries: fileEntries,
    diff: null,
    counts: null,
    vocabulary: null,
    model: null,
  };
  if (!parsed) return refused;
  const model = modelFromPackage(parsed);
  if (entity === 'vocabulary') {
    return { ...refused, ok: true, model, vocabulary: diffVocabulary(before?.vocabulary ?? [], model.vocabulary ?? []) };
  }
  const next = registerOf(model).filter((e) => e.entity === entity);
  const diff = diffRegister(
    next,
    stored.filter((e) => e.entity === entity),
  );
  return { ...refused, ok: true, model, diff, counts: diffCounts(diff) };
}

function summaryCount(summary: { sensors: number; units: number; sources: number }, entity: RegisterEntity): number {
  return entity === 'sensor' ? summary.sensors : entity === 'unit' ? summary.units : summary.sources;
}
