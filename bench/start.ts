/**
 * `npm run bench:start`: how long Keyward takes to start on the embedded database, and the memory
 * it holds once started, when it runs through tsx (what `npm start` ran before issue 17) and when
 * it runs the build (what `npm start` runs now). Not part of `npm test`.
 *
 *   (a) first start: a fresh data dir (PGlite's initdb, the migrations, the secrets, the demo
 *       organization), from spawning the process until /readyz answers 200;
 *   (b) later start: the same data dir again, after a clean SIGTERM;
 *   (c) idle RSS: BENCH_IDLE_MS (default 3000) after /readyz, with no request, of the whole
 *       process tree (the tsx command is a process that starts the server as its child);
 *   (d) peak RSS: the tree's high-water mark (VmHWM) at that moment.
 *
 * Before: `tsx src/main.ts` (the tsx command, as `npm start` ran it; tsx compiles each module as it
 * is loaded and caches the result on disk). After: `node dist/main.js`, built first with
 * `npm run build`. BENCH_SAMPLES (default 5) samples of each, alternating, after one discarded
 * round of each (it warms tsx's cache and the OS's file cache); medians, ranges and the ratios
 * after/before. Results in bench/results/start-latest.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/helpers/ports.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 3000);
const READY_TIMEOUT_MS = 180_000;

interface Mode {
  name: 'tsx' | 'compiled';
  label: string;
  args: string[];
}

const MODES: Mode[] = [
  { name: 'tsx', label: 'before: tsx src/main.ts', args: [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'] },
  { name: 'compiled', label: 'after: node dist/main.js', args: ['dist/main.js'] },
];

interface Start {
  readyMs: number;
  idleRssMiB: number;
  peakRssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The pid and every descendant's, from /proc (the tsx command's server is its child). */
function tree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    const current = pids[i]!;
    try {
      for (const task of readFileSync(`/proc/${current}/task/${current}/children`, 'utf8').trim().split(/\s+/)) if (task) pids.push(Number(task));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** VmRSS and VmHWM of the process tree, in MiB. */
function memory(pid: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const member of tree(pid)) {
    const status = readFileSync(`/proc/${member}/status`, 'utf8');
    rss += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    peak += Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  }
  return { rss: rss / 1024, peak: peak / 1024 };
}

/** The environment of this process minus anything that would point Keyward elsewhere. */
function childEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(KEYWARD_|PG|DATABASE_URL$|REDIS_URL$|LOG_LEVEL$|NODE_OPTIONS$|NODE_ENV$)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, KEYWARD_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** One start on `dataDir`: spawn, poll /readyz every 10 ms, wait IDLE_MS, read the tree's memory, SIGTERM. */
async function start(mode: Mode, dataDir: string): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, mode.args, { cwd: ROOT, env: childEnv(dataDir, port), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  try {
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (child.exitCode !== null) throw new Error(`${mode.label} exited (${child.exitCode}) before /readyz:\n${output}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`${mode.label}: no /readyz within ${READY_TIMEOUT_MS} ms:\n${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status === 200;
        },
        () => false,
      );
      if (ok) readyMs = performance.now() - started;
      else await sleep(10);
    }
    await sleep(IDLE_MS);
    const { rss, peak } = memory(child.pid!);
    return { readyMs, idleRssMiB: rss, peakRssMiB: peak };
  } finally {
    await stop(child);
  }
}

async function main() {
  const built = performance.now();
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const buildMs = performance.now() - built;
  const temp = mkdtempSync(join(os.tmpdir(), 'keyward-bench-start-'));
  const samples: Record<Mode['name'], { first: Start[]; later: Start[] }> = { tsx: { first: [], later: [] }, compiled: { first: [], later: [] } };
  try {
    for (let round = 0; round <= SAMPLES; round++) {
      // Alternating which goes first, so that neither always meets the machine right after the other.
      for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
        const dataDir = join(temp, `${mode.name}-${round}`);
        const first = await start(mode, dataDir);
        const later = await start(mode, dataDir);
        rmSync(dataDir, { recursive: true, force: true });
        if (round === 0) continue;
        samples[mode.name].first.push(first);
        samples[mode.name].later.push(later);
        process.stderr.write(
          `[${round}/${SAMPLES}] ${mode.name}: first ${first.readyMs.toFixed(0)} ms, later ${later.readyMs.toFixed(0)} ms, idle RSS ${later.idleRssMiB.toFixed(0)} MiB\n`,
        );
      }
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }

  const rows = [
    { name: '(a) first start to /readyz', unit: 'ms', pick: (s: { first: Start[]; later: Start[] }) => s.first.map((x) => x.readyMs) },
    { name: '(b) later start to /readyz', unit: 'ms', pick: (s: { first: Start[]; later: Start[] }) => s.later.map((x) => x.readyMs) },
    { name: '(c) idle RSS after a first start', unit: 'MiB', pick: (s: { first: Start[]; later: Start[] }) => s.first.map((x) => x.idleRssMiB) },
    { name: '(c) idle RSS after a later start', unit: 'MiB', pick: (s: { first: Start[]; later: Start[] }) => s.later.map((x) => x.idleRssMiB) },
    { name: '(d) peak RSS of a first start', unit: 'MiB', pick: (s: { first: Start[]; later: Start[] }) => s.first.map((x) => x.peakRssMiB) },
    { name: '(d) peak RSS of a later start', unit: 'MiB', pick: (s: { first: Start[]; later: Start[] }) => s.later.map((x) => x.peakRssMiB) },
  ];
  const summary = rows.map((row) => {
    const before = row.pick(samples.tsx);
    const after = row.pick(samples.compiled);
    return {
      measure: row.name,
      unit: row.unit,
      before: { median: median(before), min: Math.min(...before), max: Math.max(...before) },
      after: { median: median(after), min: Math.min(...after), max: Math.max(...after) },
      ratio: median(after) / median(before),
    };
  });

  const cpus = os.cpus();
  console.log(
    `Keyward start, embedded database, ${SAMPLES} samples each, ${cpus.length} cores (${cpus[0]?.model ?? 'unknown CPU'}), Node ${process.version}; build ${(buildMs / 1000).toFixed(1)} s`,
  );
  console.log(`before: tsx src/main.ts · after: node dist/main.js · idle = ${IDLE_MS} ms after /readyz, no request`);
  for (const row of summary) {
    const range = (x: { median: number; min: number; max: number }) => `${x.median.toFixed(0)} ${row.unit} (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;
    console.log(`${row.measure}: before ${range(row.before)}, after ${range(row.after)}; after/before ${row.ratio.toFixed(2)}`);
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus.length, model: cpus[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release() },
    samples: SAMPLES,
    idleMs: IDLE_MS,
    buildMs: Math.round(buildMs),
    summary,
    raw: samples,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/start-latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
}

await main();
