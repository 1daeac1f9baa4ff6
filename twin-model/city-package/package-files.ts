/**
 * A city package as bytes: its files by path inside the package (`city.json`,
 * `rules/incidents/fire.json`). The checker and the loader work on this, so they are pure;
 * reading a folder or a `.zip` into it happens at the edge (`package-io.ts`).
 */

export interface PackageFiles {
  /** What the package was read from (shown in reports). */
  origin: string;
  /** File contents by path (forward slashes, no leading `./`). */
  files: Map<string, Uint8Array>;
  /**
   * Where `basemap.pmtiles` is on disk, when the package is a folder that has one (the archive
   * is served by range requests, never read whole); `zip` when it sits inside a .zip.
   */
  basemap?: { path: string } | 'zip';
}

/** The files of the format and whether each is required (docs/city-packages.md). */
export const PACKAGE_LAYOUT = {
  'city.json': true,
  'districts.geojson': true,
  'roads.geojson': true,
  'water.geojson': false,
  'assets.geojson': false,
  'buildings.geojson': false,
  'sources.csv': true,
  'sensors.csv': false,
  'units.csv': false,
  'vocabulary.json': false,
  'kpi.json': false,
} as const satisfies Record<string, boolean>;
export type PackageFileName = keyof typeof PACKAGE_LAYOUT;

/** Rule files: `rules/alarms.json` and one file per incident type under `rules/incidents/`. */
export const ALARM_RULES_FILE = 'rules/alarms.json';
export const INCIDENT_RULES_DIR = 'rules/incidents/';
/** The hotline case routing table (docs/cases.md); without it, cases go to the hotline source's department. */
export const CASE_ROUTING_FILE = 'rules/cases.json';
export const BASEMAP_FILE = 'basemap.pmtiles';

/** Files a package may carry that the product does not read (documentation, licences). */
export function isIgnorableFile(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return (
    /^(readme|license|licence|notice|attribution)(\.[a-z0-9]+)?$/i.test(base) ||
    base.startsWith('.') ||
    /\.(md|txt|pdf|png|jpg|qgz|qgs)$/i.test(base)
  );
}
