/** The audit viewer's ONE state object: the verification of the record and the entries shown. */
import type { Me } from '../backend/session.ts';
import type { CityInfo } from '../../shared/protocol.ts';
import type { AuditEntryView, AuditVerificationView } from '../../shared/audit-protocol.ts';

export type AuditStatus = 'checking' | 'ok' | 'failed' | 'error' | 'denied';

export interface AuditState {
  readonly me: Me;
  readonly city: CityInfo | null;
  /** The city's time zone ('UTC' when the city is not known): every time is shown in it. */
  readonly zone: string;
  status: AuditStatus;
  verification: AuditVerificationView | null;
  verifyError: string | null;
  entries: AuditEntryView[];
  /** The cursor of the next page, or null at the end. */
  next: string | null;
  listError: string | null;
  /** Counts the list's reads: only the answer to the last one is shown. */
  listSeq: number;
  /** The fleet's units by id, their names for a field account's binding (empty without `units.read`). */
  unitNames: Map<string, { zh: string; en: string }>;
  /** The departments' English names by their Chinese name (their id), for a case account's binding (empty without `cases.read`). */
  departmentNamesEn: Map<string, string>;
  ready: boolean;
}

export function createAuditState(me: Me, city: CityInfo | null): AuditState {
  return {
    me,
    city,
    zone: city?.timezone ?? 'UTC',
    status: 'checking',
    verification: null,
    verifyError: null,
    entries: [],
    next: null,
    listError: null,
    listSeq: 0,
    unitNames: new Map(),
    departmentNamesEn: new Map(),
    ready: false,
  };
}
