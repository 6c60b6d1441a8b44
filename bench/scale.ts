// npm run bench:scale — whether Keyward's reads and jobs stay flat as the data grows (issue 17).
//
// On PostgreSQL (the test helper's own throwaway server, with Keyward's migrations), fills
// Keyward's tables with generate_series (bench/scale-data.ts): first 1 % of the full size, then
// the other 99 %. After each fill it measures, through Keyward's own code (yoga.fetch on an app
// built as the tests build theirs, or the service a job calls):
//   cold: PostgreSQL restarted (halt('fast'), resume(): empty shared buffers and plan caches; the
//         operating system's file cache stays warm) and a fresh Keyward instance (empty key cache,
//         new connection pool), each operation once, BENCH_COLD_ROUNDS times;
//   warm: BENCH_SAMPLES samples of each operation, round robin, after a few unmeasured ones;
// then every operation once more with auto_explain (EXPLAIN ANALYZE, BUFFERS of every statement
// in the server's log), and one pass of each retention job. It prints p50/p99 per operation and
// the ratio full/1 % of the p99s (target ≤ BENCH_RATIO_TARGET, 1.5), the plans of every operation
// that misses it or scans a big table sequentially, and writes bench/results/scale-latest.json.
//
// Options: BENCH_SCALE (1: the sizes of FULL_SIZE; 0.05 for a trial run), BENCH_SAMPLES (100),
// BENCH_COLD_ROUNDS (3), BENCH_RATIO_TARGET (1.5), BENCH_STAGES (small,rest; `small` stops after
// the first), BENCH_ENFORCE=1 (exit 1 when a warm or cold p99 ratio misses the target).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createServices } from '../src/app.ts';
import type { Services } from '../src/context.ts';
import { PERMISSIONS } from '../src/domain/api-key/api-key.schemas.ts';
import { generateKey, hashKey } from '../src/domain/api-key/key-format.ts';
import { verifyKey } from '../src/domain/auth/verification.ts';
import type { KeyPrincipal } from '../src/domain/caller.ts';
import { encodeCursor } from '../src/domain/events/event-log.ts';
import { openDatabase, type Database } from '../src/infra/database.ts';
import { createLogger } from '../src/infra/logger.ts';
import { createMailer } from '../src/infra/mailer.ts';
import { createYogaApp, type KeywardYoga } from '../src/yoga.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { fill, organizationSql, resetOutbox, scaledSizes, type FillPlan, type Stage } from './scale-data.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 3);
const TARGET = Number(process.env.BENCH_RATIO_TARGET ?? 1.5);
const STAGES = (process.env.BENCH_STAGES ?? 'small,rest').split(',') as Stage[];
const ENFORCE = process.env.BENCH_ENFORCE === '1';
const WARMUP = 3;
const PAGE = 50;
/** Keys whose expiry one sweep records (in as many organizations). */
const SWEEP_KEYS = 20;
/** Keys verified (each a cache miss) and keys the sweeps expire, again and again when there are fewer. */
const VERIFY_POOL = 2_000;
const SWEEP_POOL = SWEEP_KEYS * 40;
/** Tables whose sequential scan is a finding wherever it appears. */
const BIG_TABLES = ['request_logs', 'api_keys', 'connections', 'users', 'events', 'audit_events', 'webhook_deliveries', 'webhook_attempts', 'seen_signatures'];

const log = (line: string) => console.log(line);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

// -- the server, the database, a Keyward instance -------------------------------------------------------

const server = await startPostgres();
const dbName = 'keyward_scale';
const url = await server.createDatabase(dbName);
const pepper = randomBytes(32);
const encryptionKey = randomBytes(32);
const adminToken = `scale-${randomBytes(16).toString('hex')}`;
const outboxDir = `/tmp/keyward-scale-outbox-${process.pid}`;

interface Keyward {
  database: Database;
  services: Services;
  yoga: KeywardYoga;
}

/** A Keyward instance on the database, wired as the tests wire theirs (src/app.ts createServices, createYogaApp); no background jobs. */
async function openKeyward(): Promise<Keyward> {
  const database = await openDatabase({ kind: 'postgres', url });
  const logger = createLogger({ level: 'silent' });
  const services = createServices({
    database,
    secrets: { pepper, encryptionKey },
    logger,
    mailer: createMailer({ outboxDir, from: 'Keyward <no-reply@keyward.test>', logger }),
    links: { publicUrl: 'http://keyward.test', signupUrl: 'https://platform.test/signup' },
    authFailureLimit: { failures: 1_000_000, windowMs: 60_000 },
  });
  const yoga = createYogaApp({ services, adminToken, trustedProxies: null, ping: database.ping, production: true });
  return { database, services, yoga };
}

async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

let keyward = await openKeyward();
let admin = await adminClient();
const serverLog = join(dirname((await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory), 'postgres.log');
const postgresVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;

const plan: FillPlan = { sizes: scaledSizes(SCALE), small: 0.01, now: new Date() };
const bigOrganization = (await admin.query<{ id: string }>(`SELECT ${organizationSql('1')} AS id`)).rows[0]!.id;

// -- what the operations need: the bench's key, verifiable keys, cursors -------------------------------

let benchToken = '';

async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await keyward.yoga.fetch(
    'http://keyward.test/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-partner-key': benchToken },
      body: JSON.stringify({ query, variables }),
    },
    { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
  );
  const result = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (response.status !== 200 || result.errors || !result.data) throw new Error(`GraphQL failed (${response.status}): ${JSON.stringify(result).slice(0, 500)}`);
  return result.data;
}

type Page = { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean } };

/** A list query as a dashboard asks it: `first` rows after an optional cursor, with the list's own arguments (name → type). */
function listQuery(field: string, args: Record<string, string>, fields: string): string {
  const all = { first: 'Int!', after: 'String', ...args };
  const declared = Object.entries(all).map(([name, type]) => `$${name}: ${type}`);
  const passed = Object.keys(all).map((name) => `${name}: $${name}`);
  return `query Scale(${declared.join(', ')}) { ${field}(${passed.join(', ')}) { edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } }`;
}

const PARTNER_KEYS = listQuery('partnerKeys', { includeInactive: 'Boolean' }, 'id keyId name environment permissions createdAt revokedAt expiresAt active');
const CONNECTIONS = listQuery('connections', { status: 'ConnectionStatus' }, 'id email ref status environment direction createdAt updatedAt');
const REQUEST_LOGS = listQuery(
  'requestLogs',
  { keyId: 'String', outcome: 'String', from: 'DateTime', to: 'DateTime', includeMembers: 'Boolean' },
  'id keyId operationName operationType outcome httpStatus ip durationMs createdAt',
);
const AUDIT_EVENTS = listQuery(
  'auditEvents',
  { keyId: 'String', action: 'String' },
  'id action actorKind actorKeyId environment targetType targetId createdAt',
);

/** Lists that answered an empty page (at a tiny BENCH_SCALE): they measure little, and the run says so. */
const emptyPages = new Set<string>();

async function page(query: string, field: string, variables: Record<string, unknown>): Promise<Page> {
  const result = (await graphql(query, { first: PAGE, ...variables }))[field] as Page;
  if (result.edges.length === 0) emptyPages.add(`${field}(${Object.keys(variables).join(', ')})`);
  return result;
}

interface Fixtures {
  /** Tokens of user keys whose stored hash is the real one (computed as src/domain/api-key does). */
  verifiable: { keyId: string; token: string }[];
  /** Active user keys that a sweep sample makes due (their expiry moved to the past). */
  expiring: string[];
  partnerKeyCursors: string[];
  connectionCursors: string[];
  busyKeyId: string;
  partnerKeyId: string;
  userKeyId: string;
  /** A day of request logs ten days back. */
  day: { from: string; to: string };
  head: bigint;
  after1k: bigint;
  after100k: bigint;
  events100k: number;
}

/** A cursor of a list for another row: Pothos's cursor of the first page with the row's id in place of its own. */
function cursorFor(template: { cursor: string; node: { id: string } }, rowId: string, type: string): string {
  const decodedId = Buffer.from(template.node.id, 'base64').toString('utf8').split(':').at(-1)!;
  const text = Buffer.from(template.cursor, 'base64').toString('utf8');
  if (!text.includes(decodedId)) throw new Error(`unexpected ${type} cursor ${text}`);
  return Buffer.from(text.replace(decodedId, rowId)).toString('base64');
}

async function prepare(): Promise<Fixtures> {
  // Active user keys in a random order: the first ones are verified, the others expire in sweeps (half each when there are few).
  const candidates = (
    await admin.query<{ keyId: string; environment: string }>(
      `SELECT "keyId", environment FROM api_keys
       WHERE kind = 'USER' AND "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now()) AND "keyId" LIKE 'u%'
       ORDER BY md5("keyId" || $1) LIMIT $2`,
      [String(Date.now()), VERIFY_POOL + SWEEP_POOL],
    )
  ).rows;
  const split = Math.min(VERIFY_POOL, Math.ceil(candidates.length / 2));
  const verifiable = candidates
    .slice(0, split)
    .map(({ keyId, environment }) => ({ keyId, token: generateKey('usr', environment === 'LIVE' ? 'live' : 'test', keyId).token }));
  await admin.query(`UPDATE api_keys k SET "secretHash" = v.hash FROM unnest($1::text[], $2::bytea[]) AS v(key_id, hash) WHERE k."keyId" = v.key_id`, [
    verifiable.map((v) => v.keyId),
    verifiable.map((v) => hashKey(pepper, v.token)),
  ]);
  const expiring = candidates.slice(split).map((row) => row.keyId);

  const deepIds = async (sql: string, count: number) => {
    const total = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) x`, [bigOrganization])).rows[0]!.n);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      // Between half way and near the end, with a page still to come after it.
      const offset = Math.max(0, Math.min(Math.floor(total * (0.5 + (0.45 * i) / count)), total - PAGE - 1));
      ids.push((await admin.query<{ id: string }>(`${sql} OFFSET ${offset} LIMIT 1`, [bigOrganization])).rows[0]!.id);
    }
    return ids;
  };
  const keysFirst = await page(PARTNER_KEYS, 'partnerKeys', { includeInactive: true });
  const partnerKeyCursors = (
    await deepIds(`SELECT id FROM api_keys WHERE "organizationId" = $1 AND environment = 'LIVE' AND kind = 'PARTNER' ORDER BY "createdAt" DESC, id DESC`, 20)
  ).map((id) => cursorFor(keysFirst.edges[0]!, id, 'partnerKeys'));
  const connectionsFirst = await page(CONNECTIONS, 'connections', { status: 'REJECTED' });
  const connectionCursors = (
    await deepIds(
      `SELECT id FROM connections WHERE "organizationId" = $1 AND environment = 'LIVE' AND status = 'REJECTED' ORDER BY "createdAt" DESC, id DESC`,
      20,
    )
  ).map((id) => cursorFor(connectionsFirst.edges[0]!, id, 'connections'));

  const keyCounts = (
    await admin.query<{ keyId: string; n: string }>(
      `SELECT "keyId", count(*) AS n FROM request_logs WHERE "organizationId" = $1 AND environment = 'LIVE' AND "memberId" IS NULL
       GROUP BY "keyId" ORDER BY count(*) DESC`,
      [bigOrganization],
    )
  ).rows;
  // The busiest key (most of the organization's traffic), its third partner key (~5 %), and a user's key (a few requests).
  const busyKeyId = keyCounts[0]!.keyId;
  const partnerKeyId = keyCounts.find((row, i) => i > 0 && row.keyId.startsWith('p') && Number(row.n) < Number(keyCounts[0]!.n) / 4)!.keyId;
  const userKeyId = keyCounts.find((row) => row.keyId.startsWith('u') && Number(row.n) >= 2)?.keyId ?? keyCounts.at(-1)!.keyId;
  const dayStart = new Date(plan.now.getTime() - 10 * 86_400_000);
  const day = { from: dayStart.toISOString(), to: new Date(dayStart.getTime() + 86_400_000).toISOString() };

  const head = BigInt((await admin.query<{ s: string }>(`SELECT "eventSeq" AS s FROM organizations WHERE id = $1`, [bigOrganization])).rows[0]!.s);
  const positionBack = async (back: number) =>
    (
      await admin.query<{ p: string | null; n: string }>(
        `SELECT (SELECT position FROM events WHERE "organizationId" = $1 AND environment = 'LIVE' ORDER BY position DESC OFFSET $2 LIMIT 1) AS p,
                (SELECT count(*) FROM events WHERE "organizationId" = $1 AND environment = 'LIVE') AS n`,
        [bigOrganization, back],
      )
    ).rows[0]!;
  const back1k = await positionBack(1_000);
  const back100k = await positionBack(100_000);
  await resetOutbox(admin, plan);
  return {
    verifiable,
    expiring,
    partnerKeyCursors,
    connectionCursors,
    busyKeyId,
    partnerKeyId,
    userKeyId,
    day,
    head,
    after1k: BigInt(back1k.p ?? '0'),
    after100k: BigInt(back100k.p ?? '0'),
    events100k: Math.min(100_000, Number(back100k.n)),
  };
}

// -- the operations ------------------------------------------------------------------------------------

interface Operation {
  name: string;
  /** Untimed work before each sample. */
  setup?: () => Promise<void>;
  /** The timed work; a number it returns divides the time into "per 1,000" (events replayed). */
  run: () => Promise<unknown>;
}

function operations(f: Fixtures): Operation[] {
  let verifyNext = 0;
  let cursorNext = 0;
  let expiringNext = 0;
  const rotate = <T>(list: T[], i: number) => list[i % list.length]!;
  const replay = (after: bigint) => keyward.services.live.replay(bigOrganization, after, f.head, 'LIVE', () => true);
  return [
    {
      name: 'verify a key not in the cache',
      run: async () => {
        const { keyId, token } = rotate(f.verifiable, verifyNext++);
        // Whatever this instance remembered of it goes: the verification reads the key.
        keyward.services.verifier.keyChanged(keyId);
        const result = await verifyKey(keyward.services.verifier, { type: 'operator' }, { key: token });
        if (!result.valid && result.code !== 'ORG_INACTIVE') throw new Error(`verification of ${keyId}: ${result.code}`);
      },
    },
    { name: 'partnerKeys, first page (active)', run: () => graphql(PARTNER_KEYS, { first: PAGE }) },
    { name: 'partnerKeys, first page (includeInactive)', run: () => page(PARTNER_KEYS, 'partnerKeys', { includeInactive: true }) },
    {
      name: 'partnerKeys, deep page (includeInactive)',
      run: () => page(PARTNER_KEYS, 'partnerKeys', { includeInactive: true, after: rotate(f.partnerKeyCursors, cursorNext++) }),
    },
    { name: 'connections(status: CONNECTED)', run: () => page(CONNECTIONS, 'connections', { status: 'CONNECTED' }) },
    { name: 'connections(status: PENDING)', run: () => page(CONNECTIONS, 'connections', { status: 'PENDING' }) },
    {
      name: 'connections(status: REJECTED), deep page',
      run: () => page(CONNECTIONS, 'connections', { status: 'REJECTED', after: rotate(f.connectionCursors, cursorNext++) }),
    },
    { name: 'requestLogs', run: () => page(REQUEST_LOGS, 'requestLogs', {}) },
    { name: 'requestLogs(keyId: busiest key)', run: () => page(REQUEST_LOGS, 'requestLogs', { keyId: f.busyKeyId }) },
    { name: 'requestLogs(keyId: a partner key)', run: () => page(REQUEST_LOGS, 'requestLogs', { keyId: f.partnerKeyId }) },
    { name: "requestLogs(keyId: a user's key)", run: () => page(REQUEST_LOGS, 'requestLogs', { keyId: f.userKeyId }) },
    { name: 'requestLogs(outcome: RATE_LIMITED)', run: () => page(REQUEST_LOGS, 'requestLogs', { outcome: 'RATE_LIMITED' }) },
    { name: 'requestLogs(outcome: INTERNAL_SERVER_ERROR)', run: () => page(REQUEST_LOGS, 'requestLogs', { outcome: 'INTERNAL_SERVER_ERROR' }) },
    { name: 'requestLogs(from, to: a day 10 days back)', run: () => page(REQUEST_LOGS, 'requestLogs', f.day) },
    { name: 'requestLogs(includeMembers: true)', run: () => page(REQUEST_LOGS, 'requestLogs', { includeMembers: true }) },
    { name: 'auditEvents', run: () => page(AUDIT_EVENTS, 'auditEvents', {}) },
    { name: 'auditEvents(action: api_key.revoked)', run: () => page(AUDIT_EVENTS, 'auditEvents', { action: 'api_key.revoked' }) },
    { name: 'auditEvents(keyId: a partner key)', run: () => page(AUDIT_EVENTS, 'auditEvents', { keyId: f.partnerKeyId }) },
    { name: 'resume a subscription 1,000 events back', run: () => replay(f.after1k) },
    {
      name: 'resume 100,000 events back, per 1,000 events',
      run: async () => (await replay(f.after100k)).length,
    },
    { name: 'expiry sweep, nothing due', run: () => keyward.services.sweeper.runOnce() },
    {
      name: `expiry sweep, ${SWEEP_KEYS} keys due`,
      setup: async () => {
        const keys = Array.from({ length: SWEEP_KEYS }, () => rotate(f.expiring, expiringNext++));
        await admin.query(`UPDATE api_keys SET "expiresAt" = now() - interval '1 second', "expiryRecordedAt" = NULL WHERE "keyId" = ANY($1)`, [keys]);
      },
      run: async () => {
        const written = await keyward.services.sweeper.runOnce();
        if (written < 1) throw new Error('the sweep recorded no expiry');
      },
    },
    {
      name: 'outbox claim (20 due deliveries)',
      // The dispatcher's claim itself (a round would then POST them): private, so reached past TypeScript.
      run: async () => {
        const claimed = await (keyward.services.webhooks as unknown as { claim(limit: number): Promise<unknown[]> }).claim(20);
        if (claimed.length === 0) throw new Error('nothing to claim');
      },
    },
  ];
}

// -- measuring -----------------------------------------------------------------------------------------

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
};

async function timeOnce(op: Operation): Promise<number> {
  await op.setup?.();
  const started = performance.now();
  const result = await op.run();
  const ms = performance.now() - started;
  return typeof result === 'number' && op.name.includes('per 1,000') ? (ms * 1000) / Math.max(1, result) : ms;
}

async function restart(): Promise<void> {
  await keyward.database.close();
  await admin.end();
  await server.halt('fast');
  await server.resume();
  admin = await adminClient();
  keyward = await openKeyward();
}

interface Figures {
  warm: { p50: number; p99: number };
  cold: { p50: number; max: number; samples: number[] };
}

async function measure(fixtures: Fixtures): Promise<Map<string, Figures>> {
  const ops = operations(fixtures);
  const cold = new Map<string, number[]>(ops.map((op) => [op.name, []]));
  for (let round = 0; round < COLD_ROUNDS; round++) {
    await restart();
    for (const op of operations(fixtures)) cold.get(op.name)!.push(await timeOnce(op));
    log(`  cold round ${round + 1}/${COLD_ROUNDS} done`);
  }
  const warm = new Map<string, number[]>(ops.map((op) => [op.name, []]));
  for (let i = 0; i < WARMUP; i++) for (const op of ops) await timeOnce(op);
  for (let i = 0; i < SAMPLES; i++) for (const op of ops) warm.get(op.name)!.push(await timeOnce(op));
  log(`  ${SAMPLES} warm samples of each done`);
  return new Map(
    ops.map((op) => {
      const w = warm.get(op.name)!;
      const c = cold.get(op.name)!;
      return [op.name, { warm: { p50: percentile(w, 0.5), p99: percentile(w, 0.99) }, cold: { p50: percentile(c, 0.5), max: Math.max(...c), samples: c } }];
    }),
  );
}

// -- plans (auto_explain) ------------------------------------------------------------------------------

interface Logged {
  durationMs: number;
  text: string;
}

/** An operation's name as its marker query carries it (no quote). */
const markerOf = (name: string) => name.replace(/'/g, '');

/** The plans the server logged since `offset`, grouped by the markers between them. */
function plansSince(offset: number): Map<string, Logged[]> {
  const text = readFileSync(serverLog).subarray(offset).toString('utf8');
  const groups = new Map<string, Logged[]>();
  let current: Logged[] | null = null;
  for (const entry of text.split(/\n(?=\S)/)) {
    const head = /LOG: {2}duration: ([\d.]+) ms {2}plan:\n([\s\S]*)$/.exec(entry);
    if (!head) continue;
    const body = head[2]!.replace(/^\t/gm, '');
    const marker = /Query Text: SELECT 'scale-marker:(.*)'/.exec(body);
    if (marker) {
      current = [];
      groups.set(marker[1]!, current);
    } else current?.push({ durationMs: Number(head[1]), text: body.trimEnd() });
  }
  return groups;
}

async function withAutoExplain<T>(work: (mark: (name: string) => Promise<void>) => Promise<T>): Promise<{ result: T; plans: Map<string, Logged[]> }> {
  const settings = {
    session_preload_libraries: "'auto_explain'",
    'auto_explain.log_min_duration': '0',
    'auto_explain.log_analyze': 'on',
    'auto_explain.log_buffers': 'on',
  };
  for (const [name, value] of Object.entries(settings)) await admin.query(`ALTER DATABASE ${dbName} SET ${name} = ${value}`);
  const offset = statSync(serverLog).size;
  await keyward.database.close();
  keyward = await openKeyward();
  const marker = await adminClient();
  try {
    const result = await work(async (name) => {
      await marker.query(`SELECT 'scale-marker:${markerOf(name)}'`);
    });
    // The server writes its log asynchronously to the file: a moment for the last lines.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { result, plans: plansSince(offset) };
  } finally {
    await marker.end();
    await admin.query(`ALTER DATABASE ${dbName} RESET ALL`);
    await keyward.database.close();
    keyward = await openKeyward();
  }
}

const seqScans = (plans: Logged[]) => [
  ...new Set(plans.flatMap((p) => [...p.text.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!)).filter((t) => BIG_TABLES.includes(t))),
];

// -- retention -----------------------------------------------------------------------------------------

interface RetentionPass {
  deleted: number;
  ms: number;
  statements: number;
  seqScans: string[];
  plan: string;
}

const RETENTION: Record<string, (s: Services) => Promise<number>> = {
  'request logs (30 days)': (s) => s.requestLogs.prune(),
  'webhook deliveries (finished 30 days ago)': (s) => s.webhooks.pruneFinished(),
  'seen signatures (past their window)': (s) => s.signing.pruneSeen(),
  "sign-in links and members' sessions": (s) => s.members.prune(),
};

// -- a stage -------------------------------------------------------------------------------------------

interface StageResult {
  stage: Stage;
  rows: Record<string, number>;
  fillSeconds: number;
  figures: Map<string, Figures>;
  plans: Map<string, Logged[]>;
  retention: Map<string, RetentionPass>;
  /** The subscription path itself resuming 100,000 events back (or the whole log): what its first item is. */
  resumeThroughSubscription: string;
}

const COUNTED = [
  'organizations',
  'users',
  'connections',
  'api_keys',
  'request_logs',
  'events',
  'audit_events',
  'webhook_deliveries',
  'webhook_attempts',
  'seen_signatures',
];

async function resumeThroughSubscription(fixtures: Fixtures): Promise<string> {
  const check = await keyward.services.verifier.check(benchToken, '127.0.0.1');
  if (!check.ok) throw new Error(`bench key refused: ${check.reason}`);
  const principal: KeyPrincipal = check.principal;
  const started = performance.now();
  const stream = await keyward.services.subscriptions.apiKeyEvents(
    { caller: { type: 'key', principal, ip: '127.0.0.1' }, principal, ip: '127.0.0.1', socket: undefined },
    encodeCursor(fixtures.after100k),
  );
  const first = await stream.next();
  const ms = performance.now() - started;
  await stream.return?.();
  const item = first.value as { kind: string; error?: { code?: string } } | undefined;
  return `apiKeyEvents(after: ${fixtures.events100k.toLocaleString('en')} events back): first item ${item?.kind}${item?.error ? ` ${item.error.code}` : ''} after ${ms.toFixed(0)} ms`;
}

async function runStage(stage: Stage): Promise<StageResult> {
  log(`\n== ${stage === 'small' ? '1 %' : 'full size'}: filling`);
  const started = performance.now();
  await fill(admin, plan, stage, log);
  const fillSeconds = (performance.now() - started) / 1000;
  log(`  filled in ${seconds(started)}`);
  if (stage === 'small') {
    const issued = await keyward.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: bigOrganization, environment: 'LIVE', name: 'Scale bench', permissions: [...PERMISSIONS] },
    );
    benchToken = issued.secret;
  }
  const rows: Record<string, number> = {};
  for (const table of COUNTED) rows[table] = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  log(
    `  rows: ${Object.entries(rows)
      .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
      .join(', ')}`,
  );
  const fixtures = await prepare();
  log(`== ${stage === 'small' ? '1 %' : 'full size'}: measuring`);
  const figures = await measure(fixtures);
  await resetOutbox(admin, plan);
  const resume = await resumeThroughSubscription(fixtures);
  log(`  ${resume}`);
  const { result: retention, plans } = await withAutoExplain(async (mark) => {
    for (const op of operations(fixtures)) {
      await mark(op.name);
      await timeOnce(op);
    }
    const passes = new Map<string, { deleted: number; ms: number }>();
    for (const [name, prune] of Object.entries(RETENTION)) {
      await mark(`retention: ${name}`);
      const at = performance.now();
      const deleted = await prune(keyward.services);
      passes.set(name, { deleted, ms: performance.now() - at });
    }
    await mark('end');
    return passes;
  });
  const retentionPasses = new Map<string, RetentionPass>();
  for (const [name, pass] of retention) {
    const logged = plans.get(markerOf(`retention: ${name}`)) ?? [];
    const deletes = logged.filter((p) => /Query Text: DELETE/i.test(p.text));
    retentionPasses.set(name, { ...pass, statements: deletes.length, seqScans: seqScans(logged), plan: (deletes[0] ?? logged[0])?.text ?? '(none logged)' });
  }
  return { stage, rows, fillSeconds, figures, plans, retention: retentionPasses, resumeThroughSubscription: resume };
}

// -- the run -------------------------------------------------------------------------------------------

const results: StageResult[] = [];
try {
  log(`bench:scale at BENCH_SCALE=${SCALE} (${plan.sizes.requestLogs.toLocaleString('en')} request logs at full size), PostgreSQL ${postgresVersion}`);
  for (const stage of STAGES) results.push(await runStage(stage));
} finally {
  await keyward.database.close().catch(() => undefined);
  await admin.end().catch(() => undefined);
  await server.stop();
}

const [small, full] = results as [StageResult, StageResult | undefined];
const fmt = (ms: number | undefined) => (ms === undefined ? '' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);
const misses: string[] = [];
const rowsOut = [...small.figures.entries()].map(([name, s]) => {
  const f = full?.figures.get(name);
  const warmRatio = ratio(f?.warm.p99, s.warm.p99);
  const coldRatio = ratio(f?.cold.max, s.cold.max);
  // At full size only: on a small table a sequential scan is the planner's right choice.
  const scans = seqScans((full ?? small).plans.get(markerOf(name)) ?? []);
  if ((warmRatio ?? 0) > TARGET || (coldRatio ?? 0) > TARGET) misses.push(name);
  return { name, small: s, full: f, warmRatio, coldRatio, seqScans: scans };
});

log(`\nms; warm: p50 / p99 of ${SAMPLES}; cold: p50 / max of ${COLD_ROUNDS} (PostgreSQL restarted, fresh Keyward); ratio: full / 1 % of p99 (cold: of max)`);
const header = ['operation', '1 % warm', 'full warm', 'ratio', '1 % cold', 'full cold', 'ratio', 'seq scan'];
const table = rowsOut.map((r) => [
  r.name,
  `${fmt(r.small.warm.p50)} / ${fmt(r.small.warm.p99)}`,
  r.full ? `${fmt(r.full.warm.p50)} / ${fmt(r.full.warm.p99)}` : '',
  r.warmRatio === undefined ? '' : `${r.warmRatio.toFixed(2)}${r.warmRatio > TARGET ? ' ✗' : ''}`,
  `${fmt(r.small.cold.p50)} / ${fmt(r.small.cold.max)}`,
  r.full ? `${fmt(r.full.cold.p50)} / ${fmt(r.full.cold.max)}` : '',
  r.coldRatio === undefined ? '' : `${r.coldRatio.toFixed(2)}${r.coldRatio > TARGET ? ' ✗' : ''}`,
  r.seqScans.join(' '),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
for (const row of [header, ...table]) log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));

log('\nretention passes (one each, timed with auto_explain on):');
for (const r of results) {
  for (const [name, pass] of r.retention) {
    log(
      `  ${r.stage === 'small' ? '1 %' : 'full'}: ${name}: ${pass.deleted.toLocaleString('en')} rows in ${pass.statements} statement(s), ${fmt(pass.ms)} ms${pass.seqScans.length ? `, Seq Scan on ${pass.seqScans.join(', ')}` : ''}`,
    );
  }
}
const last = full ?? small;
for (const [name, pass] of last.retention) log(`\n-- plan of the first statement of "${name}" (${last.stage}):\n${pass.plan}`);

const flagged = rowsOut.filter((r) => misses.includes(r.name) || r.seqScans.length > 0);
for (const r of flagged) {
  log(`\n-- ${r.name}: ${misses.includes(r.name) ? `ratio over ${TARGET}` : ''}${r.seqScans.length ? ` Seq Scan on ${r.seqScans.join(', ')}` : ''}`);
  for (const p of last.plans.get(markerOf(r.name)) ?? []) log(`${p.text}\n`);
}

const result = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: postgresVersion },
  scale: SCALE,
  samples: SAMPLES,
  coldRounds: COLD_ROUNDS,
  target: TARGET,
  stages: results.map((r) => ({
    stage: r.stage,
    rows: r.rows,
    fillSeconds: Math.round(r.fillSeconds),
    resumeThroughSubscription: r.resumeThroughSubscription,
  })),
  operations: rowsOut.map((r) => ({
    name: r.name,
    small: { warm: r.small.warm, cold: { p50: r.small.cold.p50, max: r.small.cold.max } },
    full: r.full && { warm: r.full.warm, cold: { p50: r.full.cold.p50, max: r.full.cold.max } },
    warmRatio: r.warmRatio,
    coldRatio: r.coldRatio,
    seqScans: r.seqScans,
  })),
  retention: results.map((r) => ({
    stage: r.stage,
    passes: [...r.retention].map(([name, p]) => ({
      name,
      deleted: p.deleted,
      ms: Math.round(p.ms),
      statements: p.statements,
      seqScans: p.seqScans,
      plan: p.plan,
    })),
  })),
  plans: Object.fromEntries(flagged.map((r) => [r.name, (last.plans.get(markerOf(r.name)) ?? []).map((p) => p.text)])),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/scale-latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
if (emptyPages.size > 0) log(`\nempty pages (too little data at this BENCH_SCALE): ${[...emptyPages].join('; ')}`);
if (misses.length > 0) log(`\n${misses.length} operation(s) over ${TARGET}×: ${misses.join('; ')}`);
if (ENFORCE && misses.length > 0) process.exit(1);
// The schema engine (migrations) leaves a timer behind.
process.exit(0);
