// npm run bench:webhooks — what webhooks cost, against baselines measured in the same run.
//
// (a) The outbox's cost per change: the same key update with 0 and with 3 matching endpoints
//     (one delivery row each, written in the change's transaction), interleaved rounds.
// (b) Delivery throughput, N webhooks already in the outbox emptied by the dispatcher (claim,
//     sign, POST, record the attempts) to a local receiver that answers 200:
//     - embedded: the dispatcher in this process on the embedded database (PGlite), as
//       `npm start` runs without DATABASE_URL;
//     - postgres: two Keyward instances (`node dist/main.js`, built first, each its own process)
//       sharing one PostgreSQL database (the test helper's server, durable: fsync on), both
//       dispatchers claiming from the same outbox;
//     against a bare loop in this process POSTing the same bodies, signed the same way, in
//     batches of the dispatcher's round size, with no database. Rounds interleave the three.
//
// Options: BENCH_CHANGES (300 per round of (a)), BENCH_ROUNDS (3), BENCH_WEBHOOKS (2000 per round),
// BENCH_POSTGRES=0 (skip the PostgreSQL run), BENCH_INSTANCES (2; the target is for two), BENCH_ENFORCE=1 (exit 1 below a target),
// BENCH_CPU_PROF=1 (V8 profiles of the embedded dispatcher and of both instances under
// bench/results/profiles/; summarise them with bench/profile-summary.ts --results none).
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { createServices } from '../src/app.ts';
import { openDatabase, type Database } from '../src/infra/database.ts';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createLogger } from '../src/infra/logger.ts';
import { createMailer } from '../src/infra/mailer.ts';
import { webhookSignature } from '../src/domain/webhooks/webhook-sender.ts';
import { startPostgres, type PostgresServer } from '../test/helpers/postgres.ts';
import { startRedis, type RedisServer } from '../test/helpers/redis.ts';
import { KeywardCluster, postGraphQL, type KeywardProcess } from '../test/helpers/process.ts';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 2000);
const WITH_POSTGRES = process.env.BENCH_POSTGRES !== '0';
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2);
const ENFORCE = process.env.BENCH_ENFORCE === '1';
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
/** The dispatcher's round: claimed and sent together. */
const CONCURRENCY = 20;
/** Keyward's deliveries per second over the bare POST loop's (issue 17, item 4). */
const TARGETS = { embedded: 0.2, postgres: 0.5 };
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROFILES = `${ROOT}bench/results/profiles/`;

// The partner's receiver: counts requests and the distinct webhook-ids it saw (a duplicate is a failure).
let received = 0;
let ids = new Set<string>();
const receiver = createServer((req, res) => {
  const id = req.headers['webhook-id'];
  req.resume();
  req.on('end', () => {
    received++;
    if (typeof id === 'string') ids.add(id);
    res.end('ok');
  });
});
receiver.listen(0, '127.0.0.1');
await once(receiver, 'listening');
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
const resetReceiver = () => {
  received = 0;
  ids = new Set();
};

const database = await openDatabase({ kind: 'memory' });
// The server's default level (info: a line per webhook attempt), written where nothing reads it.
const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
const services = createServices({
  database,
  secrets: { pepper: randomBytes(32), encryptionKey: randomBytes(32) },
  logger,
  mailer: createMailer({ outboxDir: '/tmp/keyward-bench-outbox', from: 'bench <bench@keyward.test>', logger }),
  links: { publicUrl: 'http://keyward.test', signupUrl: 'http://keyward.test/signup' },
  allowPrivateCallbacks: true,
});
const operator = { type: 'operator' } as const;

async function organizationWithKey(endpoints: number) {
  const org = await services.organizations.create(operator, { name: `Bench ${randomBytes(3).toString('hex')}`, environment: 'TEST' });
  const caller = {
    type: 'key',
    principal: { organization: org.organization, apiKey: org.key, permissions: org.key.permissions, connectionRef: null },
  } as never;
  for (let i = 0; i < endpoints; i++) await services.webhookEndpoints.create(caller, { url: `${receiverUrl}/e${i}`, eventTypes: ['API_KEY_UPDATED'] });
  return { org, keyId: org.key.id };
}

async function timeUpdates(keyId: string, count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await services.apiKeys.updatePartnerKey(operator, { id: keyId, name: `Name ${i}` });
  return (performance.now() - started) / count;
}

/** Measured windows on the monotonic clock (µs), the clock of V8 CPU profiles: `profile-summary.ts --results … --target postgres`. */
type Target = 'baseline' | 'keepAlive' | 'embedded' | 'postgres';
const runs: { target: Target; monotonicStartUs: number; monotonicEndUs: number }[] = [];
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
/** This process's CPU (µs) in the counted rounds of the targets that run in it, and their webhooks. */
const ownCpu = { baseline: { us: 0, webhooks: 0 }, keepAlive: { us: 0, webhooks: 0 }, embedded: { us: 0, webhooks: 0 } };
let counting = false;
async function measured<T>(target: Target, work: () => Promise<T>): Promise<T> {
  const monotonicStartUs = monotonicUs();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  runs.push({ target, monotonicStartUs, monotonicEndUs: monotonicUs() });
  if (counting && target !== 'postgres') {
    ownCpu[target].us += used.user + used.system;
    ownCpu[target].webhooks += WEBHOOKS;
  }
  return value;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// (a) The outbox's cost per change.
const plain = await organizationWithKey(0);
const hooked = await organizationWithKey(3);
await timeUpdates(plain.keyId, 50);
await timeUpdates(hooked.keyId, 50);
const without: number[] = [];
const withEndpoints: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  without.push(await timeUpdates(plain.keyId, CHANGES));
  withEndpoints.push(await timeUpdates(hooked.keyId, CHANGES));
}
const costA = { withoutMs: median(without), withThreeEndpointsMs: median(withEndpoints) };
console.log(
  `(a) key update, 0 endpoints: ${costA.withoutMs.toFixed(2)} ms; 3 endpoints: ${costA.withThreeEndpointsMs.toFixed(2)} ms (×${(costA.withThreeEndpointsMs / costA.withoutMs).toFixed(2)})`,
);
await services.prisma.webhookDelivery.deleteMany({});

/**
 * `count` copies of a delivered webhook, due now, each its own message (its own id). `held`: leased
 * until far in the future, so that no dispatcher starts before the measurement releases them.
 */
async function fillOutbox(prisma: PrismaClient, templateId: string, count: number, held: boolean): Promise<void> {
  const now = new Date();
  const leaseUntil = held ? new Date('2100-01-01T00:00:00Z') : null;
  await prisma.$executeRaw`
    INSERT INTO webhook_deliveries (id, "organizationId", environment, "endpointId", "eventId", type, payload, "nextAttemptAt", "leaseUntil", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), "organizationId", environment, "endpointId", "eventId", type, payload, ${now}, ${leaseUntil}, ${now}, ${now}
    FROM webhook_deliveries, generate_series(1, ${count}) WHERE id = ${templateId}::uuid`;
}

/** Checks that every webhook arrived once and every delivery is recorded as SUCCEEDED. */
async function checkDelivered(prisma: PrismaClient, expected: number, label: string): Promise<void> {
  const pending = await prisma.webhookDelivery.count({ where: { state: { not: 'SUCCEEDED' } } });
  if (pending > 0 || received !== expected || ids.size !== expected) {
    throw new Error(`${label}: ${received} requests for ${expected} webhooks, ${ids.size} distinct ids, ${pending} deliveries not SUCCEEDED`);
  }
}

// (b) embedded: one organization with one endpoint; its first delivery is the template.
const target = await organizationWithKey(1);
await services.apiKeys.updatePartnerKey(operator, { id: target.keyId, name: 'Template' });
while ((await services.webhooks.runOnce()) > 0);
const template = await services.prisma.webhookDelivery.findFirstOrThrow({ select: { id: true, payload: true } });
const secrets = await services.signing.validSecrets(target.org.organization.id, 'TEST');

async function embeddedRound(profile: boolean): Promise<number> {
  await services.prisma.webhookDelivery.deleteMany({ where: { id: { not: template.id } } });
  await fillOutbox(services.prisma, template.id, WEBHOOKS, false);
  resetReceiver();
  const stopProfile = profile ? await startProfile() : null;
  const started = performance.now();
  await measured('embedded', async () => {
    while ((await services.webhooks.runOnce()) > 0);
  });
  const ms = performance.now() - started;
  await stopProfile?.(`${PROFILES}webhooks-embedded.cpuprofile`);
  await checkDelivered(services.prisma, WEBHOOKS, 'embedded');
  return (WEBHOOKS / ms) * 1000;
}

/** The V8 profiler of this process, from now until the returned function writes the profile. */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILES, { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

// The baseline: the same body, signed the same way, POSTed in batches of the dispatcher's round, no database.
const body = JSON.stringify(template.payload);
function post(id: string, agent: Agent | false): Promise<void> {
  return new Promise((resolve, reject) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const req = request(`${receiverUrl}/baseline`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': webhookSignature(secrets, id, timestamp, body),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}
/**
 * `baseline`: a new connection each, as the issue measured it (the targets' reference);
 * `keepAlive`: connections kept, as Keyward's sender keeps them (for comparison).
 */
const keptConnections = new Agent({ keepAlive: true });
async function baselineRound(target: 'baseline' | 'keepAlive'): Promise<number> {
  resetReceiver();
  const started = performance.now();
  await measured(target, async () => {
    for (let i = 0; i < WEBHOOKS; i += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, WEBHOOKS - i) }, (_, j) => post(`msg_baseline${i + j}`, target === 'keepAlive' ? keptConnections : false)),
      );
    }
  });
  return (WEBHOOKS / (performance.now() - started)) * 1000;
}

// (b) postgres: two instances, one database.
interface PostgresRun {
  server: PostgresServer;
  redis: RedisServer;
  redisPid: number;
  database: Database;
  instances: KeywardProcess[];
  partnerKey: string;
  keyId: string;
  templateId: string;
}

async function startPostgresRun(): Promise<PostgresRun> {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const server = await startPostgres({ durable: true });
  const redis = await startRedis();
  const url = await server.createDatabase('keyward_bench');
  const pgDatabase = await openDatabase({ kind: 'postgres', url });
  const cluster = new KeywardCluster(url);
  // `--cpu-prof` is not allowed in NODE_OPTIONS: a preloaded module profiles the instance instead.
  const profiling = { NODE_OPTIONS: '--import tsx --import ./bench/cpu-profile-on-exit.ts', BENCH_CPU_PROF_DIR: PROFILES };
  // As a deployment of two instances runs: Redis between them (live events, delivery changes, rate limits), logs at info.
  const env: Record<string, string> = { LOG_LEVEL: 'info', REDIS_URL: redis.url, ...(CPU_PROF && profiling) };
  const instances: KeywardProcess[] = [];
  for (let i = 0; i < INSTANCES; i++) instances.push(await cluster.start(env));
  const call = async (query: string, headers: Record<string, string>, variables: Record<string, unknown>) => {
    const { body: result } = await postGraphQL(instances[0]!.url, query, headers, variables);
    if (result.errors || !result.data) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const created = await call(
    'mutation ($i: CreateOrganizationInput!) { createOrganization(input: $i) { ... on CreateOrganizationSuccess { secret key { id } } } }',
    { 'x-admin-token': cluster.adminToken },
    { i: { name: 'Bench webhooks' } },
  );
  const { secret: partnerKey, key } = created.createOrganization as { secret: string; key: { id: string } };
  await call(
    'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
    { 'x-partner-key': partnerKey },
    { i: { url: `${receiverUrl}/postgres`, eventTypes: ['API_KEY_UPDATED'] } },
  );
  const info = new Redis(redis.url);
  const redisPid = Number(/process_id:(\d+)/.exec(await info.info('server'))?.[1]);
  info.disconnect();
  const run = { server, redis, redisPid, database: pgDatabase, instances, partnerKey, keyId: key.id, templateId: '' };
  resetReceiver();
  await rename(instances[0]!, run, 'Template');
  while (received < 1) await sleep(10);
  run.templateId = (await pgDatabase.prisma.webhookDelivery.findFirstOrThrow({ select: { id: true } })).id;
  return run;
}

/** A change through an instance: its commit wakes that instance's dispatcher (and adds one webhook). */
async function rename(instance: KeywardProcess, run: Pick<PostgresRun, 'partnerKey' | 'keyId'>, name: string): Promise<void> {
  const { body: result } = await postGraphQL(
    instance.url,
    'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
    { 'x-partner-key': run.partnerKey },
    { i: { id: run.keyId, name } },
  );
  if (result.errors) throw new Error(JSON.stringify(result.errors));
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Where the CPU of the PostgreSQL rounds went, per webhook: the instances, the server's processes, Redis, this process (receiver). */
const postgresCpu = { instancesUs: 0, postgresUs: 0, redisUs: 0, benchUs: 0, webhooks: 0 };

async function postgresRound(run: PostgresRun, round: number): Promise<number> {
  const { prisma } = run.database;
  const serverPids = (await prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity`).map((r) => r.pid);
  const cpu = () => ({
    instances: run.instances.reduce((sum, i) => sum + cpuSeconds(i.child.pid!), 0),
    postgres: serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    redis: cpuSeconds(run.redisPid),
    bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  });
  await prisma.webhookDelivery.deleteMany({ where: { id: { not: run.templateId } } });
  await fillOutbox(prisma, run.templateId, WEBHOOKS, true);
  resetReceiver();
  const before = cpu();
  const started = performance.now();
  const expected = WEBHOOKS + run.instances.length;
  await measured('postgres', async () => {
    await prisma.webhookDelivery.updateMany({ where: { state: 'PENDING' }, data: { leaseUntil: null } });
    await Promise.all(run.instances.map((instance, i) => rename(instance, run, `Round ${round} ${i}`)));
    while (received < expected) await sleep(5);
    // The last round's attempts are recorded just after their answers.
    while ((await prisma.webhookDelivery.count({ where: { state: 'PENDING' } })) > 0) await sleep(5);
  });
  const ms = performance.now() - started;
  const after = cpu();
  if (round > 0) {
    postgresCpu.instancesUs += (after.instances - before.instances) * 1e6;
    postgresCpu.postgresUs += (after.postgres - before.postgres) * 1e6;
    postgresCpu.redisUs += (after.redis - before.redis) * 1e6;
    postgresCpu.benchUs += (after.bench - before.bench) * 1e6;
    postgresCpu.webhooks += expected;
  }
  await checkDelivered(prisma, expected, 'postgres');
  return (expected / ms) * 1000;
}

async function stopPostgresRun(run: PostgresRun): Promise<void> {
  // SIGTERM: a graceful stop writes the instances' CPU profiles.
  await Promise.all(
    run.instances.map(async (instance) => {
      instance.child.kill('SIGTERM');
      await instance.waitForExit(30_000).catch(() => instance.kill());
    }),
  );
  await run.database.close();
  await run.server.stop();
  await run.redis.stop();
}

const postgres = WITH_POSTGRES ? await startPostgresRun() : null;
const rounds: { baseline: number; keepAlive: number; embedded: number; postgres: number | null }[] = [];
// One warm-up round of each, not counted.
await baselineRound('baseline');
await baselineRound('keepAlive');
await embeddedRound(false);
if (postgres) await postgresRound(postgres, 0);
counting = true;
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const baseline = await baselineRound('baseline');
    const keepAlive = await baselineRound('keepAlive');
    const embedded = await embeddedRound(CPU_PROF && round === ROUNDS);
    const pg = postgres ? await postgresRound(postgres, round) : null;
    rounds.push({ baseline, keepAlive, embedded, postgres: pg });
    console.log(
      `    round ${round}: bare POST loop ${Math.round(baseline)}/s (kept connections ${Math.round(keepAlive)}/s), embedded ${Math.round(embedded)}/s (×${(embedded / baseline).toFixed(2)})` +
        (pg === null ? '' : `, PostgreSQL ${INSTANCES} instances ${Math.round(pg)}/s (×${(pg / baseline).toFixed(2)})`),
    );
  }
} finally {
  if (postgres) await stopPostgresRun(postgres);
}

// Each round's ratio is against the baselines measured next to it; the median of those is the figure.
const ratio = (of: 'embedded' | 'postgres', to: 'baseline' | 'keepAlive' = 'baseline') => median(rounds.map((r) => r[of]! / r[to]));
const perSecond = (of: keyof (typeof rounds)[number]) => Math.round(median(rounds.map((r) => r[of]!)));
const cpuPer = ({ us, webhooks }: { us: number; webhooks: number }) => Math.round(us / Math.max(webhooks, 1));
const result = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg() },
  outbox: { changesPerRound: CHANGES, rounds: ROUNDS, ...costA, ratio: costA.withThreeEndpointsMs / costA.withoutMs },
  runs,
  delivery: {
    webhooksPerRound: WEBHOOKS,
    rounds: rounds.map((r) => ({
      baseline: Math.round(r.baseline),
      keepAlive: Math.round(r.keepAlive),
      embedded: Math.round(r.embedded),
      postgres: r.postgres && Math.round(r.postgres),
    })),
    baseline: { perSecond: perSecond('baseline'), cpuUsPerWebhook: cpuPer(ownCpu.baseline) },
    keepAlive: { perSecond: perSecond('keepAlive'), cpuUsPerWebhook: cpuPer(ownCpu.keepAlive) },
    embedded: {
      perSecond: perSecond('embedded'),
      ratio: ratio('embedded'),
      ratioToKeepAlive: ratio('embedded', 'keepAlive'),
      target: TARGETS.embedded,
      cpuUsPerWebhook: cpuPer(ownCpu.embedded),
    },
    ...(postgres && {
      postgres: {
        instances: postgres.instances.length,
        perSecond: perSecond('postgres'),
        ratio: ratio('postgres'),
        ratioToKeepAlive: ratio('postgres', 'keepAlive'),
        target: TARGETS.postgres,
        cpuUsPerWebhook: {
          instances: cpuPer({ us: postgresCpu.instancesUs, webhooks: postgresCpu.webhooks }),
          postgres: cpuPer({ us: postgresCpu.postgresUs, webhooks: postgresCpu.webhooks }),
          redis: cpuPer({ us: postgresCpu.redisUs, webhooks: postgresCpu.webhooks }),
          receiver: cpuPer({ us: postgresCpu.benchUs, webhooks: postgresCpu.webhooks }),
        },
      },
    }),
  },
};
const { delivery } = result;
console.log(`(b) delivery, ${WEBHOOKS} webhooks per round, medians of ${ROUNDS} rounds; CPU per webhook summed over the processes named`);
console.log(
  `    bare POST loop, a new connection each (the reference): ${delivery.baseline.perSecond}/s; ${delivery.baseline.cpuUsPerWebhook} µs (client and receiver)`,
);
console.log(`    bare POST loop, kept connections: ${delivery.keepAlive.perSecond}/s; ${delivery.keepAlive.cpuUsPerWebhook} µs`);
const verdict = (label: string, d: { perSecond: number; ratio: number; ratioToKeepAlive: number; target: number }, cpu: string) => {
  const met = d.ratio >= d.target;
  console.log(
    `    ${label}: ${d.perSecond}/s, ×${d.ratio.toFixed(2)} of the bare POST loop (target ≥ ${d.target}: ${met ? 'met' : 'NOT met'}; ×${d.ratioToKeepAlive.toFixed(2)} of the kept-connection loop); ${cpu}`,
  );
  return met;
};
const verdicts = [verdict('embedded database, one process', delivery.embedded, `${delivery.embedded.cpuUsPerWebhook} µs (dispatcher, database and receiver)`)];
if (delivery.postgres) {
  const { instances, postgres: server, redis, receiver: ownUs } = delivery.postgres.cpuUsPerWebhook;
  verdicts.push(
    verdict(
      `PostgreSQL, ${INSTANCES} instances`,
      delivery.postgres,
      `${instances} µs in the instances, ${server} µs PostgreSQL, ${redis} µs Redis, ${ownUs} µs receiver`,
    ),
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/webhooks-latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
await database.close();
receiver.close();
if (ENFORCE && verdicts.includes(false)) process.exit(1);
process.exit(0);
