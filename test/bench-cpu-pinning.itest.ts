/**
 * Bench run 16's pinning (simulations/bench/cpu-pinning.ts) on real processes: the launcher
 * starts its program on the core asked and leaves its process id; a process tree is pinned
 * whole; CPU time is counted per process kind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canPin, chromiumLauncher, cpuSince, pinTree, processTree } from '../simulations/bench/cpu-pinning.ts';

const started: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cpusAllowed(pid: number): string {
  return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
}

/** Waits (bounded) until `read` returns something. */
async function until<T>(read: () => T | null): Promise<T> {
  for (let k = 0; k < 100; k++) {
    const v = read();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('not reached');
}

describe.runIf(canPin())('bench CPU pinning', () => {
  it('launches its program pinned to the core asked and leaves its process id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citytwin-pin-'));
    dirs.push(dir);
    const launcher = chromiumLauncher(dir, '/bin/sleep', 1);
    const child = spawn(launcher.executable, ['30'], { stdio: 'ignore' });
    started.push(child);
    const pid = await until(() => Number(readFileSync(launcher.pidFile, { encoding: 'utf8', flag: 'a+' }).trim()) || null);
    // The launcher execs its program: the id it left is the program's.
    expect(pid).toBe(child.pid);
    const allowed = await until(() => (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/bin/sleep') ? cpusAllowed(pid) : null));
    expect(allowed).toBe('1');
  });

  it('pins a process and the processes under it', async () => {
    const parent = spawn('/bin/sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    started.push(parent);
    const tree = await until(() => {
      const t = processTree(parent.pid!);
      return t.length >= 2 ? t : null;
    });
    expect(tree[0]).toBe(parent.pid);
    pinTree(parent.pid!, 0);
    for (const pid of tree) expect(cpusAllowed(pid)).toBe('0');
    for (const pid of tree.slice(1)) process.kill(pid, 'SIGKILL');
  });

  it('counts CPU time between two readings by process kind', () => {
    const since = cpuSince(
      new Map([
        ['gpu-process', 100],
        ['renderer', 40],
      ]),
      new Map([
        ['gpu-process', 350],
        ['renderer', 40],
        ['utility', 5],
      ]),
    );
    expect(Object.fromEntries(since)).toEqual({ 'gpu-process': 250, renderer: 0, utility: 5 });
  });
});
