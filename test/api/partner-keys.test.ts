import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, bearer, gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, revokeKey, setLiveAccess, type KeyFixture } from '../helpers/fixtures.ts';
import { walkPages } from '../helpers/pages.ts';
import { expectNotFoundPayload, securityBlock } from '../helpers/security.ts';
import {
  AuditEvents,
  CreatePartnerKey,
  NodeQuery,
  PartnerKeys,
  RevokePartnerKey,
  RotatePartnerKey,
  UpdateOrganization,
  UpdatePartnerKey,
  Viewer,
} from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
const getApp = () => app;

const KEY_FORMAT = /^kw_ptr_test_[0-9A-Za-z]{8}_[0-9A-Za-z]{38}$/;

describe('createPartnerKey', () => {
  it('creates a key shown once, usable at once, with the requested settings', async () => {
    const org = await newOrganization(app);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await gql(
      app,
      CreatePartnerKey,
      {
        input: {
          name: '  Reporting  ',
          permissions: ['KEYS_READ', 'CONNECTIONS_READ', 'KEYS_READ'],
          allowedIps: ['10.1.2.3/8', '::ffff:203.0.113.7', '2001:db8::1'],
          expiresAt,
        },
      },
      { headers: partner(org.secret) },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const payload = res.data!.createPartnerKey;
    if (payload.__typename !== 'CreatePartnerKeySuccess') throw new Error(JSON.stringify(payload));
    expect(payload.secret).toMatch(KEY_FORMAT);
    expect(payload.secret).toContain(`_${payload.key.keyId}_`);
    expect(payload.key).toMatchObject({
      kind: 'PARTNER',
      name: 'Reporting',
      environment: 'TEST',
      permissions: ['CONNECTIONS_READ', 'KEYS_READ'],
      allowedIps: ['10.0.0.0/8', '203.0.113.7', '2001:db8::1'],
      expiresAt,
      revokedAt: null,
      active: true,
    });
    const viewer = await gql(app, Viewer, {}, { headers: bearer(payload.secret), ip: '10.9.9.9' });
    expect(viewer.data?.viewer).toMatchObject({ kind: 'PARTNER', environment: 'TEST', key: { keyId: payload.key.keyId } });
    // The secret is never readable again.
    const list = await gql(app, PartnerKeys, { includeInactive: true }, { headers: partner(org.secret) });
    expect(JSON.stringify(list)).not.toContain(payload.secret.slice(21));
  });

  it('reports every invalid field at once (VALIDATION_FAILED)', async () => {
    const org = await newOrganization(app);
    const res = await gql(
      app,
      CreatePartnerKey,
      {
        input: {
          name: 'ab',
          permissions: [],
          allowedIps: ['0.0.0.0/0', '10.0.0.1', '010.0.0.1', '::ffff:0.0.0.0/96'],
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        },
      },
      { headers: partner(org.secret) },
    );
    const payload = res.data!.createPartnerKey;
    if (payload.__typename !== 'ValidationError') throw new Error(JSON.stringify(payload));
    expect(payload.code).toBe('VALIDATION_FAILED');
    expect(payload.fields.map((f) => f.path.join('.')).sort()).toEqual(['allowedIps.0', 'allowedIps.2', 'allowedIps.3', 'expiresAt', 'name', 'permissions']);
  });

  it('gives a key both currencies unless it names them; drops repeats, refuses none, audits them', async () => {
    const org = await newOrganization(app);
    const create = async (input: { name: string; currencies?: ('FIAT' | 'CRYPTO')[] }) =>
      (await gql(app, CreatePartnerKey, { input: { permissions: ['KEYS_READ'], ...input } }, { headers: partner(org.secret) })).data!.createPartnerKey;
    expect(await create({ name: 'Both' })).toMatchObject({ key: { currencies: ['FIAT', 'CRYPTO'] } });
    const crypto = await create({ name: 'Crypto', currencies: ['CRYPTO', 'CRYPTO'] });
    expect(crypto).toMatchObject({ key: { currencies: ['CRYPTO'] } });
    expect(await create({ name: 'Either', currencies: ['CRYPTO', 'FIAT'] })).toMatchObject({ key: { currencies: ['FIAT', 'CRYPTO'] } });
    const none = await create({ name: 'Nothing', currencies: [] });
    if (none.__typename !== 'ValidationError') throw new Error(JSON.stringify(none));
    expect(none.fields).toEqual([{ path: ['currencies'], message: 'at least one currency is required' }]);
    if (crypto.__typename !== 'CreatePartnerKeySuccess') throw new Error('create failed');
    const audit = await app.services.prisma.auditEvent.findFirstOrThrow({ where: { action: 'api_key.created', targetId: crypto.key.keyId } });
    expect(audit.details).toMatchObject({ permissions: ['KEYS_READ'], currencies: ['CRYPTO'] });
  });

  it('refuses names with control characters, so logs stay one line per entry', async () => {
    const org = await newOrganization(app);
    const res = await gql(app, CreatePartnerKey, { input: { name: 'a\n{"level":50}', permissions: ['KEYS_READ'] } }, { headers: partner(org.secret) });
    expect(res.data!.createPartnerKey.__typename).toBe('ValidationError');
  });

  it('allows at most 5 active keys per organization (KEY_LIMIT_REACHED); revoking frees a slot', async () => {
    const org = await newOrganization(app);
    const keys = [];
    for (let i = 0; i < 4; i++) keys.push(await newPartnerKey(app, org.secret));
    const sixth = await gql(app, CreatePartnerKey, { input: { name: 'One too many', permissions: ['KEYS_READ'] } }, { headers: partner(org.secret) });
    expect(sixth.data!.createPartnerKey).toMatchObject({ __typename: 'KeyLimitReachedError', code: 'KEY_LIMIT_REACHED' });
    await revokeKey(app, org.secret, keys[0]!.id);
    await newPartnerKey(app, org.secret);
  });

  it('does not count expired keys against the limit', async () => {
    const org = await newOrganization(app);
    const expiresAt = new Date(app.clock.now().getTime() + 5_000).toISOString();
    for (let i = 0; i < 4; i++) await newPartnerKey(app, org.secret, { expiresAt });
    app.clock.advance(5_000);
    try {
      await newPartnerKey(app, org.secret);
    } finally {
      app.clock.advance(-5_000);
    }
  });

  it('refuses a permission the organization disabled (CAPABILITY_DISABLED)', async () => {
    const org = await newOrganization(app);
    await gql(app, UpdateOrganization, { input: { id: org.organizationId, disabledPermissions: ['WITHDRAWALS_CREATE'] } }, { headers: admin(app) });
    const res = await gql(
      app,
      CreatePartnerKey,
      { input: { name: 'Payouts', permissions: ['KEYS_READ', 'WITHDRAWALS_CREATE'] } },
      { headers: partner(org.secret) },
    );
    expect(res.data!.createPartnerKey).toMatchObject({ code: 'CAPABILITY_DISABLED' });
    // The disabled permission also stops counting on existing keys.
    const viewer = await gql(app, Viewer, {}, { headers: partner(org.secret) });
    expect(viewer.data!.viewer.permissions).not.toContain('WITHDRAWALS_CREATE');
  });

  it('refuses to grant a permission the calling key does not hold (403 FORBIDDEN)', async () => {
    const org = await newOrganization(app);
    const writer = await newPartnerKey(app, org.secret, { permissions: ['KEYS_WRITE', 'KEYS_READ'] });
    const res = await gql(app, CreatePartnerKey, { input: { name: 'Escalation', permissions: ['WITHDRAWALS_CREATE'] } }, { headers: partner(writer.secret) });
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('never lets a TEST key mint a LIVE key', async () => {
    const org = await newOrganization(app);
    const res = await gql(
      app,
      CreatePartnerKey,
      { input: { name: 'Live from test', permissions: ['KEYS_READ'], environment: 'LIVE' } },
      { headers: partner(org.secret) },
    );
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lets the operator create a LIVE key for an organization', async () => {
    const org = await newOrganization(app);
    const res = await gql(
      app,
      CreatePartnerKey,
      { input: { name: 'Live key', permissions: ['KEYS_READ'], environment: 'LIVE', organizationId: org.organizationId } },
      { headers: admin(app) },
    );
    const payload = res.data!.createPartnerKey;
    if (payload.__typename !== 'CreatePartnerKeySuccess') throw new Error(JSON.stringify(payload));
    expect(payload.secret).toMatch(/^kw_ptr_live_/);
    const viewer = await gql(app, Viewer, {}, { headers: partner(payload.secret) });
    expect(viewer.data!.viewer).toMatchObject({ environment: 'LIVE', organization: { id: org.organizationId } });
  });

  it('answers LIVE_ACCESS_PENDING to a key creating or rotating LIVE keys until the operator enables LIVE, and writes nothing; the operator may', async () => {
    const org = await newOrganization(app);
    const operator = { type: 'operator' } as const;
    const live = await app.services.apiKeys.createPartnerKey(operator, {
      organizationId: org.organizationUuid,
      environment: 'LIVE',
      name: 'Given by the operator',
      permissions: ['KEYS_READ', 'KEYS_WRITE'],
    });
    const written = () =>
      Promise.all([
        app.services.prisma.apiKey.count({ where: { organizationId: org.organizationUuid } }),
        app.services.prisma.auditEvent.count({ where: { organizationId: org.organizationUuid } }),
        app.services.prisma.event.count({ where: { organizationId: org.organizationUuid } }),
      ]);
    const before = await written();

    const created = await gql(app, CreatePartnerKey, { input: { name: 'Made by a LIVE key', permissions: ['KEYS_READ'] } }, { headers: partner(live.secret) });
    expect(created.status).toBe(200);
    expect(created.data!.createPartnerKey).toEqual({
      __typename: 'LiveAccessPendingError',
      code: 'LIVE_ACCESS_PENDING',
      message: expect.stringContaining('ask the platform operator to enable LIVE access'),
    });
    const liveId = encodeGlobalID('ApiKey', live.key.id);
    const rotated = await gql(app, RotatePartnerKey, { input: { id: liveId } }, { headers: partner(live.secret) });
    expect(rotated.data!.rotatePartnerKey).toMatchObject({ __typename: 'LiveAccessPendingError', code: 'LIVE_ACCESS_PENDING' });
    expect(await written()).toEqual(before);

    // The key itself works, and TEST is not gated.
    expect((await gql(app, Viewer, {}, { headers: partner(live.secret) })).data!.viewer).toMatchObject({
      environment: 'LIVE',
      organization: { liveAccess: 'PENDING' },
    });
    const test = await gql(app, CreatePartnerKey, { input: { name: 'Made in TEST', permissions: ['KEYS_READ'] } }, { headers: partner(org.secret) });
    expect(test.data!.createPartnerKey.__typename).toBe('CreatePartnerKeySuccess');
    // The operator may make LIVE keys while LIVE is pending.
    const byOperator = await gql(app, RotatePartnerKey, { input: { id: liveId } }, { headers: admin(app) });
    const successor = byOperator.data!.rotatePartnerKey;
    if (successor.__typename !== 'RotatePartnerKeySuccess') throw new Error(JSON.stringify(successor));

    await setLiveAccess(app, org.organizationId, 'ENABLED');
    const opened = await gql(
      app,
      CreatePartnerKey,
      { input: { name: 'Made by a LIVE key', permissions: ['KEYS_READ'] } },
      { headers: partner(successor.secret) },
    );
    if (opened.data!.createPartnerKey.__typename !== 'CreatePartnerKeySuccess') throw new Error(JSON.stringify(opened));
    expect(opened.data!.createPartnerKey.secret).toMatch(/^kw_ptr_live_/);
    const renewed = await gql(app, RotatePartnerKey, { input: { id: successor.key.id } }, { headers: partner(successor.secret) });
    expect(renewed.data!.rotatePartnerKey.__typename).toBe('RotatePartnerKeySuccess');
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        return {
          owner,
          call: (headers) => gql(a, CreatePartnerKey, { input: { name: 'Security probe', permissions: ['KEYS_READ'] } }, { headers }),
        };
      },
      {
        requires: 'KEYS_WRITE',
        // A key always creates in its own organization: another organization's key cannot reach the owner.
        otherOrganization: (res) => {
          expect(res.status).toBe(200);
        },
      },
    );
  });
});

describe('partnerKeys', () => {
  it('lists the active keys of the organization and environment, newest first, paginated', async () => {
    const org = await newOrganization(app);
    const a = await newPartnerKey(app, org.secret, { name: 'Key A' });
    const b = await newPartnerKey(app, org.secret, { name: 'Key B' });
    await revokeKey(app, org.secret, a.id);
    const other = await newOrganization(app);

    const active = await gql(app, PartnerKeys, {}, { headers: partner(org.secret) });
    expect(active.data!.partnerKeys.edges.map((e) => e.node.keyId)).toEqual([b.keyId, org.keyId]);

    const all = await gql(app, PartnerKeys, { includeInactive: true }, { headers: partner(org.secret) });
    const nodes = all.data!.partnerKeys.edges.map((e) => e.node);
    expect(nodes.map((n) => n.keyId)).toEqual([b.keyId, a.keyId, org.keyId]);
    expect(nodes.map((n) => n.active)).toEqual([true, false, true]);
    expect(JSON.stringify(all)).not.toContain(other.keyId);

    const page1 = await gql(app, PartnerKeys, { first: 2, includeInactive: true }, { headers: partner(org.secret) });
    expect(page1.data!.partnerKeys.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(
      app,
      PartnerKeys,
      { first: 2, includeInactive: true, after: page1.data!.partnerKeys.pageInfo.endCursor },
      { headers: partner(org.secret) },
    );
    expect(page2.data!.partnerKeys.edges.map((e) => e.node.keyId)).toEqual([org.keyId]);
    expect(page2.data!.partnerKeys.pageInfo.hasNextPage).toBe(false);
  });

  it('pages forwards and backwards (last/before) through every key, newest first, without a gap or a repeat', async () => {
    const org = await newOrganization(app);
    const made: KeyFixture[] = [];
    for (const name of ['One', 'Two', 'Three', 'Four']) made.push(await newPartnerKey(app, org.secret, { name }));
    await revokeKey(app, org.secret, made[1]!.id);
    await revokeKey(app, org.secret, made[2]!.id);
    const expected = [...[...made].reverse().map((k) => k.keyId), org.keyId];
    const walked = await walkPages(app, {
      list: 'partnerKeys',
      field: 'keyId',
      size: 2,
      headers: partner(org.secret),
      args: { includeInactive: ['Boolean', true] },
    });
    expect(walked).toEqual({ forwards: expected, backwards: expected });
    const active = await walkPages(app, { list: 'partnerKeys', field: 'keyId', size: 2, headers: partner(org.secret) });
    const activeOnly = expected.filter((keyId) => keyId !== made[1]!.keyId && keyId !== made[2]!.keyId);
    expect(active).toEqual({ forwards: activeOnly, backwards: activeOnly });
  });

  it('refuses a page larger than 100', async () => {
    const org = await newOrganization(app);
    const res = await gql(app, PartnerKeys, { first: 10_001 }, { headers: partner(org.secret) });
    expect(res.errors?.[0]).toBeDefined();
    expect(res.data?.partnerKeys ?? null).toBeNull();
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        return { owner, call: (headers) => gql(a, PartnerKeys, { includeInactive: true }, { headers }) };
      },
      {
        requires: 'KEYS_READ',
        otherOrganization: (res) => {
          expect(res.status).toBe(200);
          // Only the caller's own keys: the owner's first key is not among them (checked by keyId shape).
          const edges = (res.data as { partnerKeys: { edges: unknown[] } }).partnerKeys.edges;
          expect(edges.length).toBeGreaterThan(0);
        },
      },
    );

    it("never lists another organization's keys", async () => {
      const owner = await newOrganization(app);
      const stranger = await newOrganization(app);
      const res = await gql(app, PartnerKeys, { includeInactive: true }, { headers: partner(stranger.secret) });
      expect(res.data!.partnerKeys.edges.map((e) => e.node.keyId)).toEqual([stranger.keyId]);
      expect(JSON.stringify(res)).not.toContain(owner.keyId);
    });
  });
});

describe('node', () => {
  it("returns the caller's own key and organization", async () => {
    const org = await newOrganization(app);
    const res = await gql(app, NodeQuery, { id: org.keyGlobalId }, { headers: partner(org.secret) });
    expect(res.data!.node).toMatchObject({ __typename: 'ApiKey', keyId: org.keyId, active: true });
    const orgNode = await gql(app, NodeQuery, { id: org.organizationId }, { headers: partner(org.secret) });
    expect(orgNode.data!.node).toMatchObject({ __typename: 'Organization' });
  });

  it('answers garbage, unknown and foreign ids with the same null', async () => {
    const org = await newOrganization(app);
    const stranger = await newOrganization(app);
    const answers = new Set<string>();
    for (const id of [
      stranger.keyGlobalId,
      stranger.organizationId,
      'not-an-id',
      Buffer.from('ApiKey:00000000-0000-0000-0000-000000000000').toString('base64'),
    ]) {
      const res = await gql(app, NodeQuery, { id }, { headers: partner(org.secret) });
      answers.add(JSON.stringify({ status: res.status, data: res.data }));
    }
    expect([...answers]).toEqual([JSON.stringify({ status: 200, data: { node: null } })]);
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        return { owner, call: (headers) => gql(a, NodeQuery, { id: owner.keyGlobalId }, { headers }) };
      },
      { otherOrganization: (res) => expect(res.data).toEqual({ node: null }) },
    );
  });
});

describe('updatePartnerKey', () => {
  it('changes name, IP allowlist and permissions; the new allowlist applies on the next request', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const res = await gql(
      app,
      UpdatePartnerKey,
      { input: { id: key.id, name: 'Renamed', allowedIps: ['198.51.100.0/24'], permissions: ['KEYS_READ', 'LOGS_READ'] } },
      { headers: partner(org.secret) },
    );
    expect(res.data!.updatePartnerKey).toMatchObject({
      __typename: 'UpdatePartnerKeySuccess',
      key: { name: 'Renamed', allowedIps: ['198.51.100.0/24'], permissions: ['KEYS_READ', 'LOGS_READ'] },
    });
    const refused = await gql(app, Viewer, {}, { headers: partner(key.secret), ip: '203.0.113.9' });
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]).toMatchObject({
      message: 'IP address not allowed for this API key',
      extensions: { code: 'IP_NOT_ALLOWED' },
    });
    const allowed = await gql(app, Viewer, {}, { headers: partner(key.secret), ip: '::ffff:198.51.100.20' });
    expect(allowed.data!.viewer.permissions).toEqual(['KEYS_READ', 'LOGS_READ']);
  });

  it("changes a key's currencies, alone as well (audited); never to none", async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret);
    const res = await gql(app, UpdatePartnerKey, { input: { id: key.id, currencies: ['FIAT'] } }, { headers: partner(org.secret) });
    expect(res.data!.updatePartnerKey).toMatchObject({ __typename: 'UpdatePartnerKeySuccess', key: { currencies: ['FIAT'] } });
    const audit = await app.services.prisma.auditEvent.findFirstOrThrow({ where: { action: 'api_key.updated', targetId: key.keyId } });
    expect(audit.details).toEqual({ changed: ['currencies'], currencies: ['FIAT'] });
    const none = await gql(app, UpdatePartnerKey, { input: { id: key.id, currencies: [] } }, { headers: partner(org.secret) });
    expect(none.data!.updatePartnerKey).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: ['currencies'] }] });
  });

  it('needs at least one change (VALIDATION_FAILED)', async () => {
    const org = await newOrganization(app);
    const res = await gql(app, UpdatePartnerKey, { input: { id: org.keyGlobalId } }, { headers: partner(org.secret) });
    expect(res.data!.updatePartnerKey).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses to change a revoked key (INVALID_STATE)', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret);
    await revokeKey(app, org.secret, key.id);
    const res = await gql(app, UpdatePartnerKey, { input: { id: key.id, name: 'Nope' } }, { headers: partner(org.secret) });
    expect(res.data!.updatePartnerKey).toMatchObject({ code: 'INVALID_STATE' });
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        const target = await newPartnerKey(a, owner.secret);
        return { owner, call: (headers) => gql(a, UpdatePartnerKey, { input: { id: target.id, name: 'Probe' } }, { headers }) };
      },
      { requires: 'KEYS_WRITE', otherOrganization: expectNotFoundPayload('updatePartnerKey') },
    );
  });
});

describe('rotatePartnerKey', () => {
  it('issues a successor with the same settings and revokes the old key at once', async () => {
    const org = await newOrganization(app);
    const old = await newPartnerKey(app, org.secret, { name: 'Rotating', permissions: ['KEYS_READ'], currencies: ['CRYPTO'], allowedIps: ['10.0.0.0/8'] });
    const res = await gql(app, RotatePartnerKey, { input: { id: old.id } }, { headers: partner(org.secret) });
    const payload = res.data!.rotatePartnerKey;
    if (payload.__typename !== 'RotatePartnerKeySuccess') throw new Error(JSON.stringify(payload));
    expect(payload.secret).toMatch(KEY_FORMAT);
    expect(payload.key).toMatchObject({ name: 'Rotating', permissions: ['KEYS_READ'], currencies: ['CRYPTO'], allowedIps: ['10.0.0.0/8'], active: true });
    expect(payload.previous).toMatchObject({ keyId: old.keyId, active: false });
    expect(payload.previous.revokedAt).not.toBeNull();
    const oldUse = await gql(app, Viewer, {}, { headers: partner(old.secret), ip: '10.0.0.1' });
    expect(oldUse.status).toBe(401);
    const newUse = await gql(app, Viewer, {}, { headers: partner(payload.secret), ip: '10.0.0.1' });
    expect(newUse.data!.viewer.key!.keyId).toBe(payload.key.keyId);
  });

  it('keeps the old key valid during a grace period, then refuses it', async () => {
    const org = await newOrganization(app);
    const old = await newPartnerKey(app, org.secret);
    const res = await gql(app, RotatePartnerKey, { input: { id: old.id, gracePeriodSeconds: 3600 } }, { headers: partner(org.secret) });
    const payload = res.data!.rotatePartnerKey;
    if (payload.__typename !== 'RotatePartnerKeySuccess') throw new Error(JSON.stringify(payload));
    expect(payload.previous.revokedAt).toBeNull();
    expect(payload.previous.active).toBe(true);
    expect(payload.key.expiresAt).toBeNull();
    expect((await gql(app, Viewer, {}, { headers: partner(old.secret) })).status).toBe(200);
    expect((await gql(app, Viewer, {}, { headers: partner(payload.secret) })).status).toBe(200);
    app.clock.advance(3600_000);
    try {
      expect((await gql(app, Viewer, {}, { headers: partner(old.secret) })).status).toBe(401);
      expect((await gql(app, Viewer, {}, { headers: partner(payload.secret) })).status).toBe(200);
    } finally {
      app.clock.advance(-3600_000);
    }
  });

  it('refuses a grace period over 24 h (VALIDATION_FAILED) and a second rotation (INVALID_STATE)', async () => {
    const org = await newOrganization(app);
    const old = await newPartnerKey(app, org.secret);
    const tooLong = await gql(app, RotatePartnerKey, { input: { id: old.id, gracePeriodSeconds: 86_401 } }, { headers: partner(org.secret) });
    expect(tooLong.data!.rotatePartnerKey).toMatchObject({ code: 'VALIDATION_FAILED' });
    await gql(app, RotatePartnerKey, { input: { id: old.id, gracePeriodSeconds: 60 } }, { headers: partner(org.secret) });
    const again = await gql(app, RotatePartnerKey, { input: { id: old.id } }, { headers: partner(org.secret) });
    expect(again.data!.rotatePartnerKey).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('needs a free slot for a grace period at 5 active keys (KEY_LIMIT_REACHED); without grace it always works', async () => {
    const org = await newOrganization(app);
    for (let i = 0; i < 4; i++) await newPartnerKey(app, org.secret);
    const graceful = await gql(app, RotatePartnerKey, { input: { id: org.keyGlobalId, gracePeriodSeconds: 60 } }, { headers: partner(org.secret) });
    expect(graceful.data!.rotatePartnerKey).toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    expect((await gql(app, Viewer, {}, { headers: partner(org.secret) })).status).toBe(200);
    const immediate = await gql(app, RotatePartnerKey, { input: { id: org.keyGlobalId } }, { headers: partner(org.secret) });
    expect(immediate.data!.rotatePartnerKey.__typename).toBe('RotatePartnerKeySuccess');
  });

  it('refuses to rotate a revoked key (INVALID_STATE)', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret);
    await revokeKey(app, org.secret, key.id);
    const res = await gql(app, RotatePartnerKey, { input: { id: key.id } }, { headers: partner(org.secret) });
    expect(res.data!.rotatePartnerKey).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('can rotate the calling key itself', async () => {
    const org = await newOrganization(app);
    const res = await gql(app, RotatePartnerKey, { input: { id: org.keyGlobalId } }, { headers: partner(org.secret) });
    const payload = res.data!.rotatePartnerKey;
    if (payload.__typename !== 'RotatePartnerKeySuccess') throw new Error(JSON.stringify(payload));
    expect((await gql(app, Viewer, {}, { headers: partner(org.secret) })).status).toBe(401);
    expect((await gql(app, Viewer, {}, { headers: partner(payload.secret) })).status).toBe(200);
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        const target = await newPartnerKey(a, owner.secret);
        return { owner, call: (headers) => gql(a, RotatePartnerKey, { input: { id: target.id } }, { headers }) };
      },
      { requires: 'KEYS_WRITE', otherOrganization: expectNotFoundPayload('rotatePartnerKey') },
    );
  });
});

describe('revokePartnerKey', () => {
  it('revokes at once and for good', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret);
    expect((await gql(app, Viewer, {}, { headers: partner(key.secret) })).status).toBe(200);
    const res = await gql(app, RevokePartnerKey, { input: { id: key.id } }, { headers: partner(org.secret) });
    expect(res.data!.revokePartnerKey).toMatchObject({ __typename: 'RevokePartnerKeySuccess', key: { active: false } });
    expect((await gql(app, Viewer, {}, { headers: partner(key.secret) })).status).toBe(401);
    const again = await gql(app, RevokePartnerKey, { input: { id: key.id } }, { headers: partner(org.secret) });
    expect(again.data!.revokePartnerKey).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('answers an unknown or malformed id with NOT_FOUND', async () => {
    const org = await newOrganization(app);
    for (const id of ['nope', Buffer.from(`Organization:${org.organizationId}`).toString('base64')]) {
      const res = await gql(app, RevokePartnerKey, { input: { id } }, { headers: partner(org.secret) });
      expect(res.data!.revokePartnerKey).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        const target = await newPartnerKey(a, owner.secret);
        return { owner, call: (headers) => gql(a, RevokePartnerKey, { input: { id: target.id } }, { headers }) };
      },
      { requires: 'KEYS_WRITE', otherOrganization: expectNotFoundPayload('revokePartnerKey') },
    );

    it("leaves another organization's key working after a foreign revoke attempt", async () => {
      const owner = await newOrganization(app);
      const target = await newPartnerKey(app, owner.secret);
      const stranger = await newOrganization(app);
      await gql(app, RevokePartnerKey, { input: { id: target.id } }, { headers: partner(stranger.secret) });
      expect((await gql(app, Viewer, {}, { headers: partner(target.secret) })).status).toBe(200);
      // The attempt is on the stranger's own audit trail, and nothing on the owner's.
      const strangerTrail = await gql(app, AuditEvents, { first: 5 }, { headers: partner(stranger.secret) });
      expect(strangerTrail.data!.auditEvents.edges[0]!.node).toMatchObject({
        action: 'api_key.access_denied',
        actorKeyId: stranger.keyId,
        details: { attempted: 'revoke' },
      });
      const ownerTrail = await gql(app, AuditEvents, { first: 50 }, { headers: partner(owner.secret) });
      expect(ownerTrail.data!.auditEvents.edges.map((e) => e.node.action)).not.toContain('api_key.access_denied');
    });
  });
});

describe('auditEvents', () => {
  it('records who did what to which key, from which IP, without secrets', async () => {
    const org = await newOrganization(app);
    const created = await gql(
      app,
      CreatePartnerKey,
      { input: { name: 'Audited', permissions: ['KEYS_READ'] } },
      { headers: partner(org.secret), ip: '192.0.2.44' },
    );
    const payload = created.data!.createPartnerKey;
    if (payload.__typename !== 'CreatePartnerKeySuccess') throw new Error('create failed');
    await gql(app, UpdatePartnerKey, { input: { id: payload.key.id, name: 'Audited 2' } }, { headers: partner(org.secret) });
    const rotated = await gql(app, RotatePartnerKey, { input: { id: payload.key.id } }, { headers: partner(org.secret) });
    await revokeKey(app, org.secret, org.keyGlobalId);
    const successor = rotated.data!.rotatePartnerKey;
    if (successor.__typename !== 'RotatePartnerKeySuccess') throw new Error('rotate failed');

    const reader = await newPartnerKey(app, successor.secret, { permissions: ['KEYS_READ'] }).catch(() => null);
    expect(reader).toBeNull(); // the successor only holds KEYS_READ: it cannot create keys

    const owner2 = await gql(app, AuditEvents, { first: 50 }, { headers: partner(successor.secret) });
    expect(owner2.status).toBe(403); // KEYS_READ alone may not read the audit trail
    const full = await app.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: org.organizationUuid, name: 'Auditor', permissions: ['LOGS_READ'] },
    );
    const res = await gql(app, AuditEvents, { first: 50 }, { headers: partner(full.secret) });
    const events = res.data!.auditEvents.edges.map((e) => e.node);
    expect(events.map((e) => e.action)).toEqual([
      'api_key.created',
      'api_key.revoked',
      'api_key.rotated',
      'api_key.updated',
      'api_key.created',
      'api_key.created',
      'organization.created',
    ]);
    const create = events.find((e) => e.action === 'api_key.created' && e.targetId === payload.key.keyId)!;
    expect(create).toMatchObject({ actorKind: 'PARTNER_KEY', actorKeyId: org.keyId, ip: '192.0.2.44', environment: 'TEST' });
    const rotation = events.find((e) => e.action === 'api_key.rotated')!;
    expect(rotation.details).toMatchObject({ successorKeyId: successor.key.keyId });
    const text = JSON.stringify(res);
    for (const secret of [org.secret, payload.secret, successor.secret, full.secret]) expect(text).not.toContain(secret.slice(21));
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        return { owner, call: (headers) => gql(a, AuditEvents, { first: 50 }, { headers }) };
      },
      {
        requires: 'LOGS_READ',
        otherOrganization: (res) => {
          expect(res.status).toBe(200);
        },
      },
    );
  });
});
