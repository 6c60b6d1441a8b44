// One unit of work for every write (issue 12): a transaction that locks its organization first,
// audit rows by the acting caller, events, and effects only after commit. Nothing else in src/
// opens a write transaction, so a new write cannot skip a step or lock in another order.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidStateError } from '../../src/domain/errors.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { connectedUser } from '../helpers/connections.ts';
import { newOrganization } from '../helpers/fixtures.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated') return [];
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the unit of work', () => {
  it('is the only place in src/ that opens a change: no transaction, organization lock, audit or event append elsewhere', () => {
    const root = join(import.meta.dirname, '../../src');
    // The steps a write is made of; the files that implement them (and only they) may name them.
    const steps = /\bevents\.transaction\(|\.lockOrganization\(|\brecordAudit\(|\bappendAudit\(|\.append\(tx/;
    const allowed = new Set(['domain/unit-of-work.ts', 'domain/events/event-log.ts', 'domain/audit/audit.service.ts', 'domain/audit/audit-chain.ts']);
    const offenders = sources(root)
      .map((path) => relative(root, path))
      .filter((path) => !allowed.has(path) && steps.test(readFileSync(join(root, path), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('runs effects after commit only, and writes nothing (no audit row, no event) when the work fails', async () => {
    const org = await newOrganization(app);
    const { work, prisma } = { work: app.services.work, prisma: app.services.prisma };
    const auditRows = () => prisma.auditEvent.count({ where: { organizationId: org.organizationUuid } });
    const events = () => prisma.event.count({ where: { organizationId: org.organizationUuid } });
    const [auditBefore, eventsBefore] = [await auditRows(), await events()];
    const ran: string[] = [];
    await expect(
      work.run({ type: 'operator' }, org.organizationUuid, async (w) => {
        await w.audit({ action: 'organization.updated', targetType: 'organization', targetId: org.organizationUuid });
        await w.emit([{ organizationId: org.organizationUuid, environment: 'TEST', type: 'API_KEY_UPDATED', data: {} }]);
        w.afterCommit(() => void ran.push('rolled back'));
        throw new InvalidStateError('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(ran).toEqual([]);
    expect([await auditRows(), await events()]).toEqual([auditBefore, eventsBefore]);

    const order: string[] = [];
    await work.run({ type: 'operator' }, org.organizationUuid, async (w) => {
      await w.audit({ action: 'organization.updated', targetType: 'organization', targetId: org.organizationUuid });
      w.afterCommit(() => void order.push('effect'));
      order.push('work');
    });
    expect(order).toEqual(['work', 'effect']);
    const row = await prisma.auditEvent.findFirst({ where: { organizationId: org.organizationUuid }, orderBy: { seq: 'desc' } });
    expect(row).toMatchObject({ actorKind: 'OPERATOR', action: 'organization.updated' });
  });

  it('a failing effect after commit is logged; the change stands', async () => {
    const org = await newOrganization(app);
    await app.services.work.run({ type: 'operator' }, org.organizationUuid, async (w) => {
      await w.audit({ action: 'organization.updated', targetType: 'organization', targetId: org.organizationUuid, details: { marker: 'effect-fails' } });
      w.afterCommit(() => {
        throw new Error('the mail server is away');
      });
    });
    expect(
      await app.services.prisma.auditEvent.count({ where: { organizationId: org.organizationUuid, details: { path: ['marker'], equals: 'effect-fails' } } }),
    ).toBe(1);
    expect(app.logs.text).toContain('the mail server is away');
  });

  it('disconnecting a user audits every key it revokes, as revokeAllUserKeys does', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const res = await gql(
      app,
      `mutation ($i: DisconnectUserInput!) { disconnectUser(input: $i) { __typename } }`,
      { i: { id: user.connectionId } },
      { headers: partner(org.secret) },
    );
    expect(res.data).toEqual({ disconnectUser: { __typename: 'DisconnectUserSuccess' } });
    const keys = await app.services.prisma.apiKey.findMany({
      where: { connection: { id: { not: undefined } }, organizationId: org.organizationUuid, kind: 'USER' },
    });
    expect(keys.length).toBeGreaterThan(0);
    const revoked = await app.services.prisma.auditEvent.findMany({ where: { organizationId: org.organizationUuid, action: 'api_key.revoked' } });
    expect(revoked.map((r) => r.targetId).sort()).toEqual(keys.map((k) => k.keyId).sort());
    expect(revoked.every((r) => (r.details as { disconnected?: boolean }).disconnected === true && r.actorKind === 'PARTNER_KEY')).toBe(true);
  });
});
