/**
 * `npm run simulate -- [--city PATH] --scenario rainstorm [--pump-teams N] [--prepositioned 420105,420106] [--seed S]`
 * (or `tsx simulations/what-if/run-what-if.ts …`): runs the what-if simulation on the generated
 * Wuhan or on a city package and prints the response-time figures. See simulations/README.md,
 * "What-if".
 */
import { pathToFileURL } from 'node:url';
import { CityPackageError, loadCityPackage } from '../../twin-model/city-package/index.ts';
import { generateCity } from '../../twin-model/city/index.ts';
import { UNIT_KINDS, type UnitKind } from '../../twin-model/dispatch/unit-types.ts';
import type { CityModel } from '../../twin-model/index.ts';
import { ID_PATTERN } from '../../twin-model/vocabulary.ts';
import { SCENARIO_NAMES, type ScenarioName } from '../scenarios/scenario-types.ts';
import { fleetProblems, runWhatIf, type WhatIfOptions, type WhatIfResult } from './what-if.ts';

export const WHAT_IF_USAGE = `usage: simulate [--city PATH] --scenario <${SCENARIO_NAMES.join('|')}> [options]

  --city PATH              a city package (folder or .zip); default: the configured one
                           (CITYTWIN_CITY), else the generated Wuhan
  --scenario NAME          scenario to replay (required for the what-if)
  --seed S                 scenario seed (default 1)
  --pump-teams N           pump teams in the fleet (default: unit-needs.json; not with a city that registers its units)
  --count KIND=N           units of any kind, repeatable (${UNIT_KINDS.join(', ')})
  --prepositioned LIST     extra units, comma-separated: a district id of the city (a pump team) or KIND:district
  --ack-delay S            seconds from an incident opening to acknowledgement (default 60)
  --dispatch-delay S       seconds from acknowledgement to dispatch (default 30)
  --turnout S              seconds from dispatch until the unit drives off (default 60)
  --tail S                 scenario seconds simulated after the last input (default 3600)
`;

export class WhatIfArgsError extends Error {}

/** The parsed flags: the what-if's options and the package to load (`--city`). */
export type WhatIfArgs = WhatIfOptions & { cityPath?: string };

/**
 * Parses the command-line flags into options (throws `WhatIfArgsError` naming the bad flag).
 * District ids are checked against the city later ({@link fleetProblems}), once it is loaded.
 */
export function parseWhatIfArgs(args: readonly string[]): WhatIfArgs {
  let scenario: ScenarioName | undefined;
  const options: Omit<WhatIfArgs, 'scenario'> = {};
  const counts: Partial<Record<UnitKind, number>> = {};
  const prepositioned: { kind: UnitKind; district: string }[] = [];
  const whole = (flag: string, v: string, min = 0): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new WhatIfArgsError(`${flag} ${JSON.stringify(v)} is not a whole number ≥ ${min}`);
    return n;
  };
  const isKind = (k: string): k is UnitKind => (UNIT_KINDS as readonly string[]).includes(k);
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const [name, inline] =
      flag.includes('=') && flag.startsWith('--')
        ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)]
        : [flag, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new WhatIfArgsError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--scenario': {
        const v = value();
        if (!(SCENARIO_NAMES as readonly string[]).includes(v))
          throw new WhatIfArgsError(`--scenario ${JSON.stringify(v)} is not one of ${SCENARIO_NAMES.join(', ')}`);
        scenario = v as ScenarioName;
        break;
      }
      case '--seed':
        options.seed = whole(name, value());
        break;
      case '--city': {
        const v = value();
        if (v.trim() === '') throw new WhatIfArgsError('--city needs the path of a city package (a folder or a .zip)');
        options.cityPath = v;
        break;
      }
      case '--pump-teams':
        counts.pump_team = whole(name, value());
        break;
      case '--count': {
        const v = value();
        const [kind, n] = v.split('=');
        if (!kind || !isKind(kind) || n === undefined)
          throw new WhatIfArgsError(`--count ${JSON.stringify(v)} is not KIND=N with KIND one of ${UNIT_KINDS.join(', ')}`);
        counts[kind] = whole(`--count ${kind}`, n);
        break;
      }
      case '--prepositioned':
        for (const part of value()
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)) {
          const [a, b] = part.includes(':') ? part.split(':') : ['pump_team', part];
          if (!a || !isKind(a) || !b || !ID_PATTERN.test(b))
            throw new WhatIfArgsError(
              `--prepositioned ${JSON.stringify(part)} is not a district id (e.g. 420105 in Wuhan) or KIND:district (e.g. ambulance:420106) with KIND one of ${UNIT_KINDS.join(', ')}`,
            );
          prepositioned.push({ kind: a, district: b });
        }
        break;
      case '--ack-delay':
        options.acknowledgeDelayS = whole(name, value());
        break;
      case '--dispatch-delay':
        options.dispatchDelayS = whole(name, value());
        break;
      case '--turnout':
        options.turnoutS = whole(name, value());
        break;
      case '--tail':
        options.tailS = whole(name, value());
        break;
      default:
        throw new WhatIfArgsError(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  if (!scenario) throw new WhatIfArgsError('--scenario is required');
  const fleet = { ...(Object.keys(counts).length ? { counts } : {}), ...(prepositioned.length ? { prepositioned } : {}) };
  return { scenario, ...options, ...(Object.keys(fleet).length ? { fleet } : {}) };
}

const fmt = (s: number): string => (Number.isNaN(s) ? '–' : s >= 120 ? `${(s / 60).toFixed(1)} min` : `${Math.round(s)} s`);

/** The printed report of a run. */
export function formatWhatIf(r: WhatIfResult, options: WhatIfOptions): string {
  const pre =
    options.fleet?.prepositioned?.map((p) => (p.kind === 'pump_team' ? p.district : `${p.kind}:${p.district}`)).join(',') || 'none';
  const lines = [
    `What-if: ${r.scenario} (seed ${r.seed}) in ${r.city}, fleet ${r.fleetSize} units, pump teams ${r.pumpTeams}, pre-positioned ${pre}`,
    `  dispatcher: acknowledge after ${options.acknowledgeDelayS ?? 60} s, dispatch ${options.dispatchDelayS ?? 30} s later; turnout ${options.turnoutS ?? 60} s`,
    '',
    `  incidents needing units      ${r.jobs.length}`,
    `  no free unit at first try    ${r.waitedForUnit}`,
    `  never got a unit             ${r.neverServed}`,
    `  left with a need unmet       ${r.partlyServed}`,
    `  units dispatched             ${r.jobs.reduce((n, j) => n + j.units.length, 0)}`,
    `  reroutes (route blocked)     ${r.reroutes}${r.cutOff ? `, cut off ${r.cutOff}` : ''}; most roads closed at once ${r.maxClosedEdges}`,
    `  dispatch log                 ${r.logCheck.checked} entries, ${r.logCheck.ok ? 'chain verified' : `${r.logCheck.problems.length} PROBLEMS`}`,
    '',
    '  response time                          n     median      p90',
  ];
  const row = (label: string, s: { count: number; medianS: number; p90S: number }) =>
    lines.push(`  ${label.padEnd(36)} ${String(s.count).padStart(4)} ${fmt(s.medianS).padStart(10)} ${fmt(s.p90S).padStart(10)}`);
  row('acknowledge after detection', r.summary.acknowledgeS);
  row('dispatch after acknowledge', r.summary.dispatchS);
  row('dispatch after detection', r.summary.dispatchAfterDetectS);
  row('travel (dispatch → on scene)', r.summary.travelS);
  row('first unit on scene after detection', r.summary.arriveAfterDetectS);
  row('primary unit on scene after detect.', r.primaryArrive);
  row('resolved after detection', r.summary.resolveAfterDetectS);
  return `${lines.join('\n')}\n`;
}

/**
 * The city of a run without `--city`: the product's configured one (bin/config.ts
 * `cityPackage`, `citySeed`, `sensorCount`); absent, the generated Wuhan with its defaults.
 */
export interface ConfiguredCity {
  cityPackage: string | null;
  citySeed?: number;
  sensorCount?: number;
}

/** Runs the command; returns the exit code. */
export function runWhatIfCli(
  args: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
  configured: ConfiguredCity = { cityPackage: null },
): number {
  if (args.includes('--help') || args.includes('-h')) {
    out(WHAT_IF_USAGE);
    return 0;
  }
  let options: WhatIfOptions;
  let city: CityModel;
  try {
    const { cityPath, ...parsed } = parseWhatIfArgs(args);
    const path = cityPath ?? configured.cityPackage;
    city = path
      ? loadCityPackage(path)
      : generateCity({
          ...(configured.citySeed === undefined ? {} : { seed: configured.citySeed }),
          ...(configured.sensorCount === undefined ? {} : { sensorCount: configured.sensorCount }),
        });
    const problems = fleetProblems(city, parsed.fleet);
    if (problems.length > 0) throw new WhatIfArgsError(problems.join('\n'));
    options = { ...parsed, city };
  } catch (e) {
    if (e instanceof WhatIfArgsError) {
      err(`simulate: ${e.message}\n${WHAT_IF_USAGE}`);
      return 2;
    }
    if (e instanceof CityPackageError) {
      err(`simulate: the city package cannot be loaded:\n${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let result: WhatIfResult;
  try {
    result = runWhatIf(options);
  } catch (e) {
    // A scenario the city cannot stage (no bridge with counters, no water-level sensors …).
    err(`simulate: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  out(formatWhatIf(result, options));
  return result.logCheck.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = runWhatIfCli(process.argv.slice(2));
