/**
 * `citytwin all` of a checkout as a benchmark's child process: ports picked by the system, the
 * simulator off, 100 sensors, a throwaway data directory and admin account (both gone after
 * `stop`). Runs 3 (latency) and 11 (all-in-one throughput) measure it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONSOLE_LINE = /CityTwin console: (\S+)/;
const BROKER_LINE = /embedded MQTT broker on (\S+)/;

export interface AllInOneApp {
  /** The console's (and API's) URL. */
  url: string;
  /** The embedded broker's URL. */
  brokerUrl: string;
  /** Stops the process (SIGTERM, waits for its exit) and deletes its data directory. */
  stop(): Promise<void>;
}

export interface AllInOneAppOptions {
  /** Names the data directory (`citytwin-bench-<tag>-…`). */
  tag: string;
  adminPassword: string;
  /** The checkout to run (default: this one). */
  appDir?: string;
  /** How long the start may take before it counts as failed. */
  startTimeoutMs: number;
}

/** Starts `citytwin all` and resolves once it has printed its console and broker URLs. */
export async function startAllInOne(options: AllInOneAppOptions): Promise<AllInOneApp> {
  const appDir = options.appDir ?? process.cwd();
  const dir = mkdtempSync(join(tmpdir(), `citytwin-bench-${options.tag}-`));
  const app = spawn(process.execPath, ['--import', 'tsx', 'bin/citytwin.ts', 'all'], {
    cwd: appDir,
    env: {
      ...process.env,
      CITYTWIN_HTTP_PORT: '0',
      CITYTWIN_MQTT_PORT: '0',
      CITYTWIN_SIMULATE: '0',
      CITYTWIN_DATA_DIR: dir,
      CITYTWIN_LOG_LEVEL: 'info',
      CITYTWIN_SENSORS: '100',
      CITYTWIN_ADMIN_PASSWORD: options.adminPassword,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async (): Promise<void> => {
    app.kill('SIGTERM');
    await new Promise((r) => (app.exitCode !== null || app.signalCode !== null ? r(null) : app.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  };
  let out = '';
  app.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + options.startTimeoutMs;
  while (!(CONSOLE_LINE.test(out) && BROKER_LINE.test(out))) {
    if (Date.now() > deadline || app.exitCode !== null) {
      await stop();
      throw new Error(`citytwin all did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: CONSOLE_LINE.exec(out)![1]!, brokerUrl: BROKER_LINE.exec(out)![1]!, stop };
}
