// The authorization model (issue 12): the findings an attacker inside a tenant made, each
// reproduced as it was seen, and the rules that close them (src/domain/access/).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { encodeCursor } from '../../src/domain/events/event-log.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Permission } from '../../src/generated/prisma/enums.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, firstSseResult, gql, partner, type GraphQLResponse } from '../helpers/client.ts';
import { connectedUser } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey } from '../helpers/fixtures.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

const ROTATE_PARTNER = `mutation ($i: RotatePartnerKeyInput!) { rotatePartnerKey(input: $i) {
  __typename ... on RotatePartnerKeySuccess { secret key { keyId permissions } } ... on Error { code } } }`;
const ROTATE_USER = `mutation ($i: RotateUserKeyInput!) { rotateUserKey(input: $i) {
  __typename ... on RotateUserKeySuccess { secret key { keyId permissions } } ... on Error { code } } }`;
const UPDATE_USER = `mutation ($i: UpdateUserKeyInput!) { updateUserKey(input: $i) {
  __typename ... on UpdateUserKeySuccess { key { allowedRecipients } } ... on Error { code } } }`;
const UPDATE_PARTNER = `mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) {
  __typename ... on UpdatePartnerKeySuccess { key { permissions allowedIps } } ... on Error { code } } }`;
const CREATE_PARTNER = `mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) {
  __typename ... on CreatePartnerKeySuccess { secret key { id keyId permissions allowedIps expiresAt rateLimitRequests } } ... on Error { code } } }`;
const CREATE_USER = `mutation ($i: CreateUserKeyInput!) { createUserKey(input: $i) {
  __typename ... on CreateUserKeySuccess { secret key { id keyId } } ... on Error { code } } }`;
const REVOKE_PARTNER = `mutation ($i: RevokePartnerKeyInput!) { revokePartnerKey(input: $i) { __typename ... on Error { code } } }`;
const KEY = `query ($id: ID!) { node(id: $id) { ... on ApiKey { keyId permissions allowedRecipients revokedAt expiresAt } } }`;
const CREATE_SESSION = `mutation { createSession(input: { permittedIps: ["127.0.0.1"] }) { ... on CreateSessionSuccess { token session { id } } } }`;

const IBAN = 'DE89370400440532013000';
const ATTACKER_IBAN = 'GB82WEST12345698765432';

function expectForbidden(res: GraphQLResponse<unknown>) {
  expect(res.status).toBe(403);
  expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(res.data ?? null).toBeNull();
}

async function node(secret: string, id: string) {
  return gql(app, KEY, { id }, { headers: partner(secret) });
}

async function userKey(org: { secret: string }, connectionId: string, input: { permissions: Permission[]; allowedRecipients?: string[] }) {
  const res = await gql(app, CREATE_USER, { i: { connectionId, name: 'Withdrawals', ...input } }, { headers: partner(org.secret) });
  const payload = (res.data as { createUserKey: { key: { id: string; keyId: string }; secret: string } }).createUserKey;
  if (!payload.key) throw new Error(JSON.stringify(res));
  return payload;
}

describe('finding 1: no escalation by rotation or update', () => {
  it('a KEYS_READ+KEYS_WRITE key cannot rotate a stronger partner key (with a grace period or without)', async () => {
    const org = await newOrganization(app);
    const weak = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    const strong = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE', 'WEBHOOKS_WRITE', 'CONNECTIONS_WRITE'] });
    for (const gracePeriodSeconds of [3600, 0]) {
      const res = await gql(app, ROTATE_PARTNER, { i: { id: strong.id, gracePeriodSeconds } }, { headers: partner(weak.secret) });
      expectForbidden(res);
      expect(JSON.stringify(res)).not.toContain('kw_ptr_');
    }
    // Nothing happened: the strong key is untouched, no successor exists, no slot was taken.
    const after = (await node(org.secret, strong.id)).data as { node: { revokedAt: string | null; expiresAt: string | null } };
    expect(after.node).toMatchObject({ revokedAt: null, expiresAt: null });
    const list = await gql(app, '{ partnerKeys(includeInactive: true) { edges { node { keyId } } } }', {}, { headers: partner(org.secret) });
    expect((list.data as { partnerKeys: { edges: unknown[] } }).partnerKeys.edges).toHaveLength(3);
    // Nor the organization's first key, which has every permission.
    const first = await gql(app, ROTATE_PARTNER, { i: { id: org.keyGlobalId, gracePeriodSeconds: 60 } }, { headers: partner(weak.secret) });
    expectForbidden(first);
    // Each attempt is in the organization's audit trail, by the key that tried.
    const denied = await app.services.prisma.auditEvent.findMany({ where: { organizationId: org.organizationUuid, action: 'api_key.access_denied' } });
    expect(denied).toHaveLength(3);
    expect(denied.every((row) => row.actorKeyId === weak.keyId && (row.details as { refused?: string }).refused === 'beyond reach')).toBe(true);
  });

  it('a key can still rotate a key within its reach, and the successor is never stronger than the key that asked', async () => {
    const org = await newOrganization(app);
    const writer = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const res = await gql(app, ROTATE_PARTNER, { i: { id: reader.id } }, { headers: partner(writer.secret) });
    expect(res.data).toMatchObject({ rotatePartnerKey: { __typename: 'RotatePartnerKeySuccess', key: { permissions: ['KEYS_READ'] } } });
  });

  it('rotateUserKey by a weak key cannot hand out a WITHDRAWALS_CREATE user key', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const withdrawals = await userKey(org, user.connectionId, { permissions: ['WITHDRAWALS_CREATE'], allowedRecipients: [IBAN] });
    const weak = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    const res = await gql(app, ROTATE_USER, { i: { id: withdrawals.key.id, gracePeriodSeconds: 3600 } }, { headers: partner(weak.secret) });
    expectForbidden(res);
    expect(JSON.stringify(res)).not.toContain('kw_usr_');
    // The organization's full key may.
    const full = await gql(app, ROTATE_USER, { i: { id: withdrawals.key.id } }, { headers: partner(org.secret) });
    expect(full.data).toMatchObject({ rotateUserKey: { __typename: 'RotateUserKeySuccess', key: { permissions: ['WITHDRAWALS_CREATE'] } } });
  });

  it("updateUserKey by a weak key can neither redirect a withdrawal key's recipients nor clear them to any", async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const withdrawals = await userKey(org, user.connectionId, { permissions: ['WITHDRAWALS_CREATE'], allowedRecipients: [IBAN] });
    const weak = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    for (const allowedRecipients of [[ATTACKER_IBAN], []]) {
      expectForbidden(await gql(app, UPDATE_USER, { i: { id: withdrawals.key.id, allowedRecipients } }, { headers: partner(weak.secret) }));
    }
    // Not even the name: the key is beyond its reach altogether.
    expectForbidden(await gql(app, UPDATE_USER, { i: { id: withdrawals.key.id, name: 'Renamed' } }, { headers: partner(weak.secret) }));
    const stored = (await node(org.secret, withdrawals.key.id)).data as { node: { allowedRecipients: string[] } };
    expect(stored.node.allowedRecipients).toEqual([IBAN]);
  });

  it('a change may only narrow past what the acting key has: permissions, IPs, recipients, rate limit', async () => {
    const org = await newOrganization(app);
    const admin = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE', 'LOGS_READ'], allowedIps: ['198.51.100.0/24'] });
    const target = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'], allowedIps: ['198.51.100.7'] });
    const as = { headers: partner(admin.secret), ip: '198.51.100.1' };
    expectForbidden(await gql(app, UPDATE_PARTNER, { i: { id: target.id, permissions: ['KEYS_READ', 'WEBHOOKS_WRITE'] } }, as));
    expectForbidden(await gql(app, UPDATE_PARTNER, { i: { id: target.id, allowedIps: [] } }, as));
    expectForbidden(await gql(app, UPDATE_PARTNER, { i: { id: target.id, allowedIps: ['198.51.0.0/16'] } }, as));
    expectForbidden(await gql(app, UPDATE_PARTNER, { i: { id: target.id, rateLimitRequests: 1001 } }, as));
    // Within its own: allowed.
    const narrowed = await gql(app, UPDATE_PARTNER, { i: { id: target.id, permissions: ['KEYS_READ', 'LOGS_READ'], allowedIps: ['198.51.100.0/25'] } }, as);
    expect(narrowed.data).toMatchObject({ updatePartnerKey: { key: { permissions: ['KEYS_READ', 'LOGS_READ'], allowedIps: ['198.51.100.0/25'] } } });
    // Creating: never a key reachable from more addresses than its own.
    expectForbidden(await gql(app, CREATE_PARTNER, { i: { name: 'Anywhere', permissions: ['KEYS_READ'] } }, as));
    const inside = await gql(app, CREATE_PARTNER, { i: { name: 'Inside', permissions: ['KEYS_READ'], allowedIps: ['198.51.100.9'] } }, as);
    expect(inside.data).toMatchObject({ createPartnerKey: { __typename: 'CreatePartnerKeySuccess' } });
  });

  it('an expiring key never makes a key that outlives it, and a key with its own lower limit passes it on', async () => {
    const org = await newOrganization(app);
    const expiresAt = new Date(app.clock.now().getTime() + 3_600_000).toISOString();
    const temp = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'], expiresAt });
    const later = new Date(app.clock.now().getTime() + 7_200_000).toISOString();
    expectForbidden(await gql(app, CREATE_PARTNER, { i: { name: 'Later', permissions: ['KEYS_READ'], expiresAt: later } }, { headers: partner(temp.secret) }));
    const inherited = await gql(app, CREATE_PARTNER, { i: { name: 'Default', permissions: ['KEYS_READ'] } }, { headers: partner(temp.secret) });
    expect(inherited.data).toMatchObject({ createPartnerKey: { key: { expiresAt } } });
    const limited = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    await gql(app, UPDATE_PARTNER, { i: { id: limited.id, rateLimitRequests: 10 } }, { headers: partner(org.secret) });
    const child = await gql(app, CREATE_PARTNER, { i: { name: 'Child', permissions: ['KEYS_READ'] } }, { headers: partner(limited.secret) });
    expect(child.data).toMatchObject({ createPartnerKey: { key: { rateLimitRequests: 10 } } });
  });

  it('a session acts as its key: a session of a weak key is refused the same way', async () => {
    const org = await newOrganization(app);
    const weak = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    const session = (await gql(app, CREATE_SESSION, {}, { headers: partner(weak.secret) })).data as { createSession: { token: string } };
    const res = await gql(app, ROTATE_PARTNER, { i: { id: org.keyGlobalId, gracePeriodSeconds: 60 } }, { headers: bearer(session.createSession.token) });
    expectForbidden(res);
  });

  it('a weak key cannot revoke a stronger key either', async () => {
    const org = await newOrganization(app);
    const weak = await newPartnerKey(app, org.secret, { permissions: ['KEYS_WRITE'] });
    expectForbidden(await gql(app, REVOKE_PARTNER, { i: { id: org.keyGlobalId } }, { headers: partner(weak.secret) }));
    const peer = await newPartnerKey(app, org.secret, { permissions: ['KEYS_WRITE'] });
    const revoked = await gql(app, REVOKE_PARTNER, { i: { id: peer.id } }, { headers: partner(weak.secret) });
    expect(revoked.data).toMatchObject({ revokePartnerKey: { __typename: 'RevokePartnerKeySuccess' } });
  });
});

describe('finding 2: node() and nested fields follow the read rule of their type', () => {
  const NODE = `query ($id: ID!) { node(id: $id) { __typename id
    ... on Connection { email depositIban depositAddress keys { edges { node { keyId permissions } } } }
    ... on ApiKey { keyId permissions }
    ... on WebhookEndpoint { url }
    ... on WebhookDelivery { url endpoint { url } } } }`;

  async function world() {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org, { direction: 'SELL', iban: IBAN });
    const endpoint = await gql(
      app,
      `mutation { createWebhookEndpoint(input: { url: "https://hooks.example.com/kw", eventTypes: [API_KEY_CREATED] }) {
      ... on CreateWebhookEndpointSuccess { endpoint { id } } } }`,
      {},
      { headers: partner(org.secret) },
    );
    const endpointId = (endpoint.data as { createWebhookEndpoint: { endpoint: { id: string } } }).createWebhookEndpoint.endpoint.id;
    return { org, user, endpointId };
  }

  it('a LOGS_READ-only key reads nothing through node() with ids taken from auditEvents: null, no error', async () => {
    const { org, user, endpointId } = await world();
    const logs = await newPartnerKey(app, org.secret, { permissions: ['LOGS_READ'] });
    const forbidden = await gql(app, '{ connections { edges { node { id } } } }', {}, { headers: partner(logs.secret) });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const audit = await gql(app, '{ auditEvents(first: 100) { edges { node { targetType targetId } } } }', {}, { headers: partner(logs.secret) });
    const targets = (audit.data as { auditEvents: { edges: { node: { targetType: string; targetId: string } }[] } }).auditEvents.edges.map((e) => e.node);
    const connectionTarget = targets.find((t) => t.targetType === 'connection')!;
    const webhookTarget = targets.find((t) => t.targetType === 'webhook_endpoint')!;
    const ids = [encodeGlobalID('Connection', connectionTarget.targetId), encodeGlobalID('WebhookEndpoint', webhookTarget.targetId), org.keyGlobalId];
    expect(ids).toContain(user.connection!.id);
    expect(ids).toContain(endpointId);
    for (const id of ids) {
      const res = await gql(app, NODE, { id }, { headers: partner(logs.secret) });
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ node: null });
    }
    // The organization's full key reads them all.
    const full = await gql(app, NODE, { id: user.connection!.id }, { headers: partner(org.secret) });
    expect(full.data).toMatchObject({ node: { email: user.email.toLowerCase(), depositIban: null, depositAddress: expect.any(String) } });
  });

  it("a user key reads none of the partner's webhook endpoints or delivery attempts", async () => {
    const { org, user, endpointId } = await world();
    const res = await gql(app, NODE, { id: endpointId }, { headers: { 'x-api-key': user.apiKey! } });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ node: null });
    const partnerKey = await gql(app, NODE, { id: org.keyGlobalId }, { headers: { 'x-api-key': user.apiKey! } });
    expect(partnerKey.data).toEqual({ node: null });
  });

  it("nested fields: a connection's keys need KEYS_READ, a session's openedWith the read rule of its key", async () => {
    const { org, user } = await world();
    const reader = await newPartnerKey(app, org.secret, { permissions: ['CONNECTIONS_READ'] });
    const res = await gql(app, NODE, { id: user.connection!.id }, { headers: partner(reader.secret) });
    expect(res.data).toMatchObject({ node: { email: user.email.toLowerCase(), keys: { edges: [] } } });
    const full = await gql(app, NODE, { id: user.connection!.id }, { headers: partner(org.secret) });
    expect((full.data as { node: { keys: { edges: unknown[] } } }).node.keys.edges).toHaveLength(1);
    // A session opened by the full key: a KEYS_READ-less key sees neither the session nor what opened it.
    const session = (await gql(app, CREATE_SESSION, {}, { headers: partner(org.secret) })).data as { createSession: { session: { id: string } } };
    const OPENED = `query ($id: ID!) { node(id: $id) { ... on ApiKey { openedWith { keyId } } } }`;
    expect((await gql(app, OPENED, { id: session.createSession.session.id }, { headers: partner(reader.secret) })).data).toEqual({ node: null });
    expect((await gql(app, OPENED, { id: session.createSession.session.id }, { headers: partner(org.secret) })).data).toEqual({
      node: { openedWith: { keyId: org.keyId } },
    });
  });

  it('subscriptions (SSE): events show their objects under the same rules', async () => {
    const { org, user } = await world();
    const reader = await newPartnerKey(app, org.secret, { permissions: ['CONNECTIONS_READ'] });
    const events = `subscription ($after: String) { connectionEvents(after: $after) { connection { id email keys { edges { node { keyId } } } } } }`;
    const first = await firstSseResult(app, events, { after: encodeCursor(0n) }, partner(reader.secret));
    expect(first.errors).toBeUndefined();
    expect(first.data).toMatchObject({ connectionEvents: { connection: { id: user.connection!.id, keys: { edges: [] } } } });
    // A key without CONNECTIONS_READ is refused the subscription outright.
    const keysOnly = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const refused = await firstSseResult(app, events, { after: encodeCursor(0n) }, partner(keysOnly.secret));
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Key events: a KEYS_READ key sees the keys, and a session's openedWith; the connection of a user key's event is not its to read.
    const keyEvents = `subscription ($after: String) { apiKeyEvents(after: $after) { key { keyId openedWith { keyId } } } }`;
    const keyEvent = await firstSseResult(app, keyEvents, { after: encodeCursor(0n) }, partner(keysOnly.secret));
    expect(keyEvent.errors).toBeUndefined();
    expect(keyEvent.data).toMatchObject({ apiKeyEvents: { key: { keyId: org.keyId, openedWith: null } } });
  });
});

describe('currencies (issue 14): a key reaches only the money it may move', () => {
  async function fiatWriter(org: { secret: string }) {
    return newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'], currencies: ['FIAT'] });
  }

  it('a FIAT-only key cannot create a key that may move CRYPTO (named or by default); a FIAT key it may', async () => {
    const org = await newOrganization(app);
    const fiat = await fiatWriter(org);
    const as = { headers: partner(fiat.secret) };
    for (const currencies of [['CRYPTO'], ['FIAT', 'CRYPTO'], undefined]) {
      const res = await gql(app, CREATE_PARTNER, { i: { name: 'Crypto', permissions: ['KEYS_READ'], ...(currencies && { currencies }) } }, as);
      expectForbidden(res);
      expect(res.errors?.[0]?.message).toContain('currencies it does not hold (CRYPTO)');
    }
    const user = await connectedUser(app, org);
    expectForbidden(
      await gql(app, CREATE_USER, { i: { connectionId: user.connectionId, name: 'Crypto', permissions: ['KEYS_READ'], currencies: ['CRYPTO'] } }, as),
    );
    const ok = await gql(app, CREATE_PARTNER, { i: { name: 'Fiat', permissions: ['KEYS_READ'], currencies: ['FIAT'] } }, as);
    expect(ok.data).toMatchObject({ createPartnerKey: { __typename: 'CreatePartnerKeySuccess' } });
  });

  it('a FIAT-only key cannot rotate, update or revoke a key that may move CRYPTO, nor widen a FIAT key; each attempt is audited', async () => {
    const org = await newOrganization(app);
    const fiat = await fiatWriter(org);
    const crypto = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'], currencies: ['CRYPTO'] });
    const fiatReader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'], currencies: ['FIAT'] });
    const as = { headers: partner(fiat.secret) };
    expectForbidden(await gql(app, ROTATE_PARTNER, { i: { id: crypto.id, gracePeriodSeconds: 60 } }, as));
    expectForbidden(await gql(app, UPDATE_PARTNER, { i: { id: crypto.id, name: 'Renamed' } }, as));
    expectForbidden(await gql(app, REVOKE_PARTNER, { i: { id: crypto.id } }, as));
    expectForbidden(await gql(app, UPDATE_PARTNER, { i: { id: fiatReader.id, currencies: ['FIAT', 'CRYPTO'] } }, as));
    for (const [key, currencies] of [
      [crypto, ['CRYPTO']],
      [fiatReader, ['FIAT']],
    ] as const) {
      expect(await app.services.prisma.apiKey.findFirstOrThrow({ where: { keyId: key.keyId } })).toMatchObject({
        currencies,
        revokedAt: null,
        successorId: null,
      });
    }
    const denied = await app.services.prisma.auditEvent.findMany({
      where: { organizationId: org.organizationUuid, action: 'api_key.access_denied' },
      orderBy: { seq: 'asc' },
    });
    expect(
      denied.map((row) => [row.actorKeyId, (row.details as { attempted: string; refused: string }).attempted, (row.details as { refused: string }).refused]),
    ).toEqual([
      [fiat.keyId, 'rotate', 'beyond reach'],
      [fiat.keyId, 'update', 'beyond reach'],
      [fiat.keyId, 'revoke', 'beyond reach'],
      [fiat.keyId, 'update', 'beyond reach'],
    ]);
    // A key within its currencies it may still rotate.
    expect((await gql(app, ROTATE_PARTNER, { i: { id: fiatReader.id } }, as)).data).toMatchObject({
      rotatePartnerKey: { __typename: 'RotatePartnerKeySuccess' },
    });
  });

  it('narrowing currencies is always allowed; widening needs the whole reach (here: an expiring key)', async () => {
    const org = await newOrganization(app);
    const expiresAt = new Date(app.clock.now().getTime() + 3_600_000).toISOString();
    const temp = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'], expiresAt });
    const target = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const as = { headers: partner(temp.secret) };
    const narrowed = await gql(app, UPDATE_PARTNER, { i: { id: target.id, currencies: ['FIAT'] } }, as);
    expect(narrowed.data).toMatchObject({ updatePartnerKey: { __typename: 'UpdatePartnerKeySuccess' } });
    // Back to both would widen a key that never expires by a key that does.
    expectForbidden(await gql(app, UPDATE_PARTNER, { i: { id: target.id, currencies: ['FIAT', 'CRYPTO'] } }, as));
    const stored = await app.services.prisma.apiKey.findFirstOrThrow({ where: { keyId: target.keyId } });
    expect(stored.currencies).toEqual(['FIAT']);
  });

  it("a session acts with its key's currencies, as they are now", async () => {
    const org = await newOrganization(app);
    const writer = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    const session = (await gql(app, CREATE_SESSION, {}, { headers: partner(writer.secret) })).data as { createSession: { token: string } };
    const as = { headers: bearer(session.createSession.token) };
    const before = await gql(app, CREATE_PARTNER, { i: { name: 'Crypto', permissions: ['KEYS_READ'], currencies: ['CRYPTO'] } }, as);
    expect(before.data).toMatchObject({ createPartnerKey: { __typename: 'CreatePartnerKeySuccess' } });
    await gql(app, UPDATE_PARTNER, { i: { id: writer.id, currencies: ['FIAT'] } }, { headers: partner(org.secret) });
    expectForbidden(await gql(app, CREATE_PARTNER, { i: { name: 'Crypto 2', permissions: ['KEYS_READ'], currencies: ['CRYPTO'] } }, as));
  });
});
