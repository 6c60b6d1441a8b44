// npm run bench:scale — whether Keyward's reads and jobs stay flat as the data grows (issue 17).
//
// Two throwaway PostgreSQL servers of the test helper (test/helpers/postgres.ts), each with
// Keyward's migrations, filled with generate_series (bench/scale-data.ts): `1 %` gets the first
// 1 % of the data; `full` gets the same 1 % first, then the other 99 %. Both are then measured in
// alternation, operation by operation, so that the load of a shared machine falls on both alike
// (measured one after the other, minutes apart, the ratios moved by 2–3× with the machine's load),
// through Keyward's own code: yoga.fetch on an app built as the tests build theirs, or the
// service a job calls.
//   cold: both servers restarted (halt('fast'), resume(): empty shared buffers and plan caches;
//         the operating system's file cache stays warm) and fresh Keyward instances (empty key
//         cache, new connection pools), each operation once, BENCH_COLD_ROUNDS times;
//   warm: BENCH_SAMPLES samples of each operation, after a few unmeasured ones.
// Then every operation once more with auto_explain (EXPLAIN ANALYZE, BUFFERS of every statement, in
// the server's log), and one pass of each retention job. It prints p50/p99 per operation and the
// ratio full/1 % of the p99s (target ≤ BENCH_RATIO_TARGET, 1.5), the plans of every operation that
// misses it or scans a big table sequentially at full size, and writes
// bench/results/scale-latest.json.
//
// Options: BENCH_SCALE (1: the sizes of FULL_SIZE; 0.05 for a trial run), BENCH_SAMPLES (100),
// BENCH_COLD_ROUNDS (3), BENCH_RATIO_TARGET (1.5), BENCH_ENFORCE=1 (exit 1 when a warm or cold p99
// ratio of a targeted operation misses the target).
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
import { encodeCursor } from '../src/domain/events/event-log.ts';
import { openDatabase, type Database } from '../src/infra/database.ts';
import { createLogger } from '../src/infra/logger.ts';
import { createMailer } from '../src/infra/mailer.ts';
import { createYogaApp, type KeywardYoga } from '../src/yoga.ts';
import { startPostgres, type PostgresServer } from '../test/helpers/postgres.ts';
import { fill, organizationSql, resetOutbox, scaledSizes, type FillPlan } from './scale-data.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 3);
const TARGET = Number(process.env.BENCH_RATIO_TARGET ?? 1.5);
const ENFORCE = process.env.BENCH_ENFORCE === '1';
const WARMUP = 3;
/** Warm samples of the informational operations (seconds each at full size). */
const INFORMATIONAL_SAMPLES = 20;
const PAGE = 50;
/** Keys whose expiry one sweep records (in as many organizations). */
const SWEEP_KEYS = 20;
/** Keys verified (each a cache miss) and keys the sweeps expire, again and again when there are fewer. */
const VERIFY_POOL = 2_000;
const SWEEP_POOL = SWEEP_KEYS * 40;
/** Tables whose sequential scan is a finding wherever it appears. */
const BIG_TABLES = ['request_logs', 'api_keys', 'connections', 'users', 'events', 'audit_events', 'webhook_deliveries', 'webhook_attempts', 'seen_signatures'];
const DB_NAME = 'keyward_scale';

const log = (line: string) => console.log(line);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

const pepper = randomBytes(32);
const encryptionKey = randomBytes(32);
const adminToken = `scale-${randomBytes(16).toString('hex')}`;
const outboxDir = `/tmp/keyward-scale-outbox-${process.pid}`;
const plan: FillPlan = { sizes: scaledSizes(SCALE), small: 0.01, now: new Date() };

// -- a target: a server, its database, a Keyward instance on it ----------------------------------------

interface Keyward {
  database: Database;
  services: Services;
  yoga: KeywardYoga;
}

interface Target {
  label: '1 %' | 'full';
  server: PostgresServer;
  url: string;
  /** The server's log, where auto_explain writes. */
  serverLog: string;
  admin: pg.Client;
  keyward: Keyward;
  /** The bench's own partner key (all permissions) of the big organization, made by Keyward. */
  token: string;
}

/** A Keyward instance on the database, wired as the tests wire theirs (src/app.ts createServices, createYogaApp); no background jobs. */
async function openKeyward(url: string): Promise<Keyward> {
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

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function openTarget(label: Target['label']): Promise<Target> {
  const server = await startPostgres();
  const url = await server.createDatabase(DB_NAME);
  const keyward = await openKeyward(url);
  const admin = await connect(url);
  const dataDir = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  return { label, server, url, serverLog: join(dirname(dataDir), 'postgres.log'), admin, keyward, token: '' };
}

/** A cold start: the server restarted (its caches empty) and a fresh Keyward instance. */
async function restart(t: Target): Promise<void> {
  await t.keyward.database.close();
  await t.admin.end();
  await t.server.halt('fast');
  await t.server.resume();
  t.admin = await connect(t.url);
  t.keyward = await openKeyward(t.url);
}

// -- what the operations need ---------------------------------------------------------------------------

async function graphql(t: Target, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await t.keyward.yoga.fetch(
    'http://keyward.test/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-partner-key': t.token },
      body: JSON.stringify({ query, variables }),
    },
    { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
  );
  const result = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (response.status !== 200 || result.errors || !result.data) throw new Error(`GraphQL failed (${response.status}): ${JSON.stringify(result).slice(0, 500)}`);
  return result.data;
}

type Page = { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean } };

/** A list query as the dashboard asks it: `first` rows after an optional cursor, with the list's own arguments (name → type). */
function listQuery(field: string, args: Record<string, string>, fields: string, extra = ''): string {
  const all = { first: 'Int!', after: 'String', ...args };
  const declared = Object.entries(all).map(([name, type]) => `$${name}: ${type}`);
  const passed = Object.keys(all).map((name) => `${name}: $${name}`);
  return `query Scale(${declared.join(', ')}) { ${field}(${passed.join(', ')}) { ${extra} edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } }`;
}

const PARTNER_KEYS = listQuery('partnerKeys', { includeInactive: 'Boolean' }, 'id keyId name environment permissions createdAt revokedAt expiresAt active');
const CONNECTIONS = listQuery('connections', { status: 'ConnectionStatus' }, 'id email ref status environment direction createdAt updatedAt');
const REQUEST_LOG_ARGS = { keyId: 'String', outcome: 'String', from: 'DateTime', to: 'DateTime', includeMembers: 'Boolean' };
const REQUEST_LOG_FIELDS = 'id keyId memberId operationName operationType outcome httpStatus ip durationMs createdAt';
const REQUEST_LOGS = listQuery('requestLogs', REQUEST_LOG_ARGS, REQUEST_LOG_FIELDS);
const REQUEST_LOGS_COUNTED = listQuery('requestLogs', REQUEST_LOG_ARGS, REQUEST_LOG_FIELDS, 'totalCount');
const AUDIT_EVENTS = listQuery(
  'auditEvents',
  { keyId: 'String', action: 'String' },
  'id action actorKind actorKeyId environment targetType targetId createdAt',
);

/** Lists that answered an empty page (at a tiny BENCH_SCALE): they measure little, and the run says so. */
const emptyPages = new Set<string>();

async function page(t: Target, query: string, field: string, variables: Record<string, unknown>): Promise<Page> {
  const result = (await graphql(t, query, { first: PAGE, ...variables }))[field] as Page;
  if (result.edges.length === 0) emptyPages.add(`${t.label}: ${field}(${Object.keys(variables).join(', ')})`);
  return result;
}

interface Fixtures {
  organization: string;
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
  /** How many LIVE events the organization has after `after100k` (100,000, or all of them at 1 %). */
  events100k: number;
}

/** A cursor of a list for another row: Pothos's cursor of the first page with the row's id in place of its own. */
function cursorFor(template: { cursor: string; node: { id: string } }, rowId: string): string {
  const decodedId = Buffer.from(template.node.id, 'base64').toString('utf8').split(':').at(-1)!;
  const text = Buffer.from(template.cursor, 'base64').toString('utf8');
  if (!text.includes(decodedId)) throw new Error(`unexpected cursor ${text}`);
  return Buffer.from(text.replace(decodedId, rowId)).toString('base64');
}

async function prepare(t: Target): Promise<Fixtures> {
  const { admin } = t;
  const organization = (await admin.query<{ id: string }>(`SELECT ${organizationSql('1')} AS id`)).rows[0]!.id;
  if (!t.token) {
    const issued = await t.keyward.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: organization, environment: 'LIVE', name: 'Scale bench', permissions: [...PERMISSIONS] },
    );
    t.token = issued.secret;
  }
  // Active user keys in a random order: the first ones are verified, the others expire in sweeps (half each when there are few).
  const candidates = (
    await admin.query<{ keyId: string; environment: string }>(
      `SELECT "keyId", environment FROM api_keys
       WHERE kind = 'USER' AND "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now()) AND "keyId" LIKE 'u%'
       ORDER BY md5("keyId") LIMIT $1`,
      [VERIFY_POOL + SWEEP_POOL],
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
    const total = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) x`, [organization])).rows[0]!.n);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      // Between half way and near the end, with a page still to come after it.
      const offset = Math.max(0, Math.min(Math.floor(total * (0.5 + (0.45 * i) / count)), total - PAGE - 1));
      ids.push((await admin.query<{ id: string }>(`${sql} OFFSET ${offset} LIMIT 1`, [organization])).rows[0]!.id);
    }
    return ids;
  };
  const keysFirst = await page(t, PARTNER_KEYS, 'partnerKeys', { includeInactive: true });
  const partnerKeyCursors = (
    await deepIds(`SELECT id FROM api_keys WHERE "organizationId" = $1 AND environment = 'LIVE' AND kind = 'PARTNER' ORDER BY "createdAt" DESC, id DESC`, 20)
  ).map((id) => cursorFor(keysFirst.edges[0]!, id));
  const connectionsFirst = await page(t, CONNECTIONS, 'connections', { status: 'REJECTED' });
  const connectionCursors = (
    await deepIds(
      `SELECT id FROM connections WHERE "organizationId" = $1 AND environment = 'LIVE' AND status = 'REJECTED' ORDER BY "createdAt" DESC, id DESC`,
      20,
    )
  ).map((id) => cursorFor(connectionsFirst.edges[0]!, id));

  const keyCounts = (
    await admin.query<{ keyId: string; n: string }>(
      `SELECT "keyId", count(*) AS n FROM request_logs WHERE "organizationId" = $1 AND environment = 'LIVE' AND "memberId" IS NULL
       GROUP BY "keyId" ORDER BY count(*) DESC, "keyId"`,
      [organization],
    )
  ).rows;
  // The busiest key (60 % of the organization's traffic), its second partner key (10 %), and a user's key (a few requests).
  const busyKeyId = keyCounts[0]!.keyId;
  const partnerKeyId = keyCounts.find((row, i) => i > 0 && row.keyId.startsWith('p'))!.keyId;
  const userKeyId = keyCounts.find((row) => row.keyId.startsWith('u') && Number(row.n) >= 2)?.keyId ?? keyCounts.at(-1)!.keyId;
  const dayStart = new Date(plan.now.getTime() - 10 * 86_400_000);
  const day = { from: dayStart.toISOString(), to: new Date(dayStart.getTime() + 86_400_000).toISOString() };

  const head = BigInt((await admin.query<{ s: string }>(`SELECT "eventSeq" AS s FROM organizations WHERE id = $1`, [organization])).rows[0]!.s);
  const positionBack = async (back: number) =>
    (
      await admin.query<{ p: string | null; n: string }>(
        `SELECT (SELECT position FROM events WHERE "organizationId" = $1 AND environment = 'LIVE' ORDER BY position DESC OFFSET $2 LIMIT 1) AS p,
                (SELECT count(*) FROM events WHERE "organizationId" = $1 AND environment = 'LIVE') AS n`,
        [organization, back],
      )
    ).rows[0]!;
  const back1k = await positionBack(1_000);
  const back100k = await positionBack(100_000);
  await resetOutbox(admin, plan);
  return {
    organization,
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
  /** Shown, not held to the target: what grows with the data by its nature. */
  informational?: boolean;
  /** Untimed work before each sample. */
  setup?: () => Promise<void>;
  /** The timed work; `perThousand` operations return how many events they read, and are reported per 1,000. */
  run: () => Promise<unknown>;
  perThousand?: boolean;
}

function operations(t: Target, f: Fixtures): Operation[] {
  let verifyNext = 0;
  let cursorNext = 0;
  let expiringNext = 0;
  const rotate = <T>(list: T[], i: number) => list[i % list.length]!;
  const list = (query: string, field: string, variables: Record<string, unknown>) => () => page(t, query, field, variables);
  const replay = async (after: bigint) => (await t.keyward.services.live.replay(f.organization, after, f.head, 'LIVE', () => true)).length;
  return [
    {
      name: 'verify a key not in the cache',
      run: async () => {
        const { keyId, token } = rotate(f.verifiable, verifyNext++);
        // Whatever this instance remembered of it goes: the verification reads the key.
        t.keyward.services.verifier.keyChanged(keyId);
        const result = await verifyKey(t.keyward.services.verifier, { type: 'operator' }, { key: token });
        if (!result.valid && result.code !== 'ORG_INACTIVE') throw new Error(`verification of ${keyId}: ${result.code}`);
      },
    },
    { name: 'partnerKeys, first page (active)', run: () => graphql(t, PARTNER_KEYS, { first: PAGE }) },
    { name: 'partnerKeys, first page (includeInactive)', run: list(PARTNER_KEYS, 'partnerKeys', { includeInactive: true }) },
    {
      name: 'partnerKeys, deep page (includeInactive)',
      run: () => page(t, PARTNER_KEYS, 'partnerKeys', { includeInactive: true, after: rotate(f.partnerKeyCursors, cursorNext++) }),
    },
    { name: 'connections', run: list(CONNECTIONS, 'connections', {}) },
    { name: 'connections(status: CONNECTED)', run: list(CONNECTIONS, 'connections', { status: 'CONNECTED' }) },
    { name: 'connections(status: PENDING)', run: list(CONNECTIONS, 'connections', { status: 'PENDING' }) },
    {
      name: 'connections(status: REJECTED), deep page',
      run: () => page(t, CONNECTIONS, 'connections', { status: 'REJECTED', after: rotate(f.connectionCursors, cursorNext++) }),
    },
    { name: 'requestLogs', run: list(REQUEST_LOGS, 'requestLogs', {}) },
    { name: 'requestLogs(keyId: the busiest key)', run: list(REQUEST_LOGS, 'requestLogs', { keyId: f.busyKeyId }) },
    { name: 'requestLogs(keyId: a partner key)', run: list(REQUEST_LOGS, 'requestLogs', { keyId: f.partnerKeyId }) },
    { name: "requestLogs(keyId: a user's key)", run: list(REQUEST_LOGS, 'requestLogs', { keyId: f.userKeyId }) },
    { name: 'requestLogs(outcome: RATE_LIMITED)', run: list(REQUEST_LOGS, 'requestLogs', { outcome: 'RATE_LIMITED' }) },
    { name: 'requestLogs(outcome: INTERNAL_SERVER_ERROR)', run: list(REQUEST_LOGS, 'requestLogs', { outcome: 'INTERNAL_SERVER_ERROR' }) },
    { name: 'requestLogs(from, to: a day 10 days back)', run: list(REQUEST_LOGS, 'requestLogs', f.day) },
    { name: 'requestLogs(includeMembers: true)', run: list(REQUEST_LOGS, 'requestLogs', { includeMembers: true }) },
    { name: 'auditEvents', run: list(AUDIT_EVENTS, 'auditEvents', {}) },
    { name: 'auditEvents(action: api_key.revoked)', run: list(AUDIT_EVENTS, 'auditEvents', { action: 'api_key.revoked' }) },
    { name: 'auditEvents(keyId: a partner key)', run: list(AUDIT_EVENTS, 'auditEvents', { keyId: f.partnerKeyId }) },
    { name: 'resume a subscription 1,000 events back', perThousand: true, run: () => replay(f.after1k) },
    { name: 'resume 100,000 events back, per 1,000 events', perThousand: true, run: () => replay(f.after100k) },
    { name: 'expiry sweep, nothing due', run: () => t.keyward.services.sweeper.runOnce() },
    {
      name: `expiry sweep, ${SWEEP_KEYS} keys due`,
      setup: async () => {
        const keys = Array.from({ length: SWEEP_KEYS }, () => rotate(f.expiring, expiringNext++));
        await t.admin.query(`UPDATE api_keys SET "expiresAt" = now() - interval '1 second', "expiryRecordedAt" = NULL WHERE "keyId" = ANY($1)`, [keys]);
      },
      run: async () => {
        if ((await t.keyward.services.sweeper.runOnce()) < 1) throw new Error('the sweep recorded no expiry');
      },
    },
    {
      name: 'outbox claim (20 due deliveries)',
      // The dispatcher's claim itself (a round would then POST them): private, so reached past TypeScript.
      run: async () => {
        const claimed = await (t.keyward.services.webhooks as unknown as { claim(limit: number): Promise<unknown[]> }).claim(20);
        if (claimed.length === 0) throw new Error('nothing to claim');
      },
    },
    // Last, and apart from the others' warm samples: at full size it is a parallel scan of seconds that
    // takes both cores, and would slow whatever ran next.
    { name: 'requestLogs with totalCount (the dashboard)', informational: true, run: list(REQUEST_LOGS_COUNTED, 'requestLogs', {}) },
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
  return op.perThousand ? (ms * 1000) / Math.max(1, Number(result)) : ms;
}

interface Figures {
  warm: { p50: number; p99: number };
  cold: { p50: number; max: number };
}

/** Each operation on both targets in turn (which goes first alternates), cold rounds first, then warm samples. */
async function measure(targets: [Target, Target], fixtures: [Fixtures, Fixtures]): Promise<Map<string, Figures>[]> {
  const cold = targets.map(() => new Map<string, number[]>());
  const warm = targets.map(() => new Map<string, number[]>());
  const record = (into: Map<string, number[]>, name: string, ms: number) => into.set(name, [...(into.get(name) ?? []), ms]);
  for (let round = 0; round < COLD_ROUNDS; round++) {
    for (const t of targets) await restart(t);
    const ops = targets.map((t, i) => operations(t, fixtures[i]!));
    for (let o = 0; o < ops[0]!.length; o++) {
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) record(cold[i]!, ops[i]![o]!.name, await timeOnce(ops[i]![o]!));
    }
    log(`  cold round ${round + 1}/${COLD_ROUNDS} done`);
  }
  const ops = targets.map((t, i) => operations(t, fixtures[i]!));
  const warmUp = async (informational: boolean, samples: number) => {
    for (let sample = -WARMUP; sample < samples; sample++) {
      for (let o = 0; o < ops[0]!.length; o++) {
        if ((ops[0]![o]!.informational ?? false) !== informational) continue;
        for (const i of (sample + o) % 2 === 0 ? [0, 1] : [1, 0]) {
          const ms = await timeOnce(ops[i]![o]!);
          if (sample >= 0) record(warm[i]!, ops[i]![o]!.name, ms);
        }
      }
    }
  };
  await warmUp(false, SAMPLES);
  await warmUp(true, Math.min(SAMPLES, INFORMATIONAL_SAMPLES));
  log(`  ${SAMPLES} warm samples of each done (${Math.min(SAMPLES, INFORMATIONAL_SAMPLES)} of the informational ones)`);
  return targets.map((_, i) => {
    const figures = new Map<string, Figures>();
    for (const [name, w] of warm[i]!) {
      const c = cold[i]!.get(name)!;
      figures.set(name, { warm: { p50: percentile(w, 0.5), p99: percentile(w, 0.99) }, cold: { p50: percentile(c, 0.5), max: Math.max(...c) } });
    }
    return figures;
  });
}

// -- plans (auto_explain) ------------------------------------------------------------------------------

interface Logged {
  durationMs: number;
  text: string;
}

/** An operation's name as its marker query carries it (no quote). */
const markerOf = (name: string) => name.replace(/'/g, '');

/** The plans the server logged since `offset`, grouped by the markers between them. */
function plansSince(file: string, offset: number): Map<string, Logged[]> {
  const text = readFileSync(file).subarray(offset).toString('utf8');
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

/** Runs `work` on a fresh Keyward instance whose every statement the server logs with its plan (auto_explain). */
async function withAutoExplain<T>(
  t: Target,
  work: (mark: (name: string) => Promise<void>) => Promise<T>,
): Promise<{ result: T; plans: Map<string, Logged[]> }> {
  const settings = {
    session_preload_libraries: "'auto_explain'",
    'auto_explain.log_min_duration': '0',
    'auto_explain.log_analyze': 'on',
    'auto_explain.log_buffers': 'on',
  };
  for (const [name, value] of Object.entries(settings)) await t.admin.query(`ALTER DATABASE ${DB_NAME} SET ${name} = ${value}`);
  const offset = statSync(t.serverLog).size;
  await t.keyward.database.close();
  t.keyward = await openKeyward(t.url);
  const marker = await connect(t.url);
  try {
    const result = await work(async (name) => {
      await marker.query(`SELECT 'scale-marker:${markerOf(name)}'`);
    });
    // The server writes its log asynchronously: a moment for the last lines.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { result, plans: plansSince(t.serverLog, offset) };
  } finally {
    await marker.end();
    await t.admin.query(`ALTER DATABASE ${DB_NAME} RESET ALL`);
    await t.keyward.database.close();
    t.keyward = await openKeyward(t.url);
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

const RETENTION: Record<string, (s: Services) => Promise<number | { deleted: number }>> = {
  'request logs (30 days)': (s) => s.requestLogs.prune(),
  'webhook deliveries (finished 30 days ago)': (s) => s.webhooks.pruneFinished(),
  'seen signatures (past their window)': (s) => s.signing.pruneSeen(),
  'sign-in links and member sessions': (s) => s.members.prune(),
};

/** Every operation once and one pass of each retention job, with their plans. */
async function explain(t: Target, f: Fixtures): Promise<{ plans: Map<string, Logged[]>; retention: Map<string, RetentionPass> }> {
  const { result: passes, plans } = await withAutoExplain(t, async (mark) => {
    for (const op of operations(t, f)) {
      await mark(op.name);
      await timeOnce(op);
    }
    const timed = new Map<string, { deleted: number; ms: number }>();
    for (const [name, prune] of Object.entries(RETENTION)) {
      await mark(`retention: ${name}`);
      const at = performance.now();
      const pruned = await prune(t.keyward.services);
      timed.set(name, { deleted: typeof pruned === 'number' ? pruned : pruned.deleted, ms: performance.now() - at });
    }
    await mark('end');
    return timed;
  });
  const retention = new Map<string, RetentionPass>();
  for (const [name, pass] of passes) {
    const logged = plans.get(markerOf(`retention: ${name}`)) ?? [];
    const deletes = logged.filter((p) => /Query Text:\s*DELETE/i.test(p.text));
    retention.set(name, { ...pass, statements: deletes.length, seqScans: seqScans(logged), plan: (deletes[0] ?? logged[0])?.text ?? '(none logged)' });
  }
  return { plans, retention };
}

/** The subscription path itself resuming 100,000 events back (or the whole log): what its first item is. */
async function resumeThroughSubscription(t: Target, f: Fixtures): Promise<string> {
  const check = await t.keyward.services.verifier.check(t.token, '127.0.0.1');
  if (!check.ok) throw new Error(`bench key refused: ${check.reason}`);
  const { principal } = check;
  const started = performance.now();
  const stream = await t.keyward.services.subscriptions.apiKeyEvents(
    { caller: { type: 'key', principal, ip: '127.0.0.1' }, principal, ip: '127.0.0.1', socket: undefined },
    encodeCursor(f.after100k),
  );
  const first = await stream.next();
  const ms = performance.now() - started;
  await stream.return?.();
  const item = first.value as { kind: string; error?: { code?: string } } | undefined;
  return `apiKeyEvents(after: ${f.events100k.toLocaleString('en')} events back): first item ${item?.kind}${item?.error ? ` ${item.error.code}` : ''} after ${ms.toFixed(0)} ms`;
}

// -- the run -------------------------------------------------------------------------------------------

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

async function rowsOf(t: Target): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const table of COUNTED) rows[table] = Number((await t.admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  log(
    `  ${t.label}: ${Object.entries(rows)
      .map(([table, n]) => `${table} ${n.toLocaleString('en')}`)
      .join(', ')}`,
  );
  return rows;
}

const targets: Target[] = [];
let report!: {
  postgres: string;
  /** The operations by name, and whether each is held to the target. */
  operations: { name: string; informational: boolean }[];
  rows: Record<string, number>[];
  fillSeconds: { small: number; rest: number };
  figures: Map<string, Figures>[];
  explained: { plans: Map<string, Logged[]>; retention: Map<string, RetentionPass> }[];
  resume: string[];
};
try {
  targets.push(await openTarget('1 %'), await openTarget('full'));
  const [small, full] = targets as [Target, Target];
  const postgres = (await small.admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  log(`bench:scale at BENCH_SCALE=${SCALE} (${plan.sizes.requestLogs.toLocaleString('en')} request logs at full size), PostgreSQL ${postgres}`);
  log('\n== filling 1 % (both servers)');
  let started = performance.now();
  await fill(small.admin, plan, 'small', log);
  await fill(full.admin, plan, 'small', () => {});
  // Per server: the two fills of the same 1 %.
  const fillSmall = (performance.now() - started) / 2000;
  log(`== filling the other 99 % (full)`);
  started = performance.now();
  await fill(full.admin, plan, 'rest', log);
  const fillRest = (performance.now() - started) / 1000;
  log(`  filled in ${seconds(started)}`);
  const rows = [await rowsOf(small), await rowsOf(full)];
  const fixtures: [Fixtures, Fixtures] = [await prepare(small), await prepare(full)];
  log('\n== measuring both, in alternation');
  const figures = await measure([small, full], fixtures);
  const resume: string[] = [];
  for (const [i, t] of targets.entries()) {
    await resetOutbox(t.admin, plan);
    resume.push(`${t.label}: ${await resumeThroughSubscription(t, fixtures[i]!)}`);
    log(`  ${resume.at(-1)}`);
  }
  const explained = [await explain(small, fixtures[0]), await explain(full, fixtures[1])];
  const ops = operations(small, fixtures[0]).map((op) => ({ name: op.name, informational: op.informational === true }));
  report = { postgres, operations: ops, rows, fillSeconds: { small: fillSmall, rest: fillRest }, figures, explained, resume };
} finally {
  for (const t of targets) {
    await t.keyward.database.close().catch(() => undefined);
    await t.admin.end().catch(() => undefined);
    await t.server.stop();
  }
}

// -- the report ----------------------------------------------------------------------------------------

const informational = new Set(report.operations.flatMap((op) => (op.informational ? [op.name] : [])));
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const misses: string[] = [];
const rowsOut = report.operations.map(({ name }) => {
  const s = report.figures[0]!.get(name)!;
  const f = report.figures[1]!.get(name)!;
  const warmRatio = f.warm.p99 / s.warm.p99;
  // Not the target, but the steadier figure on a shared machine: a p99 of 100 samples is their second slowest.
  const medianRatio = f.warm.p50 / s.warm.p50;
  const coldRatio = f.cold.max / s.cold.max;
  // At full size only: on a small table a sequential scan is the planner's right choice.
  const scans = seqScans(report.explained[1]!.plans.get(markerOf(name)) ?? []);
  if (!informational.has(name) && (warmRatio > TARGET || coldRatio > TARGET)) misses.push(name);
  return { name, small: s, full: f, medianRatio, warmRatio, coldRatio, seqScans: scans, informational: informational.has(name) };
});

log(
  `\nms; warm: p50 / p99 of ${SAMPLES}; cold: p50 / max of ${COLD_ROUNDS} (PostgreSQL restarted, fresh Keyward); ratio: full / 1 % of p99 (cold: of max), and of p50`,
);
const mark = (ratio: number, info: boolean) => `${ratio.toFixed(2)}${info ? ' (i)' : ratio > TARGET ? ' ✗' : ''}`;
const header = ['operation', '1 % warm', 'full warm', 'p99 ratio', 'p50 ratio', '1 % cold', 'full cold', 'ratio', 'seq scan'];
const table = rowsOut.map((r) => [
  r.name,
  `${fmt(r.small.warm.p50)} / ${fmt(r.small.warm.p99)}`,
  `${fmt(r.full.warm.p50)} / ${fmt(r.full.warm.p99)}`,
  mark(r.warmRatio, r.informational),
  r.medianRatio.toFixed(2),
  `${fmt(r.small.cold.p50)} / ${fmt(r.small.cold.max)}`,
  `${fmt(r.full.cold.p50)} / ${fmt(r.full.cold.max)}`,
  mark(r.coldRatio, r.informational),
  r.seqScans.join(' '),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
for (const row of [header, ...table]) log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
log('(i): informational, not held to the target');

log('\nretention passes (one each, timed with auto_explain on):');
for (const [i, t] of targets.entries()) {
  for (const [name, pass] of report.explained[i]!.retention) {
    log(
      `  ${t.label}: ${name}: ${pass.deleted.toLocaleString('en')} rows in ${pass.statements} statement(s), ${fmt(pass.ms)} ms${pass.seqScans.length ? `, Seq Scan on ${pass.seqScans.join(', ')}` : ''}`,
    );
  }
}
for (const [name, pass] of report.explained[1]!.retention) log(`\n-- plan of the first statement of "${name}" (full size):\n${pass.plan}`);

const flagged = rowsOut.filter((r) => misses.includes(r.name) || r.seqScans.length > 0);
for (const r of flagged) {
  log(
    `\n-- ${r.name}:${misses.includes(r.name) ? ` ratio over ${TARGET}` : ''}${r.seqScans.length ? ` Seq Scan on ${r.seqScans.join(', ')}` : ''} (plans at full size)`,
  );
  for (const p of report.explained[1]!.plans.get(markerOf(r.name)) ?? []) log(`${p.text}\n`);
}

const result = {
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: report.postgres,
  },
  scale: SCALE,
  samples: SAMPLES,
  coldRounds: COLD_ROUNDS,
  target: TARGET,
  rows: { small: report.rows[0], full: report.rows[1] },
  fillSeconds: { small: Math.round(report.fillSeconds.small), rest: Math.round(report.fillSeconds.rest) },
  resumeThroughSubscription: report.resume,
  operations: rowsOut.map((r) => ({
    name: r.name,
    informational: r.informational || undefined,
    small: r.small,
    full: r.full,
    warmRatio: r.warmRatio,
    medianRatio: r.medianRatio,
    coldRatio: r.coldRatio,
    seqScans: r.seqScans,
  })),
  retention: targets.map((t, i) => ({
    size: t.label,
    passes: [...report.explained[i]!.retention].map(([name, p]) => ({
      name,
      deleted: p.deleted,
      ms: Math.round(p.ms),
      statements: p.statements,
      seqScans: p.seqScans,
      plan: p.plan,
    })),
  })),
  plans: Object.fromEntries(flagged.map((r) => [r.name, (report.explained[1]!.plans.get(markerOf(r.name)) ?? []).map((p) => p.text)])),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/scale-latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
if (emptyPages.size > 0) log(`\nempty pages (too little data at this BENCH_SCALE): ${[...emptyPages].join('; ')}`);
if (misses.length > 0) log(`\n${misses.length} operation(s) over ${TARGET}×: ${misses.join('; ')}`);
if (ENFORCE && misses.length > 0) process.exit(1);
// The schema engine (migrations) leaves a timer behind.
process.exit(0);
