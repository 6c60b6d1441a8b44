// Preloaded into benchmark servers (`node --expose-gc --import ./bench/gc-on-signal.ts …`): SIGUSR2
// runs a full garbage collection and, when BENCH_MEMORY_FILE is set, writes the process's memory
// usage (heap, external, RSS) there as JSON, so the benchmark reads a server's live memory at a
// settled point. Not part of Keyward itself.
import { writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const file = process.env.BENCH_MEMORY_FILE;
  if (file) writeFileSync(file, JSON.stringify({ ...process.memoryUsage(), at: Date.now() }));
});
