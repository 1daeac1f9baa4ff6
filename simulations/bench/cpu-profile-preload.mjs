/**
 * Loaded with `--import` into a process to profile (NODE_OPTIONS does not allow --cpu-prof): starts
 * the V8 sampling profiler on the main thread and writes `<dir>/<pid>.cpuprofile` when the process
 * exits (SIGTERM included: the server exits by process.exit after its shutdown). The directory is
 * CITYTWIN_BENCH_CPU_PROF_DIR. Read it with cpu-profile-summary.ts.
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
  session.post('Profiler.start');
  let written = false;
  process.on('exit', () => {
    if (written) return;
    written = true;
    // An in-process session answers synchronously, so this runs to the end inside 'exit'.
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
