/**
 * `citytwin city …` — city packages on the command line (docs/city-packages.md):
 *
 *   citytwin city check PATH [--strict]            the report of every problem of a package folder or .zip
 *   citytwin city generate --out DIR [--seed S] [--sensors N]
 *                                                  the generated schematic Wuhan written as a package
 *
 * `check` exits 0 when the package loads (warnings allowed; `--strict` fails on warnings too),
 * 1 when it has problems, 2 on a usage error. The command is a function of its arguments and
 * two output streams, so tests run it without a process.
 */
import { DEFAULT_CITY_SEED, DEFAULT_SENSOR_COUNT, MAX_SENSOR_COUNT, generateCity } from '../twin-model/city/index.ts';
import { checkCityPackage, formatReport, writeCityPackage } from '../twin-model/city-package/index.ts';

export const CITY_USAGE = `usage: citytwin city check PATH [--strict]
       citytwin city generate --out DIR [--seed S] [--sensors N]

  check      validate a city package (a folder or a .zip) and print every problem:
             file, line or feature, field, value and what is allowed.
             Exit 0 when it loads (warnings allowed; --strict: no warnings either), 1 otherwise.
  generate   write the generated schematic Wuhan as a city package into DIR
             (--seed S: any 32-bit integer, default ${DEFAULT_CITY_SEED};
              --sensors N: 0 to ${MAX_SENSOR_COUNT} sensor sites, default ${DEFAULT_SENSOR_COUNT})
`;

export interface CommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

class UsageError extends Error {}

/** Flags of the form `--name value` or `--name=value`; every flag must be in `allowed`. */
function parseFlags(
  args: readonly string[],
  allowed: Readonly<Record<string, 'value' | 'switch'>>,
): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const kind = allowed[name];
    if (!kind) throw new UsageError(`unknown option ${JSON.stringify(name)}; allowed: ${Object.keys(allowed).join(', ') || 'none'}`);
    if (kind === 'switch') {
      if (eq > 0) throw new UsageError(`${name} takes no value, got ${JSON.stringify(arg.slice(eq + 1))}`);
      flags.set(name, '');
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flags.set(name, value);
  }
  return { flags, positional };
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not an integer from ${min} to ${max}`);
  }
  return n;
}

/** Runs `citytwin city <args>`; returns the exit code. */
export function runCityCommand(args: readonly string[], out: CommandOutput): number {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'check': {
        const { flags, positional } = parseFlags(rest, { '--strict': 'switch' });
        if (positional.length !== 1) throw new UsageError(`city check needs one PATH (a package folder or .zip), got ${positional.length}`);
        const report = checkCityPackage(positional[0]!);
        out.stdout(formatReport(report));
        const failed = !report.ok || (flags.has('--strict') && report.problems.length > 0);
        return failed ? 1 : 0;
      }
      case 'generate': {
        const { flags, positional } = parseFlags(rest, { '--out': 'value', '--seed': 'value', '--sensors': 'value' });
        if (positional.length > 0)
          throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}; the folder is given with --out DIR`);
        const dir = flags.get('--out');
        if (!dir) throw new UsageError('city generate needs --out DIR (the package folder to write)');
        const seed = flags.has('--seed') ? integer('--seed', flags.get('--seed')!, -0x8000_0000, 0xffff_ffff) : DEFAULT_CITY_SEED;
        const sensorCount = flags.has('--sensors')
          ? integer('--sensors', flags.get('--sensors')!, 0, MAX_SENSOR_COUNT)
          : DEFAULT_SENSOR_COUNT;
        const city = generateCity({ seed, sensorCount });
        writeCityPackage(city, dir);
        out.stdout(
          `wrote the generated city (seed ${seed}, ${city.sensorSites.length} sensors, ${city.graph.edges.length} road edges) to ${dir}\n`,
        );
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        out.stdout(CITY_USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown city command ${JSON.stringify(sub)}; expected check, generate, import-osm or help`);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    out.stderr(`citytwin city: ${err.message}\n${CITY_USAGE}`);
    return 2;
  }
}
