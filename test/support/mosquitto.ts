/** Starts a real Mosquitto (Debian package) on a free loopback port for a test. */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnServer, tempDir, type ServerProcess } from './fixtures.ts';

export interface Mosquitto extends ServerProcess {
  /**
   * SIGTERM and wait for the exit (with persistence on, Mosquitto writes its persistence file
   * on the way out: sessions, subscriptions, queued and in-flight QoS 1 messages). The
   * directory with the configuration and the persistence file stays for {@link restart}.
   */
  halt(): Promise<void>;
  /** Starts it again on the same port with the same configuration and persistence file. */
  restart(): Promise<void>;
}

export interface MosquittoOptions {
  /** `persistence true` with the persistence file in the server's directory. @default false */
  persistence?: boolean;
}

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/**
 * `max_queued_messages 0` and a large in-flight window: with Debian's defaults Mosquitto
 * drops QoS 1 messages for a subscriber that pauses (docs/deployment.md).
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const port = await freePort();
  const dir = tempDir('mosquitto');
  const conf = join(dir.path, 'mosquitto.conf');
  const persistence = options.persistence
    ? ['persistence true', `persistence_location ${dir.path}/`, 'persistence_file mosquitto.db', 'autosave_interval 0']
    : ['persistence false'];
  writeFileSync(
    conf,
    `${[
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      ...persistence,
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
    ].join('\n')}\n`,
  );
  // Started as root, Mosquitto drops to the `mosquitto` user before it writes its persistence
  // file: the (loopback-only, temporary) directory must be writable for it.
  if (options.persistence) chmodSync(dir.path, 0o777);
  const url = `mqtt://127.0.0.1:${port}`;
  // The directory outlives each Mosquitto process; stop() removes it at the end.
  const keep = { remove: () => {} };
  const spawnOne = () => spawnServer('mosquitto', MOSQUITTO_BIN, ['-c', conf], port, url, keep);
  let current: ServerProcess | null = await spawnOne();
  return {
    url,
    port,
    stop: async () => {
      await current?.stop();
      current = null;
      dir.remove();
    },
    halt: async () => {
      await current?.stop();
      current = null;
    },
    restart: async () => {
      if (current) throw new Error('mosquitto is running: halt() it first');
      current = await spawnOne();
    },
  };
}
