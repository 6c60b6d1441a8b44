import { decodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { newOrganization, setLiveAccess } from '../helpers/fixtures.ts';
import { AuditEvents, CreateOrganization, CreatePartnerKey, UpdateOrganization, Viewer } from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

const operatorCases = (
  call: (headers: Record<string, string>) => Promise<{ status: number; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>,
) => {
  it('needs the admin token (401 "Admin token required")', async () => {
    const res = await call({});
    expect(res.status).toBe(401);
    expect(res.errors?.[0]).toMatchObject({ message: 'Admin token required', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses a wrong admin token of any length (401)', async () => {
    for (const token of ['x', app.adminToken.slice(0, -1), `${app.adminToken}x`, app.adminToken.toUpperCase()]) {
      const res = await call({ 'x-admin-token': token });
      expect(res.status).toBe(401);
      expect(res.errors?.[0]).toMatchObject({
        message: 'The provided admin token is invalid',
        extensions: { code: 'UNAUTHENTICATED' },
      });
    }
  });

  it('refuses a partner key (403 FORBIDDEN)', async () => {
    const org = await newOrganization(app);
    const res = await call(partner(org.secret));
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
};

describe('createOrganization', () => {
  it('creates an organization with a first partner key holding every permission', async () => {
    const res = await gql(app, CreateOrganization, { input: { name: 'Satoshi Exchange', environment: 'LIVE' } }, { headers: admin(app) });
    const payload = res.data!.createOrganization;
    if (payload.__typename !== 'CreateOrganizationSuccess') throw new Error(JSON.stringify(payload));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(payload.organization).toMatchObject({
      name: 'Satoshi Exchange',
      status: 'ACTIVE',
      disabledPermissions: [],
      userKeyRecovery: 'ENCRYPTED',
      // A LIVE first key does not open LIVE: only the operator's liveAccess does.
      liveAccess: 'PENDING',
    });
    expect(payload.secret).toMatch(/^kw_ptr_live_/);
    expect(payload.key).toMatchObject({ kind: 'PARTNER', environment: 'LIVE', active: true });
    expect(payload.key.permissions).toHaveLength(10);
    const viewer = await gql(app, Viewer, {}, { headers: partner(payload.secret) });
    expect(viewer.data!.viewer.organization).toMatchObject({ id: payload.organization.id, name: 'Satoshi Exchange' });
  });

  it('creates two different signing secrets, one per environment; signingSecret is the first key environment one', async () => {
    for (const environment of ['TEST', 'LIVE'] as const) {
      const res = await gql(app, CreateOrganization, { input: { name: `Two secrets ${environment}`, environment } }, { headers: admin(app) });
      const payload = res.data!.createOrganization;
      if (payload.__typename !== 'CreateOrganizationSuccess') throw new Error(JSON.stringify(payload));
      expect(payload.signingSecrets.map((s) => s.environment)).toEqual(['TEST', 'LIVE']);
      const [test, live] = payload.signingSecrets.map((s) => s.signingSecret);
      expect(test).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(live).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(test).not.toBe(live);
      expect(payload.signingSecret).toBe(environment === 'TEST' ? test : live);
      // One current secret per environment, stored sealed.
      const rows = await app.database.prisma.signingSecret.findMany({
        where: { organizationId: decodeGlobalID(payload.organization.id).id },
        orderBy: { environment: 'asc' },
      });
      expect(rows.map((r) => [r.environment, r.retiresAt])).toEqual([
        ['TEST', null],
        ['LIVE', null],
      ]);
    }
  });

  it('validates the name (VALIDATION_FAILED) and writes nothing', async () => {
    const before = await app.database.prisma.organization.count();
    const res = await gql(app, CreateOrganization, { input: { name: ' ' } }, { headers: admin(app) });
    expect(res.data!.createOrganization).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: ['name'] }] });
    expect(await app.database.prisma.organization.count()).toBe(before);
  });

  operatorCases((headers) => gql(app, CreateOrganization, { input: { name: 'Probe' } }, { headers }));
});

describe('updateOrganization', () => {
  it('deactivates (every key refused at once) and reactivates an organization', async () => {
    const org = await newOrganization(app);
    const off = await gql(app, UpdateOrganization, { input: { id: org.organizationId, status: 'INACTIVE' } }, { headers: admin(app) });
    expect(off.data!.updateOrganization).toMatchObject({ organization: { status: 'INACTIVE' } });
    expect((await gql(app, Viewer, {}, { headers: partner(org.secret) })).status).toBe(403);
    await gql(app, UpdateOrganization, { input: { id: org.organizationId, status: 'ACTIVE' } }, { headers: admin(app) });
    expect((await gql(app, Viewer, {}, { headers: partner(org.secret) })).status).toBe(200);
  });

  it('sets disabled permissions and user-key recovery', async () => {
    const org = await newOrganization(app);
    const res = await gql(
      app,
      UpdateOrganization,
      { input: { id: org.organizationId, disabledPermissions: ['WITHDRAWALS_CREATE', 'ORDERS_CREATE'], userKeyRecovery: 'NONE' } },
      { headers: admin(app) },
    );
    expect(res.data!.updateOrganization).toMatchObject({
      organization: { disabledPermissions: ['ORDERS_CREATE', 'WITHDRAWALS_CREATE'], userKeyRecovery: 'NONE' },
    });
    const viewer = await gql(app, Viewer, {}, { headers: partner(org.secret) });
    expect(viewer.data!.viewer.permissions).not.toContain('ORDERS_CREATE');
    expect(viewer.data!.viewer.permissions).toHaveLength(8);
  });

  it('needs a change (VALIDATION_FAILED) and an existing organization (NOT_FOUND)', async () => {
    const org = await newOrganization(app);
    const empty = await gql(app, UpdateOrganization, { input: { id: org.organizationId } }, { headers: admin(app) });
    expect(empty.data!.updateOrganization).toMatchObject({ code: 'VALIDATION_FAILED' });
    const missing = await gql(
      app,
      UpdateOrganization,
      { input: { id: Buffer.from('Organization:00000000-0000-0000-0000-000000000000').toString('base64'), status: 'INACTIVE' } },
      { headers: admin(app) },
    );
    expect(missing.data!.updateOrganization).toMatchObject({ code: 'NOT_FOUND' });
  });

  operatorCases((headers) => gql(app, UpdateOrganization, { input: { id: 'T3JnYW5pemF0aW9uOng=', status: 'INACTIVE' } }, { headers }));
});

describe('LIVE access', () => {
  const create = async (input: { name: string; environment?: 'TEST' | 'LIVE'; liveAccess?: 'PENDING' | 'ENABLED' }) => {
    const res = await gql(app, CreateOrganization, { input }, { headers: admin(app) });
    const payload = res.data!.createOrganization;
    if (payload.__typename !== 'CreateOrganizationSuccess') throw new Error(JSON.stringify(payload));
    return payload;
  };
  const liveKeyMade = async (secret: string) =>
    (await gql(app, CreatePartnerKey, { input: { name: 'Made in LIVE', permissions: ['KEYS_READ'] } }, { headers: partner(secret) })).data!.createPartnerKey;

  it('is PENDING for a new organization, shown to its keys of either environment; liveAccess ENABLED on createOrganization opens LIVE at once', async () => {
    const pending = await create({ name: 'Pending Ltd' });
    expect(pending.organization.liveAccess).toBe('PENDING');
    expect((await gql(app, Viewer, {}, { headers: partner(pending.secret) })).data!.viewer.organization!.liveAccess).toBe('PENDING');

    const open = await create({ name: 'Open Ltd', environment: 'LIVE', liveAccess: 'ENABLED' });
    expect(open.organization.liveAccess).toBe('ENABLED');
    expect(await liveKeyMade(open.secret)).toMatchObject({ __typename: 'CreatePartnerKeySuccess', secret: expect.stringMatching(/^kw_ptr_live_/) });
    const organizationId = decodeGlobalID(open.organization.id).id;
    expect(await app.database.prisma.auditEvent.findFirst({ where: { organizationId, action: 'organization.created' } })).toMatchObject({
      actorKind: 'OPERATOR',
      details: { name: 'Open Ltd', liveAccess: 'ENABLED' },
    });

    // A LIVE first key alone leaves LIVE pending: its key may not make more.
    const liveFirst = await create({ name: 'Live first key Ltd', environment: 'LIVE' });
    expect(await liveKeyMade(liveFirst.secret)).toMatchObject({ code: 'LIVE_ACCESS_PENDING' });
  });

  it('changes with updateOrganization: one audit row and one event per environment, sent to the webhook endpoints that selected it', async () => {
    const org = await newOrganization(app);
    const webhookBody = { url: 'https://hooks.example.com/live-access', eventTypes: ['ORGANIZATION_LIVE_ACCESS_CHANGED'] };
    const endpoint = await gql(
      app,
      'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
      { i: webhookBody },
      { headers: partner(org.secret) },
    );
    expect(endpoint.data).toEqual({ createWebhookEndpoint: { __typename: 'CreateWebhookEndpointSuccess' } });

    const res = await gql(app, UpdateOrganization, { input: { id: org.organizationId, liveAccess: 'ENABLED' } }, { headers: admin(app) });
    expect(res.data!.updateOrganization).toMatchObject({ organization: { liveAccess: 'ENABLED' } });
    expect((await gql(app, Viewer, {}, { headers: partner(org.secret) })).data!.viewer.organization!.liveAccess).toBe('ENABLED');

    // The audit row, organization-wide, in the partner's own trail.
    const trail = await gql(app, AuditEvents, { first: 10 }, { headers: partner(org.secret) });
    const rows = trail.data!.auditEvents.edges.map((e) => e.node).filter((n) => n.action.startsWith('organization.') && n.action !== 'organization.created');
    expect(rows).toEqual([
      expect.objectContaining({
        action: 'organization.live_access_changed',
        actorKind: 'OPERATOR',
        environment: null,
        targetType: 'organization',
        details: { from: 'PENDING', to: 'ENABLED' },
      }),
    ]);
    // One event per environment, so an integration still in TEST learns that LIVE opened.
    const events = await app.database.prisma.event.findMany({
      where: { organizationId: org.organizationUuid, type: 'ORGANIZATION_LIVE_ACCESS_CHANGED' },
      orderBy: { position: 'asc' },
    });
    expect(events.map((e) => [e.environment, e.data])).toEqual([
      ['TEST', { organizationId: org.organizationId, liveAccess: 'ENABLED', previousLiveAccess: 'PENDING' }],
      ['LIVE', { organizationId: org.organizationId, liveAccess: 'ENABLED', previousLiveAccess: 'PENDING' }],
    ]);
    const deliveries = await app.database.prisma.webhookDelivery.findMany({
      where: { organizationId: org.organizationUuid, type: 'organization.live_access_changed' },
    });
    expect(deliveries.map((d) => d.payload)).toEqual([
      {
        type: 'organization.live_access_changed',
        timestamp: events[0]!.createdAt.toISOString(),
        data: { organizationId: org.organizationId, liveAccess: 'ENABLED', previousLiveAccess: 'PENDING', environment: 'TEST', cursor: expect.any(String) },
      },
    ]);

    // Setting what it already is changes nothing: no row, no event. Closing it again is a change like any other.
    await setLiveAccess(app, org.organizationId, 'ENABLED');
    await setLiveAccess(app, org.organizationId, 'PENDING');
    const all = await app.database.prisma.auditEvent.findMany({
      where: { organizationId: org.organizationUuid, action: { startsWith: 'organization.' } },
      orderBy: { seq: 'asc' },
    });
    expect(all.map((a) => [a.action, a.details])).toEqual([
      ['organization.created', { name: expect.any(String), liveAccess: 'PENDING' }],
      ['organization.live_access_changed', { from: 'PENDING', to: 'ENABLED' }],
      ['organization.live_access_changed', { from: 'ENABLED', to: 'PENDING' }],
    ]);
    expect(await app.database.prisma.event.count({ where: { organizationId: org.organizationUuid, type: 'ORGANIZATION_LIVE_ACCESS_CHANGED' } })).toBe(4);
  });

  it("is the operator's to set: a partner key cannot change it (403), and a change of other fields leaves it alone", async () => {
    const org = await newOrganization(app);
    const refused = await gql(app, UpdateOrganization, { input: { id: org.organizationId, liveAccess: 'ENABLED' } }, { headers: partner(org.secret) });
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const renamed = await gql(app, UpdateOrganization, { input: { id: org.organizationId, name: 'Renamed Ltd' } }, { headers: admin(app) });
    expect(renamed.data!.updateOrganization).toMatchObject({ organization: { name: 'Renamed Ltd', liveAccess: 'PENDING' } });
    const rows = await app.database.prisma.auditEvent.findMany({
      where: { organizationId: org.organizationUuid, action: { startsWith: 'organization.' } },
      orderBy: { seq: 'asc' },
    });
    expect(rows.map((r) => [r.action, r.details])).toEqual([
      ['organization.created', expect.anything()],
      ['organization.updated', { changed: ['name'], name: 'Renamed Ltd' }],
    ]);
  });
});
