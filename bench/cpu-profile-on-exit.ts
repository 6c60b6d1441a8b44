// Preloaded into a Keyward instance by a benchmark (`NODE_OPTIONS="--import tsx --import ./bench/cpu-profile-on-exit.ts"`,
// as `--cpu-prof` is not allowed in NODE_OPTIONS): profiles the whole process and writes the V8
// CPU profile to $BENCH_CPU_PROF_DIR/<pid>.cpuprofile when it exits (SIGTERM stops Keyward gracefully).
// Not part of Keyward itself.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR ?? '.';
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('exit', () => {
  // The in-process inspector answers synchronously, so this completes before the process ends.
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `keyward-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
