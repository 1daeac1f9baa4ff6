/**
 * The city's registers into storage at start, before the twin rebuilds from it: the package's
 * sensors, units and sources compared with what was applied before (twin-model/register-diff.ts)
 * and only the difference stored — new sensors registered, moved, renamed or re-sourced ones
 * given a new registry version, removed ones retired (a deregistration row: no longer live,
 * their readings and replay kept), the same for units and sources in `city_register`. A diff
 * that changes anything is one `city.loaded` entry in the audit record. Starting again on the
 * same package and data directory writes nothing.
 */
import {
  CityRegisterStore,
  RegistryStore,
  refreshClassifications,
  type SensorRegistryRow,
  type StorageClient,
} from '../../storage/index.ts';
import {
  diffCounts,
  diffRegister,
  isEmptyDiff,
  registerOf,
  REGISTER_ENTITIES,
  type RegisterDiff,
  type RegisterDiffCounts,
  type RegisterEntry,
} from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { CityPart } from './city.ts';
import { type PartContext, partLog } from './context.ts';

/** The sensors table's row for a register entry: the register's fields, as a device's meta would carry them. */
function sensorRow(e: RegisterEntry, at: number): SensorRegistryRow {
  return {
    sensorId: e.id,
    kind: e.kind,
    lng: e.lng,
    lat: e.lat,
    name: e.nameZh,
    unit: '',
    district: e.district,
    source: e.source,
    classification: null,
    deleted: false,
    updatedAt: at,
  };
}

/** `sensors +3 ~2 -1 =25; units …`: what a diff did, for the log and the audit record. */
export function describeCounts(counts: RegisterDiffCounts): string {
  return REGISTER_ENTITIES.map((entity) => {
    const c = counts[entity];
    const changed = c.moved + c.renamed + c.resourced + c.rekinded + c.reclassified + c.redetailed;
    const parts = [`+${c.added}`, `~${changed}`, `-${c.retired}`, `=${c.unchanged}`];
    const what = (['moved', 'renamed', 'resourced', 'rekinded', 'reclassified', 'redetailed', 'reinstated'] as const)
      .filter((k) => c[k] > 0)
      .map((k) => `${k} ${c[k]}`);
    return `${entity}s ${parts.join(' ')}${what.length > 0 ? ` (${what.join(', ')})` : ''}`;
  }).join('; ');
}

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
  const rows: SensorRegistryRow[] = [
    ...diff.added.filter((e) => e.entity === 'sensor').map((e) => sensorRow(e, at)),
    ...diff.changed.filter((c) => c.entry.entity === 'sensor').map((c) => sensorRow(c.entry, at)),
    ...diff.retired
      .filter((e) => e.entity === 'sensor')
      .map((e) => ({ ...sensorRow(e, at), kind: '', lng: 0, lat: 0, name: '', district: '', source: '', deleted: true })),
  ];
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
