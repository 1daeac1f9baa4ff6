/**
 * The public-warning answers as zod schemas (docs/cap.md): the OpenAPI document describes the
 * `/api/cap…` answers from them, each checked against its wire type (cap-protocol.ts).
 */
import { z } from 'zod';
import type { SameShape } from '../../twin-model/schema-check.ts';
import type { CapHistoryEntry, CapRecordView, WarningAreaView } from './cap-protocol.ts';

const num = z.number();
const lngLat = z.tuple([num, num]);
const msgType = z.enum(['Alert', 'Update', 'Cancel', 'Ack', 'Error']);

/** A record on the warning desk. */
export const capRecordViewSchema = z.object({
  identifier: z.string(),
  state: z.enum(['draft', 'approved', 'rejected', 'published', 'superseded', 'cancelled']),
  msgType,
  status: z.string(),
  sent: z.string(),
  incidentId: z.string().nullable(),
  draftedBy: z.string(),
  draftedAt: num,
  authors: z.array(z.string()),
  approvedBy: z.string().nullable(),
  approvedAt: num.nullable(),
  rejectedBy: z.string().nullable(),
  rejectedAt: num.nullable(),
  rejectReason: z.string().nullable(),
  publishedBy: z.string().nullable(),
  publishedAt: num.nullable(),
  supersededBy: z.string().nullable(),
  references: z.array(z.string()).describe('`sender,identifier,sent` of each message it follows'),
  texts: z.array(
    z.object({
      language: z.string(),
      event: z.string(),
      headline: z.string().nullable(),
      description: z.string().nullable(),
      instruction: z.string().nullable(),
    }),
  ),
  severity: z.string(),
  urgency: z.string(),
  certainty: z.string(),
  expires: z.string().nullable(),
  areaDesc: z.string(),
  note: z.string().nullable(),
  xml: z.string().describe('the alert as CAP 1.2 XML'),
});

/** One action on a record. */
export const capHistoryEntrySchema = z.object({ at: num, actor: z.string(), action: z.string(), state: z.string() });

/** An official warning in force, or one of CityTwin's own published alerts, as an area on the map. */
export const warningAreaViewSchema = z.object({
  key: z.string(),
  sender: z.string(),
  identifier: z.string(),
  sent: z.string(),
  msgType: z.string(),
  status: z.string(),
  kind: z.string(),
  colour: z.string().nullable(),
  severity: z.string(),
  urgency: z.string(),
  certainty: z.string(),
  own: z.boolean(),
  active: z.boolean(),
  effective: num,
  expires: num.nullable(),
  senderName: z.string().nullable(),
  texts: z.array(z.object({ language: z.string(), event: z.string(), headline: z.string().optional(), areaDesc: z.string() })),
  rings: z.array(z.array(lngLat)).describe('polygons as closed [lng, lat] rings'),
  circles: z.array(z.object({ center: lngLat, radiusM: num })),
  bbox: z.tuple([num, num, num, num]).nullable(),
});

// Compile-time checks: each schema describes exactly its wire type.
const checks: true[] = [
  true satisfies SameShape<z.infer<typeof capRecordViewSchema>, CapRecordView>,
  true satisfies SameShape<z.infer<typeof capHistoryEntrySchema>, CapHistoryEntry>,
  true satisfies SameShape<z.infer<typeof warningAreaViewSchema>, WarningAreaView>,
];
void checks;
