/**
 * Loaded with `--import` into a process to profile (NODE_OPTIONS does not allow --cpu-prof).
 * When CITYTWIN_BENCH_CPU_PROF_DIR is set, SIGUSR2 starts the V8 sampling profiler on the main
 * thread and the next SIGUSR2 stops it and writes `<dir>/<pid>-<n>.cpuprofile`, so a bench
 * profiles exactly the window it measures (a wrapper such as tsx may SIGKILL its child on
 * SIGTERM, so the exit is no place to write it). Read it with cpu-profile-summary.ts.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.CITYTWIN_BENCH_CPU_PROF_DIR;
if (dir && isMainThread) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  let running = false;
  let written = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      session.post('Profiler.start');
      running = true;
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `${process.pid}-${++written}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
