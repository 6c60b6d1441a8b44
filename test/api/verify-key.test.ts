import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/domain/api-key/key-format.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { connectedUser } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey, revokeKey } from '../helpers/fixtures.ts';
import { CreateUserKey, UpdateUserKey, UpdateOrganization, VerifyKey } from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

async function verify(headers: Record<string, string>, key: string, ip?: string, requiredPermissions?: string[], requiredCurrencies?: string[]) {
  const res = await gql(
    app,
    VerifyKey,
    { key, ip: ip ?? null, requiredPermissions: (requiredPermissions ?? null) as never, requiredCurrencies: (requiredCurrencies ?? null) as never },
    { headers },
  );
  if (!res.data) throw new Error(JSON.stringify(res));
  return res.data.verifyKey;
}

describe('verifyKey', () => {
  it('answers VALID with what the key may do, for a partner key of its own organization', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'ORDERS_READ'], allowedIps: ['10.0.0.0/8'] });
    expect(await verify(partner(org.secret), key.secret, '10.1.2.3', ['ORDERS_READ'])).toMatchObject({
      valid: true,
      code: 'VALID',
      keyId: key.keyId,
      kind: 'PARTNER',
      environment: 'TEST',
      permissions: ['KEYS_READ', 'ORDERS_READ'],
      ref: null,
      expiresAt: null,
    });
  });

  it('gives every refusal its code', async () => {
    const org = await newOrganization(app);
    const h = partner(org.secret);
    expect(await verify(h, 'kw_ptr_test_garbage')).toMatchObject({ valid: false, code: 'MALFORMED', keyId: null });
    expect(await verify(h, generateKey('ptr', 'test').token)).toMatchObject({ valid: false, code: 'NOT_FOUND', keyId: null });

    const revoked = await newPartnerKey(app, org.secret);
    await revokeKey(app, org.secret, revoked.id);
    expect(await verify(h, revoked.secret)).toMatchObject({ valid: false, code: 'REVOKED', keyId: revoked.keyId });

    const expiring = await newPartnerKey(app, org.secret, { expiresAt: new Date(app.clock.now().getTime() + 1000).toISOString() });
    app.clock.advance(1000);
    try {
      expect(await verify(h, expiring.secret)).toMatchObject({ valid: false, code: 'EXPIRED', keyId: expiring.keyId });
    } finally {
      app.clock.advance(-1000);
    }

    const fenced = await newPartnerKey(app, org.secret, { allowedIps: ['10.0.0.0/8'] });
    expect(await verify(h, fenced.secret, '192.0.2.1')).toMatchObject({ valid: false, code: 'IP_NOT_ALLOWED' });
    expect(await verify(h, fenced.secret)).toMatchObject({ valid: false, code: 'IP_NOT_ALLOWED' });

    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    expect(await verify(h, reader.secret, undefined, ['WITHDRAWALS_CREATE'])).toMatchObject({
      valid: false,
      code: 'INSUFFICIENT_PERMISSIONS',
      permissions: ['KEYS_READ'],
    });
  });

  it('tells the currencies a key may move, and answers CURRENCY_NOT_ALLOWED for a required one it lacks', async () => {
    const org = await newOrganization(app);
    const fiat = await newPartnerKey(app, org.secret, { permissions: ['ORDERS_CREATE'], currencies: ['FIAT'] });
    const h = partner(org.secret);
    expect(await verify(h, fiat.secret, undefined, ['ORDERS_CREATE'], ['FIAT'])).toMatchObject({ valid: true, code: 'VALID', currencies: ['FIAT'] });
    expect(await verify(h, fiat.secret, undefined, ['ORDERS_CREATE'], ['FIAT', 'CRYPTO'])).toMatchObject({
      valid: false,
      code: 'CURRENCY_NOT_ALLOWED',
      keyId: fiat.keyId,
      currencies: ['FIAT'],
    });
    // A missing permission is said first; a key that is not found has no currencies.
    expect(await verify(h, fiat.secret, undefined, ['KEYS_READ'], ['CRYPTO'])).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    expect(await verify(h, generateKey('ptr', 'test').token, undefined, [], ['FIAT'])).toMatchObject({ code: 'NOT_FOUND', currencies: [] });
    expect(await verify(h, org.secret, undefined, [], ['FIAT', 'CRYPTO'])).toMatchObject({ valid: true, currencies: ['FIAT', 'CRYPTO'] });
  });

  it('answers a session token with the currencies and recipients of the key that opened it, as they are now', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const created = await gql(
      app,
      CreateUserKey,
      {
        input: {
          connectionId: user.connectionId,
          name: 'Payouts',
          permissions: ['WITHDRAWALS_CREATE'],
          currencies: ['FIAT'],
          allowedRecipients: ['DE89370400440532013000'],
        },
      },
      { headers: partner(org.secret) },
    );
    if (created.data?.createUserKey.__typename !== 'CreateUserKeySuccess') throw new Error(JSON.stringify(created));
    const { key, secret } = created.data.createUserKey;
    const opened = await gql(
      app,
      'mutation { createSession(input: { permittedIps: ["127.0.0.1"] }) { ... on CreateSessionSuccess { token } } }',
      {},
      { headers: { 'x-api-key': secret } },
    );
    const token = (opened.data as { createSession: { token: string } }).createSession.token;
    expect(await verify(partner(org.secret), token, '127.0.0.1', [], ['CRYPTO'])).toMatchObject({
      code: 'CURRENCY_NOT_ALLOWED',
      currencies: ['FIAT'],
      allowedRecipients: ['DE89370400440532013000'],
    });
    await gql(app, UpdateUserKey, { input: { id: key.id, currencies: ['FIAT', 'CRYPTO'] } }, { headers: partner(org.secret) });
    expect(await verify(partner(org.secret), token, '127.0.0.1', [], ['CRYPTO'])).toMatchObject({ valid: true, currencies: ['FIAT', 'CRYPTO'] });
  });

  it('says ORG_INACTIVE to the operator for a key of an inactive organization', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret);
    await gql(app, UpdateOrganization, { input: { id: org.organizationId, status: 'INACTIVE' } }, { headers: admin(app) });
    expect(await verify(admin(app), key.secret)).toMatchObject({ valid: false, code: 'ORG_INACTIVE', keyId: key.keyId });
  });

  it("answers another organization's or environment's key NOT_FOUND, whatever its state", async () => {
    const org = await newOrganization(app);
    const stranger = await newOrganization(app);
    const theirs = await newPartnerKey(app, stranger.secret);
    expect(await verify(partner(org.secret), theirs.secret)).toMatchObject({ valid: false, code: 'NOT_FOUND', keyId: null, permissions: [] });
    await revokeKey(app, stranger.secret, theirs.id);
    expect(await verify(partner(org.secret), theirs.secret)).toMatchObject({ code: 'NOT_FOUND', keyId: null });
    const live = await app.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: org.organizationUuid, environment: 'LIVE', name: 'Live', permissions: ['KEYS_READ'] },
    );
    expect(await verify(partner(org.secret), live.secret)).toMatchObject({ code: 'NOT_FOUND' });
    // The operator sees every key.
    expect(await verify(admin(app), live.secret)).toMatchObject({ valid: true, environment: 'LIVE' });
  });

  it("tells a user key's ref and recipients", async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org, { ref: 'client-7' });
    expect(await verify(partner(org.secret), user.apiKey!, undefined, ['ORDERS_CREATE'])).toMatchObject({
      valid: true,
      kind: 'USER',
      ref: 'client-7',
      allowedRecipients: [],
    });
  });

  it('needs a credential (401) and refuses user keys and keys without KEYS_READ (403)', async () => {
    const org = await newOrganization(app);
    const res = await gql(app, VerifyKey, { key: org.secret });
    expect(res.status).toBe(401);
    const user = await connectedUser(app, org);
    const byUser = await gql(app, VerifyKey, { key: org.secret }, { headers: { 'x-api-key': user.apiKey! } });
    expect(byUser.status).toBe(403);
    const writer = await newPartnerKey(app, org.secret, { permissions: ['CONNECTIONS_READ'] });
    expect((await gql(app, VerifyKey, { key: org.secret }, { headers: partner(writer.secret) })).status).toBe(403);
  });

  it('rejects an unknown permission name as a GraphQL validation error', async () => {
    const org = await newOrganization(app);
    const res = await gql(app, 'query { verifyKey(key: "x", requiredPermissions: [NOPE]) { code } }', undefined, { headers: partner(org.secret) });
    expect(res.errors?.[0]?.message).toMatch(/NOPE/);
  });
});
