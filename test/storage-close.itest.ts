/**
 * Closing the storage client on the real embedded engine while queries are still under way (a
 * KPI summary's seven parameterized queries, which the engine runs one after another): every
 * query started before the close finishes with its answer, the data directory can be removed
 * right after, and a query started after the close is refused with a plain error.
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kpiWindows } from '../web/server/kpi/kpi-model.ts';
import { KPI_SUMMARY_ANSWERED, kpiSummaryUnderWay } from './support/kpi-summary-queries.ts';
import { KpiStore } from '../storage/kpi-store.ts';
import { createClickHouse, runMigrations } from '../storage/index.ts';

describe('closing the storage client', () => {
  it('lets the queries under way finish, then refuses new ones; the data directory is removable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citytwin-storage-close-'));
    const client = createClickHouse({ url: null, dataDir: dir });
    await runMigrations(client);
    const store = new KpiStore(client);
    const w = kpiWindows(Date.now(), 'UTC');
    // What a KPI summary runs at once, still queued in the engine when the process closes.
    const underWay = kpiSummaryUnderWay(store, w);
    await client.close();
    expect(await underWay).toEqual(KPI_SUMMARY_ANSWERED);
    await expect(store.onlineSensors(w)).rejects.toThrow('the storage client is closed');
    expect(() => rmSync(dir, { recursive: true })).not.toThrow();
  });
});
