/** The field page's ONE state object: the crew's unit and assignment as last read, and what the crew is doing with the buttons. */
import type { Me } from '../backend/session.ts';
import type { FieldAssignmentResponse } from '../../shared/field-protocol.ts';

export interface FieldState {
  readonly me: Me;
  /** The account may act for a unit (`field.unit`); the page only says why not otherwise. */
  readonly allowed: boolean;
  /** The unit, its assignment and the statuses it may take next, as last read; null before the first read. */
  assignment: FieldAssignmentResponse | null;
  /** Why the last read failed, or null. */
  loadError: string | null;
  /** The outcome of the last status change. */
  notice: { ok: boolean; text: string } | null;
  /** A status change is on its way: the buttons wait. */
  busy: boolean;
  ready: boolean;
}

export function createFieldState(me: Me): FieldState {
  return { me, allowed: me.permissions.includes('field.unit'), assignment: null, loadError: null, notice: null, busy: false, ready: false };
}
