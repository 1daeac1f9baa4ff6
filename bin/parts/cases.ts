/**
 * The hotline case desk (web/server/cases/case-service.ts) beside the twin: the city's case rules
 * (its time zone, its source catalogue's departments and districts, the shipped routing table and
 * time limits), the phone-hash key from the data directory, every change stored and audited,
 * restored from ClickHouse at start, the time-limit clock once a minute, and links to incidents
 * from the correlator's changes.
 */
import { CaseDepartmentStore, CaseStore, type StorageClient } from '../../storage/index.ts';
import { districtAt, EVENT_SOURCES } from '../../twin-model/city/index.ts';
import { caseRules, DEFAULT_CASE_SLA, caseRoutingOf } from '../../twin-model/cases/index.ts';
import { phoneHasher } from '../../twin-model/cases/phone-hash.ts';
import type { CityModel } from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import { CASE_TICK_MS, CaseService, type CaseEscalation } from '../../web/server/cases/case-service.ts';
import { DepartmentBindings } from '../../web/server/cases/department-bindings.ts';
import { loadOrCreatePhoneKey } from '../../web/server/cases/phone-key.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { type PartContext, partLog } from './context.ts';

export interface CasesPart {
  service: CaseService;
  bindings: DepartmentBindings;
  /** Hands every overdue case to the notifications engine from now on (it starts after the desk). */
  escalateTo(escalation: CaseEscalation): void;
}

export async function startCases(
  ctx: PartContext,
  deps: { city: CityModel; clickhouse: StorageClient; twin: TwinService; audit: AuditService },
): Promise<CasesPart> {
  const { city, twin, audit } = deps;
  const log = partLog(ctx, 'cases');
  const rules = caseRules({
    timeZone: city.timezone ?? 'Asia/Shanghai',
    sources: city.sources,
    districts: city.districts.map((d) => d.code),
    routing: caseRoutingOf(city, EVENT_SOURCES.hotline),
    sla: DEFAULT_CASE_SLA,
  });
  let notifications: CaseEscalation | null = null;
  const { key } = loadOrCreatePhoneKey(ctx.config.dataDir, (level, msg) => log(level, msg));
  const service = new CaseService({
    rules,
    hashPhone: phoneHasher(key),
    districtAt: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
    defaultSource: EVENT_SOURCES.hotline,
    store: new CaseStore(deps.clickhouse),
    // A case that came over HTTP is evidence as its report would have been on the events topic.
    toFusion: (event) => twin.onEvent(event),
    audit: (input) => audit.record(input),
    // Every overdue case is logged, and told to the notifications engine once it runs (its subscriptions).
    escalation: {
      caseOverdue: (e) => {
        log(
          'warn',
          `case ${e.caseId} overdue: ${String(e.params.stage)} limit of ${String(e.params.department) || 'no department'} missed by ${String(e.params.overdueMin)} min`,
        );
        notifications?.caseOverdue(e);
      },
    },
    ...(ctx.hooks.caseNow ? { now: ctx.hooks.caseNow } : {}),
    log: (level, msg) => log(level, msg),
  });
  const n = await service.restore();
  log('info', `case desk restored: ${n} cases in hand`);
  twin.onIncidentChanges((changes) => service.incidentChanges(changes));
  const timer = setInterval(() => service.tick(), CASE_TICK_MS);
  ctx.shutdown.add(async () => {
    clearInterval(timer);
    await service.close();
  });
  return {
    service,
    bindings: new DepartmentBindings(new CaseDepartmentStore(deps.clickhouse)),
    escalateTo: (escalation) => {
      notifications = escalation;
    },
  };
}
