/**
 * Accounts, tokens and the security log (web/server/auth/), created once ClickHouse is
 * migrated; security events also go into the audit record, and tampering found in it is one.
 */
import type { StorageClient } from '../../storage/index.ts';
import { summarize } from '../../twin-model/audit/audit-verification.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import { AuthService } from '../../web/server/auth/auth-service.ts';
import { DEFAULT_CLEARANCE, parseClearance } from '../../web/server/auth/policy.ts';
import { auditableConfig } from '../config.ts';
import type { SecurityLogSlot } from './broker.ts';
import { type PartContext, partLog } from './context.ts';

export async function openAccounts(
  ctx: PartContext,
  clickhouse: StorageClient,
  audit: AuditService,
  security: SecurityLogSlot,
): Promise<AuthService> {
  const { config } = ctx;
  const log = partLog(ctx, 'auth');
  const auth = new AuthService({
    clickhouse,
    clearance: config.security.clearance ? parseClearance(config.security.clearance) : DEFAULT_CLEARANCE,
    node: config.workerId,
    maxTokenTtlDays: config.security.maxTokenTtlDays,
    log: (level, msg) => log(level, msg),
    onRecord: (e) => audit.securityEvent(e),
  });
  security.auth = auth;
  ctx.shutdown.add(() => auth.close());
  // Tampering found (at start, or later on demand) is a security event, beside health.
  const start = audit.lastVerification;
  if (start && !start.ok) auth.record('audit_tampering', 'refused', 'system', 'start-up verification', summarize(start, 10));
  audit.onProblems((v) => auth.record('audit_tampering', 'refused', 'system', 'verification', summarize(v, 10)));
  await audit.recordConfig(auditableConfig(config));
  await createFirstAdmin(auth, config.security.adminPassword, log);
  return auth;
}

/** On the first start, the account `admin`; a generated password is printed once, only its scrypt hash is stored. */
async function createFirstAdmin(auth: AuthService, password: string | null, log: PartContext['log']): Promise<void> {
  const first = await auth.init(password);
  if (!first.createdAdmin) return;
  if (first.generatedPassword)
    log(
      'warn',
      `first start: created the account "admin" with the password ${first.generatedPassword} (change it after signing in; set CITYTWIN_ADMIN_PASSWORD to choose it)`,
    );
  else log('info', 'first start: created the account "admin" with the password from CITYTWIN_ADMIN_PASSWORD');
}
