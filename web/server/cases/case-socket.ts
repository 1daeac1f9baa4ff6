/**
 * The case desks' live updates on socket.io (docs/cases.md#live-updates): after every change the
 * writer makes, each web node sends its own clients the `case` event, one case as each may see it
 * — the same view as `GET /api/cases` (twin-model/cases/case-view.ts): the dispatch desk every
 * case, a department's handler only the cases with its department (and a `case: null` when its
 * department no longer has one), other staff no caller, below `internal` clearance nothing.
 *
 * Sockets with `cases.read` join one room per seat and clearance (`cases:m<mask>:<seat>`); the
 * view is made once per room. A handler's department is read when the socket connects: a binding
 * changed later counts from its next connection.
 */
import type { Server, Socket } from 'socket.io';
import { caseView, type CaseChange } from '../../../twin-model/cases/index.ts';
import type { Classification } from '../../../twin-model/index.ts';
import { caseListItemOf, type CaseUpdateMessage } from '../../shared/case-protocol.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts';
import type { Principal } from '../auth/auth-types.ts';
import { clearanceMask } from '../auth/classification.ts';
import type { InterServerEvents } from '../cluster/cluster-bus.ts';
import { caseSeatOf, caseViewerFor, type CaseSeat } from './case-commands.ts';
import type { CaseService } from './case-service.ts';
import type { DepartmentBindings } from './department-bindings.ts';

type AnyServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;
type AnySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;

interface CaseRoom {
  clearance: readonly Classification[];
  seat: CaseSeat;
}

export interface CaseSockets {
  /** Puts a socket whose principal holds `cases.read` in its room (after its department is read). */
  join(socket: AnySocket, principal: Principal): Promise<void>;
  stop(): void;
}

/** The room of a seat at a clearance, or null when the seat sees no case (a handler not bound yet). */
export function caseRoomOf(seat: CaseSeat, clearance: readonly Classification[]): string | null {
  if (!seat.desk && !seat.staff && seat.department === null) return null;
  return `cases:m${clearanceMask(clearance)}:${seat.desk ? 'desk' : ''}${seat.staff ? 'staff' : ''}:${seat.department ?? ''}`;
}

/** What one room is sent of one change, or null when nothing. */
export function caseUpdateFor(room: CaseRoom, change: CaseChange, serverTime: number): CaseUpdateMessage | null {
  const viewer = caseViewerFor(room.seat, change.case);
  const view = viewer ? caseView(change.case, room.clearance, viewer) : null;
  if (view) return { serverTime, caseId: change.case.id, case: caseListItemOf(view), happened: change.happened };
  // The department's page drops a case it no longer has; no one else hears of it.
  if (room.seat.department !== null && change.left.includes(room.seat.department))
    return { serverTime, caseId: change.case.id, case: null, happened: change.happened };
  return null;
}

/**
 * Follows the case desk's changes on this node (`io.local`: every node hands the writer's changes
 * to its own clients, cluster-bus.ts).
 */
export function followCaseDesk(io: AnyServer, cases: CaseService, bindings: DepartmentBindings): CaseSockets {
  const rooms = new Map<string, CaseRoom>();
  const stop = cases.onCaseChanges((changes) => {
    const now = Date.now();
    for (const [name, room] of rooms) {
      if (!io.of('/').adapter.rooms.has(name)) continue;
      for (const change of changes) {
        const msg = caseUpdateFor(room, change, now);
        if (msg) io.local.to(name).emit('case', msg);
      }
    }
  });
  return {
    async join(socket, principal) {
      const department = principal.roles.includes('department') ? await bindings.departmentOf(principal.username) : null;
      const seat = caseSeatOf(principal, department);
      const name = caseRoomOf(seat, principal.clearance);
      if (name === null || socket.disconnected) return;
      if (!rooms.has(name)) rooms.set(name, { clearance: principal.clearance, seat });
      await socket.join(name);
    },
    stop,
  };
}
