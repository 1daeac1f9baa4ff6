/**
 * Register imports (`register_imports`, migration 22; docs/city-packages.md, "Registers at run
 * time"): every dry run and every applied import of a sensors, units or sources CSV or a
 * vocabulary.json through the admin API — who, when, why, which entity, the file as uploaded,
 * whether it was valid, the counts of its diff and its problems, whether it was applied, and
 * the hash of the city package's own file at that moment (so the next start can tell whether
 * the package changed since: a changed package file supersedes the import).
 *
 * A ReplacingMergeTree keyed by id: an import is written once and written again only to mark it
 * superseded (a newer `updated_at`); reads take the newest row per id (`FINAL`).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query-rows.ts';

export const REGISTER_IMPORTS_DDL = `CREATE TABLE IF NOT EXISTS register_imports (
  id String,
  at DateTime64(3, 'UTC'),
  actor String,
  reason String,
  entity LowCardinality(String),
  file_text String,
  package_sha String,
  ok UInt8,
  applied UInt8,
  superseded UInt8,
  entries UInt32,
  counts String,
  problems String,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id`;

/** One import as stored. `counts` and `problems` are JSON written by the service. */
export interface RegisterImportRow {
  id: string;
  at: number;
  actor: string;
  reason: string;
  entity: string;
  fileText: string;
  /** SHA-256 (hex) of the package's own file for the entity when the import was made ('' when it has none). */
  packageSha: string;
  ok: boolean;
  applied: boolean;
  superseded: boolean;
  entries: number;
  counts: string;
  problems: string;
}

/** A row without its file text (the list). */
export type RegisterImportSummary = Omit<RegisterImportRow, 'fileText'>;

interface StoredRow {
  id: string;
  at_ms: number | string;
  actor: string;
  reason: string;
  entity: string;
  file_text?: string;
  package_sha: string;
  ok: number | string;
  applied: number | string;
  superseded: number | string;
  entries: number | string;
  counts: string;
  problems: string;
}

const SUMMARY_COLUMNS =
  'id, toUnixTimestamp64Milli(at) AS at_ms, actor, reason, entity, package_sha, ok, applied, superseded, entries, counts, problems';

function summaryOf(r: StoredRow): RegisterImportSummary {
  return {
    id: r.id,
    at: Number(r.at_ms),
    actor: r.actor,
    reason: r.reason,
    entity: r.entity,
    packageSha: r.package_sha,
    ok: Number(r.ok) === 1,
    applied: Number(r.applied) === 1,
    superseded: Number(r.superseded) === 1,
    entries: Number(r.entries),
    counts: r.counts,
    problems: r.problems,
  };
}

function newestAppliedSql(columns: string): string {
  return `SELECT ${columns} FROM register_imports FINAL WHERE applied = 1 ORDER BY entity, at DESC, id DESC LIMIT 1 BY entity`;
}

export class RegisterImportStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Stores an import (a dry run or an applied one). */
  async record(row: RegisterImportRow, updatedAt = row.at): Promise<void> {
    await this.client.insert({
      table: 'register_imports',
      values: [
        {
          id: row.id,
          at: row.at,
          actor: row.actor,
          reason: row.reason,
          entity: row.entity,
          file_text: row.fileText,
          package_sha: row.packageSha,
          ok: row.ok ? 1 : 0,
          applied: row.applied ? 1 : 0,
          superseded: row.superseded ? 1 : 0,
          entries: row.entries,
          counts: row.counts,
          problems: row.problems,
          updated_at: updatedAt,
        },
      ],
      format: 'JSONEachRow',
    });
  }

  /** The newest imports first (without their files), at most `limit`. */
  async list(limit = 100): Promise<RegisterImportSummary[]> {
    const rows = await queryRows<StoredRow>(
      this.client,
      `SELECT ${SUMMARY_COLUMNS} FROM register_imports FINAL ORDER BY at DESC, id DESC LIMIT {limit:UInt32}`,
      { limit },
    );
    return rows.map(summaryOf);
  }

  /** One import with its file, or null. */
  async get(id: string): Promise<RegisterImportRow | null> {
    const [r] = await queryRows<StoredRow>(
      this.client,
      `SELECT ${SUMMARY_COLUMNS}, file_text FROM register_imports FINAL WHERE id = {id:String} LIMIT 1`,
      { id },
    );
    return r ? { ...summaryOf(r), fileText: r.file_text ?? '' } : null;
  }

  /** The newest applied import of each entity, with its file (superseded ones included: the caller decides). */
  async newestApplied(): Promise<RegisterImportRow[]> {
    const rows = await queryRows<StoredRow>(this.client, newestAppliedSql(`${SUMMARY_COLUMNS}, file_text`));
    return rows.map((r) => ({ ...summaryOf(r), fileText: r.file_text ?? '' }));
  }

  /**
   * The same without the files: what an ingest worker looks at every few seconds (it fetches
   * the file of a newer one with {@link get}). However many dry runs, refusals or imports of
   * other entities came after an applied import, it is the one found here.
   */
  async newestAppliedSummaries(): Promise<RegisterImportSummary[]> {
    return (await queryRows<StoredRow>(this.client, newestAppliedSql(SUMMARY_COLUMNS))).map(summaryOf);
  }

  /** Marks an applied import superseded (the package file changed since). */
  async markSuperseded(row: RegisterImportRow, at: number): Promise<void> {
    await this.record({ ...row, superseded: true }, Math.max(at, row.at + 1));
  }
}
