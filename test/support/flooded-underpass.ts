/**
 * The live incident of the replay tests: an underpass's water-level sensor far over its alarm
 * line and a citizen's hotline call from beside it, published over MQTT; the twin opens an
 * incident from both and the admin acknowledges it.
 */
import mqtt from 'mqtt';
import type { RunningCityTwin } from '../../bin/runtime.ts';
import type { SensorSite } from '../../twin-model/index.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './auth.ts';
import { waitFor } from './fixtures.ts';

export interface FloodedUnderpass {
  /** The incident opened (as the twin holds it once acknowledged is asked). */
  readonly incident: { id: string; lng: number; lat: number; openedAt: number };
  /** The admin's session token, for what the test does next. */
  readonly admin: string;
}

/** Floods `site`, reports it as hotline case `caseId`, waits for the incident and acknowledges it. */
export async function floodUnderpass(app: RunningCityTwin, site: SensorSite, caseId: string): Promise<FloodedUnderpass> {
  const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: `pub-${caseId}` });
  try {
    await publisher.publishAsync(
      `citytwin/v1/sensors/${site.id}/meta`,
      JSON.stringify({ kind: 'water_level', lng: site.lng, lat: site.lat }),
      {
        qos: 1,
        retain: true,
      },
    );
    await publisher.publishAsync(
      `citytwin/v1/sensors/${site.id}/data`,
      JSON.stringify({ ts: Date.now(), values: { water_level_cm: 36 } }),
      {
        qos: 1,
      },
    );
    const report = {
      id: caseId,
      ts: Date.now(),
      type: 'citizen_report',
      category: 'waterlogging',
      lng: site.lng + 0.0005,
      lat: site.lat,
      severity: 3,
      text: '积水',
    };
    await publisher.publishAsync('citytwin/v1/events/hotline', JSON.stringify(report), { qos: 1 });
  } finally {
    await publisher.endAsync();
  }
  const opened = await waitFor('the incident', () => app.twin!.activeIncidents()[0]);
  const admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  const ack = await call(app.url!, admin, 'POST', `/api/incidents/${opened.id}/actions`, { action: 'acknowledge' });
  if (ack.status !== 200) throw new Error(`acknowledging incident ${opened.id} answered ${ack.status}: ${JSON.stringify(ack.body)}`);
  return { incident: { id: opened.id, lng: opened.lng, lat: opened.lat, openedAt: opened.openedAt }, admin };
}
