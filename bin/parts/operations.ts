/**
 * The operations loop around the twin: the alarm and incident rules at run time
 * (web/server/rules), notifications and escalations (web/server/notifications) and the command
 * centre's shift log (web/server/shifts). Every web node runs all three; only the twin writer
 * sends notifications (docs/notifications.md).
 */
import { NotificationStore, RulesStore, ShiftStore, type StorageClient } from '../../storage/index.ts';
import { cityTimeZone, type CityModel, type Incident, type NotifyCity } from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import { hasPermission, ROLES } from '../../web/server/auth/policy.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import { incidentViewer } from '../../web/server/incidents/incident-view.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { type IdempotencyKeys, MemoryIdempotencyKeys } from '../../web/server/notifications/idempotency-keys.ts';
import { NotificationService } from '../../web/server/notifications/notification-service.ts';
import { RedisIdempotencyKeys } from '../../web/server/notifications/redis-idempotency-keys.ts';
import { RulesService } from '../../web/server/rules/rules-service.ts';
import { ShiftService } from '../../web/server/shifts/shift-service.ts';
import type { Log } from '../logger.ts';
import { type PartContext, partLog } from './context.ts';

/** How long a sent message's idempotency key is kept (a restart or a lease move within it sends nothing twice). */
const KEY_TTL_MS = 7 * 86_400_000;

/**
 * The rules service, started before the twin is fed: the newest stored version of each scope in
 * force, else the city package's `rules/`, else the defaults.
 */
export async function startRules(
  ctx: PartContext,
  deps: { city: CityModel; twin: TwinService; clickhouse: StorageClient; audit: AuditService },
): Promise<RulesService> {
  const log = partLog(ctx, 'rules');
  const rules = new RulesService({
    store: new RulesStore(deps.clickhouse),
    twin: deps.twin,
    city: deps.city,
    audit: deps.audit,
    log: (level, msg) => log(level, msg),
  });
  const origin = await rules.start();
  log(
    'info',
    `rules in force: alarms version ${rules.current('alarms').version} (${origin.alarms}), incidents version ${rules.current('incidents').version} (${origin.incidents})`,
  );
  return rules;
}

export interface NotificationsPart {
  service: NotificationService;
  store: NotificationStore;
}

/**
 * Notifications: the stored configuration in force, the engine fed by the twin's incident
 * changes and dispatch's assignments and ticked once a second; the idempotency keys in Redis
 * when web nodes share one (CITYTWIN_REDIS_URL), else in memory, seeded with the delivery log's
 * recent keys so that a restart does not send again what was sent before it.
 */
export async function startNotifications(
  ctx: PartContext,
  deps: { city: CityModel; twin: TwinService; dispatch: DispatchService | null; clickhouse: StorageClient; audit: AuditService },
): Promise<NotificationsPart> {
  const { config } = ctx;
  const log = partLog(ctx, 'notifications');
  const store = new NotificationStore(deps.clickhouse);
  let keys: IdempotencyKeys & { close?: () => Promise<void> };
  if (config.redisUrl) {
    keys = await RedisIdempotencyKeys.connect(config.redisUrl, { ttlMs: KEY_TTL_MS }, (msg) => log('warn', msg));
  } else {
    const memory = new MemoryIdempotencyKeys({ ttlMs: KEY_TTL_MS });
    memory.remember(await store.recentDeliveryKeys(Date.now() - KEY_TTL_MS));
    keys = memory;
  }
  // A message says only what the `public` classification may see, whoever receives it (docs/security.md).
  const lowest = incidentViewer(['public'], deps.twin.classifyEvidence);
  const publicView = (incident: Incident): Incident => {
    const { hiddenEvidence: _hidden, coarse: _coarse, escalation: _escalation, ...shown } = lowest(incident);
    return { ...shown, evidence: [] };
  };
  const service = new NotificationService({
    store,
    twin: deps.twin,
    dispatch: deps.dispatch,
    city: notifyCity(deps.city, config.publicUrl ?? ownUrl(config)),
    keys,
    roles: ROLES,
    publicView,
    audit: deps.audit,
    ...(ctx.hooks.notificationClock ? { now: ctx.hooks.notificationClock } : {}),
    log: (level, msg) => log(level, msg),
  });
  await service.start();
  // Registered after the twin's closing step, so it runs before it: the last messages are queued and logged.
  ctx.shutdown.add(async () => {
    await service.close();
    await keys.close?.();
  });
  return { service, store };
}

/** The shift log: notes, the handover with its summary of the twin and the units, the incoming lead's sign-off. */
export function startShifts(deps: {
  twin: TwinService;
  dispatch: DispatchService | null;
  clickhouse: StorageClient;
  audit: AuditService;
  auth: AuthService;
  log?: Log;
}): ShiftService {
  const log = deps.log;
  return new ShiftService({
    store: new ShiftStore(deps.clickhouse),
    activeIncidents: () => deps.twin.activeIncidents(),
    units: () => deps.dispatch?.units() ?? [],
    mayLead: async (username) => {
      const user = (await deps.auth.listUsers()).find((u) => u.username === username);
      if (!user) return `there is no account ${JSON.stringify(username)}; the incoming lead must have one`;
      if (user.disabled) return `the account ${username} is disabled; the incoming lead must have an enabled account`;
      if (!hasPermission(user.roles, 'shiftlog.write'))
        return `${username} (roles ${user.roles.join(', ') || 'none'}) may not write in the shift log, so cannot lead a shift; roles that may: admin, operator, dispatcher`;
      return null;
    },
    audit: deps.audit,
    ...(log ? { log: (level: 'info' | 'warn' | 'error', msg: string) => log(level, msg) } : {}),
  });
}

/** The city's clocks, districts and console address as the message texts name them. */
function notifyCity(city: CityModel, consoleUrl: string): NotifyCity {
  return {
    timeZone: cityTimeZone(city),
    consoleUrl: consoleUrl.replace(/\/$/, ''),
    districts: new Map(city.districts.map((d) => [d.code, { zh: d.nameZh, en: d.nameEn }])),
  };
}

/** The console's address as this node serves it (CITYTWIN_PUBLIC_URL unset). */
function ownUrl(config: PartContext['config']): string {
  const host = config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost;
  return `${config.security.tlsCert ? 'https' : 'http'}://${host}:${config.httpPort}`;
}
