// Several Keyward processes on one PostgreSQL database, with a real Redis between them: events
// and revocations travel between instances, correctness never depends on Redis delivering, and an
// instance killed right after a commit loses no event; a key and its sessions spend one budget of
// requests, sockets and subscriptions over both instances. docs/security.md C-10, D-09, E-07, F-07.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../helpers/postgres.ts';
import { KeywardCluster, postGraphQL, type KeywardProcess } from '../helpers/process.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { FROM_START, positionOf, sseSubscribe, wsSubscribe, type Subscriber, type SubscriptionResult } from '../helpers/subscriber.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const CONNECTION_EVENTS = 'subscription ($after: String) { connectionEvents(after: $after) { cursor status previousStatus connection { id email } } }';
const KEY_EVENTS = 'subscription { apiKeyEvents { cursor type key { keyId active } } }';
/** Answers at once with the organization's first key event: a result means the subscription holds its place. */
const KEY_EVENTS_FROM_START = 'subscription ($after: String) { apiKeyEvents(after: $after) { cursor type } }';

const DELIVERY_EVENTS = 'subscription { webhookDeliveryEvents { type delivery { id attempt manual succeeded state } } }';

/** Small caps per key (with its sessions), so that the budget tests reach them; the other tests stay well below. */
const CAPS = { KEYWARD_MAX_SOCKETS_PER_KEY: '3', KEYWARD_MAX_SUBSCRIPTIONS_PER_KEY: '4', KEYWARD_SLOT_HEARTBEAT_MS: '200' };

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
  const secret = (body.data?.createOrganization as { secret?: string } | undefined)?.secret;
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
  const connection = (body.data?.connectUser as { connection?: { id: string } } | undefined)?.connection;
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
const cursorOf = (result: SubscriptionResult) => (result.data!.connectionEvents as { cursor: string }).cursor;

/** Waits until a subscription is registered server-side (it answers nothing before its first event). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

beforeAll(async () => {
  redis = await startRedis();
  cluster = new KeywardCluster(await createTestDatabase(inject('postgresUrl')));
  // Feeds read the table only once a minute here: what arrives fast came over Redis.
  [a, b] = await Promise.all([
    instance({ REDIS_URL: redis.url, KEYWARD_EVENT_POLL_MS: '60000', ...CAPS }),
    instance({ REDIS_URL: redis.url, KEYWARD_EVENT_POLL_MS: '60000', ...CAPS }),
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
    const revoked = await postGraphQL(
      a.url,
      'mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }',
      { 'x-partner-key': admin },
      { id: doomed.id },
    );
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

  it('tells subscribers on B of the webhook attempts made on A (a redelivery through A), each once', async () => {
    const key = await newOrganization(a);
    const receiver = await WebhookReceiver.start();
    try {
      const created = await postGraphQL(
        a.url,
        'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
        { 'x-partner-key': key },
        { i: { url: `${receiver.url}/hooks`, eventTypes: ['API_KEY_CREATED'] } },
      );
      expect(created.body.data?.createWebhookEndpoint).toEqual({ __typename: 'CreateWebhookEndpointSuccess' });
      const ws = track(wsSubscribe(b.wsUrl, { 'X-Partner-Key': key }, DELIVERY_EVENTS));
      const sse = track(sseSubscribe(b.url, { 'x-partner-key': key }, DELIVERY_EVENTS));
      for (const subscriber of [ws, sse])
        expect((await subscriber.waitFor(1, 15_000))[0]!.data).toEqual({ webhookDeliveryEvents: { type: 'LISTENING', delivery: null } });
      // B listens to the organization's channel in Redis once its subscribe has gone through.
      await settle();
      await createKey(a, key, 'Hooked');
      // Either instance's dispatcher makes the first attempt.
      const [, first] = await ws.waitFor(2, 15_000);
      const attempt = (first!.data!.webhookDeliveryEvents as { delivery: { id: string } }).delivery;
      // A redelivery runs in the request, on A: B hears of it over Redis only.
      const again = async () => {
        const { body } = await postGraphQL(
          a.url,
          'mutation ($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) { __typename } }',
          { 'x-partner-key': key },
          { i: { id: attempt.id } },
        );
        expect(body.data?.redeliverWebhook).toEqual({ __typename: 'RedeliverWebhookSuccess' });
      };
      await again();
      await again();
      for (const subscriber of [ws, sse]) {
        const results = await subscriber.waitFor(4, 15_000);
        expect(results.map((r) => r.data?.webhookDeliveryEvents)).toEqual([
          { type: 'LISTENING', delivery: null },
          { type: 'ATTEMPTED', delivery: { id: attempt.id, attempt: 1, manual: false, succeeded: true, state: 'SUCCEEDED' } },
          { type: 'ATTEMPTED', delivery: { id: expect.any(String), attempt: 2, manual: true, succeeded: true, state: 'SUCCEEDED' } },
          { type: 'ATTEMPTED', delivery: { id: expect.any(String), attempt: 3, manual: true, succeeded: true, state: 'SUCCEEDED' } },
        ]);
      }
    } finally {
      await receiver.close();
    }
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

describe('one budget for a key and its sessions over both instances', () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const partnerKey = (key: string) => ({ 'X-Partner-Key': key });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Sessions opened by `key`, alternately through A and B (each is a request of the key). */
  async function openSessions(key: string, count: number): Promise<string[]> {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const { body } = await postGraphQL(
        (i % 2 === 0 ? a : b).url,
        'mutation ($i: CreateSessionInput!) { createSession(input: $i) { ... on CreateSessionSuccess { token } ... on Error { code } } }',
        { 'x-partner-key': key },
        { i: { description: `Device ${i}` } },
      );
      const token = (body.data?.createSession as { token?: string } | undefined)?.token;
      if (!token) throw new Error(`createSession failed: ${JSON.stringify(body)}`);
      tokens.push(token);
    }
    return tokens;
  }

  const codesOf = (results: SubscriptionResult[]) => results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));

  /**
   * A graphql-ws socket with one subscription. `outcome`: 'held' once its first event came (the
   * socket and the subscription hold their places), else how it was refused.
   */
  function hold(via: KeywardProcess, credentials: Record<string, string>) {
    const subscriber = track(wsSubscribe(via.wsUrl, credentials, KEY_EVENTS_FROM_START, { after: FROM_START }));
    const outcome: Promise<string> = Promise.race([
      subscriber.waitFor(1, 10_000).then(
        ([first]) => (first!.errors ? `refused ${codesOf([first!]).join()}` : 'held'),
        () => 'no answer',
      ),
      subscriber.closed.then((code) => `closed ${code}`),
    ]);
    return Object.assign(subscriber, { outcome });
  }

  /** Places given back on one instance reach Redis a moment later: a few tries before another takes them. */
  async function holdSoon(via: KeywardProcess, credentials: Record<string, string>) {
    for (let attempt = 1; ; attempt++) {
      const held = hold(via, credentials);
      const outcome = await held.outcome;
      if (outcome === 'held' || attempt === 30) return { held, outcome };
      await pause(100);
    }
  }

  /** A second subscription on the socket of `on`: its results once it ended (refused). */
  function subscribeAgain(on: ReturnType<typeof hold>) {
    const results: SubscriptionResult[] = [];
    return new Promise<SubscriptionResult[]>((resolve) => {
      on.client.subscribe(
        { query: KEY_EVENTS_FROM_START, variables: { after: FROM_START } },
        {
          next: (value) => void results.push(value as SubscriptionResult),
          error: (error) => {
            if (Array.isArray(error)) results.push({ errors: error as SubscriptionResult['errors'] });
            resolve(results);
          },
          complete: () => resolve(results),
        },
      );
    });
  }

  it('requests: a key limited to 9 and its three sessions make 9 in all, whichever instance and credential', async () => {
    const admin = await newOrganization(a);
    const key = await createKey(a, admin, 'Budgeted');
    const updated = await postGraphQL(
      b.url,
      'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
      { 'x-partner-key': admin },
      { i: { id: key.id, rateLimitRequests: 9 } },
    );
    expect(updated.body.data).toEqual({ updatePartnerKey: { __typename: 'UpdatePartnerKeySuccess' } });
    // Three of the nine go to opening the sessions.
    const sessions = await openSessions(key.secret, 3);
    const credentials = [partnerKey(key.secret), ...sessions.map(bearer)];
    // Each credential through both instances, all at once.
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => postGraphQL((Math.floor(i / 4) % 2 === 0 ? a : b).url, '{ viewer { kind } }', credentials[i % 4]!)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(results.find((r) => r.status === 429)!.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    // The organization's first key has its own budget.
    expect((await postGraphQL(b.url, '{ viewer { kind } }', { 'x-partner-key': admin })).status).toBe(200);
  });

  it('sockets and subscriptions: the key’s caps hold for the key and its sessions over both instances together', async () => {
    const admin = await newOrganization(a);
    const key = await createKey(a, admin, 'Listener');
    const sessions = await openSessions(key.secret, 3);
    // Three sockets (the cap), one subscription each: the key on A, sessions on B and A.
    const held = [hold(a, partnerKey(key.secret)), hold(b, bearer(sessions[0]!)), hold(a, bearer(sessions[1]!))];
    expect(await Promise.all(held.map((h) => h.outcome))).toEqual(['held', 'held', 'held']);
    for (const [via, credentials] of [
      [b, bearer(sessions[2]!)],
      [b, partnerKey(key.secret)],
      [a, bearer(sessions[0]!)],
    ] as const) {
      expect(await hold(via, credentials).outcome).toBe('closed 4429');
    }
    // The fourth subscription (the cap) over SSE on B; a fifth on A, over either transport, is refused.
    const fourth = track(sseSubscribe(b.url, bearer(sessions[2]!), KEY_EVENTS_FROM_START, { after: FROM_START }));
    expect(codesOf(await fourth.waitFor(1, 10_000))).toEqual([]);
    const overSse = track(sseSubscribe(a.url, { 'x-partner-key': key.secret }, KEY_EVENTS_FROM_START, { after: FROM_START }));
    await overSse.ended;
    expect(codesOf(overSse.results)).toEqual(['RATE_LIMITED']);
    expect(overSse.results[0]!.errors![0]!.message).toMatch(/4 subscriptions per key/);
    expect(codesOf(await subscribeAgain(held[0]!))).toEqual(['RATE_LIMITED']);
    // A session's socket on B closes: its socket and subscription places are free for a credential on A.
    await held[1]!.stop();
    expect((await holdSoon(a, bearer(sessions[2]!))).outcome).toBe('held');
    expect(await hold(b, bearer(sessions[0]!)).outcome).toBe('closed 4429');
  });

  it('gives back the places of an instance killed with -9 within a few heartbeats', async () => {
    const doomed = await instance({ REDIS_URL: redis.url, ...CAPS });
    const admin = await newOrganization(a);
    const key = await createKey(a, admin, 'Crash');
    const sessions = await openSessions(key.secret, 2);
    const held = [hold(doomed, partnerKey(key.secret)), hold(doomed, bearer(sessions[0]!)), hold(doomed, bearer(sessions[1]!))];
    expect(await Promise.all(held.map((h) => h.outcome))).toEqual(['held', 'held', 'held']);
    expect(await hold(b, bearer(sessions[0]!)).outcome).toBe('closed 4429');
    await doomed.kill();
    const killedAt = Date.now();
    // Its leases are 3 heartbeats (600 ms); then B admits the key's sockets again, up to the cap.
    for (let i = 0; i < 3; i++) expect((await holdSoon(b, bearer(sessions[i % 2]!))).outcome).toBe('held');
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(await hold(a, partnerKey(key.secret)).outcome).toBe('closed 4429');
  });

  it('with Redis down each instance counts the key’s sockets by itself; with Redis back they count together again', async () => {
    const admin = await newOrganization(a);
    const key = await createKey(a, admin, 'Without Redis');
    const sessions = await openSessions(key.secret, 2);
    const onA: ReturnType<typeof hold>[] = [];
    const onB: ReturnType<typeof hold>[] = [];
    await redis.pause();
    try {
      // Up to the cap on each instance, not more.
      for (const [via, held] of [
        [a, onA],
        [b, onB],
      ] as const) {
        held.push(hold(via, partnerKey(key.secret)), hold(via, bearer(sessions[0]!)), hold(via, bearer(sessions[1]!)));
        expect(await Promise.all(held.map((h) => h.outcome))).toEqual(['held', 'held', 'held']);
        expect(await hold(via, bearer(sessions[1]!)).outcome).toBe('closed 4429');
      }
    } finally {
      await redis.resume();
    }
    // A gives its places back. Once both have reconnected (B renewing its places in the restarted
    // Redis), A counts B's three again and refuses a socket it would admit on its own.
    await Promise.all(onA.map((h) => h.stop()));
    // Let A see the closes, so that its own places are not what refuses the probe.
    await pause(300);
    let outcome = '';
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const probe = hold(a, bearer(sessions[0]!));
      outcome = await probe.outcome;
      if (outcome === 'closed 4429') break;
      await probe.stop();
      await pause(200);
    }
    expect(outcome).toBe('closed 4429');
    await Promise.all(onB.map((h) => h.stop()));
    expect((await holdSoon(a, bearer(sessions[0]!))).outcome).toBe('held');
  });
});
