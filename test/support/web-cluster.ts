/**
 * Two (or more) `citytwin web` nodes as deployed: separate processes on a real Mosquitto and a
 * real redis-server (socket.io's adapter, the writer lease, the cluster bus), each with its own
 * embedded ClickHouse in its own data directory, and an admin token on each.
 */
import { login, TEST_ADMIN_PASSWORD } from './auth.ts';
import { startCityTwinProcess, type CityTwinProcess } from './citytwin-process.ts';
import { consoleEnv } from './console-client.ts';
import { freePort, tempDir } from './fixtures.ts';
import { startMosquitto, type Mosquitto } from './mosquitto.ts';
import { startRedis, type RedisServer } from './redis.ts';

export interface WebCluster {
  mosquitto: Mosquitto;
  redis: RedisServer;
  webs: CityTwinProcess[];
  /** An admin's token on each node (each node has its own accounts). */
  admins: string[];
  /** Stops the nodes, the broker and Redis, and removes the data directories. */
  stop(): Promise<void>;
}

export interface WebClusterOptions {
  /** Prefix of the data directories. */
  name: string;
  /** Nodes (default 2), named web-a, web-b … */
  nodes?: number;
  /** Environment on top of the defaults (50 generated sensors, no simulator, warnings only). */
  env?: Record<string, string>;
}

export async function startWebCluster(options: WebClusterOptions): Promise<WebCluster> {
  const names = Array.from({ length: options.nodes ?? 2 }, (_, k) => String.fromCharCode(97 + k));
  const dirs = names.map((n) => tempDir(`${options.name}-web-${n}`));
  const [mosquitto, redis] = await Promise.all([startMosquitto(), startRedis()]);
  const webs: CityTwinProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(webs.filter((w) => w !== undefined).map((w) => w.stop()));
    await Promise.all([mosquitto.stop(), redis.stop()]);
    for (const d of dirs) d.remove();
  };
  try {
    const ports = await Promise.all(names.map(() => freePort()));
    // Each node joins the list as it starts, so that a failed start still stops the others.
    await Promise.all(
      names.map(async (n, k) => {
        const web = await startCityTwinProcess('web', {
          ...consoleEnv,
          CITYTWIN_MQTT_URL: mosquitto.url,
          CITYTWIN_REDIS_URL: redis.url,
          CITYTWIN_WORKER_ID: `web-${n}`,
          CITYTWIN_HTTP_HOST: '127.0.0.1',
          CITYTWIN_HTTP_PORT: String(ports[k]),
          CITYTWIN_DATA_DIR: dirs[k]!.path,
          CITYTWIN_SENSORS: '50',
          CITYTWIN_SIMULATE: '0',
          CITYTWIN_LOG_LEVEL: 'warn',
          ...options.env,
        });
        webs[k] = web;
      }),
    );
    const admins = await Promise.all(webs.map((w) => login(w.url, 'admin', TEST_ADMIN_PASSWORD)));
    return { mosquitto, redis, webs, admins, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
