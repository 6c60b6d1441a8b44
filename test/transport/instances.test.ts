// Several Keyward processes on one PostgreSQL database, with a real Redis between them: events
// and revocations travel between instances, correctness never depends on Redis delivering, and an
// instance killed right after a commit loses no event. SECURITY.md C-10, D-09, E-07, F-07.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../helpers/postgres.ts';
import { KeywardCluster, postGraphQL, type KeywardProcess } from '../helpers/process.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { FROM_START, positionOf, sseSubscribe, wsSubscribe, type Subscriber, type SubscriptionResult } from '../helpers/subscriber.ts';

const CONNECTION_EVENTS = 'subscription ($after: String) { connectionEvents(after: $after) { cursor status previousStatus connection { id email } } }';
const KEY_EVENTS = 'subscription { apiKeyEvents { cursor type key { keyId active } } }';

let redis: RedisServer;
let cluster: KeywardCluster;
const subscribers: Subscriber[] = [];
let a: KeywardProcess;
let b: KeywardProcess;

/** An instance on the shared database. */
const instance = (extra: Record<string, string> = {}) => cluster.start(extra);

function track<T extends Subscriber>(subscriber: T): T {
  subscribers.push(subscriber);
  return subscriber;
}

async function newOrganization(via: KeywardProcess): Promise<string> {
  const { body } = await postGraphQL(
    via.url,
    'mutation ($i: CreateOrganizationInput!) { createOrganization(input: $i) { ... on CreateOrganizationSuccess { secret } ... on Error { code } } }',
    { 'x-admin-token': cluster.adminToken },
    { i: { name: `Instances ${randomBytes(3).toString('hex')}` } },
  );
  const secret = (body.data?.createOrganization as { secret?: string }).secret;
  if (!secret) throw new Error(`createOrganization failed: ${JSON.stringify(body)}`);
  return secret;
}

async function connectUser(via: KeywardProcess, key: string, email = `u-${randomBytes(4).toString('hex')}@example.com`): Promise<string> {
  const { body } = await postGraphQL(
    via.url,
    'mutation ($i: ConnectUserInput!) { connectUser(input: $i) { ... on ConnectUserSuccess { connection { id status } } ... on Error { code message } } }',
    { 'x-partner-key': key },
    { i: { email } },
  );
  const connection = (body.data?.connectUser as { connection?: { id: string } }).connection;
  if (!connection) throw new Error(`connectUser failed: ${JSON.stringify(body)}`);
  return email;
}

async function createKey(via: KeywardProcess, key: string, name: string): Promise<{ id: string; secret: string }> {
  const { body } = await postGraphQL(
    via.url,
    'mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { ... on CreatePartnerKeySuccess { key { id } secret } ... on Error { code } } }',
    { 'x-partner-key': key },
    { i: { name, permissions: ['KEYS_READ', 'KEYS_WRITE', 'CONNECTIONS_READ', 'CONNECTIONS_WRITE'] } },
  );
  const created = body.data?.createPartnerKey as { key?: { id: string }; secret?: string };
  if (!created.key || !created.secret) throw new Error(`createPartnerKey failed: ${JSON.stringify(body)}`);
  return { id: created.key.id, secret: created.secret };
}

const statusOf = (result: SubscriptionResult) => (result.data?.connectionEvents as { status: string; connection: { email: string } }) ?? null;
const cursorOf = (result: SubscriptionResult) => (result.data?.connectionEvents as { cursor: string }).cursor;

/** Waits until a subscription is registered server-side (it answers nothing before its first event). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

beforeAll(async () => {
  redis = await startRedis();
  cluster = new KeywardCluster(await createTestDatabase(inject('postgresUrl')));
  // Feeds read the table only once a minute here: what arrives fast came over Redis.
  [a, b] = await Promise.all([
    instance({ REDIS_URL: redis.url, KEYWARD_EVENT_POLL_MS: '60000' }),
    instance({ REDIS_URL: redis.url, KEYWARD_EVENT_POLL_MS: '60000' }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(subscribers.map((s) => s.stop().catch(() => undefined)));
  await cluster.killAll();
  await redis?.stop();
});

describe('two instances, one database, Redis between them', () => {
  it('delivers a change made through A to subscribers on B, over graphql-ws and SSE', async () => {
    const key = await newOrganization(a);
    const ws = track(wsSubscribe(b.wsUrl, { 'X-Partner-Key': key }, CONNECTION_EVENTS, { after: FROM_START }));
    const sse = track(sseSubscribe(b.url, { 'x-partner-key': key }, CONNECTION_EVENTS, { after: FROM_START }));
    await settle();
    const email = await connectUser(a, key);
    for (const subscriber of [ws, sse]) {
      const [first] = await subscriber.waitFor(1, 15_000);
      expect(statusOf(first!)).toMatchObject({ status: 'ONBOARDING', connection: { email } });
    }
  });

  it('refuses a key revoked through A on B at once, and ends its subscriptions on B (4403)', async () => {
    const admin = await newOrganization(a);
    const doomed = await createKey(a, admin, 'Doomed');
    // B has verified (and cached) the key just before the revocation.
    const before = await postGraphQL(b.url, '{ viewer { kind } }', { 'x-partner-key': doomed.secret });
    expect(before.status).toBe(200);
    const ws = track(wsSubscribe(b.wsUrl, { 'X-Partner-Key': doomed.secret }, KEY_EVENTS));
    const sse = track(sseSubscribe(b.url, { 'x-partner-key': doomed.secret }, KEY_EVENTS));
    await settle();
    const revoked = await postGraphQL(a.url, 'mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }', { 'x-partner-key': admin }, { id: doomed.id });
    expect(revoked.body.data?.revokePartnerKey).toEqual({ __typename: 'RevokePartnerKeySuccess' });
    // The invalidation is a Redis message: B drops its cached copy as soon as it arrives.
    let after = await postGraphQL(b.url, '{ viewer { kind } }', { 'x-partner-key': doomed.secret });
    for (let i = 0; i < 20 && after.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await postGraphQL(b.url, '{ viewer { kind } }', { 'x-partner-key': doomed.secret });
    }
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await Promise.all([ws.ended, sse.ended]);
    expect(await ws.closed).toBe(4403);
    for (const subscriber of [ws, sse]) {
      const last = subscriber.results.at(-1);
      expect(last?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // The REVOKED event of the key itself is not delivered to the revoked key.
      expect(JSON.stringify(subscriber.results)).not.toContain('"REVOKED"');
    }
  });

  it('gives a subscriber that leaves A and resumes on B with its last cursor exactly what it missed', async () => {
    const key = await newOrganization(a);
    const onA = track(wsSubscribe(a.wsUrl, { 'X-Partner-Key': key }, CONNECTION_EVENTS, { after: FROM_START }));
    await settle();
    await connectUser(b, key);
    await connectUser(b, key);
    const seen = await onA.waitFor(2, 15_000);
    await onA.stop();
    const last = cursorOf(seen[1]!);
    const missed = [await connectUser(a, key), await connectUser(b, key), await connectUser(a, key)];
    const onB = track(wsSubscribe(b.wsUrl, { 'X-Partner-Key': key }, CONNECTION_EVENTS, { after: last }));
    const replayed = await onB.waitFor(3, 15_000);
    expect(replayed.map((r) => statusOf(r)!.connection.email)).toEqual(missed);
    // Then live, with no gap and no duplicate.
    const live = await connectUser(a, key);
    const all = await onB.waitFor(4, 15_000);
    expect(statusOf(all[3]!)!.connection.email).toBe(live);
    const positions = all.map((r) => positionOf(cursorOf(r)));
    expect(positions).toEqual([positionOf(last) + 1, positionOf(last) + 2, positionOf(last) + 3, positionOf(last) + 4]);
  });

  it('still delivers every event when Redis is down, from the event table', async () => {
    // A third instance that reads the table often: with Redis gone, that is how it learns.
    const c = await instance({ REDIS_URL: redis.url, KEYWARD_EVENT_POLL_MS: '200' });
    const key = await newOrganization(a);
    const onC = track(wsSubscribe(c.wsUrl, { 'X-Partner-Key': key }, CONNECTION_EVENTS, { after: FROM_START }));
    await settle();
    await redis.pause();
    try {
      const emails = [await connectUser(a, key), await connectUser(a, key)];
      const results = await onC.waitFor(2, 15_000);
      expect(results.map((r) => statusOf(r)!.connection.email)).toEqual(emails);
      // Key verification works without Redis (the database path).
      expect((await postGraphQL(c.url, '{ viewer { kind } }', { 'x-partner-key': key })).status).toBe(200);
    } finally {
      await redis.resume();
    }
    // When Redis is back, live delivery resumes over it.
    const email = await connectUser(a, key);
    const results = await onC.waitFor(3, 15_000);
    expect(statusOf(results[2]!)!.connection.email).toBe(email);
  });

  it('refuses a revoked key on B within the cache bound and ends its subscriptions even when Redis is down', async () => {
    const admin = await newOrganization(a);
    const doomed = await createKey(a, admin, 'Doomed without Redis');
    expect((await postGraphQL(b.url, '{ viewer { kind } }', { 'x-partner-key': doomed.secret })).status).toBe(200);
    const ws = track(wsSubscribe(b.wsUrl, { 'X-Partner-Key': doomed.secret }, KEY_EVENTS));
    await settle();
    await redis.pause();
    try {
      await postGraphQL(a.url, 'mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }', { 'x-partner-key': admin }, { id: doomed.id });
      const revokedAt = Date.now();
      // No invalidation message can arrive: B's cache entry (1 s) and subscription check (500 ms) bound it.
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 3_000) {
        status = (await postGraphQL(b.url, '{ viewer { kind } }', { 'x-partner-key': doomed.secret })).status;
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe(401);
      expect(await ws.closed).toBe(4403);
      expect(ws.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await redis.resume();
    }
  });

  it('loses no event when an instance is killed right after a change commits (kill -9 before publish)', async () => {
    const key = await newOrganization(a);
    // On the instance that makes the change: this test is about the crash, not about Redis (which
    // the test before it has just brought back, and which the instances may still be reconnecting to).
    const listener = track(wsSubscribe(a.wsUrl, { 'X-Partner-Key': key }, CONNECTION_EVENTS, { after: FROM_START }));
    await settle();
    const first = await connectUser(a, key);
    const [seen] = await listener.waitFor(1, 15_000);
    const cursor = cursorOf(seen!);
    await listener.stop();

    // This instance kills itself (SIGKILL) after the commit of its next change, before publishing it.
    const doomed = await instance({ REDIS_URL: redis.url, KEYWARD_FAULT: 'kill-after-commit' });
    const email = `crash-${randomBytes(4).toString('hex')}@example.com`;
    await expect(connectUser(doomed, key, email)).rejects.toThrow();
    const exit = await doomed.waitForExit(10_000);
    expect(exit.signal).toBe('SIGKILL');

    // The change committed: a subscriber resuming with its cursor gets it, exactly once.
    const resumed = track(wsSubscribe(a.wsUrl, { 'X-Partner-Key': key }, CONNECTION_EVENTS, { after: cursor }));
    const [replayed] = await resumed.waitFor(1, 15_000);
    expect(statusOf(replayed!)!.connection.email).toBe(email);
    expect(statusOf(replayed!)!.connection.email).not.toBe(first);
    await settle();
    expect(resumed.results).toHaveLength(1);
  });
});
