/**
 * The all-in-one product closed while a KPI summary's queries are still under way (as when the
 * leader screen's browser goes away mid-refresh: the web server has closed, the request handler
 * still runs): every query ends with its answer, nothing is logged at warn or above, and the
 * data directory can be removed at once (storage/clickhouse-client.ts `closingAfterWork`).
 *
 * Real: the all-in-one product on the embedded broker and ClickHouse, its KPI store.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { createLogger } from '../bin/logger.ts';
import { startCityTwin } from '../bin/runtime.ts';
import { KpiStore } from '../storage/kpi-store.ts';
import { kpiWindows } from '../web/server/kpi/kpi-model.ts';
import { KPI_SUMMARY_ANSWERED, kpiSummaryUnderWay } from './support/kpi-summary-queries.ts';
import { tempDir } from './support/fixtures.ts';
import { TEST_CITY_ENV } from './support/test-city.ts';

describe('closing the product while a KPI summary is under way', () => {
  it('answers the summary, logs nothing at warn or above, and leaves a removable data directory', async () => {
    const dir = tempDir('runtime-close');
    const records: Array<{ level: string; msg: string }> = [];
    const log = createLogger('warn', 'all', { destination: { write: (line: string) => void records.push(JSON.parse(line)) } });
    const app = await startCityTwin(loadConfig({ ...TEST_CITY_ENV, CITYTWIN_DATA_DIR: dir.path }), 'all', log);
    const store = new KpiStore(app.clickhouse);
    const w = kpiWindows(Date.now(), 'Asia/Shanghai');
    const underWay = kpiSummaryUnderWay(store, w);
    await app.close();
    expect(await underWay).toEqual(KPI_SUMMARY_ANSWERED);
    expect(records.map((r) => `${r.level}: ${r.msg}`)).toEqual([]);
    expect(() => rmSync(dir.path, { recursive: true })).not.toThrow();
  });
});
