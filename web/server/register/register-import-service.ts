/**
 * Registers at run time (docs/city-packages.md, "Registers at run time"): an admin imports a
 * sensors, units or sources CSV or a vocabulary.json. Every import is checked with the package
 * loader's rules against the files in force (the city package with the imports applied so far)
 * and compared with the stored register (twin-model/city-package/register-import.ts); a dry run
 * stops there, an apply puts the file in force. Both are stored (storage/register-import-store.ts)
 * and audited.
 *
 * What an apply changes at once: `city_register` (adds, changes, retirements as versions, as the
 * package sync writes them) and the sensors table (new sensors registered, retired ones
 * deregistered, classifications refreshed); the city model's register lists; the running twin's
 * register (new and moved sensors registered with the register's meta, retired ones
 * deregistered) and the device directory (kinds, external ids); the dispatch fleet (units added,
 * updated, retired — a units import may not retire a unit on an assignment); the vocabulary the
 * ingest and the twin share (the package's declared kinds replaced); for sources, the
 * classification each stored reading falls back on. Other web nodes are told on the cluster bus
 * (the notice carries the file) and put it in force the same way; ingest workers follow the
 * imports store (bin/parts/register-imports.ts). What waits for the next start (which overlays
 * the import on the package): the rules' per-sensor overrides and the live stream's
 * classification of twin entries.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  type CityRegisterStore,
  type RegisterImportRow,
  type RegisterImportStore,
  type RegisterImportSummary,
  registryRowsOf,
} from '../../../storage/index.ts';
import {
  checkRegisterImport,
  IMPORT_FILES,
  type ImportEntity,
  type PackageFiles,
  type PackageProblem,
  type RegisterImportCheck,
} from '../../../twin-model/city-package/index.ts';
import {
  describeCounts,
  diffRegister,
  registerOf,
  type CityModel,
  type DeclaredSensorSite,
  type RegisterEntity,
  type Source,
  type DeviceDirectory,
  type Vocabulary,
} from '../../../twin-model/index.ts';
import type { SensorRegistryRow } from '../../../storage/index.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { ClusterNotice } from '../cluster/cluster-messages.ts';
import type { TwinService } from '../live/twin-service.ts';

/** An import refused: every problem listed. */
export class RegisterImportRefused extends Error {
  constructor(
    readonly id: string,
    readonly problems: PackageProblem[],
  ) {
    const errors = problems.filter((p) => p.severity === 'error').length;
    super(
      `the file is refused: ${errors} error${errors === 1 ? '' : 's'}; nothing was applied. Fix every row listed and import the whole file again`,
    );
  }
}

/** Writes the sensors table's rows of a diff and refreshes classifications (bin/parts/register-imports.ts: the storage calls). */
export interface SensorRegistryWriter {
  write(rows: readonly SensorRegistryRow[], sources: readonly Source[] | null): Promise<void>;
}

/** The dispatch fleet as the import sees it (web/server/dispatch/dispatch-service.ts). */
export interface RunningFleet {
  /** Units on an assignment, with their incident. */
  busyUnits(): ReadonlyMap<string, string>;
  /** Puts the city model's unit register in force. */
  applyRegister(): unknown;
}

/**
 * A units import may not retire a unit on an assignment: every such unit is an error of the
 * check (dry run and apply), naming its incident. The admin keeps the unit's row until it is back.
 */
export function busyRetirements(check: RegisterImportCheck, busy: ReadonlyMap<string, string>): PackageProblem[] {
  if (check.entity !== 'unit' || !check.diff) return [];
  return check.diff.retired
    .filter((e) => busy.has(e.id))
    .map((e) => ({
      severity: 'error' as const,
      code: 'unit_on_assignment' as const,
      file: IMPORT_FILES.unit,
      field: 'id',
      value: JSON.stringify(e.id),
      message: `unit ${JSON.stringify(e.id)} is not in the file but is on an assignment (incident ${busy.get(e.id) || 'unknown'}); keep its row until the unit is released, then import again`,
    }));
}

/** The import feature cannot run on this city (no package on disk to check against). */
export class RegisterImportUnavailable extends Error {}

export interface RegisterImportServiceOptions {
  /** The city in force; its register lists are replaced when an import is applied. */
  city: CityModel;
  /** The package's own files (read once, on first use), or null when the city has no package on disk. */
  packageFiles: () => PackageFiles | null;
  /** Imports in force (the start-up overlay): entity → file text. */
  overlay: Map<ImportEntity, string>;
  imports: RegisterImportStore;
  register: CityRegisterStore;
  registry: SensorRegistryWriter;
  twin: TwinService | null;
  /** The running fleet: a units import is put in force in it; units on an assignment may not be retired. */
  fleet?: RunningFleet | null;
  /** The vocabulary the ingest and the twin of this process share: a vocabulary import replaces its declared kinds. */
  vocabulary?: Vocabulary | null;
  /** The device directory of this process: a sensors import puts its external ids in force. */
  directory?: DeviceDirectory | null;
  audit: AuditService | null;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface ImportRequest {
  entity: ImportEntity;
  text: string;
  reason: string;
  actor: string;
  dryRun: boolean;
}

export interface ImportResult {
  id: string;
  check: RegisterImportCheck;
  applied: boolean;
  at: number;
}

/** SHA-256 of a package file ('' when the package has none). */
export function fileSha(files: PackageFiles | null, entity: ImportEntity): string {
  const bytes = files?.files.get(IMPORT_FILES[entity]);
  return bytes ? createHash('sha256').update(bytes).digest('hex') : '';
}

export class RegisterImportService {
  private readonly now: () => number;
  private readonly log: NonNullable<RegisterImportServiceOptions['log']>;
  private channel: TwinWriterChannel | null = null;
  private files: PackageFiles | null | undefined;
  readonly counters = { dryRuns: 0, applied: 0, refused: 0, received: 0 };

  constructor(private readonly options: RegisterImportServiceOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  /** Hears the imports other web nodes apply. */
  attach(channel: TwinWriterChannel): void {
    this.channel = channel;
    channel.onNotice((notice) => void this.received(notice));
  }

  private packageFiles(): PackageFiles {
    if (this.files === undefined) this.files = this.options.packageFiles();
    if (!this.files)
      throw new RegisterImportUnavailable(
        'the city was not loaded from a package on disk; registers can be imported only into a city package',
      );
    return this.files;
  }

  /** The files in force: the package with the imports applied so far. */
  private filesInForce(): PackageFiles {
    const base = this.packageFiles();
    const files = new Map(base.files);
    for (const [entity, text] of this.options.overlay) files.set(IMPORT_FILES[entity], new TextEncoder().encode(text));
    return { ...base, files };
  }

  /**
   * Checks a file against the files and register in force (and, for units imported here, the
   * units on an assignment: an import from another node was checked there and is in storage already).
   */
  async check(entity: ImportEntity, text: string, here = true): Promise<RegisterImportCheck> {
    const stored = await this.options.register.current();
    const check = checkRegisterImport(this.filesInForce(), entity, text, stored, this.options.city);
    const busy = here && this.options.fleet ? busyRetirements(check, this.options.fleet.busyUnits()) : [];
    return busy.length ? { ...check, ok: false, problems: [...busy, ...check.problems] } : check;
  }

  /**
   * A dry run (checked, stored, audited; nothing changes) or an apply (the same, then put in
   * force). A file with any error is refused: {@link RegisterImportRefused} after it is stored
   * and audited as refused.
   */
  async run(req: ImportRequest): Promise<ImportResult> {
    const check = await this.check(req.entity, req.text);
    const at = this.now();
    const id = `imp-${at.toString(36)}-${randomUUID().slice(0, 8)}`;
    const apply = !req.dryRun && check.ok;
    const counts = check.counts
      ? describeCounts(check.counts, check.entity as RegisterEntity)
      : check.vocabulary
        ? JSON.stringify(check.vocabulary)
        : '';
    const row: RegisterImportRow = {
      id,
      at,
      actor: req.actor,
      reason: req.reason,
      entity: req.entity,
      fileText: req.text,
      packageSha: fileSha(this.packageFiles(), req.entity),
      ok: check.ok,
      applied: false,
      superseded: false,
      entries: check.entries,
      counts: JSON.stringify(check.counts?.[check.entity as 'sensor'] ?? check.vocabulary ?? {}),
      problems: JSON.stringify(check.problems.slice(0, 500)),
    };
    if (apply) await this.putInForce(req.entity, req.text, check, at);
    await this.options.imports.record({ ...row, applied: apply });
    const action = req.dryRun ? 'register_dry_run' : apply ? 'register_imported' : 'register_refused';
    const errors = check.problems.filter((p) => p.severity === 'error').length;
    this.options.audit?.record({
      at,
      actor: req.actor,
      stream: 'city',
      action,
      object: `${req.entity} ${id}`,
      detail: `${req.reason} — ${check.ok ? counts : `${errors} errors`}`,
      data: {
        id,
        entity: req.entity,
        entries: check.entries,
        ok: check.ok,
        errors,
        counts: check.counts?.[check.entity as 'sensor'] ?? check.vocabulary ?? null,
      },
    });
    if (req.dryRun) this.counters.dryRuns++;
    else if (apply) this.counters.applied++;
    else this.counters.refused++;
    if (!req.dryRun && !check.ok) throw new RegisterImportRefused(id, check.problems);
    if (apply) {
      this.channel?.announce({
        kind: 'register_imported',
        id,
        entity: req.entity,
        at,
        actor: req.actor,
        reason: req.reason,
        text: req.text,
      });
      this.log('info', `register import ${id} of ${IMPORT_FILES[req.entity]} by ${req.actor} in force: ${counts} (${req.reason})`);
    }
    return { id, check, applied: apply, at };
  }

  list(limit?: number): Promise<RegisterImportSummary[]> {
    return this.options.imports.list(limit);
  }

  get(id: string): Promise<RegisterImportRow | null> {
    return this.options.imports.get(id);
  }

  /** Stores the diff (writing node only), then puts the file in force in this node's model and twin. */
  private async putInForce(entity: ImportEntity, text: string, check: RegisterImportCheck, at: number): Promise<void> {
    const model = check.model!;
    if (check.diff) {
      const rows = registryRowsOf(check.diff, at);
      await this.options.registry.write(rows, entity === 'source' ? model.sources : null);
      await this.options.register.apply(check.diff, this.options.city.id ?? 'city', at);
    }
    this.inForce(entity, text, check);
  }

  /** This node's model, twin and overlay take the file. */
  private inForce(entity: ImportEntity, text: string, check: RegisterImportCheck): void {
    const city = this.options.city;
    const model = check.model!;
    if (entity === 'source') city.sources = model.sources;
    if (entity === 'unit') {
      city.units = model.units ?? [];
      this.options.fleet?.applyRegister();
    }
    if (entity === 'vocabulary') {
      city.vocabulary = model.vocabulary ?? [];
      this.options.vocabulary?.replaceDeclared(city.vocabulary, 'package');
    }
    if (entity === 'sensor') {
      // Against this node's own register (another node may have stored the diff already).
      const mine = registerOf(city)
        .filter((e) => e.entity === 'sensor')
        .map((e) => ({ ...e, retired: false, updatedAt: 0 }));
      const local = diffRegister(
        registerOf(model).filter((e) => e.entity === 'sensor'),
        mine,
      );
      const byId = new Map<string, DeclaredSensorSite>([...model.sensorSites, ...(model.declaredSensorSites ?? [])].map((s) => [s.id, s]));
      const sites = [...local.added, ...local.changed.map((c) => c.entry)].map((e) => byId.get(e.id)!);
      city.sensorSites = model.sensorSites;
      city.declaredSensorSites = model.declaredSensorSites ?? [];
      const retired = local.retired.map((e) => e.id);
      this.options.twin?.applyRegister(sites, retired);
      this.options.directory?.applyRegister(sites, retired);
    }
    this.options.overlay.set(entity, text);
  }

  /** An import another web node applied: checked here, put in force, kept in this node's store when it lacks it. */
  private async received(notice: ClusterNotice): Promise<void> {
    if (notice.kind !== 'register_imported') return;
    try {
      const check = await this.check(notice.entity, notice.text, false);
      if (!check.ok) {
        this.log('error', `register import ${notice.id} from another web node refused here: ${check.problems.length} problems`);
        return;
      }
      this.inForce(notice.entity, notice.text, check);
      this.counters.received++;
      if (!(await this.options.imports.get(notice.id))) {
        await this.options.imports.record({
          id: notice.id,
          at: notice.at,
          actor: notice.actor,
          reason: notice.reason,
          entity: notice.entity,
          fileText: notice.text,
          packageSha: fileSha(this.packageFiles(), notice.entity),
          ok: true,
          applied: true,
          superseded: false,
          entries: check.entries,
          counts: JSON.stringify(check.counts?.[check.entity as 'sensor'] ?? check.vocabulary ?? {}),
          problems: JSON.stringify(check.problems.slice(0, 500)),
        });
      }
      this.log(
        'info',
        `register import ${notice.id} of ${IMPORT_FILES[notice.entity]} by ${notice.actor} in force (applied on another web node)`,
      );
    } catch (err) {
      this.log('warn', `register import ${notice.id} from another web node: ${(err as Error).message}`);
    }
  }
}
