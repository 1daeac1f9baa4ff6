/**
 * Response units and dispatch (web/server/dispatch/dispatch-service.ts) on the city's road graph, next
 * to the twin; its hash-chained log is anchored in the audit record's signed checkpoints.
 */
import type { ChainHead } from '../../twin-model/audit/hash-chain.ts';
import type { CityModel } from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import { DispatchLogStore, type StorageClient } from '../../storage/index.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { type PartContext, partLog } from './context.ts';

export async function startDispatch(
  ctx: PartContext,
  deps: { city: CityModel; twin: TwinService; clickhouse: StorageClient; audit: AuditService; signedDispatchHead: ChainHead | null },
): Promise<DispatchService> {
  const { audit } = deps;
  const log = partLog(ctx, 'dispatch');
  const dispatch = new DispatchService({
    city: deps.city,
    twin: deps.twin,
    log: (level, msg) => log(level, msg),
    onLogEntry: (e) => audit.dispatchEntry(e),
  });
  await dispatch.useStore(new DispatchLogStore(deps.clickhouse));
  ctx.shutdown.add(() => dispatch.close());
  dispatch.resumeAfter(deps.signedDispatchHead);
  dispatch.anchorWith(() =>
    audit
      .validCheckpoints()
      .flatMap((cp) => (cp.dispatch ? [{ ...cp.dispatch, label: `the checkpoint signed at ${new Date(cp.at).toISOString()}` }] : [])),
  );
  audit.signDispatchHead(() => dispatch.storedHead);
  return dispatch;
}
