// Two instances' dispatchers on one PostgreSQL database (issue 17): each with its own Prisma
// client, two rounds in flight and claims growing to 100, emptying an outbox of 300 webhooks
// together. Every message is sent once, has one attempt and ends SUCCEEDED; both took part.
// Across real processes: test/transport/webhooks.test.ts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../../src/infra/database.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { verifyWebhook, WebhookReceiver } from '../helpers/webhook-receiver.ts';

let databases: Database[] = [];
let instances: TestApp[] = [];
let receiver: WebhookReceiver;

beforeAll(async () => {
  const url = await createTestDatabase(inject('postgresUrl'));
  databases = [await openDatabase({ kind: 'postgres', url }), await openDatabase({ kind: 'postgres', url })];
  // One deployment: the same encryption key (signing secrets are sealed with it).
  const encryptionKey = randomBytes(32);
  instances = await Promise.all(databases.map((database) => createTestApp({ database, encryptionKey, allowPrivateCallbacks: true })));
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.services.webhooks.stop()));
  await Promise.all(databases.map((database) => database.close()));
  await receiver.close();
});

const ENDPOINTS = 20;
const CHANGES = 15;

describe('two dispatchers on PostgreSQL', () => {
  it('deliver an outbox of 300 webhooks between them, each once', async () => {
    const [a, b] = instances as [TestApp, TestApp];
    const org = await newOrganization(a);
    for (let i = 0; i < ENDPOINTS; i++) {
      const res = await gql(
        a,
        'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
        { i: { url: `${receiver.url}/shared/e${i}`, eventTypes: ['API_KEY_UPDATED'] } },
        { headers: partner(org.secret) },
      );
      expect(res.data).toEqual({ createWebhookEndpoint: { __typename: 'CreateWebhookEndpointSuccess' } });
    }
    const key = await newPartnerKey(a, org.secret);
    // The dispatchers are not running yet: the outbox fills first.
    for (let i = 0; i < CHANGES; i++) {
      await gql(
        a,
        'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
        { i: { id: key.id, name: `Name ${i}` } },
        { headers: partner(org.secret) },
      );
    }
    const { prisma } = a.services;
    const pending = () => prisma.webhookDelivery.count({ where: { organizationId: org.organizationUuid, state: 'PENDING' } });
    expect(await pending()).toBe(ENDPOINTS * CHANGES);

    a.services.webhooks.start(100);
    b.services.webhooks.start(100);
    const deadline = Date.now() + 60_000;
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([a.services.webhooks.stop(), b.services.webhooks.stop()]);

    const ids = receiver.received.map((w) => String(w.headers['webhook-id']));
    expect(ids).toHaveLength(ENDPOINTS * CHANGES);
    expect(new Set(ids).size).toBe(ENDPOINTS * CHANGES);
    for (const webhook of receiver.received) expect(verifyWebhook(org.signingSecret, webhook)).toEqual(webhook.json);
    const deliveries = await prisma.webhookDelivery.findMany({ where: { organizationId: org.organizationUuid }, include: { attempts: true } });
    expect(deliveries.every((d) => d.state === 'SUCCEEDED' && d.attemptCount === 1 && d.attempts.length === 1 && d.leaseUntil === null)).toBe(true);
    // Each instance logs the attempts it made: both took part, and together they made one per message.
    const attemptsBy = [a, b].map((instance) => instance.logs.entries().filter((e) => e.msg === 'webhook attempt').length);
    expect(attemptsBy.every((n) => n > 0)).toBe(true);
    expect(attemptsBy[0]! + attemptsBy[1]!).toBe(ENDPOINTS * CHANGES);
  });
});
