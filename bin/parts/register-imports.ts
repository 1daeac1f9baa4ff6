/**
 * Registers imported at run time (web/server/register), at start and while running.
 *
 * At start, before the register sync (registry-sync.ts), the newest applied import of each entity
 * is overlaid on the city package: its file replaces the package's while the package's own file
 * is unchanged since the import (same SHA-256). So a restart keeps what an admin imported, and
 * the sync does not retire it because the package lacks it. When the package's file changed
 * since (someone edited the package), the package wins: the import is marked superseded, the
 * start-up log says so, and the audit record gets a `city.register_superseded` entry. When the
 * package's other files changed so that the imports no longer check (a sensor's asset removed),
 * every import is superseded the same way and the package alone is loaded.
 */
import {
  CityRegisterStore,
  RegisterImportStore,
  RegistryStore,
  recordSourceClassifications,
  refreshClassifications,
  type RegisterImportRow,
  type StorageClient,
} from '../../storage/index.ts';
import {
  formatProblem,
  IMPORT_ENTITIES,
  IMPORT_FILES,
  type ImportEntity,
  modelFromPackage,
  type PackageFiles,
  readPackageFiles,
  validateCityPackage,
  withImportedFile,
} from '../../twin-model/city-package/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { fileSha, RegisterImportService } from '../../web/server/register/register-import-service.ts';
import type { CityPart } from './city.ts';
import { type PartContext, partLog } from './context.ts';
import type { DevicesPart } from './devices.ts';

export interface RegisterOverlay {
  /** The package's own files (null: the city has no package on disk). */
  files: PackageFiles | null;
  /** The imports in force: entity → file text. */
  overlay: Map<ImportEntity, string>;
  /** Applied imports the package superseded at this start. */
  superseded: Array<{ row: RegisterImportRow; why: string }>;
  /**
   * The newest applied import of each entity found at start (in force or superseded): an ingest
   * worker follows any other that becomes the newest.
   */
  seen: Map<ImportEntity, string>;
}

function readFiles(city: CityPart): PackageFiles | null {
  try {
    return readPackageFiles(city.packagePath);
  } catch {
    return null;
  }
}

/** Overlays the applied imports on the city model (see the file's comment). */
export async function overlayRegisterImports(
  ctx: PartContext,
  city: CityPart,
  clickhouse: StorageClient,
  /** Whether this role marks superseded imports (web nodes; an ingest worker only reads). */
  mark = true,
): Promise<RegisterOverlay> {
  const log = partLog(ctx, 'registry');
  const store = new RegisterImportStore(clickhouse);
  const newest = (await store.newestApplied()).filter((r) => (IMPORT_ENTITIES as readonly string[]).includes(r.entity));
  const out: RegisterOverlay = { files: null, overlay: new Map(), superseded: [], seen: new Map() };
  for (const row of newest) out.seen.set(row.entity as ImportEntity, row.id);
  const applied = newest.filter((r) => !r.superseded);
  if (applied.length === 0) return out;
  out.files = readFiles(city);
  const candidates: RegisterImportRow[] = [];
  for (const row of applied) {
    const entity = row.entity as ImportEntity;
    if (out.files && fileSha(out.files, entity) === row.packageSha) candidates.push(row);
    else out.superseded.push({ row, why: `the package's ${IMPORT_FILES[entity]} changed since the import` });
  }
  if (out.files && candidates.length > 0) {
    let files = out.files;
    for (const row of candidates) files = withImportedFile(files, row.entity as ImportEntity, row.fileText);
    const { report, parsed } = validateCityPackage(files);
    if (parsed) {
      const model = modelFromPackage(parsed);
      const m = city.model;
      for (const row of candidates) {
        const entity = row.entity as ImportEntity;
        out.overlay.set(entity, row.fileText);
        if (entity === 'sensor') {
          m.sensorSites = model.sensorSites;
          m.declaredSensorSites = model.declaredSensorSites ?? [];
        } else if (entity === 'unit') m.units = model.units ?? [];
        else if (entity === 'source') m.sources = model.sources;
        else m.vocabulary = model.vocabulary ?? [];
        log('info', `register import ${row.id} (${IMPORT_FILES[entity]} by ${row.actor}) in force over the package`);
      }
      if (out.overlay.has('source')) await recordSourceClassifications(clickhouse, m.sources, ctx.config.clickhouseCluster);
    } else {
      const first = report.problems.find((p) => p.severity === 'error');
      for (const row of candidates)
        out.superseded.push({
          row,
          why: `the package changed so that the imports no longer check: ${first ? formatProblem(first) : 'errors'}`,
        });
    }
  }
  const at = Date.now();
  for (const s of out.superseded) {
    if (mark) await store.markSuperseded(s.row, at);
    log(
      'warn',
      `register import ${s.row.id} (${s.row.entity}, ${new Date(s.row.at).toISOString()}, by ${s.row.actor}) superseded: ${s.why}; the package's list is in force`,
    );
  }
  return out;
}

/** The audit entries of the imports superseded at start (once the audit record is open). */
export function auditSuperseded(audit: AuditService | null, overlay: RegisterOverlay): void {
  for (const s of overlay.superseded) {
    audit?.record({
      at: Date.now(),
      actor: 'system',
      stream: 'city',
      action: 'register_superseded',
      object: `${s.row.entity} ${s.row.id}`,
      detail: s.why,
      data: { id: s.row.id, entity: s.row.entity, importedAt: s.row.at, importedBy: s.row.actor },
    });
  }
}

/** The import service of a web node. */
export function startRegisterImports(
  ctx: PartContext,
  deps: {
    city: CityPart;
    overlay: RegisterOverlay;
    clickhouse: StorageClient;
    twin: TwinService;
    dispatch: DispatchService;
    devices: DevicesPart;
    audit: AuditService | null;
  },
): RegisterImportService {
  const log = partLog(ctx, 'registry');
  const { clickhouse } = deps;
  const cluster = ctx.config.clickhouseCluster;
  return new RegisterImportService({
    city: deps.city.model,
    packageFiles: () => deps.overlay.files ?? readFiles(deps.city),
    overlay: deps.overlay.overlay,
    imports: new RegisterImportStore(clickhouse),
    register: new CityRegisterStore(clickhouse),
    registry: {
      write: async (rows, sources) => {
        if (sources) await recordSourceClassifications(clickhouse, sources, cluster);
        if (rows.length > 0) await new RegistryStore(clickhouse).write([...rows]);
        const ids = sources ? deps.city.model.sensorSites.map((s) => s.id) : rows.map((r) => r.sensorId);
        await refreshClassifications(clickhouse, ids, cluster);
      },
    },
    twin: deps.twin,
    fleet: deps.dispatch,
    vocabulary: deps.devices.vocabulary,
    directory: deps.devices.directory,
    audit: deps.audit,
    log: (level, msg) => log(level, msg),
  });
}

/** How often an ingest worker looks for imports applied by a web node (it has no cluster bus). */
export const WORKER_IMPORT_POLL_MS = 5_000;

/**
 * An ingest worker follows the imports the web nodes apply (in the storage they share): a newer
 * applied sensors import puts its kinds and external ids in force in the worker's device
 * directory, a vocabulary import its declared kinds in the worker's vocabulary (the unit
 * conversion and the kind and metric checks), a sources import the sources later sensors
 * imports are checked against. Checked with the package loader against the worker's own files
 * in force (see {@link workerInForce}); one that does not check here is logged and left out.
 */
export function followRegisterImports(
  ctx: PartContext,
  deps: { city: CityPart; overlay: RegisterOverlay; clickhouse: StorageClient; devices: DevicesPart },
): void {
  const log = partLog(ctx, 'registry');
  const store = new RegisterImportStore(deps.clickhouse);
  const { overlay } = deps;
  // What was the newest at start is in force here, or superseded; any other that becomes the
  // newest was applied since (its time may be before this start: it was applied during it, or
  // by a node whose clock is behind).
  // Sources and the vocabulary are followed for the checks of sensors imports (which name them).
  const followed = ['source', 'vocabulary', 'sensor'] as const;
  let busy = false;
  const poll = async (): Promise<void> => {
    // The newest applied import of each entity, however many dry runs and other imports followed it.
    const applied = await store.newestAppliedSummaries();
    const newer: RegisterImportRow[] = [];
    for (const entity of followed) {
      const newest = applied.find((r) => r.entity === entity);
      if (!newest || newest.superseded || newest.id === overlay.seen.get(entity)) continue;
      const row = await store.get(newest.id);
      if (row) newer.push(row);
    }
    // Seen once every file of the look was read: a look that fails half way is made again.
    for (const row of newer) overlay.seen.set(row.entity as ImportEntity, row.id);
    workerInForce(log, deps, newer);
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll()
      .catch((err: Error) => log('warn', `following register imports: ${err.message}`))
      .finally(() => (busy = false));
  }, ctx.hooks.registerImportPollMs ?? WORKER_IMPORT_POLL_MS);
  timer.unref();
  ctx.shutdown.add(() => clearInterval(timer));
}

type FollowDeps = { city: CityPart; overlay: RegisterOverlay; devices: DevicesPart };

/**
 * Puts newer imports in force on a worker: checked together (a sensors import may name a kind
 * or a source that an import found in the same look declares, or drop the last sensor of a kind
 * the vocabulary import drops); when they do not, each alone in the order the others depend on
 * (sources and kinds before sensors), and one that does not check is logged and left out.
 */
function workerInForce(log: ReturnType<typeof partLog>, deps: FollowDeps, rows: RegisterImportRow[]): void {
  if (rows.length === 0) return;
  const together = putInForce(log, deps, rows);
  if (together === null) return;
  for (const row of rows) {
    const why = rows.length > 1 ? putInForce(log, deps, [row]) : together;
    if (why !== null) log('error', `register import ${row.id} does not check on this worker: ${why}`);
  }
}

/** Checks `rows` with the worker's files in force and puts them in force; the first error when they do not check. */
function putInForce(log: ReturnType<typeof partLog>, deps: FollowDeps, rows: RegisterImportRow[]): string | null {
  const base = deps.overlay.files ?? readFiles(deps.city);
  if (!base) return `the city package at ${deps.city.packagePath} cannot be read here`;
  deps.overlay.files = base;
  let files = base;
  for (const [e, text] of deps.overlay.overlay) files = withImportedFile(files, e, text);
  for (const row of rows) files = withImportedFile(files, row.entity as ImportEntity, row.fileText);
  const { report, parsed } = validateCityPackage(files);
  if (!parsed) {
    const first = report.problems.find((p) => p.severity === 'error');
    return first ? formatProblem(first) : 'errors';
  }
  const model = modelFromPackage(parsed);
  const m = deps.city.model;
  for (const row of rows) {
    const entity = row.entity as ImportEntity;
    if (entity === 'vocabulary') {
      m.vocabulary = model.vocabulary ?? [];
      deps.devices.vocabulary.replaceDeclared(m.vocabulary, 'package');
    } else if (entity === 'source') m.sources = model.sources;
    else if (entity === 'sensor') {
      const sites = [...model.sensorSites, ...(model.declaredSensorSites ?? [])];
      const ids = new Set(sites.map((x) => x.id));
      const retired = [...m.sensorSites, ...(m.declaredSensorSites ?? [])].filter((x) => !ids.has(x.id)).map((x) => x.id);
      m.sensorSites = model.sensorSites;
      m.declaredSensorSites = model.declaredSensorSites ?? [];
      deps.devices.directory.applyRegister(sites, retired);
    }
    deps.overlay.overlay.set(entity, row.fileText);
    log('info', `register import ${row.id} of ${IMPORT_FILES[entity]} by ${row.actor} in force on this worker`);
  }
  return null;
}
