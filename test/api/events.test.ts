// The event log (issue 4): every connection status change and every key lifecycle change is an
// event row written in the change's transaction, numbered per organization in commit order.
// Driven through the API as a client would, then read from the table.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Event } from '../../src/generated/prisma/client.ts';
import { createTestApp, sharedDatabase, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { connectedUser, newEmail } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey, type OrgFixture } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { ConnectUser, CreatePartnerKey, DisconnectUser, RevokePartnerKey, RotatePartnerKey, UpdatePartnerKey } from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

async function eventsOf(target: TestApp, org: OrgFixture): Promise<Event[]> {
  return target.services.prisma.event.findMany({ where: { organizationId: org.organizationUuid }, orderBy: { position: 'asc' } });
}

async function headOf(target: TestApp, org: OrgFixture): Promise<bigint> {
  const row = await target.services.prisma.organization.findUniqueOrThrow({ where: { id: org.organizationUuid } });
  return row.eventSeq;
}

const summary = (events: Event[]) =>
  events.map((e) => [e.type, (e.data as { keyId?: string; status?: string }).keyId ?? (e.data as { status?: string }).status]);

/** Positions 1..n without gap or duplicate, and the organization's counter at n. */
async function expectContiguous(target: TestApp, org: OrgFixture, events: Event[]) {
  expect(events.map((e) => Number(e.position))).toEqual(events.map((_, i) => i + 1));
  expect(await headOf(target, org)).toBe(BigInt(events.length));
}

describe('event log: partner keys', () => {
  it('writes one event per change, in order, with consecutive positions and no secret', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret, { name: 'Logged' });
    await gql(app, UpdatePartnerKey, { input: { id: key.id, name: 'Renamed' } }, { headers: partner(org.secret) });
    const rotated = await gql(app, RotatePartnerKey, { input: { id: key.id } }, { headers: partner(org.secret) });
    if (rotated.data?.rotatePartnerKey.__typename !== 'RotatePartnerKeySuccess') throw new Error(JSON.stringify(rotated));
    const successor = rotated.data.rotatePartnerKey;
    await gql(app, RevokePartnerKey, { input: { id: successor.key.id } }, { headers: partner(org.secret) });

    const events = await eventsOf(app, org);
    expect(summary(events)).toEqual([
      ['API_KEY_CREATED', org.keyId], // the organization's first key
      ['API_KEY_CREATED', key.keyId],
      ['API_KEY_UPDATED', key.keyId],
      ['API_KEY_ROTATED', key.keyId],
      ['API_KEY_CREATED', successor.key.keyId],
      ['API_KEY_REVOKED', key.keyId], // rotated without grace: revoked at once
      ['API_KEY_REVOKED', successor.key.keyId],
    ]);
    await expectContiguous(app, org, events);
    expect(events[3]!.data).toMatchObject({ successorKeyId: successor.key.keyId, gracePeriodSeconds: 0 });
    expect(events[2]!.data).toMatchObject({ changed: ['name'] });
    for (const event of events) {
      expect(event.environment).toBe('TEST');
      expect(event.apiKeyId).not.toBeNull();
    }
    const text = JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const secret of [org.secret, key.secret, successor.secret]) expect(text).not.toContain(secret.slice(-20));
    expect(text).not.toMatch(/kw_(ptr|usr)_/);
  });

  it('writes nothing and keeps the position when a change fails', async () => {
    const org = await newOrganization(app);
    for (let i = 0; i < 3; i++) await newPartnerKey(app, org.secret, { name: `Key ${i}` });
    const revoked = await newPartnerKey(app, org.secret, { name: 'Doomed' });
    await gql(app, RevokePartnerKey, { input: { id: revoked.id } }, { headers: partner(org.secret) });
    await newPartnerKey(app, org.secret, { name: 'Fifth' });
    const before = await eventsOf(app, org);

    const sixth = await gql(app, CreatePartnerKey, { input: { name: 'Sixth', permissions: ['KEYS_READ'] } }, { headers: partner(org.secret) });
    expect(sixth.data?.createPartnerKey).toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    const again = await gql(app, RotatePartnerKey, { input: { id: revoked.id } }, { headers: partner(org.secret) });
    expect(again.data?.rotatePartnerKey).toMatchObject({ code: 'INVALID_STATE' });
    const invalid = await gql(app, CreatePartnerKey, { input: { name: 'x', permissions: ['KEYS_READ'] } }, { headers: partner(org.secret) });
    expect(invalid.data?.createPartnerKey).toMatchObject({ code: 'VALIDATION_FAILED' });

    expect(await eventsOf(app, org)).toEqual(before);
    expect(await headOf(app, org)).toBe(BigInt(before.length));
  });

  it('writes EXPIRED once when a key passes its expiry, and for a grace rotation after the grace period', async () => {
    const org = await newOrganization(app);
    const expiring = await newPartnerKey(app, org.secret, { name: 'Short-lived', expiresAt: new Date(app.clock.now().getTime() + 60_000).toISOString() });
    const graced = await newPartnerKey(app, org.secret, { name: 'Graced' });
    const rotated = await gql(app, RotatePartnerKey, { input: { id: graced.id, gracePeriodSeconds: 3600 } }, { headers: partner(org.secret) });
    expect(rotated.data?.rotatePartnerKey.__typename).toBe('RotatePartnerKeySuccess');
    const expiredOf = async () => (await eventsOf(app, org)).filter((e) => e.type === 'API_KEY_EXPIRED').map((e) => (e.data as { keyId: string }).keyId);

    await app.services.sweeper.runOnce();
    expect(await expiredOf()).toEqual([]);
    app.clock.advance(61_000);
    try {
      await app.services.sweeper.runOnce();
      expect(await expiredOf()).toEqual([expiring.keyId]);
      app.clock.advance(3_600_000);
      // Two sweepers at once (two instances): still one event per key.
      await Promise.all([app.services.sweeper.runOnce(), app.services.sweeper.runOnce()]);
      await app.services.sweeper.runOnce();
      expect(await expiredOf()).toEqual([expiring.keyId, graced.keyId]);
      await expectContiguous(app, org, await eventsOf(app, org));
    } finally {
      app.clock.reset();
    }
  });

  it('numbers each organization from 1', async () => {
    const [a, b] = [await newOrganization(app), await newOrganization(app)];
    await newPartnerKey(app, b.secret);
    expect((await eventsOf(app, a)).map((e) => Number(e.position))).toEqual([1]);
    expect((await eventsOf(app, b)).map((e) => Number(e.position))).toEqual([1, 2]);
  });
});

describe('event log: connections and user keys', () => {
  it('records each status change, then what it caused, in order', async () => {
    const org = await newOrganization(app);
    const user = await connectedUser(app, org, { ref: 'partner-user-1' });
    const disconnected = await gql(app, DisconnectUser, { input: { id: user.connection!.id } }, { headers: partner(org.secret) });
    expect(disconnected.data?.disconnectUser.__typename).toBe('DisconnectUserSuccess');

    const events = (await eventsOf(app, org)).slice(1); // after the org's first key
    const flow = events.map((e) => {
      const data = e.data as { status?: string; previousStatus?: string | null; keyId?: string; kind?: string; ref?: string };
      return e.type === 'CONNECTION_STATUS_CHANGED' ? [e.type, data.previousStatus, data.status, data.ref] : [e.type, data.kind];
    });
    expect(flow).toEqual([
      ['CONNECTION_STATUS_CHANGED', null, 'ONBOARDING', 'partner-user-1'],
      ['CONNECTION_STATUS_CHANGED', 'ONBOARDING', 'PENDING', 'partner-user-1'],
      ['CONNECTION_STATUS_CHANGED', 'PENDING', 'CONNECTED', 'partner-user-1'],
      ['API_KEY_CREATED', 'USER'],
      ['CONNECTION_STATUS_CHANGED', 'CONNECTED', 'REVOKED', 'partner-user-1'],
      ['API_KEY_REVOKED', 'USER'],
    ]);
    for (const event of events) expect(event.connectionId).not.toBeNull();
    await expectContiguous(app, org, await eventsOf(app, org));
    // The user key is in the connectUser answer, never in an event.
    expect(JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(user.apiKey!.slice(-20));
  });

  it('writes no event when connectUser only updates a connection on its way', async () => {
    const org = await newOrganization(app);
    const email = newEmail();
    await gql(app, ConnectUser, { input: { email } }, { headers: partner(org.secret) });
    const before = await eventsOf(app, org);
    await gql(app, ConnectUser, { input: { email, ref: 'later' } }, { headers: partner(org.secret) });
    expect(await eventsOf(app, org)).toEqual(before);
  });
});

describe('event log on PostgreSQL under concurrency', () => {
  let pg: TestApp;
  beforeAll(async () => {
    pg = await createTestApp({ database: await sharedDatabase({ kind: 'postgres', url: await createTestDatabase(inject('postgresUrl')) }) });
  });
  afterAll(async () => {
    await pg?.database.close();
  });

  it('gives concurrent changes of one organization positions 1..n in commit order', async () => {
    const org = await newOrganization(pg);
    const keys = await Promise.all([1, 2, 3, 4].map((i) => newPartnerKey(pg, org.secret, { name: `Parallel ${i}` })));
    await Promise.all([
      ...keys.map((k) => gql(pg, RevokePartnerKey, { input: { id: k.id } }, { headers: partner(org.secret) })),
      ...Array.from({ length: 8 }, () => gql(pg, ConnectUser, { input: { email: newEmail() } }, { headers: partner(org.secret) })),
      ...keys.slice(0, 2).map((k) => gql(pg, UpdatePartnerKey, { input: { id: k.id, name: 'Too late' } }, { headers: partner(org.secret) })),
    ]);
    const events = await eventsOf(pg, org);
    expect(events).toHaveLength(1 + 4 + 4 + 8 + events.filter((e) => e.type === 'API_KEY_UPDATED').length);
    await expectContiguous(pg, org, events);
    // Commit order: each key's CREATED comes before its REVOKED, and nothing follows a key's REVOKED.
    for (const key of keys) {
      const positions = events.filter((e) => (e.data as { keyId?: string }).keyId === key.keyId).map((e) => e.type);
      expect(positions[0]).toBe('API_KEY_CREATED');
      expect(positions.at(-1)).toBe('API_KEY_REVOKED');
    }
    expect(events.filter((e) => e.type === 'CONNECTION_STATUS_CHANGED')).toHaveLength(8);
  });
});
