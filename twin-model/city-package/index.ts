/**
 * City packages: a city as data (the format and the checks: docs/city-packages.md).
 *
 * - `checkCityPackage(path)` — the report of EVERY problem of a package folder or `.zip`.
 * - `loadCityPackage(path)` — the CityModel of a valid package; throws `CityPackageError`
 *   (carrying the report) otherwise, so nothing is half-loaded.
 * - `writeCityPackage(model, dir)` — a model (the generated Wuhan) written in the format.
 *
 * The pure parts (`validateCityPackage`, `modelFromPackage`, `cityPackageFiles`, the CSV
 * reader, the road network builder) work on bytes and models; file access is in package-io.ts.
 */
import type { CityModel } from '../city/city-types.ts';
import { generateFleet } from '../dispatch/index.ts';
import { validateCityPackage } from './check-package.ts';
import { modelFromPackage } from './load-package.ts';
import type { PackageFiles } from './package-files.ts';
import { PackageReadError, readPackageFiles, writePackageFiles } from './package-io.ts';
import { emptySummary, formatReport, type PackageReport } from './package-report.ts';
import { cityPackageFiles, type WritePackageOptions } from './write-package.ts';

export { validateCityPackage, EXTENT_MARGIN_M, isIanaTimeZone } from './check-package.ts';
export type { ParsedPackage } from './parsed-package.ts';
export { modelFromPackage, SENSOR_EDGE_M } from './load-package.ts';
export { cityPackageFiles, type WritePackageOptions } from './write-package.ts';
export { parseCsv, formatCsv, decodeUtf8, type CsvTable, type CsvProblem, type CsvRecord } from './csv.ts';
export { buildRoadNetwork, modelRoadClass, type RoadNetwork, type RoadSegment } from './road-network.ts';
export {
  PACKAGE_LAYOUT,
  ALARM_RULES_FILE,
  CASE_ROUTING_FILE,
  INCIDENT_RULES_DIR,
  BASEMAP_FILE,
  type PackageFiles,
} from './package-files.ts';
export { PACKAGE_ROAD_CLASSES, CLASS_SPEED_KMH, KNOWN_ASSET_TYPES } from './package-schemas.ts';
export {
  PROBLEM_CODES,
  formatProblem,
  formatReport,
  type PackageProblem,
  type PackageReport,
  type PackageSummary,
  type ProblemCode,
} from './package-report.ts';
export { PackageReadError, readPackageFiles, writePackageFiles } from './package-io.ts';

/** A package that cannot be loaded; `report` lists every problem. */
export class CityPackageError extends Error {
  constructor(readonly report: PackageReport) {
    const errors = report.problems.filter((p) => p.severity === 'error').length;
    super(`city package ${report.path} cannot be loaded (${errors} error${errors === 1 ? '' : 's'}):\n${formatReport(report)}`);
    this.name = 'CityPackageError';
  }
}

/** Checks a package folder or `.zip`: every problem, never throws for a bad package. */
export function checkCityPackage(path: string): PackageReport {
  try {
    return validateCityPackage(readPackageFiles(path)).report;
  } catch (err) {
    if (!(err instanceof PackageReadError)) throw err;
    return {
      path,
      ok: false,
      problems: [{ severity: 'error', code: 'unreadable_package', file: path, message: err.message }],
      summary: emptySummary(),
    };
  }
}

/** Loads a package folder or `.zip` into a CityModel; throws {@link CityPackageError} when it has errors. */
export function loadCityPackage(path: string): CityModel {
  let files: PackageFiles;
  try {
    files = readPackageFiles(path);
  } catch (err) {
    if (!(err instanceof PackageReadError)) throw err;
    throw new CityPackageError({
      path,
      ok: false,
      problems: [{ severity: 'error', code: 'unreadable_package', file: path, message: err.message }],
      summary: emptySummary(),
    });
  }
  const { report, parsed } = validateCityPackage(files);
  if (!parsed) throw new CityPackageError(report);
  return modelFromPackage(parsed);
}

/**
 * Writes a model as a package folder. A model without a fleet register (the generated city)
 * registers its generated fleet (`generateFleet(model)`) unless `options.fleet` is given.
 */
export function writeCityPackage(model: CityModel, dir: string, options: WritePackageOptions = {}): void {
  const fleet = options.fleet ?? (model.units ? undefined : generateFleet(model));
  writePackageFiles(dir, cityPackageFiles(model, fleet ? { fleet } : {}));
}
export {
  checkRegisterImport,
  diffVocabulary,
  withImportedFile,
  IMPORT_ENTITIES,
  IMPORT_FILES,
  type ImportEntity,
  type RegisterImportCheck,
  type VocabularyDiff,
} from './register-import.ts';
