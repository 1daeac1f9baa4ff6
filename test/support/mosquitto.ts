/** Starts a real Mosquitto (Debian package) on a free loopback port for a test. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from './fixtures.ts';

export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

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
  const child: ChildProcess = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(`mosquitto on port ${port} (${stderr})`, () =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    }),
  );
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      dir.remove();
    },
  };
}
