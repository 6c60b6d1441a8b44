// Rate limits (issue 6; SECURITY.md ): per key, from the organization's limit or the
// key's own; 429 with Retry-After and extensions.retryAfterSeconds; a refused request does
// nothing and counts against nothing; failed authentications limited per client IP.
import { beforeAll, describe, expect, it } from 'vitest';
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
const UPDATE_ORG = 'mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename ... on UpdateOrganizationSuccess { organization { rateLimitRequests rateLimitWindowSeconds } } ... on Error { code } } }';
const UPDATE_KEY = 'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename ... on UpdatePartnerKeySuccess { key { rateLimitRequests } } ... on Error { code } ... on ValidationError { fields { path message } } } }';

async function limitedOrganization(requests: number, windowSeconds = 60): Promise<OrgFixture> {
  const org = await newOrganization(app);
  const res = await gql(app, UPDATE_ORG, { i: { id: org.organizationId, rateLimitRequests: requests, rateLimitWindowSeconds: windowSeconds } }, { headers: admin(app) });
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
    const invalid = await gql(app, UPDATE_ORG, { i: { id: org.organizationId, rateLimitRequests: 0, rateLimitWindowSeconds: 86_401 } }, { headers: admin(app) });
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

describe('failed authentications per client IP', () => {
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
