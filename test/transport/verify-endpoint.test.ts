import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/domain/api-key/key-format.ts';
import { createOrganization, postVerify, startTestServer, type TestServer } from './server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const post = (body: unknown, headers?: Record<string, string>) => postVerify(server, body, headers);

describe('POST /v1/keys/verify', () => {
  it('answers the same verification as the verifyKey query, as JSON', async () => {
    const org = await createOrganization(server.services);
    const res = await post({ key: org.secret, ip: '127.0.0.1', requiredPermissions: ['KEYS_READ'] });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ valid: true, code: 'VALID', keyId: org.key.keyId, kind: 'PARTNER', environment: 'TEST', ref: null });
    expect(await post({ key: generateKey('ptr', 'test').token })).toMatchObject({ status: 200, body: { valid: false, code: 'NOT_FOUND' } });
    expect(await post({ key: 'nope' })).toMatchObject({ status: 200, body: { valid: false, code: 'MALFORMED' } });
    expect(await post({ key: org.secret, requiredPermissions: ['NOPE'] })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
  });

  it('answers "currencies" and takes "requiredCurrencies" like the query', async () => {
    const org = await createOrganization(server.services);
    const fiat = await server.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: org.organization.id, name: 'Fiat only', permissions: ['ORDERS_CREATE'], currencies: ['FIAT'] },
    );
    expect(await post({ key: org.secret, requiredCurrencies: ['CRYPTO'] })).toMatchObject({
      status: 200,
      body: { valid: true, currencies: ['FIAT', 'CRYPTO'] },
    });
    expect(await post({ key: fiat.secret, requiredCurrencies: ['FIAT'] })).toMatchObject({ status: 200, body: { valid: true, currencies: ['FIAT'] } });
    expect(await post({ key: fiat.secret, requiredCurrencies: ['CRYPTO'] })).toMatchObject({
      status: 200,
      body: { valid: false, code: 'CURRENCY_NOT_ALLOWED', keyId: fiat.key.keyId, currencies: ['FIAT'] },
    });
    expect(await post({ key: fiat.secret, requiredCurrencies: ['EUR'] })).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', fields: [{ path: ['requiredCurrencies', '0'] }] } },
    });
  });

  it('needs the admin token: missing or wrong is 401, a partner key is not enough', async () => {
    const org = await createOrganization(server.services);
    expect(await post({ key: org.secret }, {})).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'Admin token required' } } });
    expect(await post({ key: org.secret }, { 'x-admin-token': 'wrong' })).toMatchObject({ status: 401 });
    expect(await post({ key: org.secret }, { 'x-partner-key': org.secret })).toMatchObject({ status: 401 });
  });

  it('refuses bad JSON (400), other methods (405) and large bodies (413)', async () => {
    expect(await post('{not json')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const get = await fetch(`${server.origin}/v1/keys/verify`, { headers: { 'x-admin-token': server.adminToken } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await get.arrayBuffer();
    const big = await post({ key: 'x'.repeat(20_000) }).catch(() => ({ status: 413 }));
    expect(big.status).toBe(413);
  });

  it('answers bad input as JSON with its usual headers, never a stack, with or without a query string (issue 13, finding 10)', async () => {
    for (const path of ['/v1/keys/verify', '/v1/keys/verify?x=%E0%A4%A']) {
      const res = await fetch(`${server.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-admin-token': server.adminToken },
        body: '{"key": %E0%A4%A',
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      expect(text).not.toMatch(/node_modules|\/src\/|\bat /);
    }
  });
});

describe('POST /v1/keys/verify and the failure limits (issue 13, finding 4)', () => {
  // A server each: wrong admin tokens hold back the admin token itself wherever it was not used.
  let limited: TestServer;
  beforeEach(async () => {
    limited = await startTestServer({ trustedProxies: (ip) => ip === '127.0.0.1', authFailureLimit: { failures: 3, windowMs: 60_000 } });
  });
  afterEach(async () => {
    await limited?.stop();
  });

  const verifyFrom = async (ip: string, token: string) => {
    const res = await fetch(`${limited.origin}/v1/keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, 'x-admin-token': token },
      body: JSON.stringify({ key: generateKey('ptr', 'test').token }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code: string } } };
  };
  const graphqlFrom = async (ip: string, headers: Record<string, string>) =>
    (
      await fetch(`${limited.origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...headers },
        body: JSON.stringify({ query: '{ viewer { kind } }' }),
      })
    ).status;

  it('counts wrong admin tokens, holds the address back (429, Retry-After) and raises the alert', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await verifyFrom('203.0.113.31', `${limited.adminToken}-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401]);
    const held = await verifyFrom('203.0.113.31', limited.adminToken);
    expect(held).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
    expect(Number(held.retryAfter)).toBeGreaterThan(0);
    expect(limited.logs.entries().find((line) => line.alert === 'auth_failures' && line.ip === '203.0.113.31')).toMatchObject({ failures: 3 });
    // The same address is held back on /graphql: one limiter for both.
    expect(await graphqlFrom('203.0.113.31', { 'x-admin-token': limited.adminToken })).toBe(429);
  });

  it('holds back on /v1/keys/verify an address that failed on /graphql, except for a token it used before', async () => {
    expect((await verifyFrom('203.0.113.41', limited.adminToken)).status).toBe(200);
    for (const ip of ['203.0.113.41', '203.0.113.42']) {
      for (let i = 0; i < 3; i++) expect(await graphqlFrom(ip, { 'x-partner-key': generateKey('ptr', 'test').token })).toBe(401);
    }
    expect((await verifyFrom('203.0.113.42', limited.adminToken)).status).toBe(429);
    expect((await verifyFrom('203.0.113.41', limited.adminToken)).status).toBe(200);
  });
});
