/**
 * `citytwin city import-osm FILE.osm.pbf|FILE.osm --out DIR [options]`: imports OpenStreetMap
 * data into a city package folder and prints a summary (docs/osm-import.md).
 */
import { stat } from 'node:fs/promises';
import {
  OsmFormatError,
  OsmImportError,
  OsmPbfError,
  OsmXmlError,
  PackageWriteError,
  checkOutputFolder,
  formatImportReport,
  importOsm,
  openOsmFile,
  writeCityPackage,
  type Bbox,
  type ImportOsmOptions,
} from '../twin-model/osm-import/index.ts';

export const IMPORT_OSM_USAGE = `usage: citytwin city import-osm FILE.osm.pbf|FILE.osm --out DIR [options]

  --out DIR            the city package folder to write (created; must be empty unless --force)
  --bbox W,S,E,N       keep only ways and nodes with a node inside (degrees, WGS 84)
  --admin-level N      admin_level of the districts (1-12; default: the level with the most boundaries)
  --name NAME          city name (default: the file name)
  --id ID              city id, [A-Za-z0-9._-]{1,64} (default: made from the name)
  --timezone ZONE      IANA time zone, e.g. Asia/Shanghai (default: UTC, with a warning)
  --force              write into a folder that already holds files
`;

export class ImportOsmArgsError extends Error {}

export interface ImportOsmArgs {
  file: string;
  out: string;
  force: boolean;
  options: ImportOsmOptions;
}

/** Parses the flags (throws `ImportOsmArgsError` quoting the bad value and what is accepted). */
export function parseImportOsmArgs(args: readonly string[]): ImportOsmArgs {
  let file: string | undefined;
  let out: string | undefined;
  let force = false;
  const options: ImportOsmOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new ImportOsmArgsError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--out':
        out = value();
        break;
      case '--bbox':
        options.bbox = parseBbox(value());
        break;
      case '--admin-level': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v.trim()) || n < 1 || n > 12)
          throw new ImportOsmArgsError(`--admin-level ${JSON.stringify(v)} is not a whole number from 1 to 12`);
        options.adminLevel = n;
        break;
      }
      case '--name': {
        const v = value().trim();
        if (v === '') throw new ImportOsmArgsError('--name is empty; give the city a name');
        options.name = v;
        break;
      }
      case '--id':
        options.id = value();
        break;
      case '--timezone':
        options.timezone = value();
        break;
      case '--force':
        force = true;
        break;
      default:
        if (name.startsWith('-'))
          throw new ImportOsmArgsError(
            `unknown option ${JSON.stringify(name)}; expected --out, --bbox, --admin-level, --name, --id, --timezone or --force`,
          );
        if (file !== undefined)
          throw new ImportOsmArgsError(`one input file is expected, got ${JSON.stringify(file)} and ${JSON.stringify(arg)}`);
        file = arg;
    }
  }
  if (file === undefined) throw new ImportOsmArgsError('no input file; give FILE.osm.pbf or FILE.osm');
  if (!/\.(osm\.pbf|pbf|osm|xml)$/i.test(file))
    throw new ImportOsmArgsError(`${JSON.stringify(file)} is not an OSM file name; expected FILE.osm.pbf (binary) or FILE.osm (XML)`);
  if (out === undefined) throw new ImportOsmArgsError('--out DIR is required: the folder the city package is written to');
  return { file, out, force, options };
}

/** `W,S,E,N` in degrees. */
export function parseBbox(text: string): Bbox {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  const [w, s, e, n] = nums as [number, number, number, number];
  if (
    parts.length !== 4 ||
    parts.some((p) => p === '') ||
    !nums.every(Number.isFinite) ||
    w < -180 ||
    e > 180 ||
    s < -90 ||
    n > 90 ||
    !(w < e) ||
    !(s < n)
  ) {
    throw new ImportOsmArgsError(
      `--bbox ${JSON.stringify(text)} is not west,south,east,north in degrees (e.g. 114.20,30.50,114.40,30.65), with west < east and south < north`,
    );
  }
  return [w, s, e, n];
}

/** Runs the import; returns the exit code (0 done, 1 the import failed, 2 bad arguments). */
export async function runImportOsmCli(
  args: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(IMPORT_OSM_USAGE);
    return 0;
  }
  let parsed: ImportOsmArgs;
  try {
    parsed = parseImportOsmArgs(args);
  } catch (err) {
    if (!(err instanceof ImportOsmArgsError)) throw err;
    io.err(`citytwin city import-osm: ${err.message}\n\n${IMPORT_OSM_USAGE}`);
    return 2;
  }
  try {
    const info = await stat(parsed.file).catch(() => null);
    if (!info?.isFile()) {
      io.err(`citytwin city import-osm: input file ${JSON.stringify(parsed.file)} does not exist or is not a file\n`);
      return 2;
    }
    await checkOutputFolder(parsed.out, parsed.force);
    const { layers, report } = await importOsm(openOsmFile(parsed.file), parsed.options);
    await writeCityPackage(parsed.out, layers, { overwrite: parsed.force });
    io.out(formatImportReport(report));
    io.out(`city package written to ${parsed.out}\n`);
    return 0;
  } catch (err) {
    const known =
      err instanceof OsmImportError ||
      err instanceof OsmXmlError ||
      err instanceof OsmPbfError ||
      err instanceof OsmFormatError ||
      err instanceof PackageWriteError;
    if (!known) throw err;
    io.err(`citytwin city import-osm: ${(err as Error).message}\n`);
    return 1;
  }
}
