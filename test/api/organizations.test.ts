import { decodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { newOrganization } from '../helpers/fixtures.ts';
import { CreateOrganization, UpdateOrganization, Viewer } from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

const operatorCases = (call: (headers: Record<string, string>) => Promise<{ status: number; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>) => {
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
      const rows = await app.database.prisma.signingSecret.findMany({ where: { organizationId: decodeGlobalID(payload.organization.id).id }, orderBy: { environment: 'asc' } });
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

  operatorCases((headers) =>
    gql(app, UpdateOrganization, { input: { id: 'T3JnYW5pemF0aW9uOng=', status: 'INACTIVE' } }, { headers }),
  );
});
