/**
 * `citytwin audit verify [--data-dir DIR] [--public-key FILE] [--checkpoints FILE]… [--json]`
 *
 * Verifies the audit record offline, with the server stopped (the embedded engine binds its
 * data directory to one process) or against `CITYTWIN_CLICKHOUSE_URL`: the audit chains, every
 * signed checkpoint (with the public key), the dispatch log, and the incident history, dispatch
 * log and security events the entries bind to — the same verification the server runs
 * (twin-model/audit/audit-verification.ts). The key and checkpoints default to
 * `<data dir>/audit/`; an archive of the MQTT topic and a public key kept elsewhere can be given
 * instead (they are what a forger who also replaced the files cannot change).
 *
 * Prints `ok: …` and exits 0, or one line per problem and exits 1; exit 2 for bad usage or a
 * store, key or file that cannot be read.
 *
 * `citytwin audit verify-dispatch-export [file|-] [--head H --count N]` verifies an exported
 * dispatch log (`GET /api/dispatch/log`), as `bin/verify-dispatch-log.ts` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../storage/index.ts';
import { describeProblem, verifyAudit, type AuditVerification } from '../twin-model/audit/audit-verification.ts';
import { auditDir, CHECKPOINT_FILE, loadPublicKey, PUBLIC_KEY_FILE, readCheckpointText } from '../web/server/audit/audit-keys.ts';
import { readAuditRecords } from '../web/server/audit/audit-service.ts';
import { loadConfig } from './config.ts';
import { runVerify } from './verify-dispatch-log.ts';

export const AUDIT_USAGE = `usage: citytwin audit verify [--data-dir DIR] [--public-key FILE] [--checkpoints FILE]... [--json]
       citytwin audit verify-dispatch-export [file|-] [--head <sha256 hex>] [--count <n>]`;

export interface CommandResult {
  code: 0 | 1 | 2;
  out: string;
}

class UsageError extends Error {}

interface VerifyArgs {
  dataDir: string | null;
  publicKey: string | null;
  checkpoints: string[];
  json: boolean;
}

function parseVerifyArgs(args: readonly string[]): VerifyArgs {
  const out: VerifyArgs = { dataDir: null, publicKey: null, checkpoints: [], json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value\n${AUDIT_USAGE}`);
      return v;
    };
    if (a === '--data-dir') out.dataDir = value();
    else if (a === '--public-key') out.publicKey = value();
    else if (a === '--checkpoints') out.checkpoints.push(value());
    else if (a === '--json') out.json = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(a)}\n${AUDIT_USAGE}`);
  }
  return out;
}

/** The report of a verification as the command prints it. */
export function formatVerification(v: AuditVerification): string {
  const lines: string[] = [];
  const own = v.chains.find((c) => c.chain === v.chain);
  const last = v.checkpoints.last;
  const anchor = last
    ? `anchored at the checkpoint of entry ${last.seq} signed ${new Date(last.at).toISOString()} (${v.checkpoints.valid} valid checkpoints)`
    : 'no valid checkpoint';
  const summary = `audit chain ${v.chain ?? '?'}: ${own?.checked ?? 0} entries, ${anchor}; dispatch log: ${v.dispatch.checked} entries`;
  if (v.ok) return `ok: ${summary}\n`;
  for (const p of v.problems) lines.push(describeProblem(p));
  lines.push(`FAILED: ${v.problems.length} problem(s); ${summary}`);
  return `${lines.join('\n')}\n`;
}

async function verify(args: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<CommandResult> {
  const a = parseVerifyArgs(args);
  const config = loadConfig({ ...env, ...(a.dataDir !== null ? { CITYTWIN_DATA_DIR: a.dataDir } : {}) }, { simulate: false });
  const dir = auditDir(config.dataDir);
  const keyPath = a.publicKey ?? join(dir, PUBLIC_KEY_FILE);
  if (!existsSync(keyPath))
    return {
      code: 2,
      out: `citytwin audit: no public key at ${keyPath}; give the one printed at the server's first start with --public-key\n`,
    };
  const publicKey = loadPublicKey(keyPath);
  const files = a.checkpoints.length ? a.checkpoints : [join(dir, CHECKPOINT_FILE)];
  const checkpoints = [];
  for (const f of files) {
    // A missing default file is a finding (no checkpoint), a missing file named on the command line a mistake.
    if (!existsSync(f)) {
      if (a.checkpoints.length) return { code: 2, out: `citytwin audit: cannot read the checkpoints ${f}\n` };
      continue;
    }
    checkpoints.push(...readCheckpointText(readFileSync(f, 'utf8'), f));
  }
  if (!config.clickhouseUrl && !existsSync(join(config.dataDir, 'clickhouse')))
    return {
      code: 2,
      out: `citytwin audit: no embedded ClickHouse data in ${join(config.dataDir, 'clickhouse')} (set --data-dir or CITYTWIN_CLICKHOUSE_URL)\n`,
    };
  const clickhouse = createClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
  try {
    let records: Awaited<ReturnType<typeof readAuditRecords>>;
    try {
      records = await readAuditRecords(clickhouse);
    } catch (err) {
      return { code: 2, out: `citytwin audit: cannot read the audit record from ClickHouse: ${(err as Error).message.split('\n')[0]}\n` };
    }
    const v = verifyAudit({ ...records, checkpoints, publicKey, foreignChainsAllowed: config.clickhouseUrl !== null, now: Date.now() });
    return { code: v.ok ? 0 : 1, out: a.json ? `${JSON.stringify(v, null, 2)}\n` : formatVerification(v) };
  } finally {
    await clickhouse.close();
  }
}

/** Runs `citytwin audit …` (arguments after `audit`). */
export async function runAuditCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CommandResult> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'verify') return await verify(rest, env);
    if (sub === 'verify-dispatch-export') {
      const r = runVerify(rest, (source) => readFileSync(source === '-' ? 0 : source, 'utf8'));
      return { code: r.code, out: r.out };
    }
    if (sub === undefined || sub === 'help' || sub === '--help') return { code: sub === undefined ? 2 : 0, out: `${AUDIT_USAGE}\n` };
    return { code: 2, out: `citytwin audit: unknown command ${JSON.stringify(sub)}\n${AUDIT_USAGE}\n` };
  } catch (err) {
    return { code: 2, out: `citytwin audit: ${(err as Error).message}\n` };
  }
}
