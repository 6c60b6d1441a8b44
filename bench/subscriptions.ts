/**
 * `npm run bench:subscriptions`: how fast one change reaches N concurrent graphql-ws subscribers,
 * and how much server memory each subscriber costs, for Keyward beside the physical floor,
 * measured in one run on one machine. Not part of `npm test`.
 *
 *   (k) Keyward: src/main.ts on a fresh embedded database, N sockets each subscribed to
 *       `apiKeyEvents { cursor type at key { keyId name active } }` with the demo TEST partner key.
 *       The change is a `createPartnerKey` (then a `revokePartnerKey` of that key: one event each)
 *       sent over HTTP by this process.
 *   (r) baseline: bench/baseline-ws-server.ts, plain `ws` sending every socket one `next` message
 *       of the same shape and size (its own JSON.stringify per socket), on `POST /broadcast`.
 *
 * Each server and the load client (bench/subscriptions-client.ts) is its own process, each with
 * its soft limit on open files raised to the hard limit (`ulimit -Hn`: one socket is one file).
 * When N is more than one client process can hold, the sockets are split over several client
 * processes; when it is more than one server process can hold (its hard limit, less room for the
 * database, logs and HTTP), the run is refused with what to raise. For each N the servers are
 * measured in blocks, one server holding sockets at a time (its keep-alive and credential checks
 * load the machine: they weigh on its own figures only), in the order r k k r (k r r k for the
 * next N) so that a machine whose speed drifts (a shared one) weighs on both alike. In a block the
 * clients open N sockets (200 at a time each), wait for each `connection_ack`, subscribe, one
 * warm-up change must reach all N (proof every subscription is live), half of BENCH_CHANGES
 * changes are timed, and the sockets close. A subscriber's latency is its receive time minus the
 * time the change was sent (both `performance.timeOrigin + performance.now()`, comparable across
 * processes on one machine); p50/p99/max are over all subscribers of all timed changes, and each
 * change's own p99 is shown with their median (on a shared machine one change slowed by another
 * process decides the pooled p99; the target is held against the pooled one).
 * Memory: after a full GC (SIGUSR2, see bench/gc-on-signal.ts) the server reports its live memory
 * (V8 heap used + external + array buffers: what the connections hold) and its RSS, before the
 * clients first connect and once all N are subscribed; KB per connection is the live-memory
 * difference / N (RSS differences of a process whose embedded database alone takes hundreds of MB
 * move in allocator-sized steps; they are shown beside it). Each N gets fresh server processes
 * (Keyward on a new embedded database), so memory that an earlier, larger round left in the
 * allocator does not hide in the figures.
 *
 * Ratios: p99(k)/p99(r) (target BENCH_P99_TARGET, 1.3) and KB per connection of (k) (target
 * BENCH_KB_TARGET, 10), held against the targets at 10,000 and at the largest N (issue 17's target
 * is 25,000 subscribers; at small N Keyward's fixed cost per change, an HTTP mutation with its
 * transaction, weighs more than the fan-out and the ratio is shown for information). Every
 * subscriber must receive every change, or the run fails (exit 1).
 *
 * BENCH_SUBSCRIPTIONS_PER_SOCKET=k (default 1) opens k subscriptions on each graphql-ws socket, so
 * N subscriptions take N/k sockets (e.g. 25,000 where a process holds fewer than 25,000 files).
 * That is a different measure: the per-socket costs (TCP, ws, graphql-ws's connection) are paid
 * once for k subscribers, and each socket gets k messages per change. Memory is then per
 * subscription.
 *
 * Environment (all optional):
 *   BENCH_SUBSCRIBERS=1000,10000,25000  the N values (subscriptions); by default 25,000 becomes the
 *                                       most this machine's limit on open files allows, in thousands
 *   BENCH_SUBSCRIPTIONS_PER_SOCKET=1    subscriptions per graphql-ws socket
 *   BENCH_SOCKETS_PER_CLIENT=…          sockets per load client process (default: what its file limit allows)
 *   BENCH_CHANGES=5                     timed changes per N
 *   BENCH_TARGETS=k,r                   which targets
 *   BENCH_P99_TARGET=1.3  BENCH_KB_TARGET=10   BENCH_ENFORCE=1 (exit 1 when a target is missed)
 *   BENCH_HEAP_SNAPSHOTS=<dir>          servers write a heap snapshot there at each memory reading
 *                                       (before and after the connections; compare with bench/heap-diff.ts)
 *   BENCH_CPU_PROF=<dir>                servers write V8 CPU profiles there when they stop, under
 *                                       <target>-<N>-<round>/ (the largest file is the main thread's;
 *                                       summarise with bench/profile-summary.ts)
 */
import { liftDemoRateLimit } from './demo-organization.ts';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'subscriptions-latest.json');
const QUERY = 'subscription { apiKeyEvents { cursor type at key { keyId name active } } }';

/**
 * The hard limit on open files of this process, which its children inherit: a process may raise
 * its soft limit up to it, never past it (that takes CAP_SYS_RESOURCE).
 */
function hardFileLimit(): number {
  const value = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  // Unlimited in name only: the kernel caps open files per process at fs.nr_open.
  if (value === 'unlimited') return Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
  return Number(value);
}
const FD_LIMIT = hardFileLimit();
/**
 * Files a Keyward server keeps open besides its sockets: ~170 measured at the start, mostly the
 * embedded database's relation files (it opens more as it touches more tables), logs, stdio, HTTP.
 */
const SERVER_FD_RESERVE = 400;
/** Files a load client keeps open besides its sockets. */
const CLIENT_FD_RESERVE = 50;
const SERVER_SOCKETS = FD_LIMIT - SERVER_FD_RESERVE;
/** Sockets one load client holds at most: what its limit allows, or fewer (BENCH_SOCKETS_PER_CLIENT). */
const CLIENT_SOCKETS = Math.min(FD_LIMIT - CLIENT_FD_RESERVE, Number(process.env.BENCH_SOCKETS_PER_CLIENT ?? Number.POSITIVE_INFINITY));

const listEnv = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
const config = {
  perSocket: Number(process.env.BENCH_SUBSCRIPTIONS_PER_SOCKET ?? 1),
  subscribers: listEnv('BENCH_SUBSCRIBERS', '').map(Number),
  changes: Number(process.env.BENCH_CHANGES ?? 5),
  targets: listEnv('BENCH_TARGETS', 'k,r'),
  p99Target: Number(process.env.BENCH_P99_TARGET ?? 1.3),
  kbTarget: Number(process.env.BENCH_KB_TARGET ?? 10),
  enforce: process.env.BENCH_ENFORCE === '1',
};
if (!Number.isInteger(config.perSocket) || config.perSocket < 1 || config.perSocket > 100) {
  throw new Error('BENCH_SUBSCRIPTIONS_PER_SOCKET: an integer from 1 to 100');
}
if (config.subscribers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('BENCH_SUBSCRIBERS: positive integers');
/** What memory is divided by: a socket holds one subscription, or several (BENCH_SUBSCRIPTIONS_PER_SOCKET). */
const unit = config.perSocket > 1 ? 'subscription' : 'connection';
const socketsFor = (n: number) => Math.ceil(n / config.perSocket);
if (config.subscribers.length === 0) {
  const most = Math.floor((SERVER_SOCKETS * config.perSocket) / 1000) * 1000;
  config.subscribers = [1_000, 10_000, Math.min(25_000, most)].filter((n, i, all) => n <= most && all.indexOf(n) === i);
}
const tooMany = config.subscribers.find((n) => socketsFor(n) > SERVER_SOCKETS);
if (tooMany !== undefined) {
  process.stderr.write(
    [
      `bench:subscriptions: ${tooMany} subscribers need ${socketsFor(tooMany)} sockets in one server process, but a process here may open at most`,
      `${FD_LIMIT} files (the hard limit, \`ulimit -Hn\`), of which ${SERVER_FD_RESERVE} are kept for the database, logs and HTTP:`,
      `at most ${SERVER_SOCKETS * config.perSocket} subscribers with ${config.perSocket} per socket. Raise the hard limit of the shell that runs the`,
      'benchmark (it needs CAP_SYS_RESOURCE, which containers usually lack): as root `ulimit -Hn 65536`; in a container',
      '`docker run --ulimit nofile=65536:65536`; under systemd `LimitNOFILE=65536`; for a login `nofile` in',
      '/etc/security/limits.conf. Or set BENCH_SUBSCRIPTIONS_PER_SOCKET (several subscriptions per socket: a different measure).',
      '',
    ].join('\n'),
  );
  process.exit(2);
}

const tempDir = mkdtempSync(join(os.tmpdir(), 'keyward-bench-subs-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(tempDir, { recursive: true, force: true });
});

/** A node process with a raised fd limit, GC on SIGUSR2, output in a log file; a server may write a CPU profile. */
function startNode(name: string, script: string, env: NodeJS.ProcessEnv, stdio: 'pipe' | 'log'): { proc: ChildProcess; log: string } {
  const log = join(tempDir, `${name}.log`);
  const profileDir = process.env.BENCH_CPU_PROF;
  // A directory per server: tsx's loader thread writes a profile of its own beside the main thread's.
  const profile = stdio === 'log' && profileDir ? `--cpu-prof --cpu-prof-dir="${join(resolve(profileDir), name)}" ` : '';
  // `exec` keeps bash's pid ($$) for node, so the server writes memory-<its pid>.json.
  const command = `ulimit -Sn ${FD_LIMIT} && export BENCH_MEMORY_FILE="${tempDir}/memory-$$.json" && exec "${process.execPath}" ${profile}--expose-gc --import tsx --import ./bench/gc-on-signal.ts ${script} 2>>"${log}"`;
  const proc = spawn('bash', ['-c', stdio === 'log' ? `${command} >>"${log}"` : command], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  return { proc, log };
}

const now = () => performance.timeOrigin + performance.now();

const memoryFile = (pid: number) => join(tempDir, `memory-${pid}.json`);

/** The server's memory after a full GC: live (heap used + external + array buffers) and RSS, in KB. */
async function settledMemory(pid: number): Promise<{ live: number; rss: number }> {
  rmSync(memoryFile(pid), { force: true });
  process.kill(pid, 'SIGUSR2');
  const usage = await waitUntil(
    'the memory report',
    process.env.BENCH_HEAP_SNAPSHOTS ? 300_000 : 10_000,
    () => JSON.parse(readFileSync(memoryFile(pid), 'utf8')) as NodeJS.MemoryUsage,
  );
  await sleep(500);
  return { live: (usage.heapUsed + usage.external + usage.arrayBuffers) / 1024, rss: usage.rss / 1024 };
}

async function waitUntil<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// -- the load client -------------------------------------------------------------------------

class LoadClient {
  private readonly lines: Interface;
  private readonly pending: ((message: Record<string, unknown>) => void)[] = [];
  constructor(private readonly proc: ChildProcess) {
    this.lines = createInterface({ input: proc.stdout! });
    this.lines.on('line', (line) => this.pending.shift()?.(JSON.parse(line) as Record<string, unknown>));
  }
  async send(command: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = new Promise<Record<string, unknown>>((resolve) => this.pending.push(resolve));
    this.proc.stdin!.write(`${JSON.stringify(command)}\n`);
    const message = await answer;
    if (message.ok !== true) throw new Error(`load client: ${String(message.error)}`);
    return message;
  }
}

/**
 * The load clients: as many processes as it takes to hold the largest N's sockets, each started
 * once. A target's subscriptions (its group) are split over them in whole sockets; their answers
 * are joined.
 */
class LoadClients {
  private readonly clients: LoadClient[] = [];

  constructor(sockets: number) {
    const count = Math.max(1, Math.ceil(sockets / CLIENT_SOCKETS));
    for (let i = 0; i < count; i++) {
      const { proc } = startNode(`client-${i}`, 'bench/subscriptions-client.ts', { ...process.env }, 'pipe');
      this.clients.push(new LoadClient(proc));
    }
  }

  get count(): number {
    return this.clients.length;
  }

  /** Opens n subscriptions of a group, perSocket on each socket, with the sockets spread evenly over the clients. */
  async connect(group: string, url: string, n: number, params: Record<string, string>): Promise<void> {
    const sockets = socketsFor(n);
    let left = n;
    await Promise.all(
      this.clients.map((client) => {
        const share = Math.min(left, Math.ceil(sockets / this.clients.length) * config.perSocket);
        left -= share;
        return share > 0 ? client.send({ cmd: 'connect', group, url, n: share, perSocket: config.perSocket, params, query: QUERY }) : undefined;
      }),
    );
  }

  async arm(group: string, type: string): Promise<void> {
    await Promise.all(this.clients.map((client) => client.send({ cmd: 'arm', group, type })));
  }

  /** Every subscriber's receive time of the group's armed change. */
  async collect(group: string, timeoutMs: number): Promise<number[]> {
    const answers = await Promise.all(this.clients.map((client) => client.send({ cmd: 'collect', group, timeoutMs })));
    return answers.flatMap((answer) => answer.times as number[]);
  }

  /** Closes every group's sockets. */
  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.send({ cmd: 'close' })));
  }
}

// -- targets -----------------------------------------------------------------------------------

interface Target {
  id: 'k' | 'r';
  proc: ChildProcess;
  label: string;
  pid: number;
  wsUrl: string;
  params: Record<string, string>;
  /** Makes one change and returns the event type subscribers must receive. */
  change(index: number): { expect: string; send: () => Promise<void> };
}

async function startKeyward(round: number, n: number): Promise<Target> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'KEYWARD_ADMIN_TOKEN', 'KEYWARD_PEPPER', 'KEYWARD_ENCRYPTION_KEY', 'KEYWARD_TRUST_PROXY']) delete env[name];
  Object.assign(env, {
    KEYWARD_DATA_DIR: join(tempDir, `data-${round}`),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    KEYWARD_MAX_SUBSCRIPTIONS_PER_KEY: '100000',
    KEYWARD_MAX_SUBSCRIPTIONS_PER_SOCKET: String(Math.max(10, config.perSocket)),
    KEYWARD_MAX_SOCKETS_PER_KEY: '100000',
    KEYWARD_MAX_SOCKETS_PER_IP: '100000',
  });
  const { proc, log } = startNode(`keyward-${n}-${round}`, 'src/main.ts', env, 'log');
  const key = await waitUntil('the demo partner key', 180_000, () => /Demo TEST partner key:\s+(kw_ptr_test_\S+)/.exec(readFileSync(log, 'utf8'))?.[1]);
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitUntil('Keyward /healthz', 60_000, async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined));
  const adminToken = /Admin token \(X-Admin-Token\):\s+(kwadm_\S+)/.exec(readFileSync(log, 'utf8'))?.[1];
  if (!adminToken) throw new Error('Keyward printed no admin token');
  await liftDemoRateLimit(url, key, adminToken);
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-partner-key': key },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, { __typename: string; key?: { id: string } }> };
    const result = body.data ? Object.values(body.data)[0] : undefined;
    if (!result?.__typename.endsWith('Success')) throw new Error(`Keyward change failed: ${JSON.stringify(body)}`);
    return result;
  };
  let created: string | null = null;
  return {
    id: 'k',
    proc,
    label: 'Keyward (graphql-yoga + graphql-ws)',
    pid: (await waitUntil('the Keyward pid', 5_000, () => findNodePid(proc.pid!)))!,
    wsUrl: url.replace('http', 'ws'),
    params: { 'X-Partner-Key': key },
    change(index) {
      // Alternate: create a key, then revoke it (at most 5 active partner keys per organization).
      if (created === null) {
        return {
          expect: 'CREATED',
          send: async () => {
            const result = await post(
              'mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename ... on CreatePartnerKeySuccess { key { id } } } }',
              { i: { name: `bench-${index}`, permissions: ['KEYS_READ'] } },
            );
            created = result.key!.id;
          },
        };
      }
      const id = created;
      return {
        expect: 'REVOKED',
        send: async () => {
          await post('mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }', { id });
          created = null;
        },
      };
    },
  };
}

async function startBaseline(round: number, n: number): Promise<Target> {
  const port = await freePort();
  const { proc, log } = startNode(`baseline-${n}-${round}`, 'bench/baseline-ws-server.ts', { ...process.env, PORT: String(port) }, 'log');
  await waitUntil('the baseline to listen', 60_000, () => (readFileSync(log, 'utf8').includes('listening') ? true : undefined));
  return {
    id: 'r',
    proc,
    label: 'raw ws broadcast (floor)',
    pid: (await waitUntil('the baseline pid', 5_000, () => findNodePid(proc.pid!)))!,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    params: {},
    change(index) {
      const type = index % 2 === 0 ? 'CREATED' : 'REVOKED';
      const payload = {
        data: {
          apiKeyEvents: {
            cursor: Buffer.from(`ev1:${index + 2}`).toString('base64url'),
            type,
            at: new Date().toISOString(),
            key: { keyId: 'AbCdEfGh', name: `bench-${index}`, active: type === 'CREATED' },
          },
        },
      };
      return {
        expect: type,
        send: async () => {
          const response = await fetch(`http://127.0.0.1:${port}/broadcast`, { method: 'POST', body: JSON.stringify(payload) });
          if (!response.ok) throw new Error(`baseline broadcast: ${response.status}`);
          await response.text();
        },
      };
    },
  };
}

/** `bash -c 'exec node …'` keeps the pid; this finds the node process if bash forked instead. */
function findNodePid(pid: number): number | undefined {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  return cmdline.includes('node') || cmdline.includes(process.execPath) ? pid : undefined;
}

// -- measuring ---------------------------------------------------------------------------------

interface Row {
  target: 'k' | 'r';
  subscribers: number;
  /** The first subscriber's latency: what comes before the fan-out (Keyward: the mutation, its transaction, the event's execution). */
  min: number;
  p50: number;
  p99: number;
  max: number;
  /**
   * Each timed change's p99, and their median: one change slowed by something else on a shared
   * machine decides the pooled p99 (it holds 1/BENCH_CHANGES of the samples), not the median.
   */
  changeP99s: number[];
  medianChangeP99: number;
  /** Live memory (heap used + external + array buffers) per connection. */
  kbPerConnection: number;
  /** RSS difference per connection. */
  kbRss: number;
  sockets: number;
  /** Files the server had open before the clients connected, and with every socket open. */
  serverFiles: { before: number; after: number };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const openFiles = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** One target's round: its memory readings, and the latencies of its timed changes. */
interface Session {
  target: Target;
  n: number;
  memory: { before: { live: number; rss: number }; after: { live: number; rss: number } } | null;
  files: { before: number; after: number };
  latencies: number[];
  /** Each timed change's own p99, in the order measured. */
  changeP99s: number[];
}

/**
 * One block of a target's round: N subscribers connect (the first block reads the server's memory
 * before and after), one warm-up change must reach them all, `changes` changes are timed, and the
 * subscribers go.
 */
async function block(clients: LoadClients, session: Session, changes: number, changeIndex: { value: number }): Promise<void> {
  const { target, n } = session;
  const sockets = socketsFor(n);
  const filesBefore = openFiles(target.pid);
  if (filesBefore + sockets > FD_LIMIT) {
    throw new Error(`${target.label} has ${filesBefore} files open already: ${sockets} sockets more pass its limit of ${FD_LIMIT} (ulimit -Hn)`);
  }
  const first = session.memory === null;
  const before = first ? await settledMemory(target.pid) : null;
  await clients.connect(target.id, target.wsUrl, n, target.params);
  await sleep(1_000);
  if (before) {
    session.memory = { before, after: await settledMemory(target.pid) };
    session.files = { before: filesBefore, after: openFiles(target.pid) };
    const { memory, files } = session;
    process.stdout.write(
      `${target.label}: ${n} subscribers${config.perSocket > 1 ? ` on ${socketsFor(n)} sockets` : ''}, ` +
        `${((memory.after.live - memory.before.live) / n).toFixed(1)} KB/${unit} live (RSS ${((memory.after.rss - memory.before.rss) / n).toFixed(1)}), ` +
        `server files ${files.before} → ${files.after}\n`,
    );
  }
  // The warm-up: it proves every subscription is live.
  await change(clients, session, changeIndex, false);
  await sleep(500);
  for (let i = 0; i < changes; i++) await change(clients, session, changeIndex, true);
  await clients.close();
  // The server closes its ends before the next block connects (tens of thousands take seconds).
  const settled = session.files.before + 200;
  await waitUntil(`${target.label} to close its sockets`, 180_000, () => (openFiles(target.pid) <= settled ? true : undefined));
  await sleep(500);
}

/** One change to a target, which every one of its subscribers must receive; timed unless it is the warm-up. */
async function change(clients: LoadClients, session: Session, changeIndex: { value: number }, timed: boolean): Promise<void> {
  const { target } = session;
  const next = target.change(changeIndex.value++);
  await clients.arm(target.id, next.expect);
  const sentAt = now();
  await next.send();
  const times = await clients.collect(target.id, 60_000);
  if (!timed) return;
  const latencies = times.map((t) => t - sentAt);
  session.latencies.push(...latencies);
  session.changeP99s.push(
    percentile(
      latencies.sort((x, y) => x - y),
      0.99,
    ),
  );
}

function rowOf({ target, n, memory, files, latencies, changeP99s }: Session): Row {
  const sorted = [...latencies].sort((a, b) => a - b);
  if (!memory) throw new Error(`${target.label} was never connected`);
  return {
    target: target.id,
    subscribers: n,
    min: sorted[0]!,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1)!,
    changeP99s: changeP99s.map((v) => Math.round(v * 10) / 10),
    medianChangeP99: [...changeP99s].sort((x, y) => x - y)[Math.floor((changeP99s.length - 1) / 2)]!,
    kbPerConnection: (memory.after.live - memory.before.live) / n,
    kbRss: (memory.after.rss - memory.before.rss) / n,
    sockets: socketsFor(n),
    serverFiles: files,
  };
}

async function stop(target: Target): Promise<void> {
  const exited = new Promise((resolve) => target.proc.once('exit', resolve));
  target.proc.kill('SIGTERM');
  await Promise.race([exited, sleep(30_000)]);
  target.proc.kill('SIGKILL');
}

async function main(): Promise<void> {
  const clients = new LoadClients(Math.max(...config.subscribers.map(socketsFor)));
  process.stdout.write(
    `open files: hard limit ${FD_LIMIT} per process (servers keep ${SERVER_FD_RESERVE} for themselves); ${clients.count} load client process(es); ` +
      `${config.perSocket} subscription(s) per socket\n`,
  );
  const rows: Row[] = [];
  const changeIndex = { value: 0 };
  for (const [round, n] of config.subscribers.entries()) {
    const targets: Target[] = [];
    if (config.targets.includes('r')) targets.push(await startBaseline(round, n));
    if (config.targets.includes('k')) targets.push(await startKeyward(round, n));
    // One target holds sockets at a time, in blocks a b b a (b a a b for the next N).
    const [a, b] = round % 2 === 0 ? targets : [...targets].reverse();
    const sessions = [a, b].flatMap((target) =>
      target ? [{ target, n, memory: null, files: { before: 0, after: 0 }, latencies: [], changeP99s: [] } as Session] : [],
    );
    const order = sessions.length === 2 ? [sessions[0]!, sessions[1]!, sessions[1]!, sessions[0]!] : [sessions[0]!, sessions[0]!];
    for (const [i, session] of order.entries()) {
      const firstHalf = Math.ceil(config.changes / 2);
      await block(clients, session, order.indexOf(session) === i ? firstHalf : config.changes - firstHalf, changeIndex);
    }
    for (const session of sessions) {
      const row = rowOf(session);
      rows.push(row);
      process.stdout.write(
        `${session.target.label}: ${n} subscribers, min ${row.min.toFixed(1)} ms, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, max ${row.max.toFixed(1)} ms; ` +
          `p99 of each change ${row.changeP99s.map((v) => v.toFixed(0)).join(' ')} ms\n`,
      );
    }
    await Promise.all(targets.map(stop));
  }

  const lines = ['', `| subscribers | sockets | target | min | p50 | p99 | max | server KB per ${unit}: live (RSS) |`, '|---|---|---|---|---|---|---|---|'];
  for (const row of rows) {
    lines.push(
      `| ${row.subscribers} | ${row.sockets} | ${row.target} | ${row.min.toFixed(1)} ms | ${row.p50.toFixed(1)} ms | ${row.p99.toFixed(1)} ms | ${row.max.toFixed(1)} ms | ${row.kbPerConnection.toFixed(1)} (${row.kbRss.toFixed(1)}) |`,
    );
  }
  const verdicts: string[] = [];
  let missed = false;
  const largest = Math.max(...config.subscribers);
  for (const n of config.subscribers) {
    const k = rows.find((r) => r.target === 'k' && r.subscribers === n);
    const r = rows.find((row) => row.target === 'r' && row.subscribers === n);
    if (k && r) {
      const ratio = k.p99 / r.p99;
      const ok = ratio <= config.p99Target && k.kbPerConnection <= config.kbTarget;
      const held = n === largest || n === 10_000;
      if (held) missed ||= !ok;
      verdicts.push(
        `N=${n}: p99 k/r = ${ratio.toFixed(2)} (median of the changes' p99s: ${(k.medianChangeP99 / r.medianChangeP99).toFixed(2)}), ` +
          `k ${k.kbPerConnection.toFixed(1)} KB/${unit}, r ${r.kbPerConnection.toFixed(1)} KB` +
          (held ? ` → targets (p99 ≤ ${config.p99Target}×, ≤ ${config.kbTarget} KB) ${ok ? 'met' : 'NOT met'}` : ' (information)'),
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n\n${verdicts.join('\n')}\n`);
  const machine = {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ date: new Date().toISOString(), machine, config, rows, verdicts }, null, 2)}\n`);
  process.stdout.write(`\nwritten to ${RESULTS_FILE}\n`);
  for (const child of children) child.kill('SIGTERM');
  process.exit(config.enforce && missed ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:subscriptions failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
