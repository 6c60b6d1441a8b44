// A Keyward process on its own PostgreSQL server, which crashes (immediate shutdown) and comes
// back while changes keep arriving (docs/security.md F-06): the process stays up, answers during the
// outage with 503 and UNAVAILABLE and nothing about the database, serves again within 10 s of
// the server's return, and keeps every change it acknowledged, each whole.
import pg from 'pg';
import { generateKey } from '../../src/domain/api-key/key-format.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { KeywardCluster, postGraphQL, type GraphQLHttpResult, type KeywardProcess } from '../helpers/process.ts';

let server: PostgresServer;
let databaseUrl: string;
let cluster: KeywardCluster;
let keyward: KeywardProcess;

beforeAll(async () => {
  // Durable: a commit is on disk when acknowledged, as in production (the test crashes the server).
  server = await startPostgres({ durable: true });
  databaseUrl = await server.createDatabase();
  cluster = new KeywardCluster(databaseUrl);
  keyward = await cluster.start();
}, 120_000);

afterAll(async () => {
  await cluster?.killAll();
  await server?.stop();
});

const CREATE = 'mutation ($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename ... on Error { code } } }';

interface Answer {
  name: string;
  /** When it was sent, and when its answer came. */
  at: number;
  doneAt: number;
  status: number;
  body: GraphQLHttpResult['body'] | null;
  text: string;
}

/** One change: a new organization with its first key and audit rows, all in one transaction. */
async function createOrganization(name: string): Promise<Answer> {
  const at = Date.now();
  try {
    const { status, body } = await postGraphQL(keyward.url, CREATE, { 'x-admin-token': cluster.adminToken }, { i: { name } });
    return { name, at, doneAt: Date.now(), status, body, text: JSON.stringify(body) };
  } catch (error) {
    return { name, at, doneAt: Date.now(), status: 0, body: null, text: String(error) };
  }
}

const succeeded = (answer: Answer) =>
  answer.status === 200 && (answer.body?.data?.createOrganization as { __typename?: string } | undefined)?.__typename === 'CreateOrganizationSuccess';

describe('PostgreSQL restart (F-06)', () => {
  it('stays up, answers 503 UNAVAILABLE while the database is away, serves again within 10 s, keeps every acknowledged change whole', async () => {
    const answers: Answer[] = [];
    let sequence = 0;
    let stop = false;
    // Three clients sending changes one after another, all through the outage.
    const clients = Array.from({ length: 3 }, async () => {
      while (!stop) answers.push(await createOrganization(`Restart ${sequence++}`));
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const haltedAt = Date.now();
    await server.halt('immediate');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const readyDuringOutage = await fetch(`${keyward.origin}/readyz`);
    // The verification endpoint too: a well-formed key it has not cached needs the database.
    const verifyDuringOutage = await fetch(`${keyward.origin}/v1/keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-token': cluster.adminToken },
      body: JSON.stringify({ key: generateKey('ptr', 'test').token }),
    });
    await server.resume();
    const resumedAt = Date.now();
    // Until the first success after the server's return, and 2 s more.
    while (!answers.some((a) => a.at > resumedAt && succeeded(a)) && Date.now() - resumedAt < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    stop = true;
    await Promise.all(clients);

    expect(keyward.child.exitCode).toBeNull();
    expect(readyDuringOutage.status).toBe(503);
    expect(verifyDuringOutage.status).toBe(503);
    expect(verifyDuringOutage.headers.get('retry-after')).toBe('1');
    expect(await verifyDuringOutage.json()).toEqual({ error: { code: 'UNAVAILABLE', message: 'The service is temporarily unavailable; try again shortly' } });
    const firstBack = answers.find((a) => a.at > resumedAt && succeeded(a));
    expect(firstBack, 'a change succeeded after the server came back').toBeDefined();
    expect(firstBack!.at - resumedAt).toBeLessThan(10_000);
    // Every failure is a clean 503 with UNAVAILABLE, naming nothing of the database.
    const failed = answers.filter((a) => !succeeded(a));
    expect(failed.length).toBeGreaterThan(0);
    for (const answer of failed) {
      expect(answer.status, answer.text).toBe(503);
      expect(answer.body?.errors?.[0]?.extensions?.code, answer.text).toBe('UNAVAILABLE');
      expect(answer.text).not.toMatch(/ECONNREFUSED|prisma|postgres|127\.0\.0\.1|terminat|stack|at .+\.(js|ts):\d+/i);
    }
    // Everything answered before the crash succeeded (what was in flight at the crash may not have).
    expect(answers.filter((a) => a.doneAt < haltedAt).every(succeeded)).toBe(true);

    // Every acknowledged change is there, and whatever is there is whole: the organization, its
    // key and its audit rows, or nothing (a change whose answer was lost may have committed).
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; keys: string; audits: string }>(
        `SELECT o.name,
                (SELECT count(*) FROM api_keys k WHERE k."organizationId" = o.id) AS keys,
                (SELECT count(*) FROM audit_events e WHERE e."organizationId" = o.id) AS audits
           FROM organizations o WHERE o.name LIKE 'Restart %'`,
      );
      const stored = new Map(rows.map((row) => [row.name, row]));
      for (const answer of answers.filter(succeeded)) expect(stored.has(answer.name), answer.name).toBe(true);
      for (const row of rows) {
        expect(Number(row.keys), row.name).toBe(1);
        expect(Number(row.audits), row.name).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await client.end();
    }
  }, 90_000);
});
