// Preloaded into benchmark servers (`node --expose-gc --import ./bench/gc-on-signal.ts …`): SIGUSR2
// runs a full garbage collection, so the benchmark reads a server's memory at a settled point.
// Not part of Keyward itself.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
});
