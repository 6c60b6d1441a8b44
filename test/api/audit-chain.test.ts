// The audit trail's hash chain (docs/security.md F-08): each organization's rows are chained by
// SHA-256, so the daily check (and `keyward audit verify`) finds a row edited or deleted after the
// fact; concurrent changes on PostgreSQL still make one unbroken chain.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkAuditChains } from '../../src/app.ts';
import { auditHash, canonicalJson, verifyAuditChains } from '../../src/domain/audit/audit-chain.ts';
import { createTestApp, sharedDatabase, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, revokeKey, type OrgFixture } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

/** An organization with a handful of audited changes: created, two keys created, one revoked, a failed access. */
async function auditedOrganization(target: TestApp): Promise<OrgFixture> {
  const org = await newOrganization(target);
  const first = await newPartnerKey(target, org.secret, { permissions: ['KEYS_READ'] });
  await newPartnerKey(target, org.secret, { permissions: ['CONNECTIONS_READ'] });
  await revokeKey(target, org.secret, first.id);
  // Another organization's key id: NOT_FOUND, and an api_key.access_denied row written outside the change's transaction.
  await gql(
    target,
    'mutation { revokePartnerKey(input: { id: "QXBpS2V5OjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMA==" }) { __typename } }',
    {},
    { headers: partner(org.secret) },
  );
  return org;
}

const rowsOf = (target: TestApp, organizationId: string) => target.services.prisma.auditEvent.findMany({ where: { organizationId }, orderBy: { seq: 'asc' } });

describe('canonical hashing', () => {
  it('sorts keys at every level and drops undefined, so a JSONB round trip hashes the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: null, y: undefined, x: 'é' }], c: true } })).toBe('{"a":{"c":true,"d":[1,{"x":"é","z":null}]},"b":1}');
    const row = {
      id: '5e0f3c3e-8a3b-4c59-9a31-1f5d6f0f2b11',
      organizationId: '0b6f0a36-2d2b-4d5e-8e22-6a1f3f9c0a01',
      environment: 'TEST' as const,
      actorKind: 'PARTNER_KEY' as const,
      actorKeyId: 'AbCd1234',
      action: 'api_key.updated',
      targetType: 'api_key',
      targetId: 'EfGh5678',
      ip: '203.0.113.9',
      details: { name: 'New', permissions: ['KEYS_READ'] },
      createdAt: new Date('2026-11-25T10:00:00.123Z'),
    };
    const hash = auditHash(null, row);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash(null, { ...row, details: JSON.parse('{"permissions":["KEYS_READ"],"name":"New"}') })).toBe(hash);
    expect(auditHash(null, { ...row, details: { name: 'Other', permissions: ['KEYS_READ'] } })).not.toBe(hash);
    expect(auditHash(hash, row)).not.toBe(hash);
  });
});

describe('audit chains', () => {
  it('chains every row of an organization, also the ones written outside a change’s transaction', async () => {
    const org = await auditedOrganization(app);
    const rows = await rowsOf(app, org.organizationUuid);
    expect(rows.map((r) => r.action)).toEqual([
      'organization.created',
      'api_key.created',
      'api_key.created',
      'api_key.created',
      'api_key.revoked',
      'api_key.access_denied',
    ]);
    expect(rows.every((r) => r.hash?.length === 64)).toBe(true);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(rows.length);
    expect(await verifyAuditChains(app.services.prisma, org.organizationUuid)).toEqual({ organizations: 1, rows: rows.length, breaks: [] });
  });

  it('finds an edited row, a deleted row and a forged row at the first row that no longer follows; other organizations stay intact', async () => {
    const edited = await auditedOrganization(app);
    const deleted = await auditedOrganization(app);
    const forged = await auditedOrganization(app);
    const intact = await auditedOrganization(app);
    const { prisma } = app.services;

    const editedRows = await rowsOf(app, edited.organizationUuid);
    await prisma.$executeRaw`UPDATE audit_events SET "actorKeyId" = NULL WHERE id = ${editedRows[2]!.id}::uuid`;
    const deletedRows = await rowsOf(app, deleted.organizationUuid);
    await prisma.$executeRaw`DELETE FROM audit_events WHERE id = ${deletedRows[2]!.id}::uuid`;
    // A forger who knows the algorithm but rewrites one row without rewriting every row after it.
    const forgedRows = await rowsOf(app, forged.organizationUuid);
    const target = forgedRows[3]!;
    const forgedDetails = { ...(target.details as Record<string, unknown>), permissions: ['KEYS_READ', 'KEYS_WRITE'] };
    const rehash = auditHash(forgedRows[2]!.hash, { ...target, details: forgedDetails });
    await prisma.auditEvent.update({ where: { id: target.id }, data: { details: forgedDetails, hash: rehash } });

    const report = await verifyAuditChains(prisma);
    const byOrganization = new Map(report.breaks.map((b) => [b.organizationId, b.id]));
    expect(byOrganization.get(edited.organizationUuid)).toBe(editedRows[2]!.id);
    expect(byOrganization.get(deleted.organizationUuid)).toBe(deletedRows[3]!.id);
    expect(byOrganization.get(forged.organizationUuid)).toBe(forgedRows[4]!.id);
    expect(byOrganization.has(intact.organizationUuid)).toBe(false);
    expect(await verifyAuditChains(prisma, intact.organizationUuid)).toMatchObject({ breaks: [] });

    // The daily check raises an alert naming each break.
    await checkAuditChains(app.services);
    const alert = app.logs.entries().find((line) => line.alert === 'audit_chain_broken') as
      | { level: number; breaks: { organizationId: string; id: string }[] }
      | undefined;
    expect(alert?.level).toBe(50);
    expect(alert?.breaks).toEqual(expect.arrayContaining([expect.objectContaining({ organizationId: edited.organizationUuid, id: editedRows[2]!.id })]));
  });
});

describe('audit chains on PostgreSQL', () => {
  let pg: TestApp;
  beforeAll(async () => {
    pg = await createTestApp({ database: await sharedDatabase({ kind: 'postgres', url: await createTestDatabase(inject('postgresUrl')) }) });
  });
  afterAll(() => undefined);

  it('stays one unbroken chain under 30 concurrent changes of one organization, rolled-back changes leaving no row', async () => {
    const org = await newOrganization(pg);
    const before = (await rowsOf(pg, org.organizationUuid)).length;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        gql(
          pg,
          'mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename } }',
          { i: { name: `Concurrent ${i}`, permissions: ['KEYS_READ'] } },
          { headers: partner(org.secret) },
        ),
      ),
    );
    const created = results.filter(
      (r) => (r.data as { createPartnerKey: { __typename: string } }).createPartnerKey.__typename === 'CreatePartnerKeySuccess',
    ).length;
    // At most 5 active partner keys: the refused creations roll back with no audit row.
    expect(created).toBe(4);
    // Refused attempts on ids the key cannot see are audited in transactions of their own, at once.
    const denied = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gql(
          pg,
          'mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }',
          { id: Buffer.from(`ApiKey:00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`).toString('base64') },
          { headers: partner(org.secret) },
        ),
      ),
    );
    expect(denied.every((r) => (r.data as { revokePartnerKey: { __typename: string } }).revokePartnerKey.__typename === 'NotFoundError')).toBe(true);
    const rows = await rowsOf(pg, org.organizationUuid);
    expect(rows.length - before).toBe(created + 20);
    expect(await verifyAuditChains(pg.services.prisma, org.organizationUuid)).toEqual({ organizations: 1, rows: rows.length, breaks: [] });
  });
});
