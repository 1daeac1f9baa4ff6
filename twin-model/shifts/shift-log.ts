/**
 * The command centre's shift log (docs/shifts.md): a shift is opened by its lead, collects notes,
 * is handed over with an automatic summary of what the incoming shift inherits — open incidents
 * by severity, type and district, the ones nobody acknowledged, the units out — and is signed off
 * by the incoming lead, a second person, whose shift then begins.
 *
 * A shift's history is a list of entries (opened, note, handover, signed_off), each stored as a
 * row with a versioned JSON body; the shift as it stands is folded from them here. Pure.
 */
import { z } from 'zod';
import type { Incident } from '../incidents/incident-correlator.ts';
import type { ResponseUnit } from '../dispatch/unit-types.ts';

export const SHIFT_ENTRY_KINDS = ['opened', 'note', 'handover', 'signed_off'] as const;
export type ShiftEntryKind = (typeof SHIFT_ENTRY_KINDS)[number];

/** The schema version written with every entry body. */
export const SHIFT_BODY_VERSION = 1;

/** What the incoming shift inherits, computed when the shift is handed over. */
export interface HandoverSummary {
  /** Epoch ms the summary was taken. */
  at: number;
  openIncidents: number;
  /** Open (or acknowledged) incidents by severity 1–5. */
  bySeverity: Record<string, number>;
  byType: Record<string, number>;
  /** By district code (`none` for incidents without a district). */
  byDistrict: Record<string, number>;
  /** Open incidents nobody acknowledged yet, most severe first. */
  unacknowledged: Array<{ id: string; type: string; severity: number; district: string | null; openedAt: number }>;
  /** Units not available at their station: on a job, returning, or out of service. */
  unitsOut: Array<{ unitId: string; kind: string; status: string; incidentId: string | null }>;
}

/** A handover summary (stored in the handover entry's body, and answered by the shift routes). */
export const handoverSummarySchema = z.object({
  at: z.number(),
  openIncidents: z.number().int().min(0),
  bySeverity: z.record(z.string(), z.number()),
  byType: z.record(z.string(), z.number()),
  byDistrict: z.record(z.string(), z.number()),
  unacknowledged: z.array(
    z.object({ id: z.string(), type: z.string(), severity: z.number(), district: z.string().nullable(), openedAt: z.number() }),
  ),
  unitsOut: z.array(z.object({ unitId: z.string(), kind: z.string(), status: z.string(), incidentId: z.string().nullable() })),
});

/** The body of each kind of entry (stored as JSON with `v`). */
export const shiftBodySchemas = {
  opened: z.object({ v: z.literal(1), lead: z.string() }),
  note: z.object({ v: z.literal(1), text: z.string() }),
  handover: z.object({ v: z.literal(1), incomingLead: z.string(), note: z.string(), summary: handoverSummarySchema }),
  signed_off: z.object({ v: z.literal(1), note: z.string() }),
} as const;
export type ShiftBody<K extends ShiftEntryKind> = z.infer<(typeof shiftBodySchemas)[K]>;

/** One stored entry of a shift. */
export interface ShiftEntry {
  shiftId: string;
  /** 1, 2, 3 … within the shift. */
  seq: number;
  at: number;
  actor: string;
  kind: ShiftEntryKind;
  body: ShiftBody<ShiftEntryKind>;
}

export type ShiftStatus = 'open' | 'handed_over' | 'signed_off';

/** A shift as it stands. */
export interface ShiftRecord {
  id: string;
  lead: string;
  openedAt: number;
  status: ShiftStatus;
  notes: Array<{ seq: number; at: number; author: string; text: string }>;
  handover: { at: number; by: string; incomingLead: string; note: string; summary: HandoverSummary } | null;
  signOff: { at: number; by: string; note: string } | null;
}

export class ShiftLogError extends Error {
  constructor(
    message: string,
    /** `conflict`: the shift is not in a state that allows it; `forbidden`: not this person. */
    readonly code: 'conflict' | 'forbidden' | 'not_found',
  ) {
    super(message);
  }
}

/** `shift-000012`. */
export function shiftId(n: number): string {
  return `shift-${String(n).padStart(6, '0')}`;
}

export const SHIFT_ID_PATTERN = /^shift-\d{6,}$/;

/** The number of a shift id (0 for anything else). */
export function shiftNumber(id: string): number {
  return SHIFT_ID_PATTERN.test(id) ? Number(id.slice('shift-'.length)) : 0;
}

/** A stored entry body validated against its kind's schema; throws naming the shift, entry and problem. */
export function parseShiftBody<K extends ShiftEntryKind>(kind: K, json: string, where: string): ShiftBody<K> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`${where}: the body is not JSON (${(err as Error).message})`);
  }
  const v = (doc as { v?: unknown } | null)?.v;
  if (v !== SHIFT_BODY_VERSION)
    throw new Error(`${where}: body version ${JSON.stringify(v)}; this CityTwin reads version ${SHIFT_BODY_VERSION}`);
  const parsed = shiftBodySchemas[kind].safeParse(doc);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data as ShiftBody<K>;
}

/** A shift folded from its entries (in seq order); null when they do not begin with `opened`. */
export function foldShift(entries: readonly ShiftEntry[]): ShiftRecord | null {
  const first = entries[0];
  if (first?.kind !== 'opened') return null;
  const shift: ShiftRecord = {
    id: first.shiftId,
    lead: (first.body as ShiftBody<'opened'>).lead,
    openedAt: first.at,
    status: 'open',
    notes: [],
    handover: null,
    signOff: null,
  };
  for (const e of entries.slice(1)) {
    switch (e.kind) {
      case 'opened':
        break;
      case 'note':
        shift.notes.push({ seq: e.seq, at: e.at, author: e.actor, text: (e.body as ShiftBody<'note'>).text });
        break;
      case 'handover': {
        const b = e.body as ShiftBody<'handover'>;
        shift.handover = { at: e.at, by: e.actor, incomingLead: b.incomingLead, note: b.note, summary: b.summary };
        shift.status = 'handed_over';
        break;
      }
      case 'signed_off':
        shift.signOff = { at: e.at, by: e.actor, note: (e.body as ShiftBody<'signed_off'>).note };
        shift.status = 'signed_off';
        break;
      default: {
        const never: never = e.kind;
        throw new Error(`unknown shift entry ${JSON.stringify(never)}`);
      }
    }
  }
  return shift;
}

const ACTIVE = new Set(['open', 'acknowledged']);

/** The handover summary of the incidents and units as they are at `at`. */
export function handoverSummary(incidents: readonly Incident[], units: readonly ResponseUnit[], at: number): HandoverSummary {
  const active = incidents.filter((i) => ACTIVE.has(i.status));
  const count = (key: (i: Incident) => string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const i of active) out[key(i)] = (out[key(i)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  };
  return {
    at,
    openIncidents: active.length,
    bySeverity: count((i) => String(i.severity)),
    byType: count((i) => i.type),
    byDistrict: count((i) => i.district ?? 'none'),
    unacknowledged: active
      .filter((i) => i.status === 'open')
      .sort((a, b) => b.severity - a.severity || a.openedAt - b.openedAt || a.id.localeCompare(b.id))
      .map((i) => ({ id: i.id, type: i.type, severity: i.severity, district: i.district, openedAt: i.openedAt })),
    unitsOut: units
      .filter((u) => u.status !== 'available')
      .map((u) => ({ unitId: u.id, kind: u.kind, status: u.status, incidentId: u.incidentId ?? null }))
      .sort((a, b) => a.unitId.localeCompare(b.unitId)),
  };
}

/**
 * Checks a sign-off: the shift must be handed over and not yet signed; the one signing must be
 * the incoming lead named at the handover and not the person who handed it over.
 */
export function checkSignOff(shift: ShiftRecord, actor: string): void {
  if (shift.status === 'open') throw new ShiftLogError(`${shift.id} has not been handed over yet; hand it over first`, 'conflict');
  if (shift.status === 'signed_off') throw new ShiftLogError(`${shift.id} was signed off by ${shift.signOff!.by} already`, 'conflict');
  const h = shift.handover!;
  if (actor === h.by)
    throw new ShiftLogError(`${actor} handed ${shift.id} over; the incoming lead, a second person, signs it off`, 'forbidden');
  if (actor !== h.incomingLead)
    throw new ShiftLogError(
      `${shift.id} was handed over to ${h.incomingLead}; only ${h.incomingLead} can sign it off, not ${actor}`,
      'forbidden',
    );
}
