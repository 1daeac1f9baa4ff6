/**
 * The audit record over HTTP (admin): the entries with filters, the verification of the chain,
 * the checkpoints and the domain rows they bind to, and the public key of the checkpoints.
 */
import { z } from 'zod';
import type { AuditInput } from '../../../twin-model/audit/audit-log.ts';
import { CHECKPOINT_VERSION } from '../../../twin-model/audit/checkpoint.ts';
import { topics } from '../../../twin-model/index.ts';
import { AUDIT_STREAM_NAMES, type AuditEntriesResponse, type AuditVerificationView } from '../../shared/audit-protocol.ts';
import { auditEntriesSchema, auditVerificationSchema } from '../../shared/api-schemas.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import type { AuditService } from './audit-service.ts';

/** Where an action taken over HTTP is recorded (the audit service, or nothing). */
export interface AuditRecorder {
  record(input: AuditInput): unknown;
}

export interface AuditRouteDeps {
  audit: AuditService;
}

const before = z
  .string()
  .regex(/^\d{1,15}:\d{1,15}$/, 'must be "at:seq" as given in `next`')
  .transform((v) => {
    const [at, seq] = v.split(':').map(Number);
    return { at: at!, seq: seq! };
  });

const chainHead = z.object({ seq: z.number(), hash: z.string() });
/** `GET /api/audit/key`: what a verifier outside the system needs. */
const auditKeySchema = z.object({
  chain: z.string(),
  publicKey: z.string().describe('SPKI PEM'),
  checkpointTopic: z.string(),
  lastCheckpoint: z
    .object({
      v: z.literal(CHECKPOINT_VERSION),
      chain: z.string(),
      seq: z.number(),
      hash: z.string(),
      dispatch: chainHead.nullable(),
      at: z.number(),
      node: z.string(),
      sig: z.string().describe('Ed25519 signature (base64) over the canonical JSON of the other fields'),
    })
    .nullable(),
});

export function auditRoutes(deps: AuditRouteDeps): Route[] {
  const { audit } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/audit/entries',
      operationId: 'listAuditEntries',
      response: auditEntriesSchema,
      permission: 'audit.read',
      tag: 'audit',
      summary:
        'The audit record of every action, newest first: incident actions, dispatch, logins and security events, configuration changes, exports',
      description:
        "`stream` (incident, dispatch, security, config, city, export, audit, shift) and `action` (the stream's verb: `acknowledged`, `assign`, `login_failed` …) match exactly; `actor` matches part of the name, case-insensitive; `from`/`to` (epoch ms or RFC 3339) bound the time. `next` in the answer, given as `before`, continues the list.",
      returns: 'AuditEntriesResponse { entries: [{ chain, seq, at, actor, stream, action, object, detail, data, hash }], next }',
      query: z.object({
        stream: z.enum(AUDIT_STREAM_NAMES).optional(),
        action: z
          .string()
          .regex(/^[a-z_]{1,40}$/, 'must be an action name such as acknowledged or login_failed')
          .optional(),
        actor: z.string().min(1).max(64).optional(),
        from: timeParam.optional(),
        to: timeParam.optional(),
        before: before.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
      }),
      handler: async ({ query }): Promise<AuditEntriesResponse> => {
        if (query.from !== undefined && query.to !== undefined && query.from > query.to)
          throw new HttpError(400, `from (${query.from}) is after to (${query.to})`);
        // What was just done is listed: entries are written in batches.
        await audit.flush();
        const entries = await audit.store.list({
          ...(query.stream ? { stream: query.stream } : {}),
          ...(query.action ? { action: query.action } : {}),
          ...(query.actor ? { actor: query.actor } : {}),
          ...(query.from !== undefined ? { from: query.from } : {}),
          ...(query.to !== undefined ? { to: query.to } : {}),
          ...(query.before ? { before: query.before } : {}),
          limit: query.limit,
        });
        const last = entries.at(-1);
        return {
          entries: entries.map(({ prevHash: _prev, ...e }) => e),
          next: last && entries.length === query.limit ? `${last.at}:${last.seq}` : null,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/audit/verify',
      operationId: 'verifyAudit',
      response: auditVerificationSchema,
      permission: 'audit.read',
      tag: 'audit',
      summary:
        'Verifies the audit record now: the chain against every signed checkpoint, the dispatch log, and the incident history, dispatch log and security events it binds to',
      description:
        'Problems are `{stream, kind, seq, detail}`: kind `altered`, `missing`, `reordered`, `bad_start` (the chains), `unaudited` (a domain row no entry claims: inserted or rewritten), `bad_checkpoint`, `no_checkpoint`, `foreign_chain`. A failed verification degrades `/api/health` and records an `audit_tampering` security event.',
      returns: 'AuditVerificationView { ok, at, problems, chain, chains, dispatch, checkpoints, publicKey }',
      handler: async (): Promise<AuditVerificationView> => ({ ...(await audit.verify()), publicKey: audit.keys.publicPem }),
    }),
    route({
      method: 'GET',
      path: '/api/audit/key',
      operationId: 'getAuditKey',
      response: auditKeySchema,
      permission: 'audit.read',
      tag: 'audit',
      summary: 'The Ed25519 public key the checkpoints are signed with, the chain it names, and the last checkpoint',
      returns: '{ chain, publicKey (SPKI PEM), checkpointTopic, lastCheckpoint }',
      handler: () => {
        const valid = audit.validCheckpoints();
        return {
          chain: audit.chain,
          publicKey: audit.keys.publicPem,
          checkpointTopic: topics.auditCheckpoints(audit.chain),
          lastCheckpoint: valid.at(-1) ?? null,
        };
      },
    }),
  ];
}
