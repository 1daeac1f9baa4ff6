/**
 * The audit record (web/server/audit/): verified at start, before anything new is appended.
 * Its closing step is registered before the twin's, dispatch's and the accounts' so it runs
 * after theirs: what they store at shutdown is in the final checkpoint.
 */
import type { StorageClient } from '../../storage/index.ts';
import { summarize } from '../../twin-model/audit/audit-verification.ts';
import type { ChainHead } from '../../twin-model/audit/hash-chain.ts';
import { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { type PartContext, partLog } from './context.ts';

export interface AuditPart {
  audit: AuditService;
  /** The dispatch chain head in the last valid signed checkpoint (dispatch resumes after it). */
  signedDispatchHead: ChainHead | null;
}

export async function openAuditRecord(ctx: PartContext, clickhouse: StorageClient): Promise<AuditPart> {
  const { config } = ctx;
  const log = partLog(ctx, 'audit');
  const opened = await AuditService.open({
    clickhouse,
    dataDir: config.dataDir,
    node: config.workerId,
    // A ClickHouse server may hold the chains of several web nodes; the embedded engine only this node's.
    foreignChainsAllowed: config.clickhouseUrl !== null,
    log: (level, msg) => log(level, msg),
  });
  const audit = opened.audit;
  ctx.shutdown.add(() => audit.close());
  log(opened.verification.ok ? 'info' : 'error', `audit verification at start: ${summarize(opened.verification, 10)}`);
  return { audit, signedDispatchHead: opened.signedDispatchHead };
}

/** What the audit record stores before each verification: the incident history, the dispatch log, security events. */
export function flushBeforeVerification(audit: AuditService, twin: TwinService, dispatch: DispatchService, auth: AuthService): void {
  audit.flushSourcesWith(async () => {
    await twin.flushIncidents();
    await dispatch.flush();
    await auth.flushEvents();
  });
}
