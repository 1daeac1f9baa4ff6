/**
 * The shift log between web nodes (docs/shifts.md): every write is carried out by the node holding
 * the writer lease, as incident actions are, so entry and shift numbers are taken in one place —
 * two nodes writing at once never take the same number nor leave a gap. Here: a shift as the
 * routes and the writer's answers carry it, the commands forwarded to the writer, its answers, and
 * the entries it publishes for the other nodes to keep.
 */
import { z } from 'zod';
import { handoverSummarySchema, SHIFT_ENTRY_KINDS, type ShiftRecord } from '../../../twin-model/index.ts';
import type { SameShape } from '../../../twin-model/schema-check.ts';

/** A shift as it stands (twin-model/shifts `ShiftRecord`). */
export const shiftRecordSchema = z.object({
  id: z.string(),
  lead: z.string(),
  openedAt: z.number(),
  status: z.enum(['open', 'handed_over', 'signed_off']),
  notes: z.array(z.object({ seq: z.number(), at: z.number(), author: z.string(), text: z.string() })),
  handover: z
    .object({ at: z.number(), by: z.string(), incomingLead: z.string(), note: z.string(), summary: handoverSummarySchema })
    .nullable(),
  signOff: z.object({ at: z.number(), by: z.string(), note: z.string() }).nullable(),
});
const shiftRecordChecked: SameShape<z.infer<typeof shiftRecordSchema>, ShiftRecord> = true;
void shiftRecordChecked;

/** A write in the shift log, forwarded to the writer. */
export const shiftCommandSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('note'), actor: z.string(), text: z.string() }),
  z.object({ action: z.literal('handover'), actor: z.string(), incomingLead: z.string(), note: z.string() }),
  z.object({ action: z.literal('sign_off'), actor: z.string(), shiftId: z.string(), note: z.string() }),
]);
export type ShiftCommand = z.infer<typeof shiftCommandSchema>;

/** One stored entry as the writer publishes it; its body is checked against its kind's schema by the node that keeps it. */
export const shiftEntrySchema = z.object({
  shiftId: z.string(),
  seq: z.number().int().min(1),
  at: z.number(),
  actor: z.string(),
  kind: z.enum(SHIFT_ENTRY_KINDS),
  body: z.unknown(),
});

export const SHIFT_REFUSAL_CODES = ['conflict', 'forbidden', 'not_found'] as const;
