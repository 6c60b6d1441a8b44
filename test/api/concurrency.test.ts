import { inject, describe, expect, it } from 'vitest';
import { createTestApp, sharedDatabase } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, revokeKey } from '../helpers/fixtures.ts';
import { KeyLimitReachedError } from '../../src/domain/errors.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { ConnectUser, CreatePartnerKey, CreateUserKey, PartnerKeys, RotatePartnerKey } from './operations.ts';
import { connectedUser, newEmail } from '../helpers/connections.ts';
import { mailsTo } from '../helpers/outbox.ts';
import type { Database } from '../../src/infra/database.ts';

/**
 * The 5-active-keys limit and one-successor rotation hold under real concurrency, on the
 * embedded database and on a PostgreSQL server, enforced by the database (a row lock on the
 * organization, a conditional update) rather than by luck.
 */
const targets: [string, () => Promise<Database>][] = [
  ['PGlite', () => sharedDatabase({ kind: 'memory' })],
  ['PostgreSQL', async () => sharedDatabase({ kind: 'postgres', url: await createTestDatabase(inject('postgresUrl')) })],
];

describe.each(targets)('concurrency on %s', (_name, open) => {
  it('with one active key, 12 simultaneous creates give exactly 4 successes', async () => {
    const app = await createTestApp({ database: await open() });
    const org = await newOrganization(app);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        gql(app, CreatePartnerKey, { input: { name: `Racer ${i}`, permissions: ['KEYS_READ'] } }, { headers: partner(org.secret) }),
      ),
    );
    const outcomes = results.map((r) => r.data?.createPartnerKey.__typename ?? JSON.stringify(r.errors));
    expect(outcomes.filter((o) => o === 'CreatePartnerKeySuccess')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'KeyLimitReachedError')).toHaveLength(8);
    const list = await gql(app, PartnerKeys, {}, { headers: partner(org.secret) });
    expect(list.data!.partnerKeys.edges).toHaveLength(5);
  });

  it('at the service level too (no HTTP pacing): 12 creates → 4, and from 0 active, 50 creates → 5', async () => {
    const app = await createTestApp({ database: await open() });
    const create = (organizationId: string, i: number) =>
      app.services.apiKeys.createPartnerKey({ type: 'operator' }, { organizationId, name: `Racer ${i}`, permissions: ['KEYS_READ'] });
    const org = await newOrganization(app);
    const twelve = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => create(org.organizationUuid, i)));
    expect(twelve.filter((r) => r.status === 'fulfilled')).toHaveLength(4);

    const empty = await newOrganization(app);
    await revokeKey(app, empty.secret, empty.keyGlobalId);
    const fifty = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => create(empty.organizationUuid, i)));
    expect(fifty.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const rejected = fifty.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.every((r) => r.reason instanceof KeyLimitReachedError)).toBe(true);
  });

  it('with one active user key, 30 simultaneous createUserKey calls give exactly 19 successes', async () => {
    const app = await createTestApp({ database: await open() });
    const org = await newOrganization(app);
    const user = await connectedUser(app, org);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        gql(
          app,
          CreateUserKey,
          { input: { connectionId: user.connectionId, name: `Racer ${i}`, permissions: ['ORDERS_READ'] } },
          { headers: partner(org.secret) },
        ),
      ),
    );
    const outcomes = results.map((r) => r.data?.createUserKey.__typename ?? JSON.stringify(r.errors));
    expect(outcomes.filter((o) => o === 'CreateUserKeySuccess')).toHaveLength(19);
    expect(outcomes.filter((o) => o === 'KeyLimitReachedError')).toHaveLength(11);
  });

  it('8 simultaneous connectUser calls for one new user make one user, one connection and one email', async () => {
    const app = await createTestApp({ database: await open() });
    const org = await newOrganization(app);
    const email = newEmail();
    const results = await Promise.all(Array.from({ length: 8 }, () => gql(app, ConnectUser, { input: { email } }, { headers: partner(org.secret) })));
    const ids = new Set(results.map((r) => (r.data?.connectUser.__typename === 'ConnectUserSuccess' ? r.data.connectUser.connection.id : JSON.stringify(r))));
    expect(ids.size).toBe(1);
    expect(mailsTo(app, email)).toHaveLength(1);
    expect(await app.database.prisma.user.count({ where: { email: email.toLowerCase() } })).toBe(1);
  });

  it('10 simultaneous rotations of one key give exactly one successor', async () => {
    const app = await createTestApp({ database: await open() });
    const org = await newOrganization(app);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        gql(app, RotatePartnerKey, { input: { id: org.keyGlobalId, gracePeriodSeconds: 60 } }, { headers: partner(org.secret) }),
      ),
    );
    const outcomes = results.map((r) => r.data?.rotatePartnerKey.__typename ?? JSON.stringify(r.errors));
    expect(outcomes.filter((o) => o === 'RotatePartnerKeySuccess')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'InvalidStateError')).toHaveLength(9);
    // Exactly one key was issued besides the original: failed rotations left nothing behind.
    const all = await gql(app, PartnerKeys, { includeInactive: true }, { headers: partner(org.secret) });
    expect(all.data!.partnerKeys.edges).toHaveLength(2);
  });
});
