/**
 * ClickHouse (storage/): the embedded engine unless a server is configured, migrated, its
 * retention applied, and the disk use sampled for `/metrics`.
 */
import {
  applyRetention,
  createClickHouse,
  formatDays,
  recordSourceClassifications,
  runMigrations,
  StorageUsageSampler,
  type StorageClient,
} from '../../storage/index.ts';
import type { CityModel } from '../../twin-model/index.ts';
import { type PartContext, partLog } from './context.ts';

export interface StoragePart {
  clickhouse: StorageClient;
  usage: StorageUsageSampler;
}

export async function openStorage(ctx: PartContext, city: CityModel | null): Promise<StoragePart> {
  const { config, role } = ctx;
  const log = partLog(ctx, 'storage');
  if (!config.clickhouseUrl && role !== 'all') {
    log(
      'warn',
      `the ${role} process uses its own embedded ClickHouse in ${config.dataDir}; set CITYTWIN_CLICKHOUSE_URL to share one server`,
    );
  }
  const clickhouse = createClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
  ctx.shutdown.add(() => clickhouse.close());
  const applied = await runMigrations(clickhouse, undefined, config.clickhouseCluster);
  if (applied.length) log('info', `schema migrations applied: ${applied.join(', ')}`);
  // Retention (docs/storage.md): TTLs follow CITYTWIN_RETENTION; an unchanged policy alters nothing.
  for (const change of await applyRetention(clickhouse, config.retention, config.clickhouseCluster)) {
    log('info', `retention of ${change.table}: ${change.to ?? `kept ${formatDays(null)}`} (was ${change.from ?? 'kept forever'})`);
  }
  // The classification stored with each sensor value falls back on its source's, known from the city model.
  if (city) await recordSourceClassifications(clickhouse, city.sources, config.clickhouseCluster);
  // Disk use per table on /metrics; stopped before the client closes (steps run in reverse).
  const usage = new StorageUsageSampler(clickhouse);
  usage.start();
  ctx.shutdown.add(() => usage.close());
  return { clickhouse, usage };
}
