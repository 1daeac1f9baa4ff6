/**
 * The embedded MQTT broker (ingest/broker/), when no external one is configured: listeners,
 * gateway credentials, TLS, and the in-process ingest's intake before each PUBACK.
 */
import { readFileSync } from 'node:fs';
import { loadGatewayCredentials } from '../../ingest/broker/device-acl.ts';
import type { BrokerSecurityEvent } from '../../ingest/broker/embedded-broker.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../ingest/index.ts';
import { quoteValue, TOPIC_ROOT } from '../../twin-model/index.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import { type PartContext, partLog, type Role } from './context.ts';

/** Topics the in-process ingest takes from the embedded broker (all of v1). */
export const INTAKE_PREFIX = `${TOPIC_ROOT}/`;
/** The embedded broker's packet limit is CITYTWIN_MAX_PAYLOAD_BYTES plus this (topic ≤ 65,535 bytes, packet id, lengths). */
const BROKER_PACKET_ROOM_BYTES = 64 * 1024;

/** The security log once the accounts exist: the broker starts before them. */
export interface SecurityLogSlot {
  auth: AuthService | null;
}

/** The configured external broker; the ingest and web roles need one. */
export function externalBrokerUrl(config: PartContext['config'], role: Role): string {
  if (!config.mqttUrl) throw new Error(`the ${role} process needs an external broker: set CITYTWIN_MQTT_URL`);
  return config.mqttUrl;
}

/** Starts the embedded broker; device refusals go to the security log once it exists, until then to the log. */
export async function startBroker(ctx: PartContext, security: SecurityLogSlot): Promise<EmbeddedBroker> {
  const { config } = ctx;
  const log = partLog(ctx, 'broker');
  const sec = config.security;
  const tls = sec.tlsCert && sec.tlsKey ? { cert: readFileSync(sec.tlsCert), key: readFileSync(sec.tlsKey), port: sec.mqttsPort } : null;
  const credentials = sec.mqttCredentialsFile ? loadGatewayCredentials(sec.mqttCredentialsFile) : null;
  const broker = await startEmbeddedBroker(config.httpHost, config.mqttPort, {
    credentials,
    tls,
    loopbackAnonymous: sec.mqttLoopbackAnonymous,
    // The payload limit plus room for the topic and the rest of the packet (docs/security.md).
    maxPacketBytes: config.maxPayloadBytes + BROKER_PACKET_ROOM_BYTES,
    // Nothing is acknowledged before the in-process ingest (attached later) has spooled it.
    awaitIntake: INTAKE_PREFIX,
    onSecurityEvent: (e: BrokerSecurityEvent) => {
      if (security.auth) security.auth.record(e.type, 'refused', e.username, `mqtt ${quoteValue(e.clientId)}@${e.address}`, e.detail);
      else log('warn', `MQTT ${e.type} ${quoteValue(e.clientId)}: ${e.detail}`);
    },
    onNotice: (message) => log('warn', message),
  });
  if (credentials) log('info', `embedded broker: ${credentials.size} gateway credentials from ${sec.mqttCredentialsFile}`);
  if (broker.tlsUrl) log('info', `embedded MQTTS listener on ${broker.tlsUrl}`);
  ctx.shutdown.add(() => broker.close());
  log('info', `embedded MQTT broker on ${broker.url}`);
  return broker;
}

/** In-process parts log in to the embedded broker with its per-start secret, under reserved client ids. */
export function inProcessMqtt(broker: EmbeddedBroker | null, part: string, workerId: string): Record<string, string> {
  return broker ? { clientId: `citytwin-${part}-${workerId}`, ...broker.internalCredentials } : {};
}
