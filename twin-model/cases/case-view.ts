/**
 * What a viewer may see of a case (分级分类, docs/cases.md#privacy). A case has two layers:
 *
 * - the case record — number, category, status, department, district, times, time limits,
 *   overdue marks, repeat count, incident link, satisfaction score, who did what when: `internal`
 *   (staff, never a wall screen in a public hall);
 * - what the citizen said and where — the text, the exact place and address, the reply text,
 *   the feedback comment, the reasons people gave (they quote the citizen): `sensitive`.
 *
 * And the caller (name, phone) is on a need-to-know basis on top of `sensitive`: only those who
 * call the citizen back — the hotline's dispatch desk and the department the case is with.
 *
 * A department sees ONLY its own cases (those with it now, or closed or reopened with it last);
 * another department's case is not shown at all. Below `internal` clearance no case is shown;
 * aggregates (case-kpi.ts) are what such screens get.
 */
import type { Classification } from '../vocabulary.ts';
import type {
  CaseActor,
  CaseCaller,
  CaseCategory,
  CaseHappening,
  CaseIncidentLink,
  CaseParams,
  CaseSla,
  CaseStatus,
  HotlineCase,
} from './case-types.ts';

/** Who looks: the hotline's desk, a department (bound to one), or anyone else on staff (operators, analysts, leaders). */
export type CaseViewer = { role: 'hotline_desk' } | { role: 'department'; department: string } | { role: 'staff' };

/** How much of the case a view shows. */
export type CaseViewLevel = 'full' | 'sensitive' | 'internal';

/** Places in internal views are snapped to cells of this size (metres, about). */
export const COARSE_PLACE_M = 500;

export interface CaseViewHistoryEntry {
  at: number;
  actor: CaseActor;
  what: CaseHappening;
  /** The reason, from `sensitive` on; otherwise only whether one was given. */
  reason: string | null;
  reasonGiven: boolean;
  params: CaseParams;
}

export interface CaseView {
  level: CaseViewLevel;
  id: string;
  source: string;
  category: CaseCategory;
  status: CaseStatus;
  department: string | null;
  round: number;
  severity: number | null;
  receivedAt: number;
  acceptedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
  sla: CaseSla;
  district: string | null;
  /** The exact place from `sensitive` on; otherwise the centre of its ≈500 m cell. */
  lng: number;
  lat: number;
  placeExact: boolean;
  repeatCount: number;
  incident: CaseIncidentLink | null;
  replied: { at: number; onTime: boolean; department: string } | null;
  satisfaction: number | null;
  history: CaseViewHistoryEntry[];
  /** From `sensitive` on. */
  text?: string;
  address?: string | null;
  replyText?: string;
  feedbackComment?: string | null;
  externalId?: string;
  /** `full` only: the hotline desk, and the department the case is with. */
  caller?: CaseCaller;
}

const M_PER_DEG = 111_320;

/** The ≈`cellM` grid cell a place falls in: rows of latitude, columns scaled for the row's latitude. */
export function coarseCell(lng: number, lat: number, cellM = COARSE_PLACE_M): { x: number; y: number } {
  const dLat = cellM / M_PER_DEG;
  const y = Math.floor(lat / dLat);
  const dLng = cellM / (M_PER_DEG * Math.max(0.05, Math.cos(((y + 0.5) * dLat * Math.PI) / 180)));
  return { x: Math.floor(lng / dLng), y };
}

/** The centre of a grid cell (five decimals). */
export function cellCentre(x: number, y: number, cellM = COARSE_PLACE_M): { lng: number; lat: number } {
  const dLat = cellM / M_PER_DEG;
  const centreLat = (y + 0.5) * dLat;
  const dLng = cellM / (M_PER_DEG * Math.max(0.05, Math.cos((centreLat * Math.PI) / 180)));
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  return { lng: round((x + 0.5) * dLng), lat: round(centreLat) };
}

/** The centre of the ≈`cellM` cell a place falls in. */
export function coarsePlace(lng: number, lat: number, cellM = COARSE_PLACE_M): { lng: number; lat: number } {
  const { x, y } = coarseCell(lng, lat, cellM);
  return cellCentre(x, y, cellM);
}

/** Whether the case is the department's: with it now, or last with it (closed, reopened). */
export function isDepartmentCase(c: HotlineCase, department: string): boolean {
  return c.department === department;
}

/**
 * The case as `viewer` with `clearance` may see it, or null when it may see nothing of it.
 */
export function caseView(c: HotlineCase, clearance: readonly Classification[], viewer: CaseViewer): CaseView | null {
  if (!clearance.includes('internal')) return null;
  if (viewer.role === 'department' && !isDepartmentCase(c, viewer.department)) return null;
  const sensitive = clearance.includes('sensitive');
  const needToKnow = viewer.role === 'hotline_desk' || viewer.role === 'department';
  const level: CaseViewLevel = sensitive ? (needToKnow ? 'full' : 'sensitive') : 'internal';
  const place = sensitive ? { lng: c.place.lng, lat: c.place.lat } : coarsePlace(c.place.lng, c.place.lat);
  const view: CaseView = {
    level,
    id: c.id,
    source: c.source,
    category: c.category,
    status: c.status,
    department: c.department,
    round: c.round,
    severity: c.severity,
    receivedAt: c.receivedAt,
    acceptedAt: c.acceptedAt,
    closedAt: c.closedAt,
    updatedAt: c.updatedAt,
    sla: { ...c.sla },
    district: c.place.district,
    lng: place.lng,
    lat: place.lat,
    placeExact: sensitive,
    repeatCount: c.repeat?.count ?? 0,
    incident: c.incident ? { ...c.incident } : null,
    replied: c.reply ? { at: c.reply.at, onTime: c.reply.onTime, department: c.reply.department } : null,
    satisfaction: c.feedback?.satisfaction ?? null,
    history: c.history.map((h) => ({
      at: h.at,
      actor: { ...h.actor },
      what: h.what,
      reason: sensitive ? h.reason : null,
      reasonGiven: h.reason !== null,
      params: { ...h.params },
    })),
  };
  if (sensitive) {
    view.text = c.text;
    view.address = c.place.address;
    view.externalId = c.externalRef.id;
    if (c.reply) view.replyText = c.reply.text;
    if (c.feedback) view.feedbackComment = c.feedback.comment;
  }
  if (level === 'full') view.caller = { ...c.caller };
  return view;
}
