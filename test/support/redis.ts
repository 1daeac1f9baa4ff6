/** Starts a real Redis (Debian `redis-server`) on a free loopback port for a test. */
import { freePort, spawnServer, tempDir, type ServerProcess } from './fixtures.ts';

export type RedisServer = ServerProcess;

export const REDIS_BIN = '/usr/bin/redis-server';

/** No persistence, loopback only; stopped (and its directory removed) by `stop()`. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('redis');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir.path,
    '--loglevel',
    'warning',
  ];
  return spawnServer('redis-server', REDIS_BIN, args, port, `redis://127.0.0.1:${port}`, dir);
}
