// Sessions (issue 6): a partner or user key exchanged for an IP-bound session token that acts
// with the key's permissions, slides its idle expiry, and ends with the key.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, bearer, gql, partner } from '../helpers/client.ts';
import { connectedUser } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey, revokeKey } from '../helpers/fixtures.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

const DEVICE = '198.51.100.10';
const CREATE = `mutation ($i: CreateSessionInput!) { createSession(input: $i) {
  __typename ... on CreateSessionSuccess { token expiresAt session { id keyId kind allowedIps name } } ... on Error { code } ... on ValidationError { fields { path } } } }`;
const VIEWER = '{ viewer { kind permissions key { keyId } } }';

interface Created {
  __typename: string;
  token?: string;
  expiresAt?: string;
  session?: { id: string; keyId: string; kind: string; allowedIps: string[]; name: string };
  code?: string;
}

async function createSession(headers: Record<string, string>, input: Record<string, unknown> = {}, ip = DEVICE): Promise<Created> {
  const res = await gql(app, CREATE, { i: input }, { headers, ip });
  if (!res.data) return { __typename: 'top-level', code: String(res.errors?.[0]?.extensions?.code) };
  return (res.data as { createSession: Created }).createSession;
}
const statusOf = async (token: string, ip = DEVICE) => (await gql(app, VIEWER, {}, { headers: bearer(token), ip })).status;

describe('sessions', () => {
  it('a partner key opens a session bound to the calling IP, acting as the key (kw_ses_, shown once)', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ', 'CONNECTIONS_READ'] });
    const created = await createSession(partner(key.secret), { description: 'Back-office browser' });
    expect(created.token).toMatch(/^kw_ses_test_[0-9A-Za-z]{8}_[0-9A-Za-z]{38}$/);
    expect(created.session).toMatchObject({ kind: 'SESSION', allowedIps: [DEVICE], name: 'Back-office browser' });
    expect(Date.parse(created.expiresAt!) - app.clock.now().getTime()).toBeGreaterThan(3_590_000);
    const viewer = await gql(app, VIEWER, {}, { headers: bearer(created.token!), ip: DEVICE });
    const seen = (viewer.data as { viewer: { kind: string; permissions: string[]; key: { keyId: string } } }).viewer;
    expect({ ...seen, permissions: [...seen.permissions].sort() }).toEqual({
      kind: 'PARTNER',
      permissions: ['CONNECTIONS_READ', 'KEYS_READ'],
      key: { keyId: created.session!.keyId },
    });
    // Only from the device's IP; only as a Bearer token.
    expect(await statusOf(created.token!, '198.51.100.11')).toBe(403);
    expect((await gql(app, VIEWER, {}, { headers: partner(created.token!), ip: DEVICE })).status).toBe(401);
    // The key's permissions, no more.
    const create = await gql(
      app,
      'mutation { createPartnerKey(input: { name: "From a session", permissions: [KEYS_READ] }) { __typename } }',
      {},
      { headers: bearer(created.token!), ip: DEVICE },
    );
    expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The token is nowhere to be read again.
    const listed = await gql(app, '{ partnerKeys(first: 50, includeInactive: true) { edges { node { keyId kind } } } }', {}, { headers: partner(org.secret) });
    expect(JSON.stringify(listed)).not.toContain(created.token!);
  });

  it('takes permittedIps instead of the calling IP, and follows the key’s permissions as they change', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const created = await createSession(partner(key.secret), { permittedIps: ['203.0.113.0/24'] });
    expect(created.session!.allowedIps).toEqual(['203.0.113.0/24']);
    expect(await statusOf(created.token!, '203.0.113.9')).toBe(200);
    expect(await statusOf(created.token!, DEVICE)).toBe(403);
    await gql(
      app,
      'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
      { i: { id: key.id, permissions: ['KEYS_READ', 'LOGS_READ'] } },
      { headers: partner(org.secret) },
    );
    const viewer = await gql(app, VIEWER, {}, { headers: bearer(created.token!), ip: '203.0.113.9' });
    expect((viewer.data as { viewer: { permissions: string[] } }).viewer.permissions.sort()).toEqual(['KEYS_READ', 'LOGS_READ']);
    expect((await createSession(partner(key.secret), { permittedIps: ['not-an-ip'] })).code).toBe('VALIDATION_FAILED');
  });

  it('slides: a request in the last 30 minutes extends it by the idle timeout; an idle one expires', async () => {
    const org = await newOrganization(app);
    const created = await createSession(partner(org.secret));
    const expiry = async () => (await app.services.prisma.apiKey.findUniqueOrThrow({ where: { keyId: created.session!.keyId } })).expiresAt!.getTime();
    const first = await expiry();
    try {
      app.clock.advance(20 * 60_000);
      expect(await statusOf(created.token!)).toBe(200);
      expect(await expiry()).toBe(first);
      app.clock.advance(20 * 60_000);
      expect(await statusOf(created.token!)).toBe(200);
      const extended = await expiry();
      expect(extended - app.clock.now().getTime()).toBeGreaterThan(3_590_000);
      app.clock.advance(61 * 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // the verification cache (1 s)
      expect(await statusOf(created.token!)).toBe(401);
    } finally {
      app.clock.reset();
    }
  });

  it('uses the organization’s auto-logout setting (operator)', async () => {
    const org = await newOrganization(app);
    const updated = await gql(
      app,
      'mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename ... on UpdateOrganizationSuccess { organization { sessionIdleTimeoutSeconds } } } }',
      { i: { id: org.organizationId, sessionIdleTimeoutSeconds: 600 } },
      { headers: admin(app) },
    );
    expect(updated.data).toMatchObject({ updateOrganization: { organization: { sessionIdleTimeoutSeconds: 600 } } });
    const created = await createSession(partner(org.secret));
    const left = Date.parse(created.expiresAt!) - app.clock.now().getTime();
    expect(left).toBeGreaterThan(590_000);
    expect(left).toBeLessThanOrEqual(600_000);
  });

  it('ends when its key is revoked or rotated away, at once', async () => {
    const org = await newOrganization(app);
    const revoked = await newPartnerKey(app, org.secret);
    const first = await createSession(partner(revoked.secret));
    expect(await statusOf(first.token!)).toBe(200);
    await revokeKey(app, org.secret, revoked.id);
    expect(await statusOf(first.token!)).toBe(401);

    const rotated = await newPartnerKey(app, org.secret);
    const second = await createSession(partner(rotated.secret));
    expect(await statusOf(second.token!)).toBe(200);
    await gql(
      app,
      'mutation ($i: RotatePartnerKeyInput!) { rotatePartnerKey(input: $i) { __typename } }',
      { i: { id: rotated.id } },
      { headers: partner(org.secret) },
    );
    expect(await statusOf(second.token!)).toBe(401);

    const graceful = await newPartnerKey(app, org.secret);
    const third = await createSession(partner(graceful.secret));
    await gql(
      app,
      'mutation ($i: RotatePartnerKeyInput!) { rotatePartnerKey(input: $i) { __typename } }',
      { i: { id: graceful.id, gracePeriodSeconds: 600 } },
      { headers: partner(org.secret) },
    );
    expect(await statusOf(third.token!)).toBe(200);
    app.clock.advance(601_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await statusOf(third.token!)).toBe(401);
    } finally {
      app.clock.reset();
    }
  });

  it('a user key’s session acts for its connection; a session cannot open another; the operator cannot open one', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const created = await createSession(bearer(user.apiKey!));
    const viewer = await gql(app, '{ viewer { kind connection { id } } }', {}, { headers: bearer(created.token!), ip: DEVICE });
    expect(viewer.data).toEqual({ viewer: { kind: 'USER', connection: { id: user.connectionId } } });
    expect((await createSession(bearer(created.token!))).code).toBe('FORBIDDEN');
    expect((await createSession(admin(app))).code).toBe('FORBIDDEN');
    expect((await createSession({})).code).toBe('UNAUTHENTICATED');
  });

  describe('listing and ending them (registered devices)', () => {
    const LIST = `query ($keyId: String, $all: Boolean) { sessions(first: 50, keyId: $keyId, includeInactive: $all) {
      edges { node { keyId kind name active openedWith { keyId } } } } }`;
    const REVOKE = `mutation ($id: ID!) { revokeSession(input: { id: $id }) {
      __typename ... on RevokeSessionSuccess { session { keyId active revokedAt } } ... on Error { code } } }`;
    interface Listed {
      keyId: string;
      kind: string;
      name: string;
      active: boolean;
      openedWith: { keyId: string } | null;
    }
    /** The sessions listed, or the code of the top-level error. */
    const list = async (headers: Record<string, string>, variables: Record<string, unknown> = {}, ip = DEVICE): Promise<Listed[] | string> => {
      const res = await gql(app, LIST, variables, { headers, ip });
      if (!res.data) return String(res.errors?.[0]?.extensions?.code);
      return (res.data as { sessions: { edges: { node: Listed }[] } }).sessions.edges.map((e) => e.node);
    };
    const names = async (headers: Record<string, string>, variables: Record<string, unknown> = {}) => {
      const listed = await list(headers, variables);
      if (typeof listed === 'string') throw new Error(`sessions refused: ${listed}`);
      return listed.map((s) => (variables.all ? [s.name, s.active] : s.name));
    };
    const revoke = async (headers: Record<string, string>, id: string, ip = DEVICE) => {
      const res = await gql(app, REVOKE, { id }, { headers, ip });
      if (!res.data) return { __typename: 'top-level', code: String(res.errors?.[0]?.extensions?.code) };
      return (res.data as { revokeSession: { __typename: string; code?: string; session?: { keyId: string; active: boolean; revokedAt: string | null } } })
        .revokeSession;
    };

    it('a session logs itself out: its token is refused at once; its sibling goes on', async () => {
      const org = await newOrganization(app);
      const key = await newPartnerKey(app, org.secret, { permissions: ['CONNECTIONS_READ'] });
      const laptop = await createSession(partner(key.secret), { description: 'Laptop' });
      const phone = await createSession(partner(key.secret), { description: 'Phone' });
      // A key without KEYS_READ still sees the sessions it opened, newest first, and nothing else.
      await createSession(partner(org.secret), { description: 'Owner browser' });
      expect(await list(bearer(laptop.token!))).toEqual([
        { keyId: phone.session!.keyId, kind: 'SESSION', name: 'Phone', active: true, openedWith: { keyId: key.keyId } },
        { keyId: laptop.session!.keyId, kind: 'SESSION', name: 'Laptop', active: true, openedWith: { keyId: key.keyId } },
      ]);
      const out = await revoke(bearer(laptop.token!), laptop.session!.id);
      expect(out).toMatchObject({
        __typename: 'RevokeSessionSuccess',
        session: { keyId: laptop.session!.keyId, active: false, revokedAt: expect.any(String) },
      });
      expect(await statusOf(laptop.token!)).toBe(401);
      expect(await statusOf(phone.token!)).toBe(200);
      expect((await revoke(bearer(phone.token!), laptop.session!.id)).code).toBe('INVALID_STATE');
      expect(await names(partner(key.secret))).toEqual(['Phone']);
      expect(await names(partner(key.secret), { all: true })).toEqual([
        ['Phone', true],
        ['Laptop', false],
      ]);
      // The audit trail has the logout, by the session itself.
      const audit = await gql(
        app,
        '{ auditEvents(first: 5, action: "api_key.revoked") { edges { node { targetId actorKeyId } } } }',
        {},
        { headers: partner(org.secret) },
      );
      expect(
        (audit.data as { auditEvents: { edges: { node: { targetId: string; actorKeyId: string } }[] } }).auditEvents.edges.map((e) => e.node),
      ).toContainEqual({
        targetId: laptop.session!.keyId,
        actorKeyId: laptop.session!.keyId,
      });
    });

    it('a partner key with KEYS_READ lists every session of its organization and environment; KEYS_WRITE ends any of them', async () => {
      const org = await newOrganization(app);
      const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
      const device = await createSession(partner(reader.secret), { description: 'Reader device' });
      const user = await connectedUser(app, org);
      const userDevice = await createSession(bearer(user.apiKey!), { description: 'User phone' });
      expect((await names(partner(org.secret))).sort()).toEqual(['Reader device', 'User phone']);
      expect(await names(partner(org.secret), { keyId: reader.keyId })).toEqual(['Reader device']);
      // KEYS_READ is not KEYS_WRITE: the reader may end only its own key's sessions.
      expect((await revoke(partner(reader.secret), userDevice.session!.id)).code).toBe('NOT_FOUND');
      expect((await revoke(partner(org.secret), userDevice.session!.id)).__typename).toBe('RevokeSessionSuccess');
      expect(await statusOf(userDevice.token!)).toBe(401);
      expect(await statusOf(device.token!)).toBe(200);
      // The user key sees its own sessions only, and cannot end the partner's.
      expect(await names(bearer(user.apiKey!), { all: true })).toEqual([['User phone', false]]);
      expect((await revoke(bearer(user.apiKey!), device.session!.id)).code).toBe('NOT_FOUND');
    });

    it('another organization’s sessions are NOT_FOUND and never listed; the operator has none', async () => {
      const mine = await newOrganization(app);
      const theirs = await newOrganization(app);
      const theirDevice = await createSession(partner(theirs.secret));
      expect(await list(partner(mine.secret))).toEqual([]);
      expect((await revoke(partner(mine.secret), theirDevice.session!.id)).code).toBe('NOT_FOUND');
      expect(await statusOf(theirDevice.token!)).toBe(200);
      expect(await list(admin(app))).toBe('FORBIDDEN');
      expect((await revoke(admin(app), theirDevice.session!.id)).code).toBe('FORBIDDEN');
      expect(await list({})).toBe('UNAUTHENTICATED');
    });
  });
});
