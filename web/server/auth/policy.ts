/**
 * The access policy: THE single source for who may do what. The HTTP router, the socket.io
 * handlers, the live stream's classification views and the table in docs/security.md
 * (`npm run docs:policy`) all read these tables, so enforcement and documentation cannot drift.
 *
 * Roles are additive: a user holding several roles gets the union of their permissions and of
 * their classification clearances.
 */
import { CLASSIFICATIONS, type Classification } from '../../../twin-model/index.ts';
import { ROLES, type Role } from '../../shared/roles.ts';

/** Every role an account or token can hold (web/shared/roles.ts: the administration page offers the same). */
export { ROLES, type Role };

/** What each role is for (shown in docs/security.md). */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  admin: 'integrator / administrator: users, tokens, devices, audit log, everything an operator can do',
  operator: 'command-center operator: live map, incidents (acknowledge, merge, split, resolve), sensor history, dead letters, metrics',
  dispatcher: 'dispatcher: live map, incidents, response units: recommendations, assignments, unit status, the dispatch log',
  analyst: 'analyst: live map, history and exports, dead letters',
  leader: 'leader: KPI / big screen, live map and history of what it is cleared for',
  display: 'wall screen: read-only live map with a revocable token, no login prompt',
  warning_feed: "a warning issuer's system (the meteorological bureau's gateway): posts official warnings in CAP 1.2, reads nothing",
  department:
    "a department's case handler: the hotline cases (12345) of the ONE department the account is bound to — accept, reply, return, close",
  hotline: "the 12345 hotline's own system: submits cases (POST /api/cases) with its API token, nothing else",
  field:
    'a field crew on a phone: the ONE response unit the account is bound to — its assignment (the incident as public clearance sees it, the route, the ETA) and its status',
};

/**
 * Permissions, each with the roles that hold it. A route or socket event names exactly one
 * permission (or `public` / `probe`, see {@link Access}).
 */
export const PERMISSIONS = {
  /** The socket.io live stream (snapshot, deltas) and the sensor list. */
  'live.read': { roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'], about: 'live map stream and sensor list' },
  /** Status-strip figures (`stats` event, `/api/stats`). */
  'stats.read': { roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'], about: 'live ingest and stream figures' },
  /** Base map, districts, sources, vocabulary. */
  // Department case handlers too: the case desk shows times on the city's clock and places by its districts.
  'city.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display', 'department', 'field'],
    about: 'base map, districts, sources, vocabulary',
  },
  /** One sensor's detail. */
  'sensors.read': { roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'], about: 'sensor detail' },
  /** Stored history (charts, exports, replay): not for wall screens, which show only the live state. */
  'sensors.history': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader'],
    about: 'stored history of a sensor (charts, exports)',
  },
  /** Rejected messages carry raw device payloads: for those who diagnose the ingest. */
  'ingest.dead-letters': { roles: ['admin', 'operator', 'analyst'], about: 'rejected messages with their raw payloads' },
  /**
   * The incident queue and each incident's evidence and history. Wall screens show incidents
   * too (auto-focus on a new critical one), so `display` reads them; evidence from sensors
   * above a role's clearance is left out of what it receives.
   */
  'incidents.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'],
    about: 'incident queue, evidence and history (evidence filtered by clearance)',
  },
  /** Acting on incidents (acknowledge, severity, merge, split, false alarm, resolve, close, reopen): the people on duty. */
  'incidents.act': {
    roles: ['admin', 'operator', 'dispatcher'],
    about: 'acknowledge, set severity, merge, split, mark false alarm, resolve, close, reopen incidents',
  },
  /** Response units: positions, status, trips, recommendations for an incident (wall screens show units too). */
  'units.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'],
    about: 'response units, their status, positions and routes; recommended units for an incident',
  },
  /** Sending units: assign (and override a recommendation with a reason), change a unit's status. */
  'dispatch.act': { roles: ['admin', 'dispatcher'], about: 'assign units to incidents, override recommendations, change unit status' },
  /** The hash-chained dispatch log and its verification: who sent what, when and why. */
  'dispatch.audit': { roles: ['admin', 'dispatcher', 'analyst'], about: 'dispatch log export and chain verification, response times' },
  /** The flight recorder: replay of a past range (sensors, incidents, units, operator actions) and after-action reports; not for wall screens. */
  'replay.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader'],
    about: 'replay of a past range (sensors, incidents, units, operator actions), after-action reports (evidence filtered by clearance)',
  },
  /** Data export of a range (CSV, Parquet): sensors within the caller's classification clearance only. */
  'export.data': {
    roles: ['admin', 'analyst'],
    about: 'export readings of a range as CSV or Parquet (only sources within the classification clearance)',
  },
  /** The KPI big screen (大屏): aggregates from the rollups and the rows behind them, within the caller's clearance (docs/kpi.md). */
  'kpi.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'],
    about: 'KPI screen: summary figures and their drill-down rows (rows filtered by clearance)',
  },
  /**
   * A field crew's own unit (the field page): its assignment and its status changes, through the
   * dispatch service's rules. Which unit is the account's binding (web/server/field): nothing of
   * another unit, the queue, sensors or cases.
   */
  'field.unit': {
    roles: ['admin', 'field'],
    about:
      "the bound unit's assignment (incident at public clearance, route, ETA) and setting its status (en route, on scene, returning, available)",
  },
  /** The hotline's system hands cases over (`POST /api/cases`): its token may do nothing else. */
  'cases.intake': { roles: ['admin', 'hotline'], about: 'submit hotline cases (12345) from the hotline system' },
  /**
   * The case desk: lists and details of hotline cases. What each sees is decided per case
   * (twin-model/cases/case-view.ts): the dispatch desk (admin, dispatcher) everything, a
   * department only the cases with it, operators and analysts no caller.
   */
  'cases.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'department'],
    about: 'hotline cases: list and detail (a department only its own; the caller only for the dispatch desk and the department)',
  },
  /** Acting on cases: the dispatch desk (assign, override, close, feedback, reopen), departments (accept, reply, return, close), operators (link to an incident). */
  'cases.act': {
    roles: ['admin', 'operator', 'dispatcher', 'department'],
    about: 'act on hotline cases (the workflow decides which command each may give)',
  },
  /** Prometheus metrics and health for a logged-in user (loopback and the probe token need no login). */
  'system.metrics': { roles: ['admin', 'operator'], about: 'Prometheus metrics and health when not on loopback' },
  /** The public-warning desk (CAP): drafts, approvals, publications, with who and when (docs/cap.md). */
  'cap.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader'],
    about: 'public-warning desk: drafts, approvals and publications (CAP), with who and when',
  },
  /** Drafting a public warning from an incident, editing it, drafting its update or cancel, publishing it once a second person approved it. */
  'cap.draft': {
    roles: ['admin', 'operator', 'dispatcher'],
    about: 'draft a public warning from an incident, edit it, draft its update or cancel, publish it once approved',
  },
  /** Approving or rejecting a public warning: never one's own (the two-person rule is enforced whatever the role). */
  'cap.approve': {
    roles: ['admin', 'operator', 'leader'],
    about: 'approve or reject a public warning drafted by someone else (two-person rule)',
  },
  /** Official warnings on the map: what issuers have warned of, and CityTwin's own published alerts. */
  'warnings.read': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'],
    about: 'official warnings in force and published alerts, as areas on the map',
  },
  /** Official warnings in (CAP 1.2 over HTTP): the issuers' systems. */
  'cap.receive': { roles: ['admin', 'warning_feed'], about: 'post an official warning (CAP 1.2 XML) received from its issuer' },
  /** Who am I, log out: anyone signed in. */
  'account.self': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display', 'warning_feed', 'department', 'hotline', 'field'],
    about: 'own identity, log out',
  },
  /** Change one's own password, own API tokens: people (and the hotline system, for its token), not wall screens. */
  'account.manage-own': {
    roles: ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'department', 'hotline', 'field'],
    about: 'change own password, create / list / revoke own API tokens',
  },
  /** Accounts and roles, display tokens, every token. */
  'users.manage': {
    roles: ['admin'],
    about:
      'create users, set roles, disable, reset passwords, display tokens, revoke any token, bind case handlers to a department and field crews to a unit',
  },
  /** Sensor kinds as data: declaring kinds and their metrics (SenML units). */
  'vocabulary.manage': { roles: ['admin'], about: 'declare sensor kinds and their metrics with SenML units' },
  /** The security event log. */
  'security.audit': { roles: ['admin'], about: 'security events (logins, failures, refusals)' },
  /** The tamper-evident record of every action, its verification and the checkpoints' public key. */
  'audit.read': {
    roles: ['admin'],
    about: 'audit record of every action (incidents, dispatch, logins, users and tokens, configuration, exports), its verification',
  },
  /** The alarm and incident rules in force, their versions and diffs, and the "try it" preview of a draft (read-only). */
  'rules.read': {
    roles: ['admin', 'operator', 'analyst'],
    about: 'alarm and incident rules in force, their versions and diffs, the "try it" preview of a draft rule',
  },
  /** Saving a new version of the rules, in force at once on every node: thresholds decide what wakes people up. */
  'rules.edit': { roles: ['admin'], about: 'save a new version of the alarm or incident rules (in force at once on every node)' },
  /** Escalations in progress: the next page of each incident (the queue's "next escalation in mm:ss"). */
  'escalations.read': {
    roles: ['admin', 'operator', 'dispatcher', 'leader'],
    about: 'escalations in progress: the tier paged and the next page of each incident',
  },
  /** Notification channels (secrets never shown), contacts, subscriptions, escalation policies, on-call rosters, the delivery log, redelivery. */
  'notify.admin': {
    roles: ['admin'],
    about:
      'notification channels, contacts, subscriptions, escalation policies, on-call rosters, test messages, delivery log, dead letters and redelivery',
  },
  /** Who is on call now, per team and tier: the people on duty look it up. */
  'oncall.read': { roles: ['admin', 'operator', 'dispatcher', 'leader'], about: 'who is on call now, per team and tier' },
  /** The command centre's shift log: notes, handovers, sign-offs. */
  'shiftlog.read': { roles: ['admin', 'operator', 'dispatcher', 'leader'], about: 'the shift log: notes, handover summaries, sign-offs' },
  /** Writing in the shift log, handing over and signing off: the people on duty. */
  'shiftlog.write': {
    roles: ['admin', 'operator', 'dispatcher'],
    about: 'write notes in the shift log, hand a shift over, sign off a handover as the incoming lead',
  },
  /** Importing the city's registers at run time: sensors, units, sources and the vocabulary (dry runs and applies, the past imports). */
  'registers.manage': {
    roles: ['admin'],
    about: 'import the sensors, units and sources registers and the vocabulary at run time (dry run, apply, past imports)',
  },
  /** The open-data portal's API keys for developers (the catalogue itself is public). */
  'opendata.keys': { roles: ['admin'], about: 'create, list and revoke open-data API keys (the portal itself needs no login)' },
} as const satisfies Record<string, { roles: readonly Role[]; about: string }>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * How a route or event is protected:
 * - a {@link Permission}: a signed-in principal with a role that holds it;
 * - `public`: no login (the login call itself, the API docs, published public warnings);
 * - `probe`: health and metrics — anonymous on a loopback connection or with the probe token,
 *   otherwise the `system.metrics` permission.
 */
export type Access = Permission | 'public' | 'probe';

/** Socket.io events and the permission each needs (client → server and server → client). */
export const SOCKET_EVENTS = {
  /** Client asks for the stream (answered with `snapshot` or replayed `delta`s). */
  resume: { direction: 'client → server', permission: 'live.read' },
  snapshot: { direction: 'server → client', permission: 'live.read' },
  delta: { direction: 'server → client', permission: 'live.read' },
  stats: { direction: 'server → client', permission: 'stats.read' },
  /** The active incidents, on every (re)connect. */
  incidents: { direction: 'server → client', permission: 'incidents.read' },
  /** One incident after each change to it. */
  incident: { direction: 'server → client', permission: 'incidents.read' },
  /** Every response unit with its trip, on every (re)connect. */
  units: { direction: 'server → client', permission: 'units.read' },
  /** Units after a change (status, position, trip), batched. */
  unit: { direction: 'server → client', permission: 'units.read' },
  /** Client says what its map shows (bbox, zoom): answered with `cells`, or with the viewport's sensors for a big registry (docs/scale.md). */
  viewport: { direction: 'client → server', permission: 'live.read' },
  /** Aggregate cells of the client's viewport when zoomed out, refreshed every few seconds. */
  cells: { direction: 'server → client', permission: 'live.read' },
  /** A zoomed-in viewport's sensors in columns, instead of `snapshot`, for a client whose `viewport` asked for them (docs/scale.md). */
  points: { direction: 'server → client', permission: 'live.read' },
  /** Escalations in progress (tier paged, next page due), on connect and on every change. */
  escalations: { direction: 'server → client', permission: 'escalations.read' },
  /** One hotline case after each change, as the user may see it: a department only its own cases (docs/cases.md). */
  case: { direction: 'server → client', permission: 'cases.read' },
} as const satisfies Record<string, { direction: string; permission: Permission }>;

export type SocketEventName = keyof typeof SOCKET_EVENTS;

/**
 * Default classification clearance per role (分级分类): which source classifications a role
 * may see, in the API, the socket stream, exports and replay.
 * - public: everyone.
 * - internal: everyone but `display` — wall screens stand in halls that visitors walk through.
 * - `department` and `hotline` hold sensitive clearance for hotline cases only: their permissions
 *   reach nothing else of the city's data.
 * - `field` (a crew's phone): public only — its own unit's incident as a wall screen would show it.
 * - sensitive (health and personal data: emergency departments, city-code scans): the people who
 *   act on it or analyse it (admin, operator, dispatcher, analyst). A leader's big screen is often
 *   shown to delegations, so it gets aggregates, not sensitive points; grant it explicitly with
 *   `CITYTWIN_CLEARANCE=leader=public,internal,sensitive` where that is wanted.
 */
export const DEFAULT_CLEARANCE: Readonly<Record<Role, readonly Classification[]>> = {
  admin: ['public', 'internal', 'sensitive'],
  operator: ['public', 'internal', 'sensitive'],
  dispatcher: ['public', 'internal', 'sensitive'],
  analyst: ['public', 'internal', 'sensitive'],
  leader: ['public', 'internal'],
  display: ['public'],
  warning_feed: ['public'],
  // Case handlers read what the citizen said about their own cases (case-view.ts limits them to those).
  department: ['public', 'internal', 'sensitive'],
  // The hotline system sends the citizens' words; it reads back only the number it was given.
  hotline: ['public', 'internal', 'sensitive'],
  // A crew's phone is lost or looked over in a street: the incident as the lowest clearance sees it.
  field: ['public'],
};

/** Clearance per role, after configuration overrides. */
export type ClearanceTable = Readonly<Record<Role, readonly Classification[]>>;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when any of `roles` holds `permission`. */
export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission].roles;
  return roles.some((r) => allowed.includes(r));
}

/** Every permission held by `roles`. */
export function permissionsOf(roles: readonly Role[]): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => hasPermission(roles, p));
}

/**
 * The classifications `roles` may see, in vocabulary order. Sensors of unknown classification
 * (no source registered yet) count as `internal`: unclassified data is not public by default
 * (分级分类指南: classify before publishing).
 */
export function clearanceOf(roles: readonly Role[], table: ClearanceTable = DEFAULT_CLEARANCE): Classification[] {
  const set = new Set<Classification>();
  for (const r of roles) for (const c of table[r]) set.add(c);
  return CLASSIFICATIONS.filter((c) => set.has(c));
}

export { UNCLASSIFIED_AS } from '../../../twin-model/index.ts';

/**
 * Parses `CITYTWIN_CLEARANCE`: `role=class,class;role=class`, overriding the defaults for the
 * roles it names. Throws an Error that quotes the bad part and says what is accepted.
 */
export function parseClearance(text: string): ClearanceTable {
  const table: Record<Role, readonly Classification[]> = { ...DEFAULT_CLEARANCE };
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)\s*=\s*([a-z,\s]*)$/.exec(part);
    if (!m) throw new Error(`"${part}" is not role=classification[,classification]`);
    const role = m[1]!;
    if (!isRole(role)) throw new Error(`"${role}" is not a role; roles are ${ROLES.join(', ')}`);
    const classes = m[2]!
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    for (const c of classes) {
      if (!(CLASSIFICATIONS as readonly string[]).includes(c))
        throw new Error(`"${c}" is not a classification; use ${CLASSIFICATIONS.join(', ')}`);
    }
    table[role] = classes as Classification[];
  }
  return table;
}

/** A route as the policy table needs it (the router's Route satisfies this). */
export interface PolicyRoute {
  method: string;
  path: string;
  access: Access;
}

/** Routes served outside the route table, listed so the table covers every path. */
export const EXTRA_ROUTES: readonly PolicyRoute[] = [
  { method: 'GET', path: '/api/openapi.json', access: 'public' },
  { method: 'GET', path: '/api/docs', access: 'public' },
  { method: 'GET', path: '/ (console files)', access: 'public' },
];

function cell(access: Access, role: Role): string {
  if (access === 'public') return '✓';
  if (access === 'probe') return hasPermission([role], 'system.metrics') ? '✓' : 'loopback / probe token';
  return hasPermission([role], access) ? '✓' : '—';
}

/**
 * A Markdown table laid out as the repository's formatter (Biome) writes it: every column as
 * wide as its widest cell (at least 3), cells padded, centred columns centred (the odd space on
 * the right), so the generated part of docs/security.md stays as formatted.
 */
function markdownTable(columns: ReadonlyArray<{ title: string; centre?: boolean }>, rows: ReadonlyArray<readonly string[]>): string[] {
  const length = (text: string) => [...text].length;
  const widths = columns.map((c, i) => Math.max(3, length(c.title), ...rows.map((r) => length(r[i] ?? ''))));
  const pad = (text: string, i: number) => {
    const room = widths[i]! - length(text);
    const left = columns[i]!.centre ? Math.floor(room / 2) : 0;
    return `${' '.repeat(left)}${text}${' '.repeat(room - left)}`;
  };
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((w, i) => (columns[i]!.centre ? `:${'-'.repeat(w - 2)}:` : '-'.repeat(w)));
  return [line(columns.map((c) => c.title)), `| ${rule.join(' | ')} |`, ...rows.map((r) => line(columns.map((_, i) => r[i] ?? '')))];
}

/** The Markdown policy tables of docs/security.md, generated from the tables above. */
export function renderPolicyMarkdown(routes: readonly PolicyRoute[], clearance: ClearanceTable = DEFAULT_CLEARANCE): string {
  const roleColumns = ROLES.map((r) => ({ title: r, centre: true }));
  const lines: string[] = [];
  lines.push(
    '### Roles\n',
    ...markdownTable(
      [{ title: 'role' }, { title: 'for' }],
      ROLES.map((r) => [`\`${r}\``, ROLE_DESCRIPTIONS[r]]),
    ),
  );
  lines.push(
    '',
    '### Permissions\n',
    ...markdownTable(
      [{ title: 'permission' }, { title: 'what' }, ...roleColumns],
      Object.entries(PERMISSIONS).map(([p, def]) => [`\`${p}\``, def.about, ...ROLES.map((r) => cell(p as Permission, r))]),
    ),
  );
  lines.push(
    '',
    '### HTTP routes\n',
    ...markdownTable(
      [{ title: 'route' }, { title: 'access' }, ...roleColumns],
      [...routes, ...EXTRA_ROUTES].map((r) => [
        `\`${r.method} ${r.path}\``,
        `\`${r.access}\``,
        ...ROLES.map((role) => cell(r.access, role)),
      ]),
    ),
  );
  lines.push(
    '',
    '### socket.io events\n',
    ...markdownTable(
      [{ title: 'event' }, { title: 'direction' }, { title: 'permission' }, ...roleColumns],
      Object.entries(SOCKET_EVENTS).map(([e, def]) => [
        `\`${e}\``,
        def.direction,
        `\`${def.permission}\``,
        ...ROLES.map((r) => cell(def.permission, r)),
      ]),
    ),
  );
  lines.push(
    '',
    '### Data classification (default clearance)\n',
    ...markdownTable(
      [{ title: 'classification' }, ...roleColumns],
      CLASSIFICATIONS.map((c) => [`\`${c}\``, ...ROLES.map((r) => (clearance[r].includes(c) ? '✓' : '—'))]),
    ),
  );
  return `${lines.join('\n')}\n`;
}
