// Rate limits shared by instances (issue 6; docs/security.md G-03, F-07): two Keyward processes on
// one PostgreSQL database with a real Redis between them admit exactly N of N+k requests per
// window; with Redis gone each instance goes on counting by itself instead of failing requests.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../helpers/postgres.ts';
import { KeywardCluster, postGraphQL, type KeywardProcess } from '../helpers/process.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { generateKey } from '../../src/domain/api-key/key-format.ts';

let redis: RedisServer;
let cluster: KeywardCluster;
let a: KeywardProcess;
let b: KeywardProcess;

beforeAll(async () => {
  redis = await startRedis();
  cluster = new KeywardCluster(await createTestDatabase(inject('postgresUrl')));
  // The test client is the proxy: X-Forwarded-For names the client address when a test sends it.
  const env = { REDIS_URL: redis.url, KEYWARD_TRUST_PROXY: '127.0.0.1', KEYWARD_AUTH_FAILURES_PER_MINUTE: '20' };
  [a, b] = await Promise.all([cluster.start(env), cluster.start(env)]);
}, 120_000);

afterAll(async () => {
  await cluster?.killAll();
  await redis?.stop();
});

/** An organization whose keys may make `limit` requests per minute; returns its partner key. */
async function organization(limit: number): Promise<string> {
  const created = await postGraphQL(
    a.url,
    'mutation { createOrganization(input: { name: "Limited" }) { ... on CreateOrganizationSuccess { secret organization { id } } } }',
    { 'x-admin-token': cluster.adminToken },
  );
  const { secret, organization: org } = created.body.data!.createOrganization as { secret: string; organization: { id: string } };
  const updated = await postGraphQL(
    b.url,
    'mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename } }',
    { 'x-admin-token': cluster.adminToken },
    { i: { id: org.id, rateLimitRequests: limit, rateLimitWindowSeconds: 60 } },
  );
  expect(updated.body.data).toEqual({ updateOrganization: { __typename: 'UpdateOrganizationSuccess' } });
  return secret;
}

const viewer = (via: KeywardProcess, key: string) => postGraphQL(via.url, '{ viewer { kind } }', { 'x-partner-key': key });

describe('rate limits across instances', () => {
  it('admits exactly N of N+k requests sent at once through two instances', async () => {
    const key = await organization(30);
    const results = await Promise.all(Array.from({ length: 45 }, (_, i) => viewer(i % 2 === 0 ? a : b, key)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('admits exactly N through one instance', async () => {
    const key = await organization(12);
    const results = await Promise.all(Array.from({ length: 20 }, () => viewer(b, key)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(12);
  });

  it('counts failed authentications for a credential over both instances, and knows on B the addresses it worked from on A', async () => {
    const secret = await organization(1_000);
    const viewer = (via: KeywardProcess, key: string, ip: string) =>
      postGraphQL(via.url, '{ viewer { kind } }', { 'x-partner-key': key, 'x-forwarded-for': ip });
    expect((await viewer(a, secret, '198.51.100.7')).status).toBe(200);
    // The keyId with wrong secrets, from twenty addresses, through both instances in turn (the limit is 20 a minute).
    const keyId = secret.split('_')[3]!;
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await viewer(i % 2 ? a : b, generateKey('ptr', 'test', keyId).token, `192.0.2.${i + 1}`)).status);
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 401));
    expect((await viewer(b, secret, '192.0.2.99')).status).toBe(429);
    expect((await viewer(a, secret, '192.0.2.99')).status).toBe(429);
    expect((await viewer(b, secret, '198.51.100.7')).status).toBe(200);
  });

  it('goes on serving with Redis down: each instance counts by itself', async () => {
    const key = await organization(4);
    await redis.stop();
    const first = await Promise.all(Array.from({ length: 6 }, () => viewer(a, key)));
    expect(first.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 429, 429]);
    // b has its own counter now: up to 4 more.
    const second = await Promise.all(Array.from({ length: 6 }, () => viewer(b, key)));
    expect(second.filter((r) => r.status === 200)).toHaveLength(4);
  });
});
