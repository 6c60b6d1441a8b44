/**
 * `npm run bench`: HTTP throughput and latency of Keyward against minimal servers on the same
 * machine, measured with autocannon over 127.0.0.1 in one run. Not part of `npm test`.
 *
 *   (a) baseline: bench/baseline-server.ts (same graphql-yoga, one-field schema) answering `{ __typename }`
 *   (b) Keyward:  the build (`node dist/main.js`, as `npm start`; built first) on a fresh embedded
 *       database in a temp dir, answering an authenticated
 *       `viewer` query with the demo TEST partner key it prints on first start
 *   (c) Keyward:  the baseline's own `{ __typename }`, with the same partner key
 *   (d) baseline: bench/baseline-node-server.ts, a bare node:http JSON endpoint: POST, reads and
 *       parses a small JSON body, answers a fixed JSON of about the size of a KeyVerification
 *   (e) Keyward:  `POST /v1/keys/verify` (admin token) verifying the demo partner key, with
 *       `"requiredPermissions": ["KEYS_READ"]`
 *   (f) Keyward:  the GraphQL `verifyKey` query (admin token), the same verification
 *   (g) Keyward:  `POST /v1/keys/verify` of a well-formed key whose keyId does not exist (a guess)
 *   (h) Keyward:  `POST /v1/keys/verify` of the demo key's keyId with a wrong secret (valid checksum)
 *
 * Ratios (requests/s): b/a (target BENCH_TARGET), c/a (target BENCH_TYPENAME_TARGET), e/d (target
 * BENCH_VERIFY_TARGET: the verification endpoint against bare node:http), f/a (verifyKey against
 * bare graphql-yoga), and g/e and h/e (target 0.9: a made-up or wrong key costs no more than a
 * valid one, each a repeat the verifier answers without the database).
 *
 * Each server is its own child process (Keyward serves b, c, e and f); autocannon runs here. Each
 * round measures every selected target once, each after a warm-up, with the same
 * connections/pipelining/duration; even rounds go in the reverse order (a…f f…a a…f), so a drift
 * of the machine's speed during the run weighs on every target alike. The best and the median run
 * of each target are reported, with the ratios (the best runs' ratios are held against the
 * targets). Every response must be a 200 with the expected body: any non-2xx, mismatch, timeout
 * or socket error fails the bench (exit 1), as does a server exiting during it.
 *
 * Latency percentiles come from every response's own time (autocannon's histograms only have 1 ms
 * resolution). On Linux each run also reports the server process's CPU time per request, read
 * from /proc: on a shared, noisy machine it varies less than requests/s. It also reports how busy
 * the server and this process (the load generator) were, in % of one core: a server well below
 * 100 % while the load generator is near it was held back by the client, not by itself.
 *
 * One Keyward process serves b, c, e and f, and what it served before a run changes the run: after
 * GraphQL requests authenticated with a partner key (b, c), V8 pretenures allocation sites that
 * (e) shares, and (e) costs ~1.5× the CPU per request it costs in a process that only served (e)
 * (BENCH_TARGETS=d,e). The default run measures (e) in that mixed-traffic state, as a deployment
 * serving both would be; compare with BENCH_TARGETS=d,e.
 *
 * Environment (all optional):
 *   BENCH_TARGETS=a,b,c,d,e,f,g,h  targets to measure (any subset; only the servers they need start)
 *   BENCH_DURATION=10      seconds measured per run
 *   BENCH_WARMUP=3         seconds of warm-up before each run (not measured)
 *   BENCH_CONNECTIONS=10   concurrent connections
 *   BENCH_PIPELINING=1     requests in flight per connection
 *   BENCH_ROUNDS=2         rounds (each measures every selected target once)
 *   BENCH_LOG_LEVEL=info   Keyward's LOG_LEVEL (its default; warn drops the one-line-per-request log
 *                          of /graphql; POST /v1/keys/verify logs nothing per request)
 *   BENCH_TARGET=0.8       ratio b/a to reach
 *   BENCH_TYPENAME_TARGET=0.85  ratio c/a to reach
 *   BENCH_VERIFY_TARGET=0.6  ratio e/d to reach
 *   BENCH_ENFORCE_RATIO=1  also exit 1 when a measured ratio is below its target
 *   BENCH_CPU_PROF=keyward|baseline|node|all   write V8 CPU profiles under bench/results/profiles/
 *                          (baseline: the graphql-yoga one, node: the bare node:http one; summarise
 *                          with `npx tsx bench/profile-summary.ts <file> --target <a…f>`; the
 *                          profiler slows the profiled server down)
 */
import { liftDemoRateLimit } from './demo-organization.ts';
import { generateKey } from '../src/domain/api-key/key-format.ts';
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

const TARGET_IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;
type TargetId = (typeof TARGET_IDS)[number];
const isTargetId = (value: string): value is TargetId => (TARGET_IDS as readonly string[]).includes(value);

function numberEnv(name: string, fallback: number, min: number, integer = true): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/** BENCH_TARGETS: letters separated by commas or spaces ("a,d,e", "d e"), kept in a…h order. */
function targetsEnv(): TargetId[] {
  const raw = (process.env.BENCH_TARGETS ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'all') return [...TARGET_IDS];
  const wanted = raw.split(/[\s,]+/).filter(Boolean);
  const unknown = wanted.filter((id) => !isTargetId(id));
  if (unknown.length > 0) throw new Error(`BENCH_TARGETS: unknown target(s) ${unknown.join(', ')}; use letters of ${TARGET_IDS.join(',')}`);
  return TARGET_IDS.filter((id) => wanted.includes(id));
}

const CPU_PROF_VALUES = ['', '1', 'keyward', 'baseline', 'yoga', 'node', 'all', 'both'];

function loadConfig() {
  const cpuProf = (process.env.BENCH_CPU_PROF ?? '').trim().toLowerCase();
  if (!CPU_PROF_VALUES.includes(cpuProf)) throw new Error(`BENCH_CPU_PROF must be keyward, baseline, node or all, got "${cpuProf}"`);
  return {
    targets: targetsEnv(),
    duration: numberEnv('BENCH_DURATION', 10, 1),
    warmup: numberEnv('BENCH_WARMUP', 3, 0),
    connections: numberEnv('BENCH_CONNECTIONS', 10, 1),
    pipelining: numberEnv('BENCH_PIPELINING', 1, 1),
    rounds: numberEnv('BENCH_ROUNDS', 2, 1),
    target: numberEnv('BENCH_TARGET', 0.8, 0, false),
    typenameTarget: numberEnv('BENCH_TYPENAME_TARGET', 0.85, 0, false),
    verifyTarget: numberEnv('BENCH_VERIFY_TARGET', 0.6, 0, false),
    enforceRatio: process.env.BENCH_ENFORCE_RATIO === '1',
    keywardLogLevel: process.env.BENCH_LOG_LEVEL?.trim() || 'info',
    cpuProf,
  };
}
const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  }
})();
const profileKeyward = ['1', 'keyward', 'all', 'both'].includes(config.cpuProf);
const profileBaseline = ['baseline', 'yoga', 'all', 'both'].includes(config.cpuProf);
const profileNode = ['node', 'all'].includes(config.cpuProf);
const wants = (...ids: TargetId[]) => ids.some((id) => config.targets.includes(id));

const VIEWER_QUERY = '{ viewer { kind environment permissions key { keyId } organization { name } } }';
const BASELINE_QUERY = '{ __typename }';
const VERIFY_PATH = '/v1/keys/verify';
const VERIFY_IP = '127.0.0.1';
const VERIFY_PERMISSION = 'KEYS_READ';
const verifyKeyQuery = (key: string) =>
  `query { verifyKey(key: ${JSON.stringify(key)}, ip: ${JSON.stringify(VERIFY_IP)}, requiredPermissions: [${VERIFY_PERMISSION}]) { valid code keyId } }`;
const VERIFY_KEY_QUERY_SHOWN = verifyKeyQuery('<demo TEST partner key>');
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
const redact = (text: string) =>
  text.replace(/\b(kw_[a-z]{3}_[a-z]{4}_[0-9A-Za-z]{8}_)[0-9A-Za-z]+/g, '$1[redacted]').replace(/\bkwadm_\S+/g, 'kwadm_[redacted]');

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
    // The build (`dist/*.js`) runs as `npm start` runs it; TypeScript sources through tsx.
    const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
    proc = spawn(process.execPath, [...nodeFlags, ...loader, script], {
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

async function postJson(url: string, headers: Record<string, string>, body: string) {
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
const profileDirs: { name: string; dir: string }[] = [];
function cpuProfFlags(name: string): string[] {
  const dir = join(PROFILE_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  profileDirs.push({ name, dir });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/**
 * CPU time (user and system, ms) the server process has used so far, from /proc (Linux only;
 * null elsewhere). Per request it is steadier than requests/s on a shared machine, since time
 * the server waits for a core does not count. System time is the kernel's share: mostly the
 * socket reads and writes, loopback TCP included.
 */
let clockTicks: number | null | undefined;
function processCpuMs(pid: number | undefined): { user: number; system: number } | null {
  if (pid === undefined || process.platform !== 'linux') return null;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(fields[11]) * 1000) / clockTicks, system: (Number(fields[12]) * 1000) / clockTicks };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

interface Target {
  id: TargetId;
  child: Child;
  pid: number | undefined;
  label: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The exact body every response must have (checked by autocannon on each response). */
  expectBody: string;
  /** For the results file: what the target sends (no secrets). */
  describe: Record<string, string>;
}

/** A server started for the bench, before its targets are probed. */
interface Server {
  child: Child;
  base: string;
}

async function startBaseline(): Promise<Server> {
  const port = await freePort();
  const child = startChild(
    'baseline',
    'bench/baseline-server.ts',
    { ...process.env, PORT: String(port), NODE_ENV: 'production' },
    profileBaseline ? cpuProfFlags('baseline') : [],
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the baseline to answer', child, 60_000, async () => {
    const res = await postJson(`${base}/graphql`, { 'content-type': 'application/json' }, JSON.stringify({ query: BASELINE_QUERY }));
    return res.status === 200 ? res : undefined;
  });
  return { child, base };
}

/** (a) the minimal graphql-yoga server answering `{ __typename }`. */
async function yogaTypenameTarget(server: Server): Promise<Target> {
  const url = `${server.base}/graphql`;
  const headers = { 'content-type': 'application/json' };
  const body = JSON.stringify({ query: BASELINE_QUERY });
  const probe = await postJson(url, headers, body);
  const parsed = JSON.parse(probe.text) as { data?: { __typename?: string }; errors?: unknown };
  if (probe.status !== 200 || parsed.errors || parsed.data?.__typename !== 'Query') {
    throw new Error(`baseline answered unexpectedly (HTTP ${probe.status}): ${probe.text}`);
  }
  return {
    id: 'a',
    child: server.child,
    pid: server.child.proc.pid,
    label: '(a) baseline yoga  { __typename }',
    url,
    headers,
    body,
    expectBody: probe.text,
    describe: { server: 'bench/baseline-server.ts', request: `POST /graphql ${BASELINE_QUERY}` },
  };
}

async function startNodeBaseline(): Promise<Server> {
  const port = await freePort();
  const child = startChild(
    'baseline-node',
    'bench/baseline-node-server.ts',
    { ...process.env, PORT: String(port), NODE_ENV: 'production' },
    profileNode ? cpuProfFlags('baseline-node') : [],
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the bare node:http baseline to answer', child, 60_000, async () => {
    const res = await postJson(`${base}${VERIFY_PATH}`, { 'content-type': 'application/json' }, '{"key":"probe"}');
    return res.status === 200 ? res : undefined;
  });
  return { child, base };
}

/**
 * (d) the bare node:http endpoint, sent a request of the same size as (e)'s: the same JSON with
 * a placeholder key and an X-Admin-Token of the same lengths (no secret leaves for the baseline).
 */
async function nodeJsonTarget(server: Server, sizes: { keyLength: number; tokenLength: number }): Promise<Target> {
  const url = `${server.base}${VERIFY_PATH}`;
  const headers = { 'content-type': 'application/json', 'x-admin-token': 'x'.repeat(sizes.tokenLength) };
  const key = `kw_ptr_test_${'x'.repeat(Math.max(1, sizes.keyLength - 'kw_ptr_test_'.length))}`;
  const body = JSON.stringify({ key, ip: VERIFY_IP, requiredPermissions: [VERIFY_PERMISSION] });
  const probe = await postJson(url, headers, body);
  const parsed = JSON.parse(probe.text) as { valid?: boolean; code?: string };
  if (probe.status !== 200 || parsed.valid !== true || parsed.code !== 'VALID') {
    throw new Error(`bare node:http baseline answered unexpectedly (HTTP ${probe.status}): ${probe.text}`);
  }
  return {
    id: 'd',
    child: server.child,
    pid: server.child.proc.pid,
    label: '(d) bare node:http  POST JSON',
    url,
    headers,
    body,
    expectBody: probe.text,
    describe: { server: 'bench/baseline-node-server.ts', request: `POST ${VERIFY_PATH}, a body like (e)'s with a placeholder key` },
  };
}

interface KeywardServer extends Server {
  partnerKey: string;
  adminToken: string;
  keyId: string;
}

async function startKeyward(): Promise<KeywardServer> {
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
  const child = startChild('keyward', 'dist/main.js', env, profileKeyward ? cpuProfFlags('keyward') : []);

  // First start prints the admin token and then the demo partner key once, on stdout (which goes
  // to the log file).
  const secrets = await waitFor('the demo TEST partner key on stdout', child, 180_000, async () => {
    const log = readFileSync(child.logPath, 'utf8');
    const partnerKey = /Demo TEST partner key:\s+(kw_ptr_test_\S+)/.exec(log)?.[1];
    if (!partnerKey) return undefined;
    const adminToken = /Admin token \(X-Admin-Token\):\s+(kwadm_\S+)/.exec(log)?.[1];
    if (!adminToken) throw new Error('Keyward printed the demo partner key but no admin token');
    return { partnerKey, adminToken };
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor('Keyward /healthz', child, 60_000, async () => {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? true : undefined;
  });
  await liftDemoRateLimit(`${base}/graphql`, secrets.partnerKey, secrets.adminToken);
  return { child, base, ...secrets, keyId: secrets.partnerKey.split('_')[3]! };
}

const keywardTarget = (k: KeywardServer, t: Omit<Target, 'child' | 'pid'>): Target => ({ ...t, child: k.child, pid: k.child.proc.pid });

/** (b) the authenticated `viewer` query with the demo partner key. */
async function viewerTarget(k: KeywardServer): Promise<Target> {
  const url = `${k.base}/graphql`;
  const headers = { 'content-type': 'application/json', 'x-partner-key': k.partnerKey };
  const body = JSON.stringify({ query: VIEWER_QUERY });
  const probe = await postJson(url, headers, body);
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
    viewer.key?.keyId !== k.keyId ||
    typeof viewer.organization?.name !== 'string'
  ) {
    throw new Error(`Keyward answered the viewer query unexpectedly (HTTP ${probe.status}): ${redact(probe.text)}`);
  }
  return keywardTarget(k, {
    id: 'b',
    label: '(b) Keyward  viewer (X-Partner-Key)',
    url,
    headers,
    body,
    expectBody: probe.text,
    describe: { request: `POST /graphql ${VIEWER_QUERY}`, auth: 'X-Partner-Key (demo TEST partner key)' },
  });
}

/**
 * (c) the baseline's own query, `{ __typename }`, sent to Keyward with the partner key: what
 * Keyward adds per request (key verification, request log, context) with the GraphQL work held equal.
 */
async function typenameTarget(k: KeywardServer): Promise<Target> {
  const url = `${k.base}/graphql`;
  const headers = { 'content-type': 'application/json', 'x-partner-key': k.partnerKey };
  const body = JSON.stringify({ query: BASELINE_QUERY });
  const probe = await postJson(url, headers, body);
  const parsed = JSON.parse(probe.text) as { data?: { __typename?: string }; errors?: unknown };
  if (probe.status !== 200 || parsed.errors || parsed.data?.__typename !== 'Query') {
    throw new Error(`Keyward answered { __typename } unexpectedly (HTTP ${probe.status}): ${redact(probe.text)}`);
  }
  return keywardTarget(k, {
    id: 'c',
    label: '(c) Keyward  { __typename } (key)',
    url,
    headers,
    body,
    expectBody: probe.text,
    describe: { request: `POST /graphql ${BASELINE_QUERY}`, auth: 'X-Partner-Key (demo TEST partner key)' },
  });
}

interface Verification {
  valid?: boolean;
  code?: string;
  keyId?: string | null;
  kind?: string | null;
  environment?: string | null;
  permissions?: string[];
}

/** (e) `POST /v1/keys/verify` with the admin token, verifying the demo partner key. */
async function verifyEndpointTarget(k: KeywardServer): Promise<Target> {
  const url = `${k.base}${VERIFY_PATH}`;
  const headers = { 'content-type': 'application/json', 'x-admin-token': k.adminToken };
  const body = JSON.stringify({ key: k.partnerKey, ip: VERIFY_IP, requiredPermissions: [VERIFY_PERMISSION] });
  const probe = await postJson(url, headers, body);
  const parsed = parseVerification(probe.text);
  if (
    probe.status !== 200 ||
    parsed.valid !== true ||
    parsed.code !== 'VALID' ||
    parsed.keyId !== k.keyId ||
    parsed.kind !== 'PARTNER' ||
    parsed.environment !== 'TEST' ||
    !parsed.permissions?.includes(VERIFY_PERMISSION)
  ) {
    throw new Error(`Keyward answered POST ${VERIFY_PATH} unexpectedly (HTTP ${probe.status}): ${redact(probe.text)}`);
  }
  return keywardTarget(k, {
    id: 'e',
    label: `(e) Keyward  POST ${VERIFY_PATH}`,
    url,
    headers,
    body,
    expectBody: probe.text,
    describe: {
      request: `POST ${VERIFY_PATH} {"key":"<demo TEST partner key>","ip":"${VERIFY_IP}","requiredPermissions":["${VERIFY_PERMISSION}"]}`,
      auth: 'X-Admin-Token',
    },
  });
}

function parseVerification(text: string): Verification {
  try {
    return JSON.parse(text) as Verification;
  } catch {
    return {};
  }
}

/**
 * (g) and (h): `POST /v1/keys/verify` of a key that is not valid, of the same length as (e)'s:
 * a made-up keyId (g), or the demo key's keyId with another secret (h). Both are answered
 * `valid: false` with the same code, and repeated they must cost what (e) costs.
 */
async function invalidKeyTarget(k: KeywardServer, id: 'g' | 'h'): Promise<Target> {
  const url = `${k.base}${VERIFY_PATH}`;
  const headers = { 'content-type': 'application/json', 'x-admin-token': k.adminToken };
  const key = id === 'g' ? generateKey('ptr', 'test').token : generateKey('ptr', 'test', k.keyId).token;
  const body = JSON.stringify({ key, ip: VERIFY_IP, requiredPermissions: [VERIFY_PERMISSION] });
  const probe = await postJson(url, headers, body);
  const parsed = parseVerification(probe.text);
  if (probe.status !== 200 || parsed.valid !== false || parsed.keyId) {
    throw new Error(`Keyward answered POST ${VERIFY_PATH} of an invalid key unexpectedly (HTTP ${probe.status}): ${redact(probe.text)}`);
  }
  const what = id === 'g' ? 'a made-up keyId' : 'the demo keyId, a wrong secret';
  return keywardTarget(k, {
    id,
    label: `(${id}) Keyward  verify: ${id === 'g' ? 'made-up keyId' : 'wrong secret'}`,
    url,
    headers,
    body,
    expectBody: probe.text,
    describe: { request: `POST ${VERIFY_PATH} {"key":"<${what}>","ip":"${VERIFY_IP}","requiredPermissions":["${VERIFY_PERMISSION}"]}`, auth: 'X-Admin-Token' },
  });
}

/** (f) the GraphQL `verifyKey` query with the admin token: the same verification as (e). */
async function verifyKeyQueryTarget(k: KeywardServer): Promise<Target> {
  const url = `${k.base}/graphql`;
  const headers = { 'content-type': 'application/json', 'x-admin-token': k.adminToken };
  const body = JSON.stringify({ query: verifyKeyQuery(k.partnerKey) });
  const probe = await postJson(url, headers, body);
  let parsed: { data?: { verifyKey?: Verification }; errors?: unknown } = {};
  try {
    parsed = JSON.parse(probe.text) as typeof parsed;
  } catch {
    // reported below
  }
  const verification = parsed.data?.verifyKey;
  if (probe.status !== 200 || parsed.errors || verification?.valid !== true || verification.code !== 'VALID' || verification.keyId !== k.keyId) {
    throw new Error(`Keyward answered the verifyKey query unexpectedly (HTTP ${probe.status}): ${redact(probe.text)}`);
  }
  return keywardTarget(k, {
    id: 'f',
    label: '(f) Keyward  verifyKey (admin token)',
    url,
    headers,
    body,
    expectBody: probe.text,
    describe: { request: `POST /graphql ${VERIFY_KEY_QUERY_SHOWN}`, auth: 'X-Admin-Token' },
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface RunResult {
  target: TargetId;
  round: number;
  requestsPerSec: number;
  totalRequests: number;
  /** CPU time the server process spent per request during the run (Linux), in µs. */
  serverCpuUsPerRequest: number | null;
  /** Of which in the kernel (system time), in µs. */
  serverSystemCpuUsPerRequest: number | null;
  /** The server process's CPU time over the run's wall time, in % of one core (Linux). */
  serverCpuPercent: number | null;
  /** This process's (autocannon's) CPU time over the run's wall time, in % of one core. */
  clientCpuPercent: number;
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
  const clientBefore = process.cpuUsage();
  const monotonicStartUs = Number(process.hrtime.bigint() / 1000n);
  const { result: r, latencies } = await fire(target, config.duration);
  const monotonicEndUs = Number(process.hrtime.bigint() / 1000n);
  const client = process.cpuUsage(clientBefore);
  const cpuAfter = processCpuMs(target.pid);
  const totalRequests = r.requests.total ?? 0;
  const wallMs = (monotonicEndUs - monotonicStartUs) / 1000;
  const cpuDelta = cpuBefore !== null && cpuAfter !== null ? { user: cpuAfter.user - cpuBefore.user, system: cpuAfter.system - cpuBefore.system } : null;
  const serverCpuMs = cpuDelta ? cpuDelta.user + cpuDelta.system : null;
  const perRequestUs = (ms: number | null) => (ms !== null && totalRequests > 0 ? Math.round((ms * 1000 * 10) / totalRequests) / 10 : null);
  const serverCpuUsPerRequest = perRequestUs(serverCpuMs);
  const round1 = (n: number) => Math.round(n * 10) / 10;
  const round2 = (n: number) => Math.round(n * 100) / 100;
  return {
    target: target.id,
    round,
    requestsPerSec: r.requests.average,
    totalRequests,
    serverCpuUsPerRequest,
    serverSystemCpuUsPerRequest: perRequestUs(cpuDelta?.system ?? null),
    serverCpuPercent: serverCpuMs !== null && wallMs > 0 ? round1((serverCpuMs / wallMs) * 100) : null,
    clientCpuPercent: wallMs > 0 ? round1(((client.user + client.system) / 1000 / wallMs) * 100) : 0,
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
const LABEL_WIDTH = 38;

function runLine(label: string, r: RunResult): string {
  const bad = failures(r) + (r.warmup ? failures(r.warmup) : 0);
  return [
    pad(label, LABEL_WIDTH, true),
    pad(r.round, 5),
    pad(fmt(r.requestsPerSec), 10),
    pad(fmt(r.latencyP50Ms, 2), 8),
    pad(fmt(r.latencyP99Ms, 2), 8),
    pad(fmt(r.totalRequests), 10),
    pad(r.serverCpuUsPerRequest === null ? 'n/a' : fmt(r.serverCpuUsPerRequest, 0), 10),
    pad(`${r.serverCpuPercent === null ? 'n/a' : fmt(r.serverCpuPercent)}/${fmt(r.clientCpuPercent)}`, 11),
    pad(bad === 0 ? 'none' : `${bad} (non2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}, mismatches ${r.mismatches})`, 10),
  ].join('  ');
}

type Summary = ReturnType<typeof summarize>;
function summarize(runs: RunResult[]) {
  const best = runs.reduce((x, y) => (y.requestsPerSec > x.requestsPerSec ? y : x));
  const round2 = (n: number) => Math.round(n * 100) / 100;
  const medianOf = (pick: (r: RunResult) => number | null) => (runs.every((r) => pick(r) !== null) ? round2(median(runs.map((r) => pick(r)!))) : null);
  return {
    best: {
      round: best.round,
      requestsPerSec: best.requestsPerSec,
      latencyP50Ms: best.latencyP50Ms,
      latencyP99Ms: best.latencyP99Ms,
      serverCpuUsPerRequest: best.serverCpuUsPerRequest,
    },
    median: {
      serverCpuUsPerRequest: medianOf((r) => r.serverCpuUsPerRequest),
      serverSystemCpuUsPerRequest: medianOf((r) => r.serverSystemCpuUsPerRequest),
      requestsPerSec: round2(median(runs.map((r) => r.requestsPerSec))),
      latencyP50Ms: round2(median(runs.map((r) => r.latencyP50Ms))),
      latencyP99Ms: round2(median(runs.map((r) => r.latencyP99Ms))),
      serverCpuPercent: medianOf((r) => r.serverCpuPercent),
      clientCpuPercent: round2(median(runs.map((r) => r.clientCpuPercent))),
    },
  };
}

type RatioId = 'b/a' | 'c/a' | 'e/d' | 'f/a' | 'g/e' | 'h/e';
interface RatioDef {
  id: RatioId;
  num: TargetId;
  den: TargetId;
  /** The ratio of the best runs to reach, or null when it is only reported. */
  target: number | null;
  what: string;
}
const RATIO_DEFS: RatioDef[] = [
  { id: 'b/a', num: 'b', den: 'a', target: config.target, what: 'Keyward viewer vs bare graphql-yoga { __typename }' },
  {
    id: 'c/a',
    num: 'c',
    den: 'a',
    target: config.typenameTarget,
    what: "Keyward's per-request cost (key verification, context, request log) with the query held equal",
  },
  { id: 'e/d', num: 'e', den: 'd', target: config.verifyTarget, what: `POST ${VERIFY_PATH} vs a bare node:http JSON endpoint (verification headline)` },
  { id: 'f/a', num: 'f', den: 'a', target: null, what: 'verifyKey query (admin token) vs bare graphql-yoga { __typename }' },
  { id: 'g/e', num: 'g', den: 'e', target: 0.9, what: `POST ${VERIFY_PATH}: a made-up keyId vs the valid key` },
  { id: 'h/e', num: 'h', den: 'e', target: 0.9, what: `POST ${VERIFY_PATH}: a wrong secret vs the valid key` },
];

interface Ratio {
  /** Best run of the numerator over best run of the denominator (req/s). */
  best: number;
  /** Median over median (req/s). */
  median: number;
  /** The denominator's CPU per request over the numerator's (medians): the ratio free of scheduling noise. */
  serverCpu: number | null;
  target: number | null;
  met: boolean | null;
  what: string;
}

function ratioOf(def: RatioDef, summary: Partial<Record<TargetId, Summary>>): Ratio | null {
  const num = summary[def.num];
  const den = summary[def.den];
  if (!num || !den) return null;
  const best = num.best.requestsPerSec / den.best.requestsPerSec;
  const numCpu = num.median.serverCpuUsPerRequest;
  const denCpu = den.median.serverCpuUsPerRequest;
  return {
    best,
    median: num.median.requestsPerSec / den.median.requestsPerSec,
    serverCpu: numCpu && denCpu ? denCpu / numCpu : null,
    target: def.target,
    met: def.target === null ? null : best >= def.target,
    what: def.what,
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
  const order = Array.from({ length: config.rounds }, (_, i) => (i % 2 === 0 ? config.targets : [...config.targets].reverse()).join('')).join(' ');
  console.log(
    `Keyward HTTP benchmark: targets ${config.targets.join(',')}, ${config.connections} connections, pipelining ${config.pipelining}, ` +
      `${config.duration} s per run after ${config.warmup} s warm-up, ${config.rounds} round(s) (${order}), Keyward LOG_LEVEL=${config.keywardLogLevel}`,
  );
  console.log(`machine: ${machine.cpu} × ${machine.cores} cores, ${machine.platform}, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
  const profiled = [
    profileBaseline && wants('a') && 'graphql-yoga baseline',
    profileNode && wants('d') && 'bare node:http baseline',
    profileKeyward && wants('b', 'c', 'e', 'f', 'g', 'h') && 'Keyward',
  ].filter(Boolean);
  if (profiled.length > 0) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    console.log(`CPU profiling ${profiled.join(' and ')}: figures are slowed by the profiler`);
  }

  tempDir = mkdtempSync(join(os.tmpdir(), 'keyward-bench-'));
  const needKeyward = wants('b', 'c', 'e', 'f', 'g', 'h');
  // Keyward runs its build, as `npm start` does: made from the sources of this checkout.
  if (needKeyward) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  console.log(`starting servers${needKeyward ? ' (Keyward creates and migrates a fresh embedded database)' : ''}…`);
  const t0 = performance.now();
  const [yogaServer, nodeServer, keyward] = await Promise.all([
    wants('a') ? startBaseline() : undefined,
    wants('d') ? startNodeBaseline() : undefined,
    needKeyward ? startKeyward() : undefined,
  ]);
  const byId: Partial<Record<TargetId, Target>> = {};
  if (yogaServer) byId.a = await yogaTypenameTarget(yogaServer);
  if (keyward && wants('b')) byId.b = await viewerTarget(keyward);
  if (keyward && wants('c')) byId.c = await typenameTarget(keyward);
  if (nodeServer) {
    // The same request sizes as (e); without Keyward, those of a typical key and admin token.
    byId.d = await nodeJsonTarget(nodeServer, { keyLength: keyward?.partnerKey.length ?? 64, tokenLength: keyward?.adminToken.length ?? 49 });
  }
  if (keyward && wants('e')) byId.e = await verifyEndpointTarget(keyward);
  if (keyward && wants('f')) byId.f = await verifyKeyQueryTarget(keyward);
  if (keyward && wants('g')) byId.g = await invalidKeyTarget(keyward, 'g');
  if (keyward && wants('h')) byId.h = await invalidKeyTarget(keyward, 'h');
  const targets = config.targets.map((id) => byId[id]!);
  console.log(`servers ready in ${fmt((performance.now() - t0) / 1000, 1)} s; responses verified against:`);
  for (const target of targets) console.log(`  (${target.id}) ${redact(target.expectBody)}`);
  console.log();

  const header = [
    pad('target', LABEL_WIDTH, true),
    pad('round', 5),
    pad('req/s', 10),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    pad('requests', 10),
    pad('cpu µs/req', 10),
    pad('cpu% s/cli', 11),
    pad('failures', 10),
  ].join('  ');
  console.log(header);
  console.log('-'.repeat(header.length));
  const runs: RunResult[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    for (const target of round % 2 === 1 ? targets : [...targets].reverse()) {
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

  const summary: Partial<Record<TargetId, Summary>> = {};
  for (const target of targets) summary[target.id] = summarize(runs.filter((r) => r.target === target.id));
  const ratios: Partial<Record<RatioId, Ratio>> = {};
  for (const def of RATIO_DEFS) {
    const ratio = ratioOf(def, summary);
    if (ratio) ratios[def.id] = ratio;
  }
  const totalFailures = runs.reduce((n, r) => n + failures(r) + (r.warmup ? failures(r.warmup) : 0), 0);
  const missed = RATIO_DEFS.filter((def) => ratios[def.id]?.met === false);

  console.log();
  console.log(
    `summary (best of ${config.rounds} by req/s | medians of ${config.rounds}: server CPU µs per request, of which in the kernel, and CPU in % of a core, server/autocannon)`,
  );
  const sHeader = [
    pad('target', LABEL_WIDTH, true),
    pad('req/s', 10),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    '|',
    pad('req/s', 10),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    pad('cpu µs/req', 10),
    pad('sys µs', 6),
    pad('cpu% s/cli', 11),
  ].join('  ');
  console.log(sHeader);
  console.log('-'.repeat(sHeader.length));
  for (const target of targets) {
    const s = summary[target.id]!;
    console.log(
      [
        pad(target.label, LABEL_WIDTH, true),
        pad(fmt(s.best.requestsPerSec), 10),
        pad(fmt(s.best.latencyP50Ms, 2), 8),
        pad(fmt(s.best.latencyP99Ms, 2), 8),
        '|',
        pad(fmt(s.median.requestsPerSec), 10),
        pad(fmt(s.median.latencyP50Ms, 2), 8),
        pad(fmt(s.median.latencyP99Ms, 2), 8),
        pad(s.median.serverCpuUsPerRequest === null ? 'n/a' : fmt(s.median.serverCpuUsPerRequest), 10),
        pad(s.median.serverSystemCpuUsPerRequest === null ? 'n/a' : fmt(s.median.serverSystemCpuUsPerRequest), 6),
        pad(`${s.median.serverCpuPercent === null ? 'n/a' : fmt(s.median.serverCpuPercent)}/${fmt(s.median.clientCpuPercent)}`, 11),
      ].join('  '),
    );
  }
  console.log();
  console.log("ratios (req/s: best runs, median runs; cpu: the denominator's server CPU per request over the numerator's, medians)");
  for (const def of RATIO_DEFS) {
    const ratio = ratios[def.id];
    if (!ratio) continue;
    const verdict = ratio.target === null ? '' : `; target ≥ ${ratio.target} → ${ratio.met ? 'met' : 'BELOW TARGET'}`;
    console.log(
      `  ${def.id}  best ${ratio.best.toFixed(3)}, median ${ratio.median.toFixed(3)}, cpu ${ratio.serverCpu === null ? 'n/a' : ratio.serverCpu.toFixed(3)}${verdict}  — ${def.what}`,
    );
  }
  if (Object.keys(ratios).length === 0) console.log('  (none: each ratio needs both of its targets)');
  const saturated = targets.filter((t) => (summary[t.id]!.median.clientCpuPercent ?? 0) >= 90);
  if (saturated.length > 0) {
    console.log(
      `note: autocannon (this process) used ≥ 90 % of a core on ${saturated.map((t) => `(${t.id})`).join(' ')}: ` +
        'their req/s may be capped by the load generator rather than the server; the cpu ratios are not.',
    );
  }
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  // b/a as before this file measured more targets, for readers of older results.
  const legacy = ratios['b/a']
    ? {
        best: ratios['b/a'].best,
        median: ratios['b/a'].median,
        serverCpu: ratios['b/a'].serverCpu,
        keywardOverhead: ratios['c/a']?.median ?? null,
        target: config.target,
        met: ratios['b/a'].met,
      }
    : null;
  const report = {
    benchmark: 'keyward-http',
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    config: {
      selectedTargets: config.targets,
      connections: config.connections,
      pipelining: config.pipelining,
      durationSec: config.duration,
      warmupSec: config.warmup,
      rounds: config.rounds,
      order,
      keywardLogLevel: config.keywardLogLevel,
      cpuProfile: config.cpuProf || null,
      ratioTargets: { 'b/a': config.target, 'e/d': config.verifyTarget },
      targets: Object.fromEntries(targets.map((t) => [t.id, { label: t.label, ...t.describe }])),
    },
    runs,
    summary,
    ratios,
    /** b/a with c/a's median as keywardOverhead: the shape of earlier results files. */
    ratio: legacy,
    failures: totalFailures,
    ok: totalFailures === 0,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results written to ${RESULTS_FILE.slice(ROOT.length + 1)}`);
  for (const { name, dir } of profileDirs) {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => ({ path: join(dir, f), size: statSync(join(dir, f)).size }))
      .sort((x, y) => y.size - x.size);
    const main = files[0];
    const ids = name === 'baseline' ? ['a'] : name === 'baseline-node' ? ['d'] : config.targets.filter((id) => 'bcef'.includes(id));
    const first = ids.includes('e') ? 'e' : (ids[0] ?? 'b');
    console.log(
      main
        ? `CPU profile (${name}): ${main.path.slice(ROOT.length + 1)}  (npx tsx bench/profile-summary.ts ${main.path.slice(ROOT.length + 1)} --target ${first}` +
            `${ids.length > 1 ? `; or --target ${ids.filter((id) => id !== first).join('|')}` : ''})`
        : `CPU profile (${name}): none written in ${dir.slice(ROOT.length + 1)}`,
    );
  }

  if (totalFailures > 0) {
    console.error(`bench FAILED: ${totalFailures} failed or unexpected responses`);
    return 1;
  }
  if (config.enforceRatio && missed.length > 0) {
    console.error(
      `bench FAILED (BENCH_ENFORCE_RATIO=1): ${missed.map((def) => `${def.id} ${ratios[def.id]!.best.toFixed(3)} below ${def.target}`).join(', ')}`,
    );
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
