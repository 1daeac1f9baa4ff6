/** Starts a real Mosquitto (Debian package) on a free loopback port for a test. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnServer, tempDir, type ServerProcess } from './fixtures.ts';

export type Mosquitto = ServerProcess;

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/**
 * `max_queued_messages 0` and a large in-flight window: with Debian's defaults Mosquitto
 * drops QoS 1 messages for a subscriber that pauses (docs/deployment.md).
 */
export async function startMosquitto(): Promise<Mosquitto> {
  const port = await freePort();
  const dir = tempDir('mosquitto');
  const conf = join(dir.path, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 0', 'max_inflight_messages 0', 'log_dest stderr', 'log_type error', 'log_type warning'].join('\n') + '\n',
  );
  return spawnServer('mosquitto', MOSQUITTO_BIN, ['-c', conf], port, `mqtt://127.0.0.1:${port}`, dir);
}
