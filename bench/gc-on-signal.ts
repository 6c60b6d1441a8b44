// Preloaded into benchmark servers (`node --expose-gc --import ./bench/gc-on-signal.ts …`): SIGUSR2
// runs a full garbage collection and, when BENCH_MEMORY_FILE is set, writes the process's memory
// usage (heap, external, RSS) there as JSON, so the benchmark reads a server's live memory at a
// settled point. With BENCH_HEAP_SNAPSHOTS set to a directory, a heap snapshot is written there
// first (compare two with bench/heap-diff.ts). Not part of Keyward itself.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

let snapshots = 0;
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  const dir = process.env.BENCH_HEAP_SNAPSHOTS;
  if (dir) writeHeapSnapshot(join(dir, `${process.pid}-${++snapshots}.heapsnapshot`));
  const file = process.env.BENCH_MEMORY_FILE;
  if (file) writeFileSync(file, JSON.stringify({ ...usage, at: Date.now() }));
});
