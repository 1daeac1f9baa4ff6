/**
 * The case desk's answers as zod schemas (docs/cases.md): the OpenAPI document describes the
 * `/api/cases…`, `/api/case-departments` and `/api/kpi/cases` answers from them, and each is
 * checked against the wire type its handler returns (web/shared/case-protocol.ts).
 */
import { z } from 'zod';
import {
  CASE_ACTOR_ROLES,
  CASE_CATEGORIES,
  CASE_HAPPENINGS,
  CASE_STATUSES,
  type CaseKpi,
  type CaseView,
  type IncidentProposal,
} from '../../../twin-model/cases/index.ts';
import { INCIDENT_TYPES } from '../../../twin-model/index.ts';
import type { SameShape } from '../../../twin-model/schema-check.ts';
import type {
  CaseCommandResponse,
  CaseDepartmentsResponse,
  CaseDetailResponse,
  CaseIntakeResponse,
  CaseKpiResponse,
  CaseListResponse,
} from '../../shared/case-protocol.ts';

const num = z.number();
const status = z.enum(CASE_STATUSES);
const caseParams = z.record(z.string(), z.union([z.string(), num, z.boolean()]));
const actor = z.object({ user: z.string(), role: z.enum(CASE_ACTOR_ROLES), department: z.string().optional() });

const caseViewFields = {
  level: z.enum(['full', 'sensitive', 'internal']).describe('how much of the case the caller may see'),
  id: z.string(),
  source: z.string(),
  category: z.enum(CASE_CATEGORIES),
  status,
  department: z.string().nullable(),
  round: num,
  severity: num.nullable(),
  receivedAt: num,
  acceptedAt: num.nullable(),
  closedAt: num.nullable(),
  updatedAt: num,
  sla: z.object({
    time: z.enum(['calendar', 'working']),
    acceptH: num,
    replyH: num,
    acceptBy: num.nullable(),
    replyBy: num,
    acceptOverdueAt: num.nullable(),
    replyOverdueAt: num.nullable(),
  }),
  district: z.string().nullable(),
  lng: num.describe('the exact place from `sensitive` on; otherwise the centre of its ≈500 m cell'),
  lat: num,
  placeExact: z.boolean(),
  repeatCount: num,
  incident: z.object({ incidentId: z.string(), how: z.enum(['opened', 'joined']), at: num }).nullable(),
  replied: z.object({ at: num, onTime: z.boolean(), department: z.string() }).nullable(),
  satisfaction: num.nullable(),
  text: z.string().optional(),
  address: z.string().nullable().optional(),
  replyText: z.string().optional(),
  feedbackComment: z.string().nullable().optional(),
  externalId: z.string().optional(),
  caller: z.object({ name: z.string().nullable(), phone: z.string().nullable() }).optional(),
};

/** A case as the caller may see it (twin-model/cases `CaseView`). */
export const caseViewSchema = z.object({
  ...caseViewFields,
  history: z.array(
    z.object({
      at: num,
      actor,
      what: z.enum(CASE_HAPPENINGS),
      reason: z.string().nullable(),
      reasonGiven: z.boolean(),
      params: caseParams,
    }),
  ),
});

/** `GET /api/cases`. */
export const caseListSchema = z.object({
  cases: z.array(z.object({ ...caseViewFields, overdue: z.boolean() })),
  total: num,
  department: z.string().nullable(),
});

const proposalSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('join'),
    incidentId: z.string(),
    incidentType: z.enum(INCIDENT_TYPES),
    why: z.object({
      code: z.enum(['same_district', 'within_radius', 'spill_over']),
      params: z.record(z.string(), z.union([z.string(), num])),
    }),
  }),
  z.object({ kind: z.literal('open'), incidentType: z.enum(INCIDENT_TYPES), automatic: z.boolean(), weight: num, minConfidence: num }),
  z.object({ kind: z.literal('none'), reason: z.enum(['no_incident_type', 'cannot_open']) }),
]);

/** `GET /api/cases/{caseId}`. */
export const caseDetailSchema = z.object({ case: caseViewSchema, overdue: z.boolean(), proposal: proposalSchema.nullable() });

/** `POST /api/cases/{caseId}/commands`. */
export const caseCommandSchema = z.object({ case: caseViewSchema, happened: z.array(z.string()) });

/** `POST /api/cases`. */
export const caseIntakeSchema = z.object({ caseId: z.string(), duplicate: z.boolean(), status, department: z.string().nullable() });

const binding = z.object({ username: z.string(), department: z.string(), changedBy: z.string(), updatedAt: num });

/** `GET /api/case-departments`. */
export const caseDepartmentsSchema = z.object({
  departments: z.array(z.string()),
  namesEn: z
    .array(z.object({ department: z.string(), nameEn: z.string() }))
    .describe("the departments' English names (sources.csv department_en); a department without one is absent"),
  fallback: z.string(),
  mine: z.string().nullable(),
  bindings: z.array(binding).nullable(),
});

/** `POST /api/case-departments/{username}`: the binding as saved (`department: null` unbinds). */
export const caseBindingSchema = binding.extend({ department: z.string().nullable() });

/** Cases per status: every status named (a record keyed by an enum names no properties in JSON Schema). */
const byStatus = z.object({ received: num, assigned: num, accepted: num, replied: num, returned: num, closed: num, reopened: num });
const onTime = z.object({ onTime: num, late: num, rate: num.nullable() });
const satisfaction = z.object({ count: num, average: num.nullable(), distribution: z.tuple([num, num, num, num, num]) });
const caseKpiSchema = z.object({
  total: num,
  byStatus,
  byDepartment: z.array(z.object({ department: z.string(), total: num, byStatus, overdueOpen: num, onTime, satisfaction })),
  unassigned: num,
  onTime,
  satisfaction,
  repeatCases: num,
  repeatPlaces: z.array(
    z.object({ lng: num, lat: num, district: z.string().nullable(), cases: num, repeatCases: num, repeatCallers: num }),
  ),
});

/** `GET /api/kpi/cases`: counts only. */
export const caseKpiResponseSchema = z.object({ at: num, from: num, to: num, kpi: caseKpiSchema, truncated: z.boolean() });

// Compile-time checks: each schema describes exactly its wire type.
const checks: true[] = [
  true satisfies SameShape<z.infer<typeof caseViewSchema>, CaseView>,
  true satisfies SameShape<z.infer<typeof caseListSchema>, CaseListResponse>,
  true satisfies SameShape<z.infer<typeof proposalSchema>, IncidentProposal>,
  true satisfies SameShape<z.infer<typeof caseDetailSchema>, CaseDetailResponse>,
  true satisfies SameShape<z.infer<typeof caseCommandSchema>, CaseCommandResponse>,
  true satisfies SameShape<z.infer<typeof caseIntakeSchema>, CaseIntakeResponse>,
  true satisfies SameShape<z.infer<typeof caseDepartmentsSchema>, CaseDepartmentsResponse>,
  true satisfies SameShape<z.infer<typeof byStatus>, CaseKpi['byStatus']>,
  true satisfies SameShape<z.infer<typeof caseKpiSchema>, CaseKpi>,
  true satisfies SameShape<z.infer<typeof caseKpiResponseSchema>, CaseKpiResponse>,
];
void checks;
