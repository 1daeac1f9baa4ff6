/**
 * `tsx bin/verify-dispatch-log.ts [file|-] [--head <hash>] [--count <n>] [--start-seq <n> --start-prev <hash>]`
 *
 * Verifies a hash-chained dispatch log given as JSON lines (one entry per line, in stored
 * order) from a file or standard input. Prints `ok: N entries, head <hash>` and exits 0, or
 * one line per problem (`seq 12 altered: …`) and exits 1. Exit 2 for bad usage or a line that
 * is not an entry. `--head`/`--count` are the anchor recorded elsewhere (finds a cut-off tail);
 * `--start-seq`/`--start-prev` verify a slice that does not begin at the log's start.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { verifyChain, type VerifyOptions } from '../twin-model/dispatch/dispatch-log.ts';
import { DISPATCH_ACTIONS, type DispatchLogEntry } from '../twin-model/dispatch/unit-types.ts';

const USAGE = 'usage: verify-dispatch-log [file|-] [--head <sha256 hex>] [--count <n>] [--start-seq <n> --start-prev <sha256 hex>]';
const HEX64 = /^[0-9a-f]{64}$/;

export class LogInputError extends Error {}

/** Parses JSON lines into entries; blank lines are skipped; a line that is not an entry is an error naming it. */
export function parseLogLines(text: string): DispatchLogEntry[] {
  const entries: DispatchLogEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new LogInputError(`line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    const problem = entryProblem(value);
    if (problem) throw new LogInputError(`line ${i + 1}: not a dispatch log entry: ${problem}`);
    entries.push(value as DispatchLogEntry);
  });
  return entries;
}

function entryProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object';
  const e = v as Record<string, unknown>;
  if (!Number.isInteger(e.seq)) return `seq ${JSON.stringify(e.seq)} is not an integer`;
  if (typeof e.at !== 'number') return `at ${JSON.stringify(e.at)} is not a number (epoch ms)`;
  if (typeof e.actor !== 'string') return 'actor is not a string';
  if (!(DISPATCH_ACTIONS as readonly unknown[]).includes(e.action))
    return `action ${JSON.stringify(e.action)} is not one of ${DISPATCH_ACTIONS.join(', ')}`;
  if (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)) return 'data is not an object';
  if (typeof e.prevHash !== 'string' || typeof e.hash !== 'string') return 'prevHash and hash must be strings';
  return null;
}

export interface CliResult {
  code: 0 | 1 | 2;
  out: string;
}

/** Runs the command on its arguments and the input text (read by the caller); pure apart from that. */
export function runVerify(args: readonly string[], readInput: (source: string) => string): CliResult {
  let source = '-';
  const options: VerifyOptions = {};
  let startSeq: number | undefined;
  let startPrev: string | undefined;
  const anchor: { seq?: number; hash?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new LogInputError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--help' || a === '-h') return { code: 0, out: `${USAGE}\n` };
    else if (a === '--head') anchor.hash = hashArg(a, value());
    else if (a === '--count') anchor.seq = countArg(a, value());
    else if (a === '--start-seq') startSeq = countArg(a, value());
    else if (a === '--start-prev') startPrev = hashArg(a, value());
    else if (a.startsWith('--')) throw new LogInputError(`unknown option ${a}\n${USAGE}`);
    else source = a;
  }
  if ((startSeq === undefined) !== (startPrev === undefined)) throw new LogInputError(`--start-seq and --start-prev go together\n${USAGE}`);
  if (startSeq !== undefined && startPrev !== undefined) options.start = { seq: startSeq, prevHash: startPrev };
  if (anchor.seq !== undefined || anchor.hash !== undefined) options.anchor = anchor;
  const entries = parseLogLines(readInput(source));
  const result = verifyChain(entries, options);
  if (result.ok) return { code: 0, out: `ok: ${result.checked} entries, head ${result.head?.hash ?? 'none'}\n` };
  const lines = result.problems.map((p) => `seq ${p.seq} ${p.kind}: ${p.detail}`);
  return { code: 1, out: `${lines.join('\n')}\nFAILED: ${result.problems.length} problem(s) in ${result.checked} entries\n` };
}

function hashArg(name: string, v: string): string {
  if (!HEX64.test(v)) throw new LogInputError(`${name} ${JSON.stringify(v)} is not a SHA-256 hash (64 lowercase hex digits)`);
  return v;
}

function countArg(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new LogInputError(`${name} ${JSON.stringify(v)} is not a whole number ≥ 0`);
  return n;
}

function main(): void {
  let result: CliResult;
  try {
    result = runVerify(process.argv.slice(2), (source) => readFileSync(source === '-' ? 0 : source, 'utf8'));
  } catch (err) {
    process.stderr.write(`verify-dispatch-log: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stdout.write(result.out);
  process.exit(result.code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
