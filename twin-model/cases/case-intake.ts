/**
 * Intake: what the hotline sends, validated (zod) and normalised into a {@link CaseIntake}.
 * Two ways in (docs/cases.md#intake):
 *
 * - `POST /api/cases` from the hotline's own system: {@link parseCaseBody}. Strict — an unknown
 *   field is refused, so a misspelt `phone` is not silently dropped with the caller's number.
 * - the v1 events topic `citytwin/v1/events/{source}`, type `citizen_report`:
 *   {@link caseIntakeFromEventPayload}. The v1 fields are read by the same parser as the events
 *   path (twin-model/messages), so a report stored as an event is a case too; optional `caller`,
 *   `address` and `district` extend the payload compatibly. A category that is not a case
 *   category becomes `other`, keeping what was sent.
 *
 * Either way the hotline's own id (`externalId`, the event's `id`) with the source makes intake
 * idempotent: the desk gives back the case it already made (case-desk.ts).
 *
 * Errors quote the bad value and say what is accepted — except for the text, the caller and the
 * address, which are sensitive: their errors say what is wrong without repeating the value.
 */
import { z } from 'zod';
import { DEFAULT_PARSE_LIMITS, decodeJson, parseTimestamp, type ParseLimits } from '../messages/payload-parser.ts';
import { parseEventPayload } from '../messages/record-parsers.ts';
import { quoteValue, valueAt } from '../quote-value.ts';
import { ID_PATTERN } from '../vocabulary.ts';
import { CASE_CATEGORIES, isCaseCategory, type CaseCaller, type CaseIntake } from './case-types.ts';

export const MAX_CASE_TEXT_CHARS = 2000;
export const MAX_ADDRESS_CHARS = 200;
export const MAX_CALLER_NAME_CHARS = 64;

/** Fields whose values are never repeated in an error. */
const SENSITIVE_FIELDS = new Set(['text', 'caller', 'caller.name', 'caller.phone', 'address']);

const PHONE_FORM = '3–20 digits, optionally with a leading + and spaces, dashes, dots or brackets between them';

/**
 * A phone number as the product keeps it: digits, with a leading `+` when given in international
 * form; null when it is not a phone number. `+86 138-0013-8000` → `+8613800138000`.
 */
export function normalizePhone(raw: string): string | null {
  const trimmed = raw.trim();
  if (!/^\+?[\d\s\-.()]+$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 3 || digits.length > 20) return null;
  return (trimmed.startsWith('+') ? '+' : '') + digits;
}

const lng = z.number('a longitude in degrees').finite().min(-180, 'a longitude from -180 to 180').max(180, 'a longitude from -180 to 180');
const lat = z.number('a latitude in degrees').finite().min(-90, 'a latitude from -90 to 90').max(90, 'a latitude from -90 to 90');
const phone = z.string('a phone number').refine((v) => normalizePhone(v) !== null, PHONE_FORM);
const callerSchema = z
  .object({
    name: z.string('a name').trim().max(MAX_CALLER_NAME_CHARS, `at most ${MAX_CALLER_NAME_CHARS} characters`).optional(),
    phone: phone.optional(),
  })
  .strict();
const address = z.string('an address').trim().max(MAX_ADDRESS_CHARS, `at most ${MAX_ADDRESS_CHARS} characters`);
const district = z.string('a district id').trim().min(1, 'a district id').max(64, 'a district id of at most 64 characters');
const sourceId = z.string('a source id').regex(ID_PATTERN, '1–64 characters of A–Z a–z 0–9 . _ -');

/** The body of `POST /api/cases`. */
export const caseBodySchema = z
  .object({
    /** The hotline's own id of the case: intake is idempotent on it (with the source). */
    externalId: sourceId,
    /** The hotline system; defaults to the hotline's registered event source. */
    source: sourceId.optional(),
    category: z.enum(CASE_CATEGORIES, `a case category: ${CASE_CATEGORIES.join(', ')}`),
    text: z.string("the citizen's words").trim().min(1, 'not empty').max(MAX_CASE_TEXT_CHARS, `at most ${MAX_CASE_TEXT_CHARS} characters`),
    caller: callerSchema.optional(),
    lng,
    lat,
    address: address.optional(),
    district: district.optional(),
    severity: z.number().int('a whole number 1–5').min(1, 'a whole number 1–5').max(5, 'a whole number 1–5').optional(),
    /** When the hotline took the call: epoch ms or RFC 3339. */
    receivedAt: z.union([z.number(), z.string()], 'epoch ms or an RFC 3339 date-time such as "2026-07-01T08:00:00+08:00"'),
  })
  .strict();

export type CaseBody = z.input<typeof caseBodySchema>;

/** What is wrong with an intake: the field, what is accepted, and the value when it may be repeated. */
export interface CaseIntakeProblem {
  field: string;
  message: string;
  /** The bad value, quoted and shortened; absent for sensitive fields. */
  value?: string;
}

export type CaseIntakeResult = { ok: true; intake: CaseIntake } | { ok: false; problems: CaseIntakeProblem[] };

function problemsOf(error: z.ZodError, doc: unknown, prefix = ''): CaseIntakeProblem[] {
  return error.issues.slice(0, 8).flatMap((i): CaseIntakeProblem[] => {
    // An unknown key is reported on its parent: one problem per key, each named.
    if (i.code === 'unrecognized_keys') {
      const parent = i.path.map(String).join('.');
      return i.keys.map((k) => ({ field: prefix + (parent ? `${parent}.${k}` : k), message: 'not a field of a case' }));
    }
    const field = prefix + (i.path.map(String).join('.') || 'body');
    const value = valueAt(doc, i.path);
    const sensitive = SENSITIVE_FIELDS.has(field) || [...SENSITIVE_FIELDS].some((f) => field.startsWith(`${f}.`));
    return [{ field, message: i.message, ...(sensitive || value === undefined ? {} : { value: quoteValue(value, 60) }) }];
  });
}

/** One line for an HTTP error or a dead letter: `field: message (found value); …`. */
export function describeIntakeProblems(problems: readonly CaseIntakeProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}${p.value !== undefined ? ` (found ${p.value})` : ''}`).join('; ');
}

function callerOf(c: { name?: string | undefined; phone?: string | undefined } | undefined): CaseCaller {
  return { name: c?.name?.trim() || null, phone: c?.phone === undefined ? null : normalizePhone(c.phone) };
}

export interface CaseBodyOptions {
  /** When the request arrived (ctx time): `receivedAt` may be at most `limits.maxFutureMs` after it. */
  now: number;
  /** The source of a body that names none: the hotline's registered event source. */
  defaultSource: string;
  limits?: ParseLimits;
}

/** Validates a `POST /api/cases` body. */
export function parseCaseBody(body: unknown, options: CaseBodyOptions): CaseIntakeResult {
  const parsed = caseBodySchema.safeParse(body);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error, body) };
  const b = parsed.data;
  const receivedAt = parseTimestamp(b.receivedAt, options.now, options.limits ?? DEFAULT_PARSE_LIMITS, 'receivedAt');
  if (typeof receivedAt !== 'number') return { ok: false, problems: [{ field: 'receivedAt', message: receivedAt.detail }] };
  return {
    ok: true,
    intake: {
      source: b.source ?? options.defaultSource,
      externalId: b.externalId,
      channel: 'http',
      eventType: 'citizen_report',
      category: b.category,
      reportedCategory: null,
      severity: b.severity ?? null,
      text: b.text,
      caller: callerOf(b.caller),
      lng: b.lng,
      lat: b.lat,
      address: b.address || null,
      district: b.district ?? null,
      receivedAt,
    },
  };
}

/** The fields a `citizen_report` event may carry beyond v1 (contracts.md), for its case. */
const eventExtrasSchema = z.object({
  caller: callerSchema.optional(),
  address: address.optional(),
  district: district.optional(),
});

/** Why an event is not a case: not a citizen report. */
export type EventCaseResult = CaseIntakeResult | { ok: false; notACase: true; type: string };

/**
 * The case in a `citytwin/v1/events/{source}` payload: a `citizen_report` becomes a case; any
 * other type is `notACase`. A payload the events path would reject is rejected with its reason.
 */
export function caseIntakeFromEventPayload(
  payload: Uint8Array,
  source: string,
  receivedAt: number,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): EventCaseResult {
  const event = parseEventPayload(payload, source, receivedAt, limits);
  if (!event.ok) return { ok: false, problems: [{ field: 'payload', message: `${event.reason}: ${event.detail}` }] };
  const e = event.event;
  if (e.type !== 'citizen_report') return { ok: false, notACase: true, type: e.type };
  const decoded = decodeJson(payload, limits);
  // parseEventPayload decoded the same bytes a moment ago.
  const doc = decoded.ok ? decoded.value : {};
  const extras = eventExtrasSchema.safeParse(doc);
  if (!extras.success) return { ok: false, problems: problemsOf(extras.error, doc) };
  const x = extras.data;
  const category = e.category ?? 'other';
  const known = isCaseCategory(category);
  return {
    ok: true,
    intake: {
      source,
      externalId: e.id,
      channel: 'mqtt',
      eventType: e.type,
      category: known ? category : 'other',
      reportedCategory: known ? null : category,
      severity: e.severity,
      text: e.text?.trim() ?? '',
      caller: callerOf(x.caller),
      lng: e.lng,
      lat: e.lat,
      address: x.address || null,
      district: x.district ?? null,
      receivedAt: e.ts,
    },
  };
}
