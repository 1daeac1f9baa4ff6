/**
 * Bench run 16's processes on cores of their own, and the browser's CPU time by process.
 *
 * On a 2-core machine the server, the gateway fleet and a software-rendering browser share the
 * cores: while a page is slow to draw, the browser's graphics process takes the CPU the server
 * needs, the server sends fewer readings, and the page being measured is fed less than the page
 * it is compared with. Pinned, the server and the fleet run on one core and the browser (every
 * process of it: the graphics process, the renderers) on the other, so which page is open does
 * not change what the server sends. Linux only (`taskset`, /proc).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether pinning is possible: `taskset` present and at least two cores. */
export function canPin(): boolean {
  return existsSync('/usr/bin/taskset') && cpuCount() >= 2;
}

function cpuCount(): number {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 1;
  } catch {
    return 1;
  }
}

/** `pid` and every process under it (/proc children lists, walked to a bounded depth). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number, depth: number) => {
    out.push(p);
    if (depth > 8) return;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.split(/\s+/).filter(Boolean)) walk(Number(k), depth + 1);
    }
  };
  walk(pid, 0);
  return out;
}

/** Pins every thread of `pid` and of the processes under it to `cpu` (threads started later inherit it). */
export function pinTree(pid: number, cpu: number): void {
  for (const p of processTree(pid)) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(p)], { stdio: 'ignore' });
    } catch {
      // A process that ended meanwhile.
    }
  }
}

/**
 * A script that starts Chromium (pinned to `cpu` when not null) and leaves its process id in
 * `pidFile`: the executable the bench hands Playwright.
 */
export function chromiumLauncher(dir: string, chromium: string, cpu: number | null): { executable: string; pidFile: string } {
  const pidFile = join(dir, 'chromium.pid');
  const executable = join(dir, 'chromium-launcher.sh');
  const pin = cpu === null ? '' : `taskset -c ${cpu} `;
  writeFileSync(executable, `#!/bin/sh\necho $$ > '${pidFile}'\nexec ${pin}'${chromium}' "$@"\n`);
  chmodSync(executable, 0o755);
  return { executable, pidFile };
}

/** CPU time (ms) used so far by each kind of process under `pid`: `gpu-process`, `renderer`, `browser`, … */
export function cpuByProcessType(pid: number): Map<string, number> {
  const ticksMs = 1000 / 100; // USER_HZ is 100 on Linux.
  const out = new Map<string, number>();
  for (const p of processTree(pid)) {
    let stat = '';
    let cmd = '';
    try {
      stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes('chromium')) continue;
    const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(f[11]) + Number(f[12])) * ticksMs;
    out.set(type, (out.get(type) ?? 0) + ms);
  }
  return out;
}

/** CPU ms of `after` − `before` by process type. */
export function cpuSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}
