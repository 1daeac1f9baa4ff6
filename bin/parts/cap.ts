/**
 * Public warnings (web/server/cap/, docs/cap.md): the warning desk and the official warnings
 * held, rebuilt from ClickHouse at start and handed to the twin's correlator. Published alerts go
 * out on the publisher the audit checkpoints use (subscription.ts `publishAuditCheckpoints`).
 */
import { CapStore, type StorageClient } from '../../storage/index.ts';
import type { CityModel } from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import { CapService } from '../../web/server/cap/cap-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { type PartContext, partLog } from './context.ts';

/** How often warnings past their end leave the map. */
const WARNING_TICK_MS = 60_000;

export async function startCap(
  ctx: PartContext,
  deps: { city: CityModel; clickhouse: StorageClient; twin: TwinService; audit: AuditService },
): Promise<CapService> {
  const log = partLog(ctx, 'cap');
  const cap = new CapService({
    city: deps.city,
    store: new CapStore(deps.clickhouse),
    twin: deps.twin,
    audit: deps.audit,
    sender: ctx.config.cap.sender,
    senderName: ctx.config.cap.senderName,
    log: (level, msg) => log(level, msg),
  });
  await cap.init();
  const timer = setInterval(() => cap.tick(), WARNING_TICK_MS);
  ctx.shutdown.add(() => clearInterval(timer));
  return cap;
}
