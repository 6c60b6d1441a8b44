/**
 * `npm run bench:overhead`: Keyward's own CPU per GraphQL request, without HTTP, for profiling
 * issue 17's c/a. In one process, alternating over rounds, N requests `{ __typename }` through
 * `yoga.fetch`: (a) a bare graphql-yoga with a one-field schema, (c) Keyward with a partner key
 * (authentication, rate limit, request log, metrics, log line, limits), on a fresh in-memory
 * embedded database whose request log is written on its 1 s timer as in production. Ten requests
 * are in flight, each yielding to the event loop after it ends (as a socket's would), so timers
 * and the request log's writes run between them. Prints CPU µs per request of each and their
 * difference, the ratio a/c, and the request-log rows written and waiting at the end.
 *
 * Environment: OVERHEAD_REQUESTS (default 20000 per run), OVERHEAD_ROUNDS (3), LOG_LEVEL (info,
 * Keyward's default; `warn` drops the log line per request). Run it with `node --cpu-prof` for a
 * profile of Keyward's part alone (OVERHEAD_ONLY=keyward).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import { createServices } from '../src/app.ts';
import { systemClock } from '../src/infra/clock.ts';
import { openDatabase } from '../src/infra/database.ts';
import { createLogger } from '../src/infra/logger.ts';
import { createMailer } from '../src/infra/mailer.ts';
import { createYogaApp } from '../src/yoga.ts';

const REQUESTS = Number(process.env.OVERHEAD_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.OVERHEAD_ROUNDS ?? 3);
const ONLY = process.env.OVERHEAD_ONLY;
const IN_FLIGHT = 10;
const BODY = JSON.stringify({ query: '{ __typename }' });

const bare = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  landingPage: false,
  graphiql: false,
  logging: false,
});

const database = await openDatabase({ kind: 'memory' });
// The log line per request is written as in production (asynchronously), to nowhere.
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', destination: createWriteStream('/dev/null') });
const services = createServices({
  database,
  secrets: { pepper: randomBytes(32), encryptionKey: randomBytes(32) },
  logger,
  clock: systemClock,
  verifier: { cacheTtlMs: 1_000 },
  mailer: createMailer({ outboxDir: mkdtempSync(join(tmpdir(), 'keyward-overhead-')), from: 'Keyward <bench@keyward.test>', logger }),
  links: { publicUrl: 'http://keyward.test', signupUrl: 'https://platform.test/signup' },
  allowPrivateCallbacks: false,
  authFailureLimit: { failures: 1_000_000, windowMs: 60_000 },
});
const adminToken = `bench-${randomBytes(16).toString('hex')}`;
const keyward = createYogaApp({ services, adminToken, trustedProxies: null, ping: database.ping, production: true });
services.requestLogs.start(1_000);

const post = async (headers: Record<string, string>, query: string, variables?: unknown) => {
  const response = await keyward.fetch(
    new Request('http://127.0.0.1/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return (await response.json()) as { data?: Record<string, Record<string, unknown>> };
};
const created = await post(
  { 'x-admin-token': adminToken },
  'mutation { createOrganization(input: { name: "Overhead" }) { __typename ... on CreateOrganizationSuccess { secret organization { id } } } }',
);
const organization = created.data?.createOrganization as { secret?: string; organization?: { id: string } } | undefined;
if (!organization?.secret || !organization.organization) throw new Error(`createOrganization failed: ${JSON.stringify(created)}`);
// Requests, not the rate limiter's refusals, are measured (each is still counted).
await post({ 'x-admin-token': adminToken }, 'mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename } }', {
  i: { id: organization.organization.id, rateLimitRequests: 1_000_000, rateLimitWindowSeconds: 1 },
});

type Fetch = (request: Request) => Response | Promise<Response>;

/** CPU µs per request over `count` requests, IN_FLIGHT at a time. */
async function measure(fetchFn: Fetch, headers: Record<string, string>, count: number): Promise<number> {
  const once = async () => {
    const response = await fetchFn(
      new Request('http://127.0.0.1/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY }),
    );
    const text = await response.text();
    if (response.status !== 200 || text !== '{"data":{"__typename":"Query"}}') throw new Error(`unexpected answer ${response.status}: ${text}`);
  };
  const started = process.cpuUsage();
  let sent = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent++ < count) {
        await once();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const targets: { id: 'a' | 'c'; label: string; fetch: Fetch; headers: Record<string, string> }[] = [
  { id: 'a', label: '(a) bare graphql-yoga', fetch: (request) => bare.fetch(request), headers: {} },
  { id: 'c', label: '(c) Keyward with a key', fetch: (request) => keyward.fetch(request), headers: { 'x-partner-key': organization.secret } },
];
const results: Record<'a' | 'c', number[]> = { a: [], c: [] };
console.log(`Keyward's own cost per request without HTTP: ${REQUESTS} requests × ${ROUNDS} rounds, ${IN_FLIGHT} in flight, LOG_LEVEL=${logger.level}`);
for (let round = 0; round < ROUNDS; round++) {
  for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
    if (ONLY && target.id !== (ONLY === 'keyward' ? 'c' : 'a')) continue;
    await measure(target.fetch, target.headers, Math.min(2_000, REQUESTS)); // warm-up
    const cpu = await measure(target.fetch, target.headers, REQUESTS);
    results[target.id].push(cpu);
    console.log(`  round ${round + 1} ${target.label}: ${cpu.toFixed(1)} µs CPU a request`);
  }
}
await services.requestLogs.flush();
const rows = await services.prisma.requestLog.count();
if (results.a.length && results.c.length) {
  const a = median(results.a);
  const c = median(results.c);
  console.log(
    `medians: (a) ${a.toFixed(1)} µs, (c) ${c.toFixed(1)} µs; Keyward's own work ${(c - a).toFixed(1)} µs a request; CPU ratio a/c ${(a / c).toFixed(2)}`,
  );
}
console.log(`request log: ${rows} rows written, ${services.requestLogs.waiting} waiting`);
await services.requestLogs.stop();
await database.close();
process.exit(0);
