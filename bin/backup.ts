/**
 * `citytwin backup --to DIR` and `citytwin restore --from DIR` (docs/storage.md#backup-and-restore):
 * the whole store of the embedded engine and the local state beside it in the data directory.
 *
 * A backup directory holds:
 * - `clickhouse/`: ClickHouse's own backup of the database (`BACKUP DATABASE … TO File`),
 *   every table, view and dictionary with its parts;
 * - `state/`: every other file of the data directory, as it was (today the ingest's spool:
 *   `spool/spool-id`, `spool/checkpoint`, `spool/seg-<n>.log`; whatever later features keep
 *   there is taken along without a change here);
 * - `manifest.json`, written last (a directory without it is an interrupted backup): its
 *   format version, when, the engine version, the schema versions, the rows of every table,
 *   and the size and SHA-256 of every state file.
 *
 * Both commands work on a stopped store: the embedded engine locks its directory, so a running
 * CityTwin is refused with a message saying so. Restore writes into an empty (or absent) data
 * directory only, checks the state files against the manifest before copying them and the row
 * count of every table after the engine's RESTORE, and fails naming whatever differs.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  backupDatabase,
  engineVersion,
  holdMerges,
  openEngineForBackup,
  restoreDatabase,
  tableCounts,
  type BackupEngine,
  type TableCount,
} from '../storage/backup-store.ts';
import { queryRows } from '../storage/clickhouse-client.ts';

/** Format of `manifest.json`; a restore refuses any other. */
export const BACKUP_FORMAT = 'citytwin-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface StateFile {
  /** Path relative to the data directory, `/`-separated. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_FORMAT_VERSION;
  createdAt: string;
  clickhouse: { dir: 'clickhouse'; engineVersion: string; schemaVersions: number[]; tables: TableCount[] };
  state: { dir: 'state'; files: StateFile[] };
}

/** A refusal or a failure with the reason worded for the operator (exit code 2 or 1). */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

export interface StoreLocation {
  /** `CITYTWIN_DATA_DIR`. */
  dataDir: string;
  /** `CITYTWIN_CLICKHOUSE_URL`: backups of a ClickHouse server are the server's own. */
  clickhouseUrl: string | null;
}

type Say = (line: string) => void;

function embeddedOnly(store: StoreLocation, command: string): void {
  if (store.clickhouseUrl) {
    throw new BackupError(
      `citytwin ${command} works on the embedded engine; with CITYTWIN_CLICKHOUSE_URL set, back up the ClickHouse server with its own BACKUP … TO Disk/S3 (docs/storage.md#backup-and-restore)`,
    );
  }
}

function isEmptyOrAbsent(dir: string): boolean {
  return !existsSync(dir) || (lstatSync(dir).isDirectory() && readdirSync(dir).length === 0);
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every regular file under `root` except the top-level `clickhouse/` (the engine's), sorted. */
function stateFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (dir === root && name === 'clickhouse') continue;
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** `citytwin backup --to DIR`. */
export async function backupStore(store: StoreLocation, to: string, say: Say = () => {}): Promise<BackupManifest> {
  embeddedOnly(store, 'backup');
  const dataDir = resolve(store.dataDir);
  const target = resolve(to);
  if (!existsSync(join(dataDir, 'clickhouse')))
    throw new BackupError(
      `nothing to back up: there is no store in CITYTWIN_DATA_DIR=${store.dataDir} (no ${join(dataDir, 'clickhouse')})`,
    );
  if (!isEmptyOrAbsent(target))
    throw new BackupError(`--to ${to} is not empty: a backup goes into a new or empty directory and never overwrites one`);
  if (inside(target, dataDir)) throw new BackupError(`--to ${to} is inside the data directory ${dataDir}: choose a directory outside it`);
  const createdTarget = !existsSync(target);
  // Backups hold password and token hashes and classified data (docs/security.md): owner only.
  mkdirSync(target, { recursive: true, mode: 0o700 });
  let engine: BackupEngine;
  try {
    engine = openEngineForBackup(dataDir, target);
  } catch (err) {
    if (createdTarget) rmdirSync(target);
    throw new BackupError((err as Error).message);
  }
  let tables: TableCount[];
  let version: string;
  let schemaVersions: number[];
  try {
    await holdMerges(engine.client);
    tables = await tableCounts(engine.client);
    version = await engineVersion(engine.client);
    schemaVersions = (
      await queryRows<{ version: number }>(engine.client, 'SELECT DISTINCT version FROM schema_migrations ORDER BY version')
    ).map((r) => Number(r.version));
    await backupDatabase(engine.client, join(target, 'clickhouse'));
  } catch (err) {
    throw new BackupError(`the ClickHouse backup into ${join(target, 'clickhouse')} failed: ${(err as Error).message}`, 1);
  } finally {
    await engine.close();
  }
  for (const t of tables) say(`  ${t.table.padEnd(24)} ${t.rows} rows`);
  const files: StateFile[] = [];
  for (const path of stateFiles(dataDir)) {
    const from = join(dataDir, path);
    const copy = join(target, 'state', path);
    mkdirSync(dirname(copy), { recursive: true, mode: 0o700 });
    copyFileSync(from, copy);
    files.push({ path, bytes: lstatSync(copy).size, sha256: sha256(copy) });
    say(`  state/${path} (${lstatSync(copy).size} bytes)`);
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    version: BACKUP_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    clickhouse: { dir: 'clickhouse', engineVersion: version, schemaVersions, tables },
    state: { dir: 'state', files },
  };
  writeFileSync(join(target, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/** Reads and checks a backup's `manifest.json`. */
export function readManifest(from: string): BackupManifest {
  const file = join(resolve(from), 'manifest.json');
  if (!existsSync(file)) throw new BackupError(`--from ${from} has no manifest.json: not a CityTwin backup, or one that did not finish`);
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Partial<BackupManifest>;
  } catch (err) {
    throw new BackupError(`${file} is not valid JSON (${(err as Error).message})`);
  }
  if (m.format !== BACKUP_FORMAT || m.version !== BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      `${file} has format ${JSON.stringify(m.format)} version ${JSON.stringify(m.version)}; this CityTwin restores ${BACKUP_FORMAT} version ${BACKUP_FORMAT_VERSION}`,
    );
  }
  if (!m.clickhouse || !Array.isArray(m.clickhouse.tables) || !m.state || !Array.isArray(m.state.files))
    throw new BackupError(`${file} lacks its clickhouse or state section`);
  return m as BackupManifest;
}

/** The outcome of a restore: each table's rows in the backup and as restored. */
export interface RestoreReport {
  manifest: BackupManifest;
  tables: Array<{ table: string; expected: number; restored: number }>;
}

/** `citytwin restore --from DIR` into an empty data directory. */
export async function restoreStore(store: StoreLocation, from: string, say: Say = () => {}): Promise<RestoreReport> {
  embeddedOnly(store, 'restore');
  const source = resolve(from);
  const manifest = readManifest(source);
  const dataDir = resolve(store.dataDir);
  if (!isEmptyOrAbsent(dataDir))
    throw new BackupError(
      `CITYTWIN_DATA_DIR=${store.dataDir} is not empty: restore writes into an empty or new data directory only (move the current one aside first)`,
    );
  // Every state file is checked before anything is written.
  for (const f of manifest.state.files) {
    const file = join(source, 'state', f.path);
    if (f.path.split('/').includes('..') || isAbsolute(f.path))
      throw new BackupError(`manifest.json names the state file ${JSON.stringify(f.path)}, outside the backup`);
    if (!existsSync(file)) throw new BackupError(`the backup lacks state/${f.path}, listed in its manifest`);
    if (sha256(file) !== f.sha256)
      throw new BackupError(`state/${f.path} does not match its SHA-256 in manifest.json: the backup is damaged`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  for (const f of manifest.state.files) {
    const to = join(dataDir, f.path);
    mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
    copyFileSync(join(source, 'state', f.path), to);
    say(`  state/${f.path}`);
  }
  let engine: BackupEngine;
  try {
    engine = openEngineForBackup(dataDir, join(source, manifest.clickhouse.dir));
  } catch (err) {
    throw new BackupError((err as Error).message);
  }
  let restored: TableCount[];
  try {
    await restoreDatabase(engine.client, join(source, manifest.clickhouse.dir));
    // At once, before the first background merge of the restored tables can change a count.
    await holdMerges(engine.client);
    restored = await tableCounts(engine.client);
  } catch (err) {
    throw new BackupError(
      `the ClickHouse restore from ${join(source, manifest.clickhouse.dir)} failed: ${(err as Error).message}; ${dataDir} is incomplete: remove it before trying again`,
      1,
    );
  } finally {
    await engine.close();
  }
  const byTable = new Map(restored.map((t) => [t.table, t.rows]));
  const tables = manifest.clickhouse.tables.map((t) => ({ table: t.table, expected: t.rows, restored: byTable.get(t.table) ?? -1 }));
  for (const t of tables)
    say(`  ${t.table.padEnd(24)} ${t.restored} rows${t.restored === t.expected ? '' : ` (the backup has ${t.expected})`}`);
  const wrong = tables.filter((t) => t.restored !== t.expected);
  if (wrong.length > 0) {
    throw new BackupError(
      `restored row counts differ from the backup's: ${wrong.map((t) => `${t.table} ${t.restored} of ${t.expected}`).join(', ')}`,
      1,
    );
  }
  return { manifest, tables };
}

/** Reads `--to DIR` / `--to=DIR` (or `--from`) from the command's arguments. */
export function dirArgument(args: readonly string[], flag: '--to' | '--from'): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === flag) {
      const v = args[i + 1];
      if (v && !v.startsWith('--')) return v;
    } else if (a.startsWith(`${flag}=`) && a.length > flag.length + 1) return a.slice(flag.length + 1);
  }
  throw new BackupError(`expected ${flag} DIR, got ${args.length ? JSON.stringify(args.join(' ')) : 'no arguments'}`);
}
