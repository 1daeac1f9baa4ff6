/** Runs `citytwin <role>` as a separate process (as deployed), for multi-process tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './fixtures.ts';

export const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

export interface CityTwinProcess {
  child: ChildProcess;
  /** Console or worker URL, from the start-up line. */
  url: string;
  output(): string;
  /** SIGTERM (pending batches are written first) and wait for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node --import tsx bin/citytwin.ts <role>` with `env` and waits for its start-up line.
 * Node itself, not the tsx command: tsx relays a SIGTERM to its child and SIGKILLs it when the
 * child has not acknowledged within about 60 ms (a busy event loop), so the stop's last writes
 * would not run.
 */
export async function startCityTwinProcess(
  role: 'all' | 'ingest' | 'web',
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<CityTwinProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/citytwin.ts', role], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const ready = role === 'ingest' ? /health and metrics on (\S+)/ : /CityTwin console: (\S+)/;
  const url = await waitFor(
    `citytwin ${role} to start`,
    () => {
      if (child.exitCode !== null) throw new Error(`citytwin ${role} exited with ${child.exitCode}:\n${out}`);
      return ready.exec(out)?.[1] ?? null;
    },
    timeoutMs,
    100,
  );
  return {
    child,
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return new Promise((r) => child.once('exit', (code) => r(code)));
    },
  };
}
