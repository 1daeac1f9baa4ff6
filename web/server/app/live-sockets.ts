/**
 * The socket.io live stream of the web server: what a client gets on connecting (its view's
 * snapshot or catch-up, its clearance's incident room, escalations, units), the incident rooms
 * per clearance, unit changes in batches, and the timers of deltas, viewport cells and stats.
 */
import type { Server as SocketServer, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  EscalationsMessage,
  IncidentEscalationView,
  IncidentUpdateMessage,
  IncidentView,
  ResumeRequest,
  ServerToClientEvents,
} from '../../shared/protocol.ts';
import { clearanceMask } from '../auth/classification.ts';
import type { SocketAuth } from '../auth/socket-auth.ts';
import type { InterServerEvents } from '../cluster/cluster-bus.ts';
import { unitView } from '../dispatch/dispatch-routes.ts';
import { compareIncidents, incidentUpdateViewer, incidentViewer } from '../incidents/incident-view.ts';
import type { IncidentEscalation } from '../notifications/notification-service.ts';
import { checkViewport, type CheckedViewport, ViewportStreams } from '../live/viewport-sessions.ts';
import { type CaseSockets, followCaseDesk } from '../cases/case-socket.ts';
import { LatestOnly } from './latest-only.ts';
import { DEFAULT_SOCKET_BACKLOG, SlowSocketGuard } from './slow-sockets.ts';
import type { WebServerOptions } from './web-server.ts';

export type LiveIo = SocketServer<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;
type Clearance = Parameters<typeof clearanceMask>[0];

/** What the live stream reads of the server's options. */
export type LiveDeps = Pick<
  WebServerOptions,
  'twin' | 'dispatch' | 'notifications' | 'cases' | 'viewport' | 'deltaIntervalMs' | 'stats' | 'log' | 'socketBacklog'
>;

/**
 * A socket's table requests (`viewport`, `resume`; each may cost a table of up to 20,000 sensors,
 * docs/security.md): a burst of {@link TABLE_REQUEST_BURST} answered at once, then one per
 * interval, the newest.
 */
export const TABLE_REQUEST_INTERVAL_MS = 100;
export const TABLE_REQUEST_BURST = 32;

/** An incident's escalation by its id, when notifications run. */
export type EscalationOf = ((incidentId: string) => IncidentEscalationView | null) | null;

interface IncidentRoomView {
  view: (i: Parameters<ReturnType<typeof incidentViewer>>[0]) => IncidentView;
  update: (c: Parameters<ReturnType<typeof incidentUpdateViewer>>[0]) => IncidentUpdateMessage;
}

/** Incident rooms by clearance mask, each with the filter for that clearance. */
class IncidentRooms {
  readonly views = new Map<string, IncidentRoomView>();
  constructor(
    private readonly twin: LiveDeps['twin'],
    private readonly escalationOf: EscalationOf,
  ) {}

  room(clearance: Clearance): string {
    const room = `incidents:m${clearanceMask(clearance)}`;
    if (!this.views.has(room)) {
      const view = incidentViewer(clearance, this.twin.classifyEvidence);
      const update = incidentUpdateViewer(clearance, this.twin.classifyEvidence);
      const escalationOf = this.escalationOf;
      this.views.set(
        room,
        escalationOf
          ? {
              view: (i) => ({ ...view(i), escalation: escalationOf(i.id) }),
              update: (c) => {
                const u = update(c);
                return { ...u, incident: { ...u.incident, escalation: escalationOf(c.incident.id) } };
              },
            }
          : { view, update },
      );
    }
    return room;
  }
}

interface ConnectionContext {
  deps: LiveDeps;
  sockets: SocketAuth;
  viewports: ViewportStreams;
  incidents: IncidentRooms;
  caseSockets: CaseSockets | null;
  slow: SlowSocketGuard;
}

/** Is this a resume request as the protocol has it (else the client gets a fresh snapshot)? */
function validResume(req: ResumeRequest): boolean {
  return (
    req !== null &&
    typeof req === 'object' &&
    (req.epoch === null || (typeof req.epoch === 'string' && req.epoch.length < 64)) &&
    (req.lastSeq === null || Number.isSafeInteger(req.lastSeq))
  );
}

/**
 * The table requests of one socket: each checked at once (a malformed one is refused), then the
 * newest answered within the budget ({@link TABLE_REQUEST_BURST}, then one per
 * {@link TABLE_REQUEST_INTERVAL_MS}), and not at all for a client
 * whose backlog is over the bound (it is disconnected instead).
 */
function followTableRequests(socket: LiveSocket, ctx: ConnectionContext, feed: ReturnType<LiveDeps['twin']['stream']['feedFor']>): void {
  const { sockets, viewports, slow } = ctx;
  const viewport = viewports.open(socket.data.principal!.clearance, (out) => {
    if (out.type === 'cells') socket.emit('cells', out.msg);
    else if (out.type === 'snapshot') socket.emit('snapshot', out.msg);
    else if (out.type === 'points') socket.emit('points', out.msg);
    else socket.emit('delta', out.msg);
  });
  const views = new LatestOnly<CheckedViewport>(TABLE_REQUEST_INTERVAL_MS, TABLE_REQUEST_BURST, (v) => {
    if (!slow.check(socket)) viewport.apply(v);
  });
  const resumes = new LatestOnly<ResumeRequest>(TABLE_REQUEST_INTERVAL_MS, TABLE_REQUEST_BURST, (req) => {
    if (slow.check(socket)) return;
    if (viewports.big()) {
      viewport.resume();
      return;
    }
    const answer = feed.resume(validResume(req) ? req : { epoch: null, lastSeq: null });
    if (answer.type === 'snapshot') socket.emit('snapshot', answer.snapshot);
    else for (const d of answer.deltas) socket.emit('delta', d);
    // Joined after the catch-up, so broadcast deltas follow it in order.
    void socket.join(`live:${feed.key}`);
  });
  socket.on('disconnect', () => {
    views.stop();
    resumes.stop();
    viewports.close(viewport);
  });
  sockets.onEvent(socket, 'viewport', (req: unknown) => {
    const checked = checkViewport(req);
    if (typeof checked === 'string') socket.emit('refused', { event: 'viewport', reason: checked });
    else views.push(checked);
  });
  sockets.onEvent(socket, 'resume', (req: ResumeRequest) => resumes.push(req));
}

/** A client connected (authenticated by socket-auth.ts): its stream, and the rooms its permissions open. */
function onLiveConnection(socket: LiveSocket, ctx: ConnectionContext): void {
  const { deps, sockets, incidents, caseSockets } = ctx;
  const principal = socket.data.principal!;
  const feed = deps.twin.stream.feedFor(principal.clearance);
  followTableRequests(socket, ctx, feed);
  // Stats per clearance view: sensor counts cover only what the view may show.
  if (sockets.may(principal, 'stats')) void socket.join(`stats:${feed.key}`);
  if (sockets.may(principal, 'incidents')) {
    // One room per clearance: each gets the incidents with the evidence it may see.
    const room = incidents.room(principal.clearance);
    void socket.join(room);
    const view = incidents.views.get(room)!.view;
    socket.emit('incidents', { serverTime: Date.now(), incidents: deps.twin.activeIncidents().sort(compareIncidents).map(view) });
  }
  const notifications = deps.notifications ?? null;
  if (notifications && sockets.may(principal, 'escalations')) {
    void socket.join('escalations');
    socket.emit('escalations', escalationsMessage(notifications.service.escalations()));
  }
  if (caseSockets && sockets.may(principal, 'case'))
    caseSockets.join(socket, principal).catch((err: Error) => deps.log?.('warn', `case desk socket: ${err.message}`));
  const dispatch = deps.dispatch;
  if (dispatch && sockets.may(principal, 'units')) {
    void socket.join('units');
    socket.emit('units', { serverTime: Date.now(), units: dispatch.units().map((u) => unitView(dispatch, u)) });
  }
}

/** Unit changes go out batched (AVL fixes arrive every few seconds per moving unit); returns the stop. */
function batchUnitChanges(io: LiveIo, dispatch: LiveDeps['dispatch']): () => void {
  const changedUnits = new Set<string>();
  const stopUnits = dispatch?.onUnitChanges((changes) => {
    for (const c of changes) changedUnits.add(c.unitId);
  });
  // Units joined or left the fleet (a register import): every unit board takes the whole list again.
  const stopFleet = dispatch?.onFleetChanged(() =>
    io.local.to('units').emit('units', { serverTime: Date.now(), units: dispatch.units().map((u) => unitView(dispatch, u)) }),
  );
  const unitTimer = setInterval(() => {
    if (!dispatch || changedUnits.size === 0) return;
    const units = [...changedUnits]
      .map((id) => dispatch.unit(id))
      .filter((u) => u !== undefined)
      .map((u) => unitView(dispatch, u));
    changedUnits.clear();
    io.local.to('units').emit('unit', { serverTime: Date.now(), units });
  }, 500);
  return () => {
    clearInterval(unitTimer);
    stopUnits?.();
    stopFleet?.();
  };
}

/** The live stream's connections, incident rooms and unit batches; viewports for big registries. */
export function startLiveStream(
  io: LiveIo,
  deps: LiveDeps,
  sockets: SocketAuth,
  escalationOf: EscalationOf,
): { viewports: ViewportStreams; slow: SlowSocketGuard; stop: () => void } {
  // The vocabulary changed (a kind declared, a vocabulary.json imported): consoles reload its labels.
  let vocabularyTimer: NodeJS.Timeout | null = null;
  const stopVocabulary = deps.twin.vocabulary.onChanged(() => {
    vocabularyTimer ??= setTimeout(() => {
      vocabularyTimer = null;
      io.local.emit('vocabulary', { serverTime: Date.now() });
    }, 200);
  });
  // Above the threshold clients get their viewport's points or cells instead of the whole table.
  const viewports = new ViewportStreams(deps.twin.state, deps.twin.stream, deps.viewport ?? {});
  const incidents = new IncidentRooms(deps.twin, escalationOf);
  // The case desks' live updates: each socket in the room of its seat and clearance.
  const caseSockets = deps.cases ? followCaseDesk(io, deps.cases.service, deps.cases.bindings) : null;
  const slow = new SlowSocketGuard({ ...DEFAULT_SOCKET_BACKLOG, ...deps.socketBacklog }, deps.log);
  io.on('connection', (socket) => onLiveConnection(socket, { deps, sockets, viewports, incidents, caseSockets, slow }));
  // `io.local`: every node hands the writer's changes to its own clients (cluster-bus.ts).
  const stopIncidents = deps.twin.onIncidentChanges((changes) => {
    for (const [room, { update }] of incidents.views) {
      for (const c of changes) io.local.to(room).emit('incident', update(c));
    }
  });
  const stopUnits = batchUnitChanges(io, deps.dispatch);
  return {
    viewports,
    slow,
    stop: () => {
      stopUnits();
      stopIncidents();
      stopVocabulary();
      if (vocabularyTimer) clearTimeout(vocabularyTimer);
      caseSockets?.stop();
    },
  };
}

/**
 * True when a client of this node is in `room`. A broadcast encodes its message before it looks
 * for the room's clients, so the deltas (every 100 ms; their `added` summaries walked for binary
 * parts) and the stats would be encoded for nobody while no console is open. The deltas are
 * still numbered and kept in the stream's ring, for clients that resume.
 */
export function hasLocalListeners(io: LiveIo, room: string): boolean {
  return (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
}

/** Escalations as they change, deltas, viewport cells and stats on their timers; returns the stop. */
export function startStreamTimers(io: LiveIo, deps: LiveDeps, viewports: ViewportStreams, slow: SlowSocketGuard): () => void {
  const stream = deps.twin.stream;
  // Every node follows the escalations; each tells its own clients when one changes.
  const stopEscalations = deps.notifications?.service.onEscalations((all) =>
    io.local.to('escalations').emit('escalations', escalationsMessage(all)),
  );
  // `io.local`: deltas are numbered in this node's own epoch/seq and stats describe this node;
  // through the Redis adapter they would reach other nodes' clients too (cluster-bus.ts).
  const deltaTimer = setInterval(() => {
    // One delta per clearance view, each to its own room (auth/policy.ts, live-stream.ts).
    const deltas = stream.nextDeltas();
    for (const { key, delta } of deltas) if (hasLocalListeners(io, `live:${key}`)) io.local.to(`live:${key}`).emit('delta', delta);
    if (deltas[0]?.key === 'all') viewports.onDelta(deltas[0].delta);
    // What this node's clients have not read, each bounded: a client over the bound is let go.
    slow.sweep(io.of('/').sockets.values());
  }, deps.deltaIntervalMs ?? 100);
  const cellsTimer = setInterval(() => viewports.refreshCells(), viewports.options.cellsIntervalMs);
  const statsTimer = setInterval(() => {
    const all = deps.stats();
    if (hasLocalListeners(io, 'stats:all')) io.local.to('stats:all').emit('stats', all);
    for (const view of stream.classifiedViews()) {
      if (!hasLocalListeners(io, `stats:${view.key}`)) continue;
      io.local.to(`stats:${view.key}`).emit('stats', { ...all, sensorsTotal: view.size, byState: view.countByState() });
    }
  }, 1000);
  return () => {
    clearInterval(deltaTimer);
    clearInterval(cellsTimer);
    clearInterval(statsTimer);
    stopEscalations?.();
  };
}

/** An escalation as incidents carry it (the incident's id is the incident's own). */
export function escalationView(e: IncidentEscalation | null): IncidentEscalationView | null {
  if (!e) return null;
  return { policyId: e.policyId, tier: e.tier, nextTier: e.nextTier, nextRepeat: e.nextRepeat, nextEscalationAt: e.nextEscalationAt };
}

function escalationsMessage(all: readonly IncidentEscalation[]): EscalationsMessage {
  return { serverTime: Date.now(), escalations: all.map((e) => ({ incidentId: e.incidentId, ...escalationView(e)! })) };
}
