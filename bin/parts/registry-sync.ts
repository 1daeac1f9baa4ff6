/**
 * The city's registers into storage at start, before the twin rebuilds from it: the package's
 * sensors, units and sources compared with what was applied before (twin-model/register-diff.ts)
 * and only the difference stored — new sensors registered, moved, renamed or re-sourced ones
 * given a new registry version, removed ones retired (a deregistration row: no longer live,
 * their readings and replay kept), the same for units and sources in `city_register`. A diff
 * that changes anything is one `city.loaded` entry in the audit record. Starting again on the
 * same package and data directory writes nothing.
 */
import { CityRegisterStore, RegistryStore, refreshClassifications, registryRowsOf, type StorageClient } from '../../storage/index.ts';
import { diffCounts, diffRegister, isEmptyDiff, registerOf, describeCounts, type RegisterDiff } from '../../twin-model/index.ts';
export { describeCounts } from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { CityPart } from './city.ts';
import { type PartContext, partLog } from './context.ts';

export interface RegisterSync {
  /** The diff applied (empty when the package is as it was at the last start). */
  diff: RegisterDiff;
  /** Every sensor the city has retired, now or before: the twin does not show them live. */
  retiredSensors: Set<string>;
}

/** Applies the city's registers to storage. */
export async function syncCityRegister(
  ctx: PartContext,
  deps: { city: CityPart; clickhouse: StorageClient; audit: AuditService | null },
): Promise<RegisterSync> {
  const log = partLog(ctx, 'registry');
  const { city, clickhouse } = deps;
  const store = new CityRegisterStore(clickhouse);
  const register = registerOf(city.model);
  const stored = await store.current();
  const diff = diffRegister(register, stored);
  const counts = diffCounts(diff);
  const back = new Set(diff.reinstated);
  const retiredSensors = new Set([
    ...stored.filter((e) => e.entity === 'sensor' && e.retired && !back.has(`sensor/${e.id}`)).map((e) => e.id),
    ...diff.retired.filter((e) => e.entity === 'sensor').map((e) => e.id),
  ]);
  if (isEmptyDiff(diff)) {
    log('info', `city registers unchanged: ${describeCounts(counts)}`);
    return { diff, retiredSensors };
  }
  const at = Date.now();
  // The sensors first, then the register: a start cut short in between applies the same diff
  // again next time (its registry rows are versions of the same values).
  const rows = registryRowsOf(diff, at);
  if (rows.length > 0) {
    await new RegistryStore(clickhouse).write(rows);
    await refreshClassifications(
      clickhouse,
      rows.map((r) => r.sensorId),
      ctx.config.clickhouseCluster,
    );
  }
  const cityId = city.model.id ?? 'city';
  await store.apply(diff, cityId, at);
  const detail = describeCounts(counts);
  deps.audit?.cityLoaded({ cityId, packagePath: city.packagePath, detail, counts });
  log('info', `city registers applied from ${city.packagePath}: ${detail}`);
  return { diff, retiredSensors };
}
