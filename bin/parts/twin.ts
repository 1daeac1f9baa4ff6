/**
 * The live twin (web/server/live/twin-service.ts): sensor state, alarms and incidents, with every
 * incident change stored (event-sourced) and audited, rebuilt from ClickHouse at start.
 */
import { districtAt } from '../../twin-model/city/index.ts';
import type { CityModel, Vocabulary } from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import { IncidentStore, TwinRebuildStore, VocabularyStore, type StorageClient } from '../../storage/index.ts';
import { TwinService } from '../../web/server/live/twin-service.ts';
import { type PartContext, partLog } from './context.ts';

export interface TwinPart {
  twin: TwinService;
  incidentStore: IncidentStore;
}

export async function startTwin(
  ctx: PartContext,
  deps: {
    city: CityModel;
    clickhouse: StorageClient;
    audit: AuditService;
    auth: AuthService;
    vocabulary: Vocabulary;
    retiredSensors?: ReadonlySet<string>;
  },
): Promise<TwinPart> {
  const { city, clickhouse, audit, auth, vocabulary } = deps;
  const log = partLog(ctx, 'twin');
  const twin = new TwinService({
    city,
    vocabulary,
    ...(deps.retiredSensors ? { retiredSensors: deps.retiredSensors } : {}),
    districtAt: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
    // A report is placed in the city when it falls in one of its districts.
    inCity: (lng: number, lat: number) => districtAt(city, lng, lat) !== null,
    log: (level, msg) => log(level, msg),
  });
  // Every incident change is stored (event-sourced); the open ones come back at start.
  const incidentStore = new IncidentStore(clickhouse);
  await incidentStore.init();
  twin.useIncidentStore(incidentStore);
  // The unit a metric outside the vocabulary came in, stored as it changes (by the node that writes
  // the twin's changes), read back below.
  twin.unitLog.use(new VocabularyStore(clickhouse), () => twin.isWriter());
  // Only the writer's own changes: a node that mirrors the writer does not audit them again.
  twin.onIncidentChanges((changes) => {
    if (twin.isWriter()) audit.incidentChanges(changes);
  });
  // Device meta that tries to move, rename, re-source or declassify a registered sensor is a
  // security event (recorded once, by the node that writes incidents).
  twin.onMetaRefused((r) => {
    if (twin.isWriter())
      auth.record(
        'sensor_meta_refused',
        'refused',
        '',
        `mqtt sensors/${r.sensorId}/meta`,
        `${r.sensorId}: ${r.fields.join(', ')} kept (device sent ${JSON.stringify(r.meta).slice(0, 300)})`,
      );
  });
  const n = await twin.rebuildFrom(new TwinRebuildStore(clickhouse));
  log('info', `twin rebuilt from storage: ${n} sensors, ${twin.activeIncidents().length} open incidents`);
  // Runs before ClickHouse closes (steps run in reverse): the last changes are stored.
  ctx.shutdown.add(() => twin.close());
  return { twin, incidentStore };
}

/** Once a second: sensors silent too long turn stale, units' trips and warnings advance. */
export function startTwinClock(ctx: PartContext, twin: TwinService, dispatch: DispatchService): void {
  const timer = setInterval(() => {
    twin.tick();
    dispatch.tick();
  }, 1000);
  ctx.shutdown.add(() => clearInterval(timer));
}
