/**
 * A public water-level gauge reporting once a second, as a live city does: a wall display then
 * shows no staleness watermark and a healthy badge. Its meta is retained; its readings go at
 * QoS 0 on the publisher given, until `stop()`.
 */
import type mqtt from 'mqtt';

/** A gauge's feed: `stop()` silences it (the data stops), `start()` resumes it. */
export interface LiveGauge {
  start(): void;
  stop(): void;
}

/** Registers gauge `id` and starts its feed; call `stop()` before the publisher ends. */
export async function startLiveGauge(publisher: mqtt.MqttClient, id: string): Promise<LiveGauge> {
  await publisher.publishAsync(
    `citytwin/v1/sensors/${id}/meta`,
    JSON.stringify({ kind: 'water_level', lng: 114.3, lat: 30.58, classification: 'public' }),
    { qos: 1, retain: true },
  );
  let n = 0;
  let feed: NodeJS.Timeout | undefined;
  const gauge: LiveGauge = {
    start() {
      feed ??= setInterval(() => {
        const reading = { ts: Date.now(), values: { water_level_cm: 5 + (n++ % 3) } };
        void publisher.publishAsync(`citytwin/v1/sensors/${id}/data`, JSON.stringify(reading), { qos: 0 });
      }, 1000);
    },
    stop() {
      clearInterval(feed);
      feed = undefined;
    },
  };
  gauge.start();
  return gauge;
}
