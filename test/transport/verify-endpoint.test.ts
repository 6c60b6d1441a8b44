import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
