/** Disk use per ClickHouse table (storage/storage-usage.ts samples it in the background). */
import type { Registry } from 'prom-client';
import type { StorageUsageSampler } from '../../storage/index.ts';
import { counter, gaugeBy } from './metric-registry.ts';

/** `citytwin_storage_bytes|rows|parts{table}` from the sampler's last sample (none before the first). */
export function registerStorageUsageMetrics(registry: Registry, usage: Pick<StorageUsageSampler, 'latest'>): void {
  const perTable = (value: (u: ReturnType<typeof usage.latest>[number]) => number) => () =>
    usage.latest().map((u) => [{ table: u.table }, value(u)] as const);
  gaugeBy(
    registry,
    'citytwin_storage_bytes',
    'Bytes on disk of the active parts of a ClickHouse table.',
    ['table'],
    perTable((u) => u.bytes),
  );
  gaugeBy(
    registry,
    'citytwin_storage_rows',
    'Rows in the active parts of a ClickHouse table (before merges collapse duplicates).',
    ['table'],
    perTable((u) => u.rows),
  );
  gaugeBy(
    registry,
    'citytwin_storage_parts',
    'Active parts of a ClickHouse table.',
    ['table'],
    perTable((u) => u.parts),
  );
}

/** Failed samples of the storage figures (the last good sample is kept). */
export function registerStorageSamplerMetrics(registry: Registry, sampler: Pick<StorageUsageSampler, 'failures'>): void {
  counter(registry, 'citytwin_storage_sample_failures_total', 'Failed samples of the storage figures.', () => sampler.failures);
}
