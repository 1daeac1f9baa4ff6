/**
 * The hotline case (民呼我应, 12345 工单) as the product holds it: what the citizen reported, who
 * handles it, the time limits it runs under, the reply, the citizen's feedback and the incident it
 * belongs to — with the full history of who did what, when and why (docs/cases.md).
 *
 *   received            ──assign──────────────────────►  assigned
 *   assigned            ──accept──►  accepted  ──reply──►  replied  ──close──►  closed  (──feedback)
 *   assigned, accepted  ──return (reason)─────────────►  returned  ──assign──►  assigned
 *   assigned, accepted  ──assign (dispatcher, reason)─►  assigned   (re-assignment)
 *   closed              ──reopen (reason)─────────────►  reopened  ──assign──►  assigned
 *
 * Case text, the caller and the exact place are SENSITIVE (case-view.ts decides who sees them).
 */
import type { EventType } from '../vocabulary.ts';

/** The v1 `citizen_report` categories (contracts.md): an event's category maps to the same case category. */
export const V1_CASE_CATEGORIES = ['waterlogging', 'traffic', 'fire', 'power', 'crowd', 'noise', 'other'] as const;

/**
 * Categories beyond v1 that hotline systems file cases under (the usual 12345 classification of
 * urban-management complaints). The MQTT events topic may carry them too (a category is free
 * text there); an event of a category not listed here becomes an `other` case.
 */
export const EXTRA_CASE_CATEGORIES = [
  'road_damage',
  'streetlight',
  'sanitation',
  'water_supply',
  'gas',
  'pollution',
  'public_transport',
] as const;

export const CASE_CATEGORIES = [...V1_CASE_CATEGORIES, ...EXTRA_CASE_CATEGORIES] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];

export function isCaseCategory(value: unknown): value is CaseCategory {
  return typeof value === 'string' && (CASE_CATEGORIES as readonly string[]).includes(value);
}

/** Bilingual labels of the categories (the case desk, the KPI screen). */
export const CASE_CATEGORY_LABELS: Readonly<Record<CaseCategory, { zh: string; en: string }>> = {
  waterlogging: { zh: '道路积水', en: 'Waterlogging' },
  traffic: { zh: '交通', en: 'Traffic' },
  fire: { zh: '火情', en: 'Fire' },
  power: { zh: '停电', en: 'Power' },
  crowd: { zh: '人员聚集', en: 'Crowd' },
  noise: { zh: '噪声扰民', en: 'Noise' },
  other: { zh: '其他', en: 'Other' },
  road_damage: { zh: '道路设施损坏', en: 'Road damage' },
  streetlight: { zh: '路灯', en: 'Street lighting' },
  sanitation: { zh: '环境卫生', en: 'Sanitation' },
  water_supply: { zh: '供水', en: 'Water supply' },
  gas: { zh: '燃气', en: 'Gas' },
  pollution: { zh: '环境污染', en: 'Pollution' },
  public_transport: { zh: '公共交通', en: 'Public transport' },
};

export const CASE_STATUSES = ['received', 'assigned', 'accepted', 'replied', 'returned', 'closed', 'reopened'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Statuses in which the reply is still owed to the citizen (the reply time limit runs). */
export const REPLY_OWED: ReadonlySet<CaseStatus> = new Set(['received', 'assigned', 'accepted', 'returned', 'reopened']);

/**
 * Who acts on a case:
 * - `system`: the product itself (automatic assignment, the overdue clock, incident links);
 * - `hotline`: the 12345 hotline's own system or its call-takers (intake, the citizen's feedback, reopening);
 * - `dispatcher`: the hotline's dispatch desk (派单): assigns, overrides, re-assigns, closes, reopens;
 * - `department`: a department's case handler, bound to one department (accepts, replies, returns, closes);
 * - `operator`: a command-center operator (links a case to an incident).
 */
export const CASE_ACTOR_ROLES = ['system', 'hotline', 'dispatcher', 'department', 'operator'] as const;
export type CaseActorRole = (typeof CASE_ACTOR_ROLES)[number];

export interface CaseActor {
  /** The user name (or the hotline system's name, or `routing` / `sla-clock` for the product). */
  user: string;
  role: CaseActorRole;
  /** The department a `department` actor belongs to (a catalogue department). */
  department?: string;
}

/** How the case came in. */
export type CaseChannel = 'http' | 'mqtt';

/** The caller. SENSITIVE: shown only to the dispatch desk and the department handling the case. */
export interface CaseCaller {
  name: string | null;
  /** As given, normalised to digits with an optional leading `+`. */
  phone: string | null;
}

/** Where the reported problem is. `lng`/`lat`/`address` are SENSITIVE (they may be a home). */
export interface CasePlace {
  lng: number;
  lat: number;
  address: string | null;
  /** District code (the city model's district id), null when the place is in none. */
  district: string | null;
}

/** The time limits of the current round (deadlines in epoch ms) and the rule they came from. */
export interface CaseSla {
  /** The category's rule in force (`calendar` or `working` time). */
  time: 'calendar' | 'working';
  acceptH: number;
  replyH: number;
  /** When the current assignment must be accepted; null while unassigned. */
  acceptBy: number | null;
  /** When the citizen must have the reply (from receipt, or from the reopening). */
  replyBy: number;
  /** When each limit was found missed (set once per assignment / round). */
  acceptOverdueAt: number | null;
  replyOverdueAt: number | null;
}

export interface CaseReply {
  text: string;
  at: number;
  by: string;
  department: string;
  /** Replied by `replyBy`. */
  onTime: boolean;
}

export interface CaseFeedback {
  /** 1 (very dissatisfied) … 5 (very satisfied). */
  satisfaction: number;
  /** SENSITIVE. */
  comment: string | null;
  at: number;
}

/** The repeat marker: earlier cases of the same category from the same caller or the same place. */
export interface CaseRepeat {
  /** How many earlier cases matched within the window. */
  count: number;
  /** The earliest of them. */
  firstCaseId: string;
  byCaller: boolean;
  byPlace: boolean;
}

export interface CaseIncidentLink {
  incidentId: string;
  /** The case opened the incident, or joined one already open. */
  how: 'opened' | 'joined';
  at: number;
}

/** What happened to a case (each is also the emitted event `case_<what>`). */
export const CASE_HAPPENINGS = [
  'received',
  'assigned',
  'accepted',
  'returned',
  'replied',
  'closed',
  'feedback',
  'reopened',
  'incident_linked',
  'overdue',
] as const;
export type CaseHappening = (typeof CASE_HAPPENINGS)[number];

export type CaseParams = Record<string, string | number | boolean>;

/** One entry of a case's history: who, when, what, why. */
export interface CaseHistoryEntry {
  at: number;
  actor: CaseActor;
  what: CaseHappening;
  /** The reason a person gave (return, override, re-assignment, reopening). May quote the citizen: SENSITIVE. */
  reason: string | null;
  /** Codes and values (department, stage, rule …), worded at the edge. */
  params: CaseParams;
}

export interface HotlineCase {
  /** `case-YYYYMMDD-NNNNN`: the day of intake in the city's time zone, then a number within the day. */
  id: string;
  /** The hotline's own id for the case (idempotent intake): the source it came from and that id. */
  externalRef: { source: string; id: string };
  /** The source the case came from (the `{source}` of the events topic, or the hotline system over HTTP). */
  source: string;
  channel: CaseChannel;
  category: CaseCategory;
  /** The category as the report gave it, when it was not a case category (then `category` is `other`). */
  reportedCategory: string | null;
  /** Urgency the hotline gave (1–5), when it did. */
  severity: number | null;
  /** What the citizen said. SENSITIVE. */
  text: string;
  caller: CaseCaller;
  /** Keyed hash of the normalised phone (phone-hash.ts): repeat detection and KPI, never the phone. */
  callerHash: string | null;
  place: CasePlace;
  /** When the hotline took the case (epoch ms). */
  receivedAt: number;
  status: CaseStatus;
  /** The department the case is with (or was last with, once closed or reopened); null while unassigned or returned. */
  department: string | null;
  /** 1, then +1 at every reopening. */
  round: number;
  sla: CaseSla;
  acceptedAt: number | null;
  reply: CaseReply | null;
  closedAt: number | null;
  feedback: CaseFeedback | null;
  repeat: CaseRepeat | null;
  incident: CaseIncidentLink | null;
  history: CaseHistoryEntry[];
  updatedAt: number;
}

/** A case as it enters: validated and normalised by case-intake.ts. */
export interface CaseIntake {
  source: string;
  externalId: string;
  channel: CaseChannel;
  /** The event type it came as (MQTT), `citizen_report` for HTTP. */
  eventType: EventType;
  category: CaseCategory;
  reportedCategory: string | null;
  severity: number | null;
  text: string;
  caller: CaseCaller;
  lng: number;
  lat: number;
  address: string | null;
  /** As given; the desk fills it from the city's districts when absent. */
  district: string | null;
  receivedAt: number;
}

/** The clock of the pure case code: no `Date.now()` inside. */
export interface CaseContext {
  now(): number;
}
