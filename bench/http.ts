/**
 * `npm run bench`: HTTP throughput and latency of Keyward against a minimal graphql-yoga server,
 * measured with autocannon over 127.0.0.1 in one run. Not part of `npm test`.
 *
 *   (a) baseline: bench/baseline-server.ts (same graphql-yoga, one-field schema) answering `{ __typename }`
 *   (b) Keyward:  src/main.ts on a fresh embedded database in a temp dir, answering an authenticated
 *       `viewer` query with the demo TEST partner key it prints on first start
 *
 * Each server is its own child process; autocannon runs here. Runs alternate A B A B … with the
 * same connections/pipelining/duration, each after a warm-up; the best and the median run of each
 * are reported, with the ratio b/a of requests per second (the best runs' ratio is held against
 * the target). Every response must be a 200 with the expected body: any non-2xx, mismatch, timeout
 * or socket error fails the bench (exit 1), as does a server exiting during it.
 *
 * Latency percentiles come from every response's own time (autocannon's histograms only have 1 ms
 * resolution). On Linux each run also reports the server process's CPU time per request, read
 * from /proc: on a shared, noisy machine it varies less than requests/s.
 *
 * Environment (all optional):
 *   BENCH_DURATION=10      seconds measured per run
 *   BENCH_WARMUP=3         seconds of warm-up before each run (not measured)
 *   BENCH_CONNECTIONS=10   concurrent connections
 *   BENCH_PIPELINING=1     requests in flight per connection
 *   BENCH_ROUNDS=2         A/B rounds (2 gives ABAB)
 *   BENCH_LOG_LEVEL=info   Keyward's LOG_LEVEL (its default; warn drops the one-line-per-request log)
 *   BENCH_TARGET=0.9       ratio b/a to reach
 *   BENCH_ENFORCE_RATIO=1  also exit 1 when the ratio is below BENCH_TARGET
 *   BENCH_CPU_PROF=keyward|baseline|all   write V8 CPU profiles under bench/results/profiles/
 *                                         (summarise with `npx tsx bench/profile-summary.ts <file>`;
 *                                         the profiler slows the profiled server down)
 */
import { freePort } from '../test/helpers/ports.ts';
import autocannon, { type Result } from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'http-latest.json');
const PROFILE_DIR = join(RESULTS_DIR, 'profiles');

// ---------------------------------------------------------------------------------------------
// Configuration

function numberEnv(name: string, fallback: number, min: number, integer = true): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return value;
}

const config = {
  duration: numberEnv('BENCH_DURATION', 10, 1),
  warmup: numberEnv('BENCH_WARMUP', 3, 0),
  connections: numberEnv('BENCH_CONNECTIONS', 10, 1),
  pipelining: numberEnv('BENCH_PIPELINING', 1, 1),
  rounds: numberEnv('BENCH_ROUNDS', 2, 1),
  target: numberEnv('BENCH_TARGET', 0.9, 0, false),
  enforceRatio: process.env.BENCH_ENFORCE_RATIO === '1',
  keywardLogLevel: process.env.BENCH_LOG_LEVEL?.trim() || 'info',
  cpuProf: (process.env.BENCH_CPU_PROF ?? '').trim().toLowerCase(),
};
const profileKeyward = ['1', 'keyward', 'all', 'both'].includes(config.cpuProf);
const profileBaseline = ['baseline', 'all', 'both'].includes(config.cpuProf);

const VIEWER_QUERY = '{ viewer { kind environment permissions key { keyId } organization { name } } }';
const BASELINE_QUERY = '{ __typename }';

// ---------------------------------------------------------------------------------------------
// Child processes and cleanup

interface Child {
  name: string;
  proc: ChildProcess;
  logPath: string;
  exited: Promise<void>;
}

const children: Child[] = [];
let tempDir: string | undefined;

/** Anything that looks like a Keyward secret is blanked before output reaches the terminal. */
const redact = (text: string) => text.replace(/\b(kw_[a-z]{3}_[a-z]{4}_[0-9A-Za-z]{8}_)[0-9A-Za-z]+/g, '$1[redacted]').replace(/\bkwadm_\S+/g, 'kwadm_[redacted]');

function logTail(child: Child, lines = 30): string {
  try {
    const text = readFileSync(child.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return redact(text);
  } catch {
    return '(no output)';
  }
}

function startChild(name: string, script: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Child {
  const logPath = join(tempDir!, `${name}.log`);
  const fd = openSync(logPath, 'a');
  let proc: ChildProcess;
  try {
    // Output goes to a file, not a pipe: this process (autocannon) never spends CPU reading it.
    proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script], {
      cwd: ROOT,
      env,
      stdio: ['pipe', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((resolveExit) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolveExit();
    proc.once('exit', () => resolveExit());
    proc.once('error', () => resolveExit());
  });
  const child = { name, proc, logPath, exited };
  children.push(child);
  return child;
}

const isRunning = (child: Child) => child.proc.exitCode === null && child.proc.signalCode === null;

async function stopChild(child: Child): Promise<void> {
  if (!isRunning(child)) return;
  child.proc.kill('SIGTERM');
  // Keyward drains, flushes and closes its database on SIGTERM (and writes its CPU profile then).
  await Promise.race([child.exited, sleep(20_000)]);
  if (isRunning(child)) {
    process.stderr.write(`bench: ${child.name} did not stop after SIGTERM; killing it\n`);
    child.proc.kill('SIGKILL');
    await Promise.race([child.exited, sleep(5_000)]);
  }
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all(children.map((child) => stopChild(child).catch(() => {})));
    if (tempDir) rmSync(tempDir, { recursive: true, force: true, maxRetries: 3 });
    tempDir = undefined;
  })();
  return cleaning;
}

// Last resort (an uncaught error, process.exit): no waiting possible, so kill and remove at once.
process.on('exit', () => {
  for (const child of children) if (isRunning(child)) child.proc.kill('SIGKILL');
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}: stopping servers\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers


async function waitFor<T>(what: string, child: Child, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new Error(`${child.name} exited (code ${child.proc.exitCode}, signal ${child.proc.signalCode}) before ${what}:\n${logTail(child)}`);
    }
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (${String(lastError)})` : ''}:\n${logTail(child)}`);
}

async function postGraphQL(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * One directory per server and run: tsx's loader thread writes a profile of its own (no
 * --cpu-prof-name, which would make the two threads overwrite one file). The main thread's
 * profile is the larger one.
 */
const profileDirs: string[] = [];
function cpuProfFlags(name: string): string[] {
  const dir = join(PROFILE_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  profileDirs.push(dir);
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/**
 * CPU time (user + system, ms) the server process has used so far, from /proc (Linux only;
 * null elsewhere). Per request it is steadier than requests/s on a shared machine, since time
 * the server waits for a core does not count.
 */
let clockTicks: number | null | undefined;
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined || process.platform !== 'linux') return null;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

interface Target {
  id: 'a' | 'b' | 'c';
  child: Child;
  pid: number | undefined;
  label: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The exact body every response must have (checked by autocannon on each response). */
  expectBody: string;
}

async function startBaseline(): Promise<Target> {
  const port = await freePort();
  const child = startChild(
    'baseline',
    'bench/baseline-server.ts',
    { ...process.env, PORT: String(port), NODE_ENV: 'production' },
    profileBaseline ? cpuProfFlags('baseline') : [],
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const headers = { 'content-type': 'application/json' };
  const body = JSON.stringify({ query: BASELINE_QUERY });
  const probe = await waitFor('the baseline to answer', child, 60_000, async () => {
    const res = await postGraphQL(url, headers, body);
    return res.status === 200 ? res : undefined;
  });
  const parsed = JSON.parse(probe.text) as { data?: { __typename?: string }; errors?: unknown };
  if (parsed.errors || parsed.data?.__typename !== 'Query') throw new Error(`baseline answered unexpectedly: ${probe.text}`);
  return { id: 'a', child, pid: child.proc.pid, label: '(a) baseline yoga  { __typename }', url, headers, body, expectBody: probe.text };
}

async function startKeyward(): Promise<Target> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A fresh embedded database: nothing from the caller's environment may point elsewhere.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'KEYWARD_ADMIN_TOKEN', 'KEYWARD_PEPPER', 'KEYWARD_ENCRYPTION_KEY', 'KEYWARD_TRUST_PROXY', 'HOST']) {
    delete env[name];
  }
  Object.assign(env, {
    KEYWARD_DATA_DIR: join(tempDir!, 'data'),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: config.keywardLogLevel,
    NODE_ENV: 'production',
  });
  const child = startChild(
    'keyward',
    'src/main.ts',
    env,
    profileKeyward ? cpuProfFlags('keyward') : [],
  );

  // First start prints the demo partner key once, on stdout (which goes to the log file).
  const partnerKey = await waitFor('the demo TEST partner key on stdout', child, 180_000, async () => {
    const match = /Demo TEST partner key:\s+(kw_ptr_test_\S+)/.exec(readFileSync(child.logPath, 'utf8'));
    return match?.[1];
  });
  const keyId = partnerKey.split('_')[3];
  const base = `http://127.0.0.1:${port}`;
  await waitFor('Keyward /healthz', child, 60_000, async () => {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? true : undefined;
  });

  const url = `${base}/graphql`;
  const headers = { 'content-type': 'application/json', 'x-partner-key': partnerKey };
  const body = JSON.stringify({ query: VIEWER_QUERY });
  const probe = await postGraphQL(url, headers, body);
  type Viewer = { kind: string; environment: string; permissions: string[]; key: { keyId: string }; organization: { name: string } };
  const parsed = JSON.parse(probe.text) as { data?: { viewer?: Viewer }; errors?: unknown };
  const viewer = parsed.data?.viewer;
  if (
    probe.status !== 200 ||
    parsed.errors ||
    !viewer ||
    viewer.kind !== 'PARTNER' ||
    viewer.environment !== 'TEST' ||
    !Array.isArray(viewer.permissions) ||
    viewer.permissions.length === 0 ||
    viewer.key?.keyId !== keyId ||
    typeof viewer.organization?.name !== 'string'
  ) {
    throw new Error(`Keyward answered the viewer query unexpectedly (HTTP ${probe.status}): ${redact(probe.text)}`);
  }
  return { id: 'b', child, pid: child.proc.pid, label: '(b) Keyward  viewer (X-Partner-Key)', url, headers, body, expectBody: probe.text };
}

/**
 * (c) the baseline's own query, `{ __typename }`, sent to Keyward with the partner key: what
 * Keyward adds per request (key verification, request log, context) with the GraphQL work held equal.
 */
async function keywardTypename(b: Target): Promise<Target> {
  const body = JSON.stringify({ query: BASELINE_QUERY });
  const probe = await postGraphQL(b.url, b.headers, body);
  const parsed = JSON.parse(probe.text) as { data?: { __typename?: string }; errors?: unknown };
  if (probe.status !== 200 || parsed.errors || parsed.data?.__typename !== 'Query') {
    throw new Error(`Keyward answered { __typename } unexpectedly (HTTP ${probe.status}): ${redact(probe.text)}`);
  }
  return { ...b, id: 'c', label: '(c) Keyward  { __typename } (key)', body, expectBody: probe.text };
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface RunResult {
  target: 'a' | 'b' | 'c';
  round: number;
  requestsPerSec: number;
  totalRequests: number;
  /** CPU time the server process spent per request during the run (Linux), in µs. */
  serverCpuUsPerRequest: number | null;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyAvgMs: number;
  latencyMaxMs: number;
  /** autocannon's own figures (1 ms resolution). */
  autocannonLatencyMs: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  warmup: { requestsPerSec: number; non2xx: number; errors: number; timeouts: number; mismatches: number } | null;
  /** The measured window on the monotonic clock (µs), the clock of V8 CPU profiles: see profile-summary.ts. */
  monotonicStartUs: number;
  monotonicEndUs: number;
}

const failures = (r: Pick<RunResult, 'non2xx' | 'errors' | 'timeouts' | 'mismatches'>) => r.non2xx + r.errors + r.timeouts + r.mismatches;

/** Quantile of sorted values (nearest rank). */
const quantile = (sorted: Float64Array, q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);

/**
 * One autocannon run. Its histograms have 1 ms resolution (p50 is 0 or 1 on loopback), so each
 * response's latency (a float in ms, from autocannon's 'response' event) is also kept here.
 */
async function fire(target: Target, duration: number): Promise<{ result: Result; latencies: Float64Array }> {
  const samples: number[] = [];
  const instance = autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections: config.connections,
    pipelining: config.pipelining,
    duration,
    expectBody: target.expectBody,
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    samples.push(ms);
  });
  const result = await instance;
  return { result, latencies: Float64Array.from(samples).sort() };
}

async function measure(target: Target, round: number): Promise<RunResult> {
  let warmup: RunResult['warmup'] = null;
  if (config.warmup > 0) {
    const { result: w } = await fire(target, config.warmup);
    warmup = { requestsPerSec: w.requests.average, non2xx: w.non2xx, errors: w.errors, timeouts: w.timeouts, mismatches: w.mismatches };
  }
  const cpuBefore = processCpuMs(target.pid);
  const monotonicStartUs = Number(process.hrtime.bigint() / 1000n);
  const { result: r, latencies } = await fire(target, config.duration);
  const monotonicEndUs = Number(process.hrtime.bigint() / 1000n);
  const cpuAfter = processCpuMs(target.pid);
  const totalRequests = r.requests.total ?? 0;
  const serverCpuUsPerRequest =
    cpuBefore !== null && cpuAfter !== null && totalRequests > 0 ? Math.round(((cpuAfter - cpuBefore) * 1000 * 10) / totalRequests) / 10 : null;
  const round2 = (n: number) => Math.round(n * 100) / 100;
  return {
    target: target.id,
    round,
    requestsPerSec: r.requests.average,
    totalRequests,
    serverCpuUsPerRequest,
    latencyP50Ms: round2(quantile(latencies, 0.5)),
    latencyP99Ms: round2(quantile(latencies, 0.99)),
    latencyAvgMs: round2(latencies.reduce((sum, v) => sum + v, 0) / Math.max(1, latencies.length)),
    latencyMaxMs: round2(latencies[latencies.length - 1] ?? 0),
    autocannonLatencyMs: { p50: r.latency.p50, p99: r.latency.p99, average: r.latency.average, max: r.latency.max },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
    warmup,
    monotonicStartUs,
    monotonicEndUs,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

const pad = (value: string | number, width: number, left = false) => {
  const text = String(value);
  return left ? text.padEnd(width) : text.padStart(width);
};
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function runLine(label: string, r: RunResult): string {
  const bad = failures(r) + (r.warmup ? failures(r.warmup) : 0);
  return [
    pad(label, 38, true),
    pad(r.round, 5),
    pad(fmt(r.requestsPerSec), 10),
    pad(fmt(r.latencyP50Ms, 2), 8),
    pad(fmt(r.latencyP99Ms, 2), 8),
    pad(fmt(r.totalRequests), 10),
    pad(r.serverCpuUsPerRequest === null ? 'n/a' : fmt(r.serverCpuUsPerRequest, 0), 9),
    pad(bad === 0 ? 'none' : `${bad} (non2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}, mismatches ${r.mismatches})`, 10),
  ].join('  ');
}

function summarize(runs: RunResult[]) {
  const best = runs.reduce((x, y) => (y.requestsPerSec > x.requestsPerSec ? y : x));
  return {
    best: { round: best.round, requestsPerSec: best.requestsPerSec, latencyP50Ms: best.latencyP50Ms, latencyP99Ms: best.latencyP99Ms },
    median: {
      serverCpuUsPerRequest: runs.every((r) => r.serverCpuUsPerRequest !== null) ? median(runs.map((r) => r.serverCpuUsPerRequest!)) : null,
      requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
      latencyP50Ms: median(runs.map((r) => r.latencyP50Ms)),
      latencyP99Ms: median(runs.map((r) => r.latencyP99Ms)),
    },
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const started = new Date();
  console.log(
    `Keyward HTTP benchmark: ${config.connections} connections, pipelining ${config.pipelining}, ` +
      `${config.duration} s per run after ${config.warmup} s warm-up, ${config.rounds} round(s) A/B/C, Keyward LOG_LEVEL=${config.keywardLogLevel}`,
  );
  console.log(`machine: ${machine.cpu} × ${machine.cores} cores, ${machine.platform}, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
  if (profileKeyward || profileBaseline) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    console.log(`CPU profiling ${[profileBaseline && 'baseline', profileKeyward && 'Keyward'].filter(Boolean).join(' and ')}: figures are slowed by the profiler`);
  }

  tempDir = mkdtempSync(join(os.tmpdir(), 'keyward-bench-'));
  console.log('starting servers (Keyward creates and migrates a fresh embedded database)…');
  const t0 = performance.now();
  const [a, b] = await Promise.all([startBaseline(), startKeyward()]);
  const c = await keywardTypename(b);
  console.log(`servers ready in ${fmt((performance.now() - t0) / 1000, 1)} s; responses verified against:`);
  console.log(`  (a) ${a.expectBody}`);
  console.log(`  (b) ${redact(b.expectBody)}`);
  console.log(`  (c) ${c.expectBody}`);
  console.log();

  const header = [
    pad('target', 38, true),
    pad('round', 5),
    pad('req/s', 10),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    pad('requests', 10),
    pad('cpu µs/req', 9),
    pad('failures', 10),
  ].join('  ');
  console.log(header);
  console.log('-'.repeat(header.length));
  const runs: RunResult[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    for (const target of [a, b, c]) {
      const result = await measure(target, round);
      runs.push(result);
      console.log(runLine(target.label, result));
      if (!isRunning(target.child)) {
        throw new Error(
          `${target.child.name} exited during the benchmark (code ${target.child.proc.exitCode}, signal ${target.child.proc.signalCode}):\n${logTail(target.child)}`,
        );
      }
    }
  }

  const finished = new Date();
  await cleanup();

  const summary = {
    a: summarize(runs.filter((r) => r.target === 'a')),
    b: summarize(runs.filter((r) => r.target === 'b')),
    c: summarize(runs.filter((r) => r.target === 'c')),
  };
  const ratio = {
    best: summary.b.best.requestsPerSec / summary.a.best.requestsPerSec,
    median: summary.b.median.requestsPerSec / summary.a.median.requestsPerSec,
    /** a's CPU per request over b's (median runs): the throughput ratio free of scheduling noise. */
    serverCpu:
      summary.a.median.serverCpuUsPerRequest && summary.b.median.serverCpuUsPerRequest
        ? summary.a.median.serverCpuUsPerRequest / summary.b.median.serverCpuUsPerRequest
        : null,
    /** c/a: Keyward's own per-request cost with the query held equal. */
    keywardOverhead: summary.c.median.requestsPerSec / summary.a.median.requestsPerSec,
  };
  const totalFailures = runs.reduce((n, r) => n + failures(r) + (r.warmup ? failures(r.warmup) : 0), 0);
  const meetsTarget = ratio.best >= config.target;

  console.log();
  console.log(`summary (best of ${config.rounds} by req/s | median of ${config.rounds})`);
  const sHeader = [pad('target', 38, true), pad('req/s', 10), pad('p50 ms', 8), pad('p99 ms', 8), pad('| req/s', 10), pad('p50 ms', 8), pad('p99 ms', 8)].join('  ');
  console.log(sHeader);
  console.log('-'.repeat(sHeader.length));
  for (const target of [a, b, c]) {
    const s = summary[target.id];
    console.log(
      [
        pad(target.label, 38, true),
        pad(fmt(s.best.requestsPerSec), 10),
        pad(fmt(s.best.latencyP50Ms, 2), 8),
        pad(fmt(s.best.latencyP99Ms, 2), 8),
        pad(`| ${fmt(s.median.requestsPerSec)}`, 10),
        pad(fmt(s.median.latencyP50Ms, 2), 8),
        pad(fmt(s.median.latencyP99Ms, 2), 8),
      ].join('  '),
    );
  }
  console.log();
  console.log(
    `ratio b/a (req/s): best ${ratio.best.toFixed(3)}, median ${ratio.median.toFixed(3)}; target ≥ ${config.target} → ${meetsTarget ? 'met' : 'BELOW TARGET'}`,
  );
  console.log(
    `ratio c/a (req/s, median): ${ratio.keywardOverhead.toFixed(3)} — Keyward's per-request cost (key verification, context, request log) with the query held equal`,
  );
  if (summary.a.median.serverCpuUsPerRequest && summary.b.median.serverCpuUsPerRequest) {
    console.log(
      `server CPU per request (median): (a) ${fmt(summary.a.median.serverCpuUsPerRequest)} µs, (b) ${fmt(summary.b.median.serverCpuUsPerRequest)} µs, ` +
        `(c) ${fmt(summary.c.median.serverCpuUsPerRequest ?? 0)} µs; ` +
        `a/b ${(summary.a.median.serverCpuUsPerRequest / summary.b.median.serverCpuUsPerRequest).toFixed(3)} (what the req/s ratio would be if both were CPU-bound alone)`,
    );
  }
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const report = {
    benchmark: 'keyward-http',
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    config: {
      connections: config.connections,
      pipelining: config.pipelining,
      durationSec: config.duration,
      warmupSec: config.warmup,
      rounds: config.rounds,
      order: Array.from({ length: config.rounds }, () => 'ABC').join(''),
      keywardLogLevel: config.keywardLogLevel,
      cpuProfile: config.cpuProf || null,
      targets: {
        a: { label: a.label, query: BASELINE_QUERY },
        b: { label: b.label, query: VIEWER_QUERY, auth: 'X-Partner-Key (demo TEST partner key)' },
        c: { label: c.label, query: BASELINE_QUERY, auth: 'X-Partner-Key (demo TEST partner key)' },
      },
    },
    runs,
    summary,
    ratio: { ...ratio, target: config.target, met: meetsTarget },
    failures: totalFailures,
    ok: totalFailures === 0,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n');
  console.log(`results written to ${RESULTS_FILE.slice(ROOT.length + 1)}`);
  if (profileKeyward || profileBaseline) {
    for (const dir of profileDirs) {
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => ({ path: join(dir, f), size: statSync(join(dir, f)).size }))
        .sort((x, y) => y.size - x.size);
      const main = files[0];
      console.log(
        main
          ? `CPU profile: ${main.path.slice(ROOT.length + 1)}  (npx tsx bench/profile-summary.ts ${main.path.slice(ROOT.length + 1)}${dir.includes('baseline') ? ' --target a' : ''})`
          : `CPU profile: none written in ${dir.slice(ROOT.length + 1)}`,
      );
    }
  }

  if (totalFailures > 0) {
    console.error(`bench FAILED: ${totalFailures} failed or unexpected responses`);
    return 1;
  }
  if (config.enforceRatio && !meetsTarget) {
    console.error(`bench FAILED: ratio ${ratio.best.toFixed(3)} below ${config.target} (BENCH_ENFORCE_RATIO=1)`);
    return 1;
  }
  return 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(`bench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanup();
    process.exit(1);
  });
