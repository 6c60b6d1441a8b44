import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { connectedUser, newEmail } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey, setLiveAccess } from '../helpers/fixtures.ts';
import { expectNotFoundPayload, securityBlock } from '../helpers/security.ts';
import {
  ConnectionQuery,
  ConnectionStatusQuery,
  ConnectUser,
  CreateUserKey,
  RevokeAllUserKeys,
  RevokeUserKey,
  RotateUserKey,
  UpdateUserKey,
  UserViewer,
} from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
const getApp = () => app;
const userHeaders = (secret: string) => ({ 'x-api-key': secret });
const IBAN = 'DE89370400440532013000';
const BTC = 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx';

async function createUserKey(secret: string, input: Record<string, unknown>) {
  const res = await gql(app, CreateUserKey, { input: { name: 'Trading bot', permissions: ['ORDERS_READ'], ...input } as never }, { headers: partner(secret) });
  return res.data!.createUserKey;
}

describe('createUserKey', () => {
  it('issues a key that acts for the user, with normalized recipients', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const created = await createUserKey(org.secret, {
      connectionId: user.connectionId,
      permissions: ['ORDERS_CREATE', 'WITHDRAWALS_CREATE'],
      allowedIps: ['198.51.100.0/24'],
      allowedRecipients: ['de89 3704 0044 0532 0130 00', 'TB1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KXPJZSX'],
    });
    if (created.__typename !== 'CreateUserKeySuccess') throw new Error(JSON.stringify(created));
    expect(created.secret).toMatch(/^kw_usr_test_[0-9A-Za-z]{8}_[0-9A-Za-z]{38}$/);
    expect(created.key).toMatchObject({
      kind: 'USER',
      permissions: ['ORDERS_CREATE', 'WITHDRAWALS_CREATE'],
      currencies: ['FIAT', 'CRYPTO'],
      allowedRecipients: ['DE89370400440532013000', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'],
      active: true,
    });
    const viewer = await gql(app, UserViewer, {}, { headers: userHeaders(created.secret), ip: '198.51.100.7' });
    // Without CONNECTIONS_READ the key reads no connection, not even its own (the read rule of Connection).
    expect(viewer.data!.viewer).toMatchObject({ kind: 'USER', connection: null });
    const keys = await gql(app, ConnectionQuery, { lookup: { id: user.connectionId } }, { headers: partner(org.secret) });
    expect(keys.data!.connection!.keys.edges.map((e) => e.node.keyId)).toContain(created.key.keyId);
    // The recoverable key stays the connection's first one.
    const status = await gql(app, ConnectionStatusQuery, { email: user.email }, { headers: partner(org.secret) });
    expect(status.data!.connectionStatus.apiKey).toBe(user.apiKey);
  });

  it('refuses invalid recipients, a connection that is not CONNECTED, and unknown connections', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const bad = await createUserKey(org.secret, { connectionId: user.connectionId, allowedRecipients: ['DE89370400440532013001', 'not-an-address'] });
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED' });
    if (bad.__typename !== 'ValidationError') throw new Error('expected ValidationError');
    expect(bad.fields.map((f) => f.path.join('.'))).toEqual(['allowedRecipients.0', 'allowedRecipients.1']);

    const pending = await gql(app, ConnectUser, { input: { email: newEmail() } }, { headers: partner(org.secret) });
    if (pending.data!.connectUser.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    expect(await createUserKey(org.secret, { connectionId: pending.data!.connectUser.connection.id })).toMatchObject({ code: 'INVALID_STATE' });
    expect(await createUserKey(org.secret, { connectionId: 'nope' })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses recipients its currencies do not cover, each at its index in the request (IBAN needs FIAT, Bitcoin address CRYPTO)', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const fiat = await createUserKey(org.secret, {
      connectionId: user.connectionId,
      currencies: ['FIAT'],
      allowedRecipients: [IBAN, 'de89 3704 0044 0532 0130 00', BTC],
    });
    if (fiat.__typename !== 'ValidationError') throw new Error(JSON.stringify(fiat));
    expect(fiat.fields).toEqual([{ path: ['allowedRecipients', '2'], message: "A Bitcoin address needs CRYPTO among the key's currencies" }]);
    const crypto = await createUserKey(org.secret, { connectionId: user.connectionId, currencies: ['CRYPTO'], allowedRecipients: [BTC, IBAN] });
    expect(crypto).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: ['allowedRecipients', '1'], message: "An IBAN needs FIAT among the key's currencies" }],
    });
    // What fits is issued.
    expect(await createUserKey(org.secret, { connectionId: user.connectionId, currencies: ['CRYPTO'], allowedRecipients: [BTC] })).toMatchObject({
      key: { currencies: ['CRYPTO'], allowedRecipients: [BTC] },
    });
  });

  it('allows at most 20 active keys per connection, also under concurrency', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => createUserKey(org.secret, { connectionId: user.connectionId, name: `Racer ${i}` })));
    expect(results.filter((r) => r.__typename === 'CreateUserKeySuccess')).toHaveLength(19);
    expect(results.filter((r) => r.__typename === 'KeyLimitReachedError')).toHaveLength(11);
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        const user = await connectedUser(a, owner);
        return {
          owner,
          call: (headers) => gql(a, CreateUserKey, { input: { connectionId: user.connectionId, name: 'Probe', permissions: ['ORDERS_READ'] } }, { headers }),
        };
      },
      { requires: 'KEYS_WRITE', otherOrganization: expectNotFoundPayload('createUserKey') },
    );

    it('refuses a user key (403): partners manage user keys', async () => {
      const org = await newOrganization(app);
      const user = await connectedUser(app, org);
      const res = await gql(
        app,
        CreateUserKey,
        { input: { connectionId: user.connectionId, name: 'Self-made', permissions: ['ORDERS_READ'] } },
        { headers: userHeaders(user.apiKey!) },
      );
      expect(res.status).toBe(403);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});

describe('updateUserKey, rotateUserKey, revokeUserKey, revokeAllUserKeys', () => {
  it('updates recipients and permissions; rotating the recoverable key makes its successor the recoverable one', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const keyId = (
      await app.database.prisma.apiKey.findFirstOrThrow({
        where: { connection: { id: (await import('@pothos/plugin-relay')).decodeGlobalID(user.connectionId).id } },
      })
    ).id;
    const globalId = Buffer.from(`ApiKey:${keyId}`).toString('base64');

    const updated = await gql(
      app,
      UpdateUserKey,
      { input: { id: globalId, allowedRecipients: ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'], permissions: ['ORDERS_READ'], currencies: ['CRYPTO'] } },
      { headers: partner(org.secret) },
    );
    expect(updated.data!.updateUserKey).toMatchObject({
      key: { permissions: ['ORDERS_READ'], currencies: ['CRYPTO'], allowedRecipients: ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'] },
    });
    const viewer = await gql(app, UserViewer, {}, { headers: userHeaders(user.apiKey!) });
    expect(viewer.data!.viewer.permissions).toEqual(['ORDERS_READ']);

    const rotated = await gql(app, RotateUserKey, { input: { id: globalId } }, { headers: partner(org.secret) });
    if (rotated.data!.rotateUserKey.__typename !== 'RotateUserKeySuccess') throw new Error(JSON.stringify(rotated));
    const successor = rotated.data!.rotateUserKey.secret;
    expect(successor).toMatch(/^kw_usr_test_/);
    expect(rotated.data!.rotateUserKey.key).toMatchObject({ currencies: ['CRYPTO'], allowedRecipients: ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'] });
    expect((await gql(app, UserViewer, {}, { headers: userHeaders(user.apiKey!) })).status).toBe(401);
    expect((await gql(app, UserViewer, {}, { headers: userHeaders(successor) })).status).toBe(200);
    const status = await gql(app, ConnectionStatusQuery, { email: user.email }, { headers: partner(org.secret) });
    expect(status.data!.connectionStatus.apiKey).toBe(successor);

    const revoked = await gql(app, RevokeUserKey, { input: { id: rotated.data!.rotateUserKey.key.id } }, { headers: partner(org.secret) });
    expect(revoked.data!.revokeUserKey).toMatchObject({ key: { active: false } });
    expect((await gql(app, UserViewer, {}, { headers: userHeaders(successor) })).status).toBe(401);
    const again = await gql(app, RevokeUserKey, { input: { id: rotated.data!.rotateUserKey.key.id } }, { headers: partner(org.secret) });
    expect(again.data!.revokeUserKey).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('keeps recipients and currencies fitting: a change of either alone is checked against the other, and nothing is written', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const created = await createUserKey(org.secret, { connectionId: user.connectionId, allowedRecipients: [IBAN, BTC] });
    if (created.__typename !== 'CreateUserKeySuccess') throw new Error(JSON.stringify(created));
    const update = async (input: Record<string, unknown>) =>
      (await gql(app, UpdateUserKey, { input: { id: created.key.id, ...input } as never }, { headers: partner(org.secret) })).data!.updateUserKey;
    // Only currencies: the key's own recipients must still fit (the path is the entry in the key's list).
    expect(await update({ currencies: ['CRYPTO'] })).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: ['allowedRecipients', '0'], message: "An IBAN needs FIAT among the key's currencies" }],
    });
    // Both together: what fits is written.
    expect(await update({ currencies: ['CRYPTO'], allowedRecipients: [BTC] })).toMatchObject({ key: { currencies: ['CRYPTO'], allowedRecipients: [BTC] } });
    // Only recipients: they must fit the key's currencies.
    expect(await update({ allowedRecipients: [BTC, IBAN] })).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: ['allowedRecipients', '1'] }] });
    // Recipients cleared to any: fits every currency.
    expect(await update({ allowedRecipients: [], currencies: ['FIAT'] })).toMatchObject({ key: { currencies: ['FIAT'], allowedRecipients: [] } });
    const stored = await app.services.prisma.apiKey.findFirstOrThrow({ where: { keyId: created.key.keyId } });
    expect(stored).toMatchObject({ currencies: ['FIAT'], allowedRecipients: [] });
    // Only the two accepted updates were written.
    expect(await app.services.prisma.auditEvent.count({ where: { action: 'api_key.updated', targetId: created.key.keyId } })).toBe(2);
  });

  it('revokes every key of a connection at once; the connection stays CONNECTED', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const extra = await createUserKey(org.secret, { connectionId: user.connectionId });
    if (extra.__typename !== 'CreateUserKeySuccess') throw new Error('create failed');
    const res = await gql(app, RevokeAllUserKeys, { input: { connectionId: user.connectionId } }, { headers: partner(org.secret) });
    expect(res.data!.revokeAllUserKeys).toMatchObject({ revokedCount: 2, connection: { status: 'CONNECTED' } });
    for (const secret of [user.apiKey!, extra.secret]) expect((await gql(app, UserViewer, {}, { headers: userHeaders(secret) })).status).toBe(401);
    // New keys can be made again.
    expect((await createUserKey(org.secret, { connectionId: user.connectionId })).__typename).toBe('CreateUserKeySuccess');
  });

  it('once the operator closes LIVE again: LIVE user keys keep working and can be revoked, but no LIVE user key is created or rotated (LIVE_ACCESS_PENDING)', async () => {
    const org = await newOrganization(app, { environment: 'LIVE', liveAccess: 'ENABLED' });
    const user = await connectedUser(app, org);
    expect(user.apiKey).toMatch(/^kw_usr_live_/);
    const extra = await createUserKey(org.secret, { connectionId: user.connectionId });
    if (extra.__typename !== 'CreateUserKeySuccess') throw new Error(JSON.stringify(extra));

    await setLiveAccess(app, org.organizationId, 'PENDING');
    const keysBefore = await app.database.prisma.apiKey.count({ where: { organizationId: org.organizationUuid } });
    expect(await createUserKey(org.secret, { connectionId: user.connectionId })).toMatchObject({
      __typename: 'LiveAccessPendingError',
      code: 'LIVE_ACCESS_PENDING',
    });
    const rotated = await gql(app, RotateUserKey, { input: { id: extra.key.id } }, { headers: partner(org.secret) });
    expect(rotated.data!.rotateUserKey).toMatchObject({ __typename: 'LiveAccessPendingError', code: 'LIVE_ACCESS_PENDING' });
    expect(await app.database.prisma.apiKey.count({ where: { organizationId: org.organizationUuid } })).toBe(keysBefore);

    // What exists keeps working: the user keys authenticate, the partner may still revoke.
    expect((await gql(app, UserViewer, {}, { headers: userHeaders(user.apiKey!) })).data!.viewer).toMatchObject({ kind: 'USER', environment: 'LIVE' });
    expect((await gql(app, UserViewer, {}, { headers: userHeaders(extra.secret) })).status).toBe(200);
    const revoked = await gql(app, RevokeUserKey, { input: { id: extra.key.id } }, { headers: partner(org.secret) });
    expect(revoked.data!.revokeUserKey).toMatchObject({ key: { active: false } });
  });

  it("never reaches another organization's user keys or connections", async () => {
    const owner = await newOrganization(app);
    const user = await connectedUser(app, owner);
    const extra = await createUserKey(owner.secret, { connectionId: user.connectionId });
    if (extra.__typename !== 'CreateUserKeySuccess') throw new Error('create failed');
    const stranger = await newOrganization(app);
    const headers = partner(stranger.secret);
    expect((await gql(app, RevokeUserKey, { input: { id: extra.key.id } }, { headers })).data!.revokeUserKey).toMatchObject({ code: 'NOT_FOUND' });
    expect((await gql(app, RotateUserKey, { input: { id: extra.key.id } }, { headers })).data!.rotateUserKey).toMatchObject({ code: 'NOT_FOUND' });
    expect((await gql(app, UpdateUserKey, { input: { id: extra.key.id, name: 'Mine now' } }, { headers })).data!.updateUserKey).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await gql(app, RevokeAllUserKeys, { input: { connectionId: user.connectionId } }, { headers })).data!.revokeAllUserKeys).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await gql(app, UserViewer, {}, { headers: userHeaders(extra.secret) })).status).toBe(200);
    // A partner key cannot be managed as a user key, nor the reverse.
    const partnerKey = await newPartnerKey(app, owner.secret);
    expect((await gql(app, RevokeUserKey, { input: { id: partnerKey.id } }, { headers: partner(owner.secret) })).data!.revokeUserKey).toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
