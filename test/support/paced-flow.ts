/** A paced publisher for delivery tests: unique readings at a steady rate over a real broker. */
import type mqtt from 'mqtt';
import { topics } from '../../twin-model/index.ts';

/**
 * Publishes unacknowledged at most: a slow broker (a loaded machine) slows the flow down
 * instead. MQTT packet ids are 16 bits, and MQTT.js's default id provider hands out the next
 * id whether or not it is still in flight: past 65,535 unacknowledged publishes a reused id
 * replaces the earlier publish's callback, whose promise then never settles.
 */
export const MAX_IN_FLIGHT = 10_000;

/**
 * Publishes `total` unique readings (QoS 1) at about `perSecond`, in 50 ms slices, over 500
 * sensors `<prefix>0 …`, never more than {@link MAX_IN_FLIGHT} unacknowledged; resolves with the
 * broker's acknowledgements of all of them. `onProgress` sees the count sent.
 */
export async function pacedFlow(
  publisher: mqtt.MqttClient,
  prefix: string,
  total: number,
  perSecond: number,
  onProgress: (sent: number) => void = () => {},
): Promise<void> {
  const base = Date.now() - 3_600_000;
  const perSlice = Math.max(1, Math.round(perSecond / 20));
  const acks: Array<Promise<unknown>> = [];
  const started = Date.now();
  for (let sent = 0; sent < total; ) {
    for (let k = 0; k < perSlice && sent < total; k++, sent++) {
      if (sent >= MAX_IN_FLIGHT) await acks[sent - MAX_IN_FLIGHT];
      const id = `${prefix}${sent % 500}`;
      acks.push(
        publisher.publishAsync(topics.sensorData(id), JSON.stringify({ ts: base + sent, values: { water_level_cm: sent % 97 } }), {
          qos: 1,
        }),
      );
    }
    onProgress(sent);
    const due = started + (sent / perSecond) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  await Promise.all(acks);
}
