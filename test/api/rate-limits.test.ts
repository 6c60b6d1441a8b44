// Rate limits (issue 6; docs/security.md ): per key, from the organization's limit or the
// key's own; 429 with Retry-After and extensions.retryAfterSeconds; a refused request does
// nothing and counts against nothing; failed authentications limited per address group and
// per credential, with the pairs known to work exempt (issue 13, finding 5).
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/domain/api-key/key-format.ts';
import { MemoryCounterStore } from '../../src/domain/rate-limit/rate-limits.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { OffsetClock } from '../helpers/clock.ts';
import { admin, bearer, gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, tampered, type OrgFixture } from '../helpers/fixtures.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ authFailureLimit: { failures: 5, windowMs: 60_000 } });
});

const VIEWER = '{ viewer { kind } }';
const UPDATE_ORG =
  'mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename ... on UpdateOrganizationSuccess { organization { rateLimitRequests rateLimitWindowSeconds } } ... on Error { code } } }';
const UPDATE_KEY =
  'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename ... on UpdatePartnerKeySuccess { key { rateLimitRequests } } ... on Error { code } ... on ValidationError { fields { path message } } } }';

async function limitedOrganization(requests: number, windowSeconds = 60): Promise<OrgFixture> {
  const org = await newOrganization(app);
  const res = await gql(
    app,
    UPDATE_ORG,
    { i: { id: org.organizationId, rateLimitRequests: requests, rateLimitWindowSeconds: windowSeconds } },
    { headers: admin(app) },
  );
  expect(res.data).toMatchObject({ updateOrganization: { organization: { rateLimitRequests: requests, rateLimitWindowSeconds: windowSeconds } } });
  return org;
}
const CREATE_SESSION = 'mutation ($i: CreateSessionInput!) { createSession(input: $i) { ... on CreateSessionSuccess { token } } }';
const codeOf = (res: Awaited<ReturnType<typeof gql>>) => res.errors?.[0]?.extensions?.code;

describe('MemoryCounterStore', () => {
  it('admits the limit per window, counts no refusal, and opens again when the window ends', async () => {
    const clock = new OffsetClock();
    const store = new MemoryCounterStore(clock);
    const results = [];
    for (let i = 0; i < 8; i++) results.push((await store.take('k', 5, 10_000)).allowed);
    expect(results).toEqual([true, true, true, true, true, false, false, false]);
    expect(await store.peek('k')).toMatchObject({ count: 5 });
    clock.advance(9_000);
    expect(await store.take('k', 5, 10_000)).toMatchObject({ allowed: false, retryAfterMs: expect.any(Number) });
    expect((await store.take('k', 5, 10_000)).retryAfterMs).toBeLessThanOrEqual(1_000);
    clock.advance(1_001);
    expect((await store.take('k', 5, 10_000)).allowed).toBe(true);
    expect(await store.peek('k')).toMatchObject({ count: 1 });
  });
});

describe('per-key limits', () => {
  it('admits exactly the organization’s number per window, then 429 with Retry-After; each key counts alone', async () => {
    const org = await limitedOrganization(5);
    const other = await newPartnerKey(app, org.secret);
    // newPartnerKey used one of the first key's five.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await gql(app, VIEWER, {}, { headers: partner(org.secret) })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const refused = await gql(app, VIEWER, {}, { headers: partner(org.secret) });
    expect(refused.status).toBe(429);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    const retryAfter = refused.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    expect((await gql(app, VIEWER, {}, { headers: partner(other.secret) })).status).toBe(200);
    app.clock.advance(61_000);
    try {
      expect((await gql(app, VIEWER, {}, { headers: partner(org.secret) })).status).toBe(200);
    } finally {
      app.clock.reset();
    }
  });

  it('a refused request does nothing: the mutation is not run and no other counter moves', async () => {
    const org = await limitedOrganization(3);
    const create = 'mutation { createPartnerKey(input: { name: "Over the limit", permissions: [KEYS_READ] }) { __typename } }';
    expect((await gql(app, create, {}, { headers: partner(org.secret) })).status).toBe(200);
    await gql(app, VIEWER, {}, { headers: partner(org.secret) });
    await gql(app, VIEWER, {}, { headers: partner(org.secret) });
    const refused = await gql(app, create, {}, { headers: partner(org.secret) });
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(await app.services.prisma.apiKey.count({ where: { organizationId: org.organizationUuid, name: 'Over the limit' } })).toBe(1);
    // Refusals are not authentication failures: the address is not held back.
    for (let i = 0; i < 10; i++) await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: '198.51.100.20' });
    const fresh = await newPartnerKey(app, (await newOrganization(app)).secret);
    expect((await gql(app, VIEWER, {}, { headers: partner(fresh.secret), ip: '198.51.100.20' })).status).toBe(200);
  });

  it('a key’s own limit: a partner may set it up to the organization’s number, the operator any number', async () => {
    const org = await limitedOrganization(50);
    const key = await newPartnerKey(app, org.secret);
    const lowered = await gql(app, UPDATE_KEY, { i: { id: key.id, rateLimitRequests: 2 } }, { headers: partner(org.secret) });
    expect(lowered.data).toMatchObject({ updatePartnerKey: { key: { rateLimitRequests: 2 } } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await gql(app, VIEWER, {}, { headers: partner(key.secret) })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const raised = await gql(app, UPDATE_KEY, { i: { id: key.id, rateLimitRequests: 51 } }, { headers: partner(org.secret) });
    // Above the acting key's own number (the organization's): beyond its reach, a top-level 403.
    expect(raised.status).toBe(403);
    expect(raised.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byOperator = await gql(app, UPDATE_KEY, { i: { id: key.id, rateLimitRequests: 5000 } }, { headers: admin(app) });
    expect(byOperator.data).toMatchObject({ updatePartnerKey: { key: { rateLimitRequests: 5000 } } });
    const invalid = await gql(
      app,
      UPDATE_ORG,
      { i: { id: org.organizationId, rateLimitRequests: 0, rateLimitWindowSeconds: 86_401 } },
      { headers: admin(app) },
    );
    expect(invalid.data).toMatchObject({ updateOrganization: { code: 'VALIDATION_FAILED' } });
  });

  it('a key and its sessions share the key’s one budget: three sessions of a key limited to 3 make 3 requests in all', async () => {
    const org = await limitedOrganization(50);
    const key = await newPartnerKey(app, org.secret);
    const sessions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await gql(app, CREATE_SESSION, { i: { description: `Device ${i}` } }, { headers: partner(key.secret) });
      sessions.push((res.data as { createSession: { token: string } }).createSession.token);
    }
    const lowered = await gql(app, UPDATE_KEY, { i: { id: key.id, rateLimitRequests: 3 } }, { headers: partner(org.secret) });
    expect(lowered.data).toMatchObject({ updatePartnerKey: { key: { rateLimitRequests: 3 } } });
    // A fresh window: opening the sessions spent the key's requests of this one.
    app.clock.advance(61_000);
    try {
      const credentials = [partner(key.secret), ...sessions.map(bearer)];
      const statuses: number[] = [];
      for (let round = 0; round < 4; round++) {
        for (const headers of credentials) statuses.push((await gql(app, VIEWER, {}, { headers })).status);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(13);
      // A session is refused with the key's number, whichever credential spent it.
      const refused = await gql(app, VIEWER, {}, { headers: bearer(sessions[2]!) });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
      expect(refused.errors?.[0]?.message).toMatch(/Rate limit of 3 requests per 60 s/);
      // The organization's other keys keep their own budgets.
      expect((await gql(app, VIEWER, {}, { headers: partner(org.secret) })).status).toBe(200);
      app.clock.advance(61_000);
      expect((await gql(app, VIEWER, {}, { headers: bearer(sessions[0]!) })).status).toBe(200);
    } finally {
      app.clock.reset();
    }
  });
});

describe('failed authentications per client address', () => {
  it('holds back an address after 5 failures, whatever it sends next; other addresses and the key are untouched', async () => {
    const org = await newOrganization(app);
    const guesser = '203.0.113.66';
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await gql(app, VIEWER, {}, { headers: partner(tampered(org.secret)), ip: guesser })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // The fifth failure raised the alert, once: a warning naming the address, and the lockout counter.
    const alerts = app.logs.entries().filter((line) => line.alert === 'auth_failures' && line.ip === guesser);
    expect(alerts).toEqual([expect.objectContaining({ level: 40, failures: 5, windowSeconds: 60 })]);
    const metrics = await (await app.yoga.fetch('http://keyward.test/metrics')).text();
    expect(Number(/^keyward_auth_lockouts_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^keyward_auth_failures_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(5);
    const held = await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: guesser });
    expect(held.status).toBe(429);
    expect(held.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect((await gql(app, VIEWER, {}, { headers: { 'x-admin-token': 'guess-guess-guess-guess-guess' }, ip: guesser })).status).toBe(429);
    // Without a credential nothing is attempted: the public schema still answers.
    expect((await gql(app, '{ __typename }', {}, { ip: guesser })).status).toBe(200);
    expect((await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: '203.0.113.67' })).status).toBe(200);
    expect(app.logs.entries().filter((line) => line.alert === 'auth_failures' && line.ip === guesser)).toHaveLength(1);
    app.clock.advance(61_000);
    try {
      expect((await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: guesser })).status).toBe(200);
    } finally {
      app.clock.reset();
    }
  });
});

/** A well-formed key naming `keyId` with a secret that is not its own. */
const guessFor = (keyId: string) => generateKey('ptr', 'test', keyId).token;

describe('failed authentications per address group and per credential (issue 13, finding 5)', () => {
  const statusesOf = async (attempts: { headers: Record<string, string>; ip: string }[]) => {
    const statuses = [];
    for (const { headers, ip } of attempts) statuses.push((await gql(app, VIEWER, {}, { headers, ip })).status);
    return statuses;
  };

  it('keeps serving a key that authenticated from a held-back address before (a NAT neighbour), and nothing else from there', async () => {
    const neighbour = await newOrganization(app);
    const other = await newOrganization(app);
    const nat = '198.51.100.20';
    // The neighbour's integration works from behind the NAT before the attack.
    expect((await gql(app, VIEWER, {}, { headers: partner(neighbour.secret), ip: nat })).status).toBe(200);
    expect(await statusesOf(Array.from({ length: 5 }, () => ({ headers: partner(tampered(other.secret)), ip: nat })))).toEqual([401, 401, 401, 401, 401]);
    // The NAT is held back, but the neighbour's key is known there: it goes on.
    for (let i = 0; i < 3; i++) expect((await gql(app, VIEWER, {}, { headers: partner(neighbour.secret), ip: nat })).status).toBe(200);
    // A right key never seen from there and a wrong guess for the neighbour's key read alike: no oracle.
    const right = await gql(app, VIEWER, {}, { headers: partner(other.secret), ip: nat });
    const wrong = await gql(app, VIEWER, {}, { headers: partner(guessFor(neighbour.keyId)), ip: nat });
    const unknown = await gql(app, VIEWER, {}, { headers: partner(generateKey('ptr', 'test').token), ip: nat });
    for (const res of [right, wrong, unknown]) {
      expect(res.status).toBe(429);
      expect(res.errors?.[0]).toMatchObject({ message: right.errors?.[0]?.message, extensions: { code: 'RATE_LIMITED' } });
    }
  });

  it('counts IPv6 clients by their /64: many addresses of one block share one count, other blocks are untouched', async () => {
    const org = await newOrganization(app);
    const block = (i: number) => `2001:db8:77:1::${(i + 1).toString(16)}`;
    expect(await statusesOf(Array.from({ length: 5 }, (_, i) => ({ headers: partner(tampered(org.secret)), ip: block(i) })))).toEqual([
      401, 401, 401, 401, 401,
    ]);
    expect((await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: '2001:db8:77:1:ffff:ffff:ffff:ffff' })).status).toBe(429);
    expect((await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: '2001:db8:77:2::1' })).status).toBe(200);
    const alert = app.logs.entries().find((line) => line.alert === 'auth_failures' && line.ip === '2001:db8:77:1::/64');
    expect(alert).toMatchObject({ failures: 5 });
  });

  it('holds back a keyId named in too many failures from many addresses, for every address it was not used from', async () => {
    const org = await newOrganization(app);
    const spread = (i: number) => `192.0.2.${100 + i}`;
    // The key's integration runs from 127.0.0.1; guesses come from five other addresses.
    expect((await gql(app, VIEWER, {}, { headers: partner(org.secret) })).status).toBe(200);
    expect(await statusesOf(Array.from({ length: 5 }, (_, i) => ({ headers: partner(guessFor(org.keyId)), ip: spread(i) })))).toEqual([
      401, 401, 401, 401, 401,
    ]);
    const alert = app.logs.entries().find((line) => line.alert === 'auth_failures' && line.keyId === org.keyId);
    expect(alert).toMatchObject({ failures: 5, windowSeconds: 60 });
    expect(alert).not.toHaveProperty('ip');
    // A sixth address is held back even with the right secret; the key's own address is not.
    expect((await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: '192.0.2.200' })).status).toBe(429);
    expect((await gql(app, VIEWER, {}, { headers: partner(org.secret) })).status).toBe(200);
    // A keyId that names no key is counted and held back the same way: the hold says nothing of which keys exist.
    const made = generateKey('ptr', 'test').keyId;
    expect(await statusesOf(Array.from({ length: 6 }, (_, i) => ({ headers: partner(guessFor(made)), ip: `192.0.2.${150 + i}` })))).toEqual([
      401, 401, 401, 401, 401, 429,
    ]);
    app.clock.advance(61_000);
    try {
      expect((await gql(app, VIEWER, {}, { headers: partner(org.secret), ip: '192.0.2.200' })).status).toBe(200);
    } finally {
      app.clock.reset();
    }
  });

  it('holds back the admin token after wrong ones from many addresses, except where it was used', async () => {
    expect((await gql(app, VIEWER, {}, { headers: admin(app), ip: '192.0.2.40' })).status).toBe(200);
    expect(
      await statusesOf(Array.from({ length: 5 }, (_, i) => ({ headers: { 'x-admin-token': `wrong-${i}-${app.adminToken}` }, ip: `192.0.2.${50 + i}` }))),
    ).toEqual([401, 401, 401, 401, 401]);
    expect(app.logs.entries().find((line) => line.alert === 'auth_failures' && line.credential === 'operator')).toMatchObject({ failures: 5 });
    expect((await gql(app, VIEWER, {}, { headers: admin(app), ip: '192.0.2.60' })).status).toBe(429);
    // Where it was used before (192.0.2.40, and 127.0.0.1 for the other tests of this file) it goes on.
    expect((await gql(app, VIEWER, {}, { headers: admin(app), ip: '192.0.2.40' })).status).toBe(200);
  });
});

describe('connection mails (A-10)', () => {
  it('caps the mails a partner’s connectUser calls cause, per organization per hour and per address per day', async () => {
    const mailApp = await createTestApp({ mailLimits: { perOrganizationPerHour: 10, perRecipientPerDay: 2 } });
    const org = await newOrganization(mailApp);
    const CONNECT = 'mutation ($i: ConnectUserInput!) { connectUser(input: $i) { __typename } }';
    const connect = (email: string) => gql(mailApp, CONNECT, { i: { email } }, { headers: partner(org.secret) });
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await connect(`bulk-${i}@example.com`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    const refused = await connect('bulk-99@example.com');
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    // Nothing was written for the refused ones.
    expect(await mailApp.services.prisma.connection.count({ where: { organizationId: org.organizationUuid } })).toBe(10);

    // Per address: another organization may not flood one inbox either.
    const other = await newOrganization(mailApp);
    const third = await newOrganization(mailApp);
    const fourth = await newOrganization(mailApp);
    const target = 'inbox@example.com';
    const results = [];
    for (const o of [other, third, fourth]) results.push((await gql(mailApp, CONNECT, { i: { email: target } }, { headers: partner(o.secret) })).status);
    expect(results.filter((s) => s === 200)).toHaveLength(2);
    expect(results.filter((s) => s === 429)).toHaveLength(1);
  });
});
