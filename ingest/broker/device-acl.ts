/**
 * Gateway credentials and topic ACLs for the embedded broker (docs/security.md, "Devices").
 *
 * A JSON file (`CITYTWIN_MQTT_CREDENTIALS`) lists each gateway with a scrypt password hash and
 * the ids it may publish for: `sensors` (…/sensors/{id}/meta|data, and the records of its own
 * gateway topic …/gateways/{username}/senml), `services` (…/metrics/{id}/data), `units`
 * (…/units/{id}/position), `eventSources` (…/events/{source}) and `warningSources`
 * (…/warnings/{source}/cap: official warnings in CAP). An id pattern is exact (`wl-420103-0001`), a prefix (`wl-420103-*`) or
 * `*` (any). A gateway can therefore never speak for another gateway's sensors.
 *
 * ```json
 * { "gateways": [ { "username": "gw-jianghan-01", "passwordHash": "scrypt$32768$8$1$…",
 *     "sensors": ["wl-420103-*"], "services": [], "units": [], "eventSources": [] } ] }
 * ```
 * Hash a password with `npm run citytwin -- hash-password` (reads it from stdin).
 *
 * Client ids are bound to credentials: a gateway may connect only as its user name or as
 * `<username>-<anything>`; ids starting with `citytwin-` are reserved for CityTwin's own
 * in-process parts, and anonymous (loopback) clients may use neither. Without this binding a
 * client could take over another's session by connecting with its id ([MQTT-3.1.4-2]: the
 * broker disconnects the existing client with the same id).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ID_PATTERN, parseTopic, quoteValue } from '../../twin-model/index.ts';

/** Client ids with this prefix belong to CityTwin's own in-process parts (ingest, simulator, AVL). */
export const RESERVED_CLIENT_ID_PREFIX = 'citytwin-';
/** Gateway user names may not start with this (their client ids would fall in the reserved prefix). */
const RESERVED_NAME = 'citytwin';

const pattern = z
  .string()
  .refine(
    (p) => p === '*' || ID_PATTERN.test(p.endsWith('*') ? p.slice(0, -1) || 'x' : p),
    'must be an id, an id prefix ending in *, or *',
  );

const gatewaySchema = z
  .object({
    username: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9._-]')
      .refine(
        (u) => !u.toLowerCase().startsWith(RESERVED_NAME),
        `must not start with "${RESERVED_NAME}" (reserved for CityTwin's own parts)`,
      ),
    passwordHash: z.string().startsWith('scrypt$', 'must be a scrypt hash (npm run citytwin -- hash-password)'),
    sensors: z.array(pattern).max(10_000).default([]),
    services: z.array(pattern).max(10_000).default([]),
    units: z.array(pattern).max(10_000).default([]),
    eventSources: z.array(pattern).max(10_000).default([]),
    warningSources: z.array(pattern).max(10_000).default([]),
  })
  .strict();

const fileSchema = z.object({ gateways: z.array(gatewaySchema).max(100_000) }).strict();

export type GatewayCredential = z.infer<typeof gatewaySchema>;

/** Parses the credentials JSON; throws an Error naming the file, the path and the problem. */
export function parseGatewayCredentials(text: string, where = 'credentials'): Map<string, GatewayCredential> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const map = new Map<string, GatewayCredential>();
  for (const g of parsed.data.gateways) {
    if (map.has(g.username)) throw new Error(`${where}: gateway "${g.username}" is listed twice`);
    map.set(g.username, g);
  }
  return map;
}

export function loadGatewayCredentials(path: string): Map<string, GatewayCredential> {
  return parseGatewayCredentials(readFileSync(path, 'utf8'), path);
}

function matches(patterns: readonly string[], id: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === id) return true;
    if (p.endsWith('*') && id.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

/** Null when `gateway` may publish on `topic`, else the reason it may not. */
export function publishRefusal(gateway: GatewayCredential, topic: string): string | null {
  const t = parseTopic(topic);
  if (!t.ok) return `topic ${quoteValue(topic)} is not a CityTwin v1 device topic`;
  const p = t.topic;
  switch (p.kind) {
    case 'sensor_meta':
    case 'sensor_data':
      return matches(gateway.sensors, p.id) ? null : `gateway ${gateway.username} may not publish for sensor ${p.id}`;
    case 'service_data':
      return matches(gateway.services, p.id) ? null : `gateway ${gateway.username} may not publish for service ${p.id}`;
    case 'unit_position':
      return matches(gateway.units, p.id) ? null : `gateway ${gateway.username} may not publish for unit ${p.id}`;
    case 'event':
      return matches(gateway.eventSources, p.source) ? null : `gateway ${gateway.username} may not publish events of source ${p.source}`;
    case 'gateway_senml':
      // Its own gateway topic only; which sensors its records may speak for is checked per
      // record by the ingest (gatewaySensorPolicy), against the same `sensors` patterns.
      return p.id === gateway.username
        ? null
        : `gateway ${gateway.username} may publish SenML packs only on gateways/${gateway.username}/senml, not for ${p.id}`;
    case 'cap_warning':
      return matches(gateway.warningSources, p.source) ? null : `gateway ${gateway.username} may not publish warnings of feed ${p.source}`;
  }
}

/**
 * Which sensors the records of a gateway's pack may speak for: a gateway with credentials only
 * for its `sensors` patterns (as on the sensor topics); a gateway id without credentials (an
 * anonymous loopback publisher) for any.
 */
export function gatewaySensorPolicy(credentials: ReadonlyMap<string, GatewayCredential>): (gatewayId: string, sensorId: string) => boolean {
  return (gatewayId, sensorId) => {
    const g = credentials.get(gatewayId);
    return g ? matches(g.sensors, sensorId) : true;
  };
}

/** Who a connecting MQTT client proved to be. */
export type BrokerIdentity = { kind: 'internal' } | { kind: 'gateway'; username: string } | { kind: 'anonymous' };

/**
 * The gateway whose client ids include `clientId`: the longest user name `u` with
 * `clientId === u` or `clientId` starting with `u-` (so `gw-a-1` belongs to `gw-a`, unless a
 * gateway `gw-a-1` exists). Null when no gateway owns it.
 */
export function clientIdOwner(clientId: string, credentials: ReadonlyMap<string, unknown>): string | null {
  if (credentials.has(clientId)) return clientId;
  for (let i = clientId.length - 1; i > 0; i--) {
    if (clientId.charCodeAt(i) !== 45 /* - */) continue;
    const prefix = clientId.slice(0, i);
    if (credentials.has(prefix)) return prefix;
  }
  return null;
}

/**
 * Null when `identity` may connect with `clientId`, else the reason it may not. `generated` is
 * true when the client sent an empty id and the broker made a random one (nothing to take over).
 */
export function clientIdRefusal(
  identity: BrokerIdentity,
  clientId: string,
  generated: boolean,
  credentials: ReadonlyMap<string, unknown>,
): string | null {
  if (identity.kind === 'internal' || generated) return null;
  const shown = quoteValue(clientId);
  if (clientId.startsWith(RESERVED_CLIENT_ID_PREFIX))
    return `client id ${shown} is reserved for CityTwin's own parts (ids starting with "${RESERVED_CLIENT_ID_PREFIX}")`;
  const owner = clientIdOwner(clientId, credentials);
  switch (identity.kind) {
    case 'gateway':
      return owner === identity.username
        ? null
        : `gateway ${identity.username} may connect only with the client id "${identity.username}" or "${identity.username}-…", not ${shown}`;
    case 'anonymous':
      return owner === null ? null : `client id ${shown} belongs to a gateway's credentials; anonymous clients may not use it`;
  }
}
