/**
 * The console's socket.io connection: signed in by the session cookie (or a display's token),
 * back to the login page when the session ends, and the incident and unit events fed into
 * their stores, redrawn once per frame however many arrive (a storm links often).
 */
import { io } from 'socket.io-client';
import { fetchVocabulary } from '../backend/api-client.ts';
import { bearerToken, dropDisplayToken, sessionRotating } from '../backend/session.ts';
import { setDeclaredVocabulary } from '../i18n/declared-vocabulary.ts';
import { onEscalations } from '../panels/escalation-badge.ts';
import type { DispatchSection } from '../panels/dispatch-section.ts';
import type { IncidentPanel } from '../panels/incident-panel.ts';
import type { UnitBoard } from '../panels/unit-board.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import type { StreamSocket } from '../stream/live-stream.ts';
import type { UnitStore } from '../stream/unit-store.ts';

export interface ConsoleSocketParts {
  incidentQueue: IncidentQueue;
  unitStore: UnitStore;
  incidents: IncidentPanel | null;
  unitBoard: UnitBoard | null;
  dispatchSection: DispatchSection | null;
  /** Redraws the map's incident and unit layers. */
  drawIncidents(): void;
}

/**
 * WebSocket first, long-polling only where a WebSocket cannot be opened. Started on polling, a
 * console on a big registry took its whole-table snapshot (megabytes) in one poll response behind
 * which the heartbeat's answer waited: on a busy server the answer came late, the server closed
 * the connection, and the console reconnected and asked for the whole table again, and again.
 */
export const CONSOLE_TRANSPORTS = { transports: ['websocket', 'polling'], tryAllTransports: true };

/** Opens the socket (not yet connected: the stream and viewport start it). */
export function openConsoleSocket(parts: ConsoleSocketParts): StreamSocket {
  // The cookie rides on the handshake by itself; a display sends its token.
  const token = bearerToken();
  const socket = io({ autoConnect: false, ...CONSOLE_TRANSPORTS, ...(token ? { auth: { token } } : {}) }) as StreamSocket;
  // A session that ended (logout elsewhere, revoked, expired): back to the login page.
  const signedOut = (): void => {
    // A password change ends this session too and hands out a new one: the dialog reloads.
    if (sessionRotating()) return;
    if (token) dropDisplayToken();
    window.location.reload();
  };
  socket.on('connect_error', (err: Error & { data?: { status?: number } }) => {
    if (err.data?.status === 401) signedOut();
  });
  socket.on('refused', (msg) => {
    if (msg.event === 'connection') signedOut();
    else console.warn(`[citytwin] refused: ${msg.reason}`);
  });
  followIncidents(socket, parts);
  followUnits(socket, parts);
  // "Next escalation in mm:ss" on the queue and the detail (roles with escalations.read).
  socket.on('escalations', onEscalations);
  return socket;
}

/** Queue and rings redraw once per frame. */
function followIncidents(socket: StreamSocket, parts: ConsoleSocketParts): void {
  const { incidentQueue, incidents } = parts;
  let frame = 0;
  const redraw = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      incidents?.redraw();
      parts.drawIncidents();
    });
  };
  socket.on('incidents', (msg) => {
    incidents?.announce(incidentQueue.reset(msg));
    redraw();
  });
  socket.on('incident', (msg) => {
    if (incidentQueue.apply(msg)) incidents?.announce([msg.incident.id]);
    incidents?.changed(msg.incident.id);
    redraw();
  });
}

/** The board, the incident's dispatch section and the map follow the units once per frame. */
function followUnits(socket: StreamSocket, parts: ConsoleSocketParts): void {
  const { unitStore, unitBoard, dispatchSection } = parts;
  let frame = 0;
  let statusChanged = false;
  const changed = (status: boolean): void => {
    statusChanged ||= status;
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const any = statusChanged;
      statusChanged = false;
      unitBoard?.redraw();
      dispatchSection?.unitsChanged(any);
      parts.drawIncidents();
    });
  };
  socket.on('units', (msg) => {
    unitStore.reset(msg);
    changed(true);
  });
  socket.on('unit', (msg) => changed(unitStore.apply(msg).length > 0));
}

/** The vocabulary changed on the server (a kind declared, a vocabulary.json imported): its labels again, then `relabel`. */
export function followVocabulary(socket: StreamSocket, relabel: () => void): void {
  socket.on('vocabulary', () => {
    fetchVocabulary()
      .then((doc) => {
        setDeclaredVocabulary(doc);
        relabel();
      })
      .catch(() => undefined);
  });
}
