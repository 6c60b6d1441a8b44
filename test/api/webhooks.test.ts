// Webhook delivery (issue 5): endpoints receive the event types they selected, of their own
// organization and environment; connect callbacks; Standard Webhooks signatures verified with the
// `standardwebhooks` package; retries on the schedule (an injectable clock instead of waiting);
// Retry-After; 410 and 5 days of failures disable; redirects are failures; redelivery; every
// attempt listed; no secret anywhere but the verification-status callback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RETRY_SCHEDULE_SECONDS, webhookIdOf } from '../../src/domain/webhooks/webhook-payloads.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { connectedUser, newEmail } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey, revokeKey, type OrgFixture } from '../helpers/fixtures.ts';
import { signedWith, verifyWebhook, WebhookReceiver, type ReceivedWebhook } from '../helpers/webhook-receiver.ts';

let app: TestApp;
let receiver: WebhookReceiver;
let pathSeq = 0;

beforeAll(async () => {
  app = await createTestApp({ allowPrivateCallbacks: true });
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());
afterEach(() => app.clock.reset());

const CREATE_ENDPOINT = `mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) {
  __typename ... on CreateWebhookEndpointSuccess { endpoint { id } } ... on Error { code } } }`;
const ENDPOINTS = `{ webhookEndpoints(first: 50) { edges { node { id enabled disabledReason } } } }`;
const DELIVERIES = `query ($webhookId: String, $endpointId: ID) { webhookDeliveries(first: 100, webhookId: $webhookId, endpointId: $endpointId) { edges { node {
  id webhookId eventType eventCursor state url attempt manual succeeded statusCode durationMs error nextAttemptAt attemptedAt endpoint { id } } } } }`;
const REDELIVER = `mutation ($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) {
  __typename ... on RedeliverWebhookSuccess { delivery { webhookId attempt manual succeeded statusCode } } ... on Error { code message } } }`;

interface Delivery {
  id: string;
  webhookId: string;
  eventType: string;
  eventCursor: string | null;
  state: string;
  url: string;
  attempt: number;
  manual: boolean;
  succeeded: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  nextAttemptAt: string | null;
  attemptedAt: string;
  endpoint: { id: string } | null;
}

/** A path of its own on the shared receiver, so each test reads only its webhooks. */
const newPath = () => `/t${++pathSeq}`;
const at = (path: string) => receiver.received.filter((w) => w.path.startsWith(`${path}/`) || w.path === path);

async function endpoint(org: OrgFixture, path: string, eventTypes: string[]): Promise<string> {
  const res = await gql(app, CREATE_ENDPOINT, { i: { url: `${receiver.url}${path}`, eventTypes } }, { headers: partner(org.secret) });
  const payload = (res.data as { createWebhookEndpoint: { endpoint?: { id: string } } }).createWebhookEndpoint;
  if (!payload.endpoint) throw new Error(JSON.stringify(res));
  return payload.endpoint.id;
}

async function deliveries(org: OrgFixture, filter: { webhookId?: string; endpointId?: string } = {}): Promise<Delivery[]> {
  const res = await gql(app, DELIVERIES, filter, { headers: partner(org.secret) });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return (res.data as { webhookDeliveries: { edges: { node: Delivery }[] } }).webhookDeliveries.edges.map((e) => e.node);
}

/** Runs the dispatcher until nothing due is left (what the background job does every second). */
async function deliverDue(): Promise<void> {
  while ((await app.services.webhooks.runOnce()) > 0);
}

/** Moves the clock to when a message's next attempt is due, and runs it. */
async function runNextAttempt(webhookId: string): Promise<void> {
  const row = await app.services.prisma.webhookDelivery.findFirstOrThrow({ where: { id: idOf(webhookId) } });
  if (!row.nextAttemptAt) throw new Error(`no next attempt for ${webhookId} (${row.state})`);
  app.clock.advance(row.nextAttemptAt.getTime() - app.clock.now().getTime() + 1);
  await deliverDue();
}
const idOf = (webhookId: string) => webhookId.replace(/^msg_(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

describe('webhooks to endpoints', () => {
  it('delivers the selected event types of its organization and environment, verified with standardwebhooks', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    await endpoint(org, path, ['API_KEY_CREATED', 'API_KEY_REVOKED']);
    const key = await newPartnerKey(app, org.secret, { name: 'Hooked' });
    await gql(
      app,
      'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
      { i: { id: key.id, name: 'Renamed' } },
      { headers: partner(org.secret) },
    );
    await revokeKey(app, org.secret, key.id);
    // Another organization, and the same organization's LIVE environment: none of it reaches this endpoint.
    const stranger = await newOrganization(app);
    await newPartnerKey(app, stranger.secret);
    const live = await app.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: org.organizationUuid, environment: 'LIVE', name: 'Live', permissions: ['KEYS_READ'] },
    );
    await deliverDue();

    // Webhooks are not ordered (several are sent at once); data.cursor orders them.
    const received = at(path).sort((x, y) => x.json.type.localeCompare(y.json.type));
    expect(received.map((w) => [w.json.type, w.json.data.keyId])).toEqual([
      ['api_key.created', key.keyId],
      ['api_key.revoked', key.keyId],
    ]);
    for (const webhook of received) expect(verifyWebhook(org.signingSecret, webhook)).toEqual(webhook.json);
    expect(received[0]!.body).toMatch(/^\{"type":"api_key.created","timestamp":"[^"]+","data":\{/);
    expect(received[0]!.json).toEqual({
      type: 'api_key.created',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { apiKeyId: key.id, keyId: key.keyId, kind: 'PARTNER', connectionId: null, environment: 'TEST', cursor: expect.any(String) },
    });
    expect(JSON.stringify(received)).not.toMatch(/kw_(ptr|usr)_/);
    expect(JSON.stringify(received)).not.toContain(live.key.keyId);
  });

  it('lists every attempt to the organization that owns it, and to no one else', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const endpointId = await endpoint(org, path, ['API_KEY_CREATED']);
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const [webhook] = at(path);
    const list = await deliveries(org);
    expect(list).toEqual([
      {
        id: expect.any(String),
        webhookId: webhook!.headers['webhook-id'],
        eventType: 'api_key.created',
        eventCursor: webhook!.json.data.cursor,
        state: 'SUCCEEDED',
        url: `${receiver.url}${path}`,
        attempt: 1,
        manual: false,
        succeeded: true,
        statusCode: 200,
        durationMs: expect.any(Number),
        error: null,
        nextAttemptAt: null,
        attemptedAt: expect.any(String),
        endpoint: { id: endpointId },
      },
    ]);
    expect(await deliveries(org, { endpointId })).toHaveLength(1);
    expect(await deliveries(org, { webhookId: list[0]!.webhookId })).toHaveLength(1);
    expect(await deliveries(org, { webhookId: 'msg_nothing' })).toHaveLength(0);
    const stranger = await newOrganization(app);
    expect(await deliveries(stranger)).toEqual([]);
    expect(await deliveries(stranger, { endpointId })).toEqual([]);
    const node = await gql(app, 'query ($id: ID!) { node(id: $id) { id } }', { id: list[0]!.id }, { headers: partner(stranger.secret) });
    expect(node.data).toEqual({ node: null });
  });

  it('retries a failing endpoint at +5 s, +5 min, +30 min (with jitter), with the same webhook-id and fresh signatures', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    await endpoint(org, path, ['API_KEY_CREATED']);
    receiver.replyAt(path, { status: 500 }, { status: 500 }, { status: 500 });
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const webhookId = String(at(path)[0]!.headers['webhook-id']);
    // Nothing is due before its time.
    app.clock.advance(4_000);
    await deliverDue();
    expect(at(path)).toHaveLength(1);
    for (let i = 0; i < 3; i++) await runNextAttempt(webhookId);

    const received = at(path);
    expect(received).toHaveLength(4);
    expect(new Set(received.map((w) => w.headers['webhook-id']))).toEqual(new Set([webhookId]));
    expect(new Set(received.map((w) => w.headers['webhook-timestamp'])).size).toBe(4);
    for (const webhook of received) expect(signedWith(org.signingSecret, webhook)).toBe(true);
    expect(new Set(received.map((w) => w.body)).size).toBe(1);

    const attempts = (await deliveries(org, { webhookId })).reverse();
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.succeeded, a.state])).toEqual([
      [1, 500, false, 'SUCCEEDED'],
      [2, 500, false, 'SUCCEEDED'],
      [3, 500, false, 'SUCCEEDED'],
      [4, 200, true, 'SUCCEEDED'],
    ]);
    RETRY_SCHEDULE_SECONDS.slice(0, 3).forEach((seconds, i) => {
      const wait = Date.parse(attempts[i]!.nextAttemptAt!) - Date.parse(attempts[i]!.attemptedAt);
      expect(wait).toBeGreaterThanOrEqual(seconds * 900);
      expect(wait).toBeLessThanOrEqual(seconds * 1100);
      expect(attempts[i]!.error).toBe('HTTP 500');
    });
    expect(attempts[3]!.nextAttemptAt).toBeNull();
  });

  it('honours Retry-After on a 429 or 503, and counts a redirect as a failure without following it', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    await endpoint(org, path, ['API_KEY_CREATED']);
    receiver.replyAt(path, { status: 503, headers: { 'retry-after': '600' } }, { status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const webhookId = String(at(path)[0]!.headers['webhook-id']);
    const [first] = await deliveries(org, { webhookId });
    expect(Date.parse(first!.nextAttemptAt!) - Date.parse(first!.attemptedAt)).toBeGreaterThanOrEqual(600_000);
    await runNextAttempt(webhookId);
    const [second] = await deliveries(org, { webhookId });
    expect(second).toMatchObject({ attempt: 2, statusCode: 302, succeeded: false, error: 'redirect (302) not followed', state: 'PENDING' });
    expect(receiver.received.filter((w) => w.path === '/elsewhere')).toHaveLength(0);
  });

  it('gives up after the last scheduled attempt (10 in about 75 hours)', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    await endpoint(org, path, ['API_KEY_CREATED']);
    receiver.replyAt(path, ...Array.from({ length: 10 }, () => ({ status: 500 })));
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const webhookId = String(at(path)[0]!.headers['webhook-id']);
    for (let i = 0; i < 9; i++) await runNextAttempt(webhookId);
    const attempts = await deliveries(org, { webhookId });
    expect(attempts).toHaveLength(10);
    expect(attempts[0]).toMatchObject({ attempt: 10, state: 'FAILED', nextAttemptAt: null });
    const hours = (Date.parse(attempts[0]!.attemptedAt) - Date.parse(attempts[9]!.attemptedAt)) / 3_600_000;
    expect(hours).toBeGreaterThan(75.6 * 0.9);
    expect(hours).toBeLessThan(75.6 * 1.1);
    app.clock.advance(48 * 3_600_000);
    await deliverDue();
    expect(at(path)).toHaveLength(10);
  });

  it('disables an endpoint that answers 410: its pending deliveries stop, the other endpoints hear of it, an audit row says why', async () => {
    const org = await newOrganization(app);
    const [gone, watcher] = [newPath(), newPath()];
    const goneId = await endpoint(org, gone, ['API_KEY_CREATED']);
    await endpoint(org, watcher, ['WEBHOOK_ENDPOINT_DISABLED']);
    // The first delivery fails and waits for its retry; the second is answered 410.
    receiver.replyAt(gone, { status: 500 }, { status: 410 });
    await newPartnerKey(app, org.secret);
    await deliverDue();
    await newPartnerKey(app, org.secret);
    await deliverDue();

    expect(at(gone)).toHaveLength(2);
    const list = await gql(app, ENDPOINTS, {}, { headers: partner(org.secret) });
    expect((list.data as { webhookEndpoints: { edges: { node: unknown }[] } }).webhookEndpoints.edges.map((e) => e.node)).toContainEqual({
      id: goneId,
      enabled: false,
      disabledReason: 'The endpoint answered 410 Gone',
    });
    const [notice] = at(watcher);
    expect(notice!.json).toMatchObject({ type: 'webhook_endpoint.disabled', data: { webhookEndpointId: goneId, reason: 'The endpoint answered 410 Gone' } });
    expect(verifyWebhook(org.signingSecret, notice!)).toBeTruthy();
    const states = await app.services.prisma.webhookDelivery.findMany({
      where: { endpointId: (await app.services.prisma.webhookEndpoint.findFirstOrThrow({ where: { url: `${receiver.url}${gone}` } })).id },
    });
    expect(states.map((s) => s.state).sort()).toEqual(['CANCELLED', 'FAILED']);
    const audit = await app.services.prisma.auditEvent.findFirst({ where: { organizationId: org.organizationUuid, action: 'webhook_endpoint.disabled' } });
    expect(audit).toMatchObject({ actorKind: 'SYSTEM', details: { reason: 'The endpoint answered 410 Gone' } });
    // Nothing more is sent to it, not even the retry that was due.
    app.clock.advance(3_600_000);
    await newPartnerKey(app, org.secret);
    await deliverDue();
    expect(at(gone)).toHaveLength(2);
  });

  it('disables an endpoint whose deliveries have failed for 5 days; a success in between resets the count', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const endpointId = await endpoint(org, path, ['API_KEY_UPDATED']);
    const key = await newPartnerKey(app, org.secret);
    const change = () =>
      gql(
        app,
        'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
        { i: { id: key.id, name: `Name ${Math.random()}` } },
        { headers: partner(org.secret) },
      );
    const failAll = () => receiver.replyAt(path, ...Array.from({ length: 100 }, () => ({ status: 500 })));
    const changeAt = async (hours: number) => {
      app.clock.advance(hours * 3_600_000);
      await change();
      await deliverDue();
    };
    const row = () => app.services.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: Buffer.from(endpointId, 'base64').toString().split(':')[1]! } });
    failAll();
    await changeAt(0);
    await changeAt(3 * 24);
    expect((await row()).failingSince).not.toBeNull();
    // A success resets the run of failures.
    receiver.clearRepliesAt(path);
    await changeAt(1);
    expect((await row()).failingSince).toBeNull();
    await app.services.prisma.webhookDelivery.updateMany({ where: { organizationId: org.organizationUuid }, data: { state: 'CANCELLED' } });
    failAll();
    await changeAt(0);
    await changeAt(4 * 24);
    expect(await row()).toMatchObject({ enabled: true });
    await changeAt(24 + 1);
    expect(await row()).toMatchObject({ enabled: false, disabledReason: 'Every delivery failed for 5 days' });
    // Enabled again by the partner: a fresh start, not disabled again by the next failure.
    await gql(
      app,
      'mutation ($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { __typename } }',
      { i: { id: endpointId, enabled: true } },
      { headers: partner(org.secret) },
    );
    await changeAt(1);
    expect(await row()).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('redelivers a message now with the same webhook-id; not another organization’s, not to a disabled endpoint', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const endpointId = await endpoint(org, path, ['API_KEY_CREATED']);
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const [first] = await deliveries(org);
    const res = await gql(app, REDELIVER, { i: { id: first!.id } }, { headers: partner(org.secret) });
    expect(res.data).toEqual({
      redeliverWebhook: {
        __typename: 'RedeliverWebhookSuccess',
        delivery: { webhookId: first!.webhookId, attempt: 2, manual: true, succeeded: true, statusCode: 200 },
      },
    });
    expect(at(path).map((w) => w.headers['webhook-id'])).toEqual([first!.webhookId, first!.webhookId]);
    expect(verifyWebhook(org.signingSecret, at(path)[1]!)).toEqual(at(path)[0]!.json);

    const stranger = await newOrganization(app);
    expect((await gql(app, REDELIVER, { i: { id: first!.id } }, { headers: partner(stranger.secret) })).data).toMatchObject({
      redeliverWebhook: { code: 'NOT_FOUND' },
    });
    expect((await gql(app, REDELIVER, { i: { id: 'garbage' } }, { headers: partner(org.secret) })).data).toMatchObject({
      redeliverWebhook: { code: 'NOT_FOUND' },
    });
    await gql(
      app,
      'mutation ($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { __typename } }',
      { i: { id: endpointId, enabled: false } },
      { headers: partner(org.secret) },
    );
    expect((await gql(app, REDELIVER, { i: { id: first!.id } }, { headers: partner(org.secret) })).data).toMatchObject({
      redeliverWebhook: { code: 'INVALID_STATE' },
    });
    expect(at(path)).toHaveLength(2);
  });

  it('shows the partner only the status code and duration of an answer, never its body (A-15)', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    await endpoint(org, path, ['API_KEY_CREATED']);
    receiver.replyAt(path, { status: 500, body: 'internal-detail-7f3a <html>stack trace</html>' });
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const list = await gql(app, DELIVERIES, {}, { headers: partner(org.secret) });
    expect((list.data as { webhookDeliveries: { edges: { node: Delivery }[] } }).webhookDeliveries.edges[0]!.node).toMatchObject({
      statusCode: 500,
      error: 'HTTP 500',
    });
    expect(JSON.stringify(list)).not.toContain('internal-detail-7f3a');
    expect(app.logs.text).not.toContain('internal-detail-7f3a');
  });

  it('checks the address a host name resolves to when it connects: a name that now points at 127.0.0.1 is refused (A-12)', async () => {
    // Production rules (no private targets); the name passes registration, and resolves to 127.0.0.1 when a delivery connects.
    const strict = await createTestApp({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const org = await newOrganization(strict);
    const created = await gql(
      strict,
      CREATE_ENDPOINT,
      { i: { url: 'https://hooks.rebinding.example/keyward', eventTypes: ['API_KEY_CREATED'] } },
      { headers: partner(org.secret) },
    );
    expect(created.data).toMatchObject({ createWebhookEndpoint: { __typename: 'CreateWebhookEndpointSuccess' } });
    await newPartnerKey(strict, org.secret);
    while ((await strict.services.webhooks.runOnce()) > 0);
    const res = await gql(strict, DELIVERIES, {}, { headers: partner(org.secret) });
    expect((res.data as { webhookDeliveries: { edges: { node: Delivery }[] } }).webhookDeliveries.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({
        succeeded: false,
        statusCode: null,
        error: 'refused: hooks.rebinding.example resolves to 127.0.0.1, which is a loopback address',
        state: 'PENDING',
      }),
    ]);
  });

  it('keeps finished deliveries 30 days, pending ones until they finish; prunes in statements of at most one batch', async () => {
    const org = await newOrganization(app);
    const [ok, alsoOk, failing] = [newPath(), newPath(), newPath()];
    await endpoint(org, ok, ['API_KEY_CREATED']);
    await endpoint(org, alsoOk, ['API_KEY_CREATED']);
    await endpoint(org, failing, ['API_KEY_CREATED']);
    receiver.replyAt(failing, { status: 500 });
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const count = () => app.services.prisma.webhookDelivery.count({ where: { organizationId: org.organizationUuid } });
    expect(await count()).toBe(3);
    app.clock.advance(29 * 24 * 3_600_000);
    await app.services.webhooks.pruneFinished();
    expect(await count()).toBe(3);
    app.clock.advance(2 * 24 * 3_600_000);
    // Batches of 1: every statement but the last deletes one (the last finds none and ends the pass).
    const pruned = await app.services.webhooks.pruneFinished(1);
    expect(pruned.deleted).toBeGreaterThanOrEqual(2);
    expect(pruned.statements).toBe(pruned.deleted + 1);
    expect(await app.services.prisma.webhookDelivery.findMany({ where: { organizationId: org.organizationUuid }, select: { state: true } })).toEqual([
      { state: 'PENDING' },
    ]);
    expect(await deliveries(org)).toHaveLength(1);
  });

  it('needs WEBHOOKS_WRITE to list or redeliver', async () => {
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const res = await gql(app, DELIVERIES, {}, { headers: partner(reader.secret) });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('dispatcher rounds (issue 17)', () => {
  const SANDBOX = 'mutation ($i: CreateSandboxUserInput!) { createSandboxUser(input: $i) { ... on CreateSandboxUserSuccess { apiKey } } }';
  const endpointUuid = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1]!;

  it('records each attempt of one round, recorded together: a success, a retry, a 410, a last attempt and a callback', async () => {
    const org = await newOrganization(app);
    const [ok, retry, gone, last, callback] = [newPath(), newPath(), newPath(), newPath(), newPath()];
    const ids = {
      ok: await endpoint(org, ok, ['API_KEY_CREATED']),
      retry: await endpoint(org, retry, ['API_KEY_CREATED']),
      gone: await endpoint(org, gone, ['API_KEY_CREATED']),
      last: await endpoint(org, last, ['API_KEY_CREATED']),
    };
    receiver.replyAt(retry, { status: 500 });
    receiver.replyAt(gone, { status: 410 });
    receiver.replyAt(last, { status: 503 });
    // One change: the user key's api_key.created to each endpoint, and the connection's verification-status callback.
    const res = await gql(
      app,
      SANDBOX,
      { i: { type: 'PERSON', callback: `${receiver.url}${callback}` } },
      { headers: partner(org.secret), signWith: org.signingSecret },
    );
    const apiKey = (res.data as { createSandboxUser: { apiKey: string } }).createSandboxUser.apiKey;
    const rows = () => app.services.prisma.webhookDelivery.findMany({ where: { organizationId: org.organizationUuid } });
    const byEndpoint = (list: Awaited<ReturnType<typeof rows>>, id: string | null) => list.find((d) => d.endpointId === (id && endpointUuid(id)))!;
    expect(await rows()).toHaveLength(5);
    // As if nine scheduled attempts had failed already: this one is the last.
    await app.services.prisma.webhookDelivery.update({ where: { id: byEndpoint(await rows(), ids.last).id }, data: { attemptCount: 9 } });

    expect(await app.services.webhooks.runOnce()).toBe(5);
    const after = await rows();
    expect(after.every((d) => d.leaseUntil === null)).toBe(true);
    expect(byEndpoint(after, ids.ok)).toMatchObject({ state: 'SUCCEEDED', attemptCount: 1, nextAttemptAt: null });
    expect(byEndpoint(after, ids.retry)).toMatchObject({ state: 'PENDING', attemptCount: 1, nextAttemptAt: expect.any(Date) });
    expect(byEndpoint(after, ids.gone)).toMatchObject({ state: 'FAILED', attemptCount: 1, nextAttemptAt: null });
    expect(byEndpoint(after, ids.last)).toMatchObject({ state: 'FAILED', attemptCount: 10, nextAttemptAt: null });
    expect(byEndpoint(after, null)).toMatchObject({
      state: 'SUCCEEDED',
      attemptCount: 1,
      sealedApiKey: null,
      callbackUrl: `${receiver.url}${callback}/verification-status`,
    });

    const attempts = await deliveries(org);
    const attemptAt = (path: string) => attempts.find((a) => a.url.startsWith(`${receiver.url}${path}`))!;
    expect(attempts).toHaveLength(5);
    expect(attemptAt(ok)).toMatchObject({ attempt: 1, succeeded: true, statusCode: 200, error: null, nextAttemptAt: null, state: 'SUCCEEDED', manual: false });
    expect(attemptAt(retry)).toMatchObject({ attempt: 1, succeeded: false, statusCode: 500, error: 'HTTP 500', state: 'PENDING' });
    const wait = Date.parse(attemptAt(retry).nextAttemptAt!) - Date.parse(attemptAt(retry).attemptedAt);
    expect(wait).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS[0]! * 900);
    expect(wait).toBeLessThanOrEqual(RETRY_SCHEDULE_SECONDS[0]! * 1100);
    expect(attemptAt(gone)).toMatchObject({ attempt: 1, succeeded: false, statusCode: 410, error: 'HTTP 410', nextAttemptAt: null, state: 'FAILED' });
    expect(attemptAt(last)).toMatchObject({ attempt: 10, succeeded: false, statusCode: 503, nextAttemptAt: null, state: 'FAILED' });
    expect(attemptAt(callback)).toMatchObject({ attempt: 1, succeeded: true, statusCode: 200, state: 'SUCCEEDED', endpoint: null });
    expect(verifyWebhook(org.signingSecret, at(callback)[0]!)).toMatchObject({ data: { apikey: apiKey } });
    // The 410 disabled its endpoint; the retrying one is failing since this round.
    const endpoints = await app.services.prisma.webhookEndpoint.findMany({ where: { organizationId: org.organizationUuid } });
    const endpointRow = (id: string) => endpoints.find((e) => e.id === endpointUuid(id))!;
    expect(endpointRow(ids.gone)).toMatchObject({ enabled: false, disabledReason: 'The endpoint answered 410 Gone' });
    expect(endpointRow(ids.retry).failingSince).toEqual(new Date(attemptAt(retry).attemptedAt));
    expect(endpointRow(ids.ok)).toMatchObject({ enabled: true, failingSince: null });

    // A redelivery that fails on a finished message is recorded without changing its state or schedule.
    receiver.replyAt(ok, { status: 500 });
    const again = await gql(app, REDELIVER, { i: { id: attemptAt(ok).id } }, { headers: partner(org.secret) });
    expect(again.data).toMatchObject({ redeliverWebhook: { delivery: { attempt: 2, manual: true, succeeded: false, statusCode: 500 } } });
    expect(byEndpoint(await rows(), ids.ok)).toMatchObject({ state: 'SUCCEEDED', attemptCount: 2, manualAttempts: 1, nextAttemptAt: null, leaseUntil: null });
  });

  it('sends a claimed delivery only while its lease outlasts the attempt: the rest of a round that ran out of time is released unsent', async () => {
    // A round of 40 sends 20 at a time; the first 20 hang until the deadline, and meanwhile 40 s pass.
    const slow = await createTestApp({ allowPrivateCallbacks: true, webhookTimeoutMs: 3_000 });
    const org = await newOrganization(slow);
    const base = newPath();
    for (let i = 0; i < 20; i++) {
      const res = await gql(
        slow,
        CREATE_ENDPOINT,
        { i: { url: `${receiver.url}${base}/e${i}`, eventTypes: ['API_KEY_UPDATED'] } },
        { headers: partner(org.secret) },
      );
      expect(res.data).toMatchObject({ createWebhookEndpoint: { __typename: 'CreateWebhookEndpointSuccess' } });
    }
    const key = await newPartnerKey(slow, org.secret);
    for (let i = 0; i < 3; i++) {
      await gql(
        slow,
        'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
        { i: { id: key.id, name: `Name ${i}` } },
        { headers: partner(org.secret) },
      );
    }
    const rows = () => slow.services.prisma.webhookDelivery.findMany({ where: { organizationId: org.organizationUuid } });
    expect(await rows()).toHaveLength(60);
    receiver.replyAt(base, ...Array.from({ length: 20 }, () => ({ status: 200 })), ...Array.from({ length: 20 }, () => ({ hang: true as const })));
    // A full first round: the next claims 40.
    expect(await slow.services.webhooks.runOnce()).toBe(20);
    const second = slow.services.webhooks.runOnce();
    while (at(base).length < 40) await receiver.waitFor(receiver.received.length + 1);
    slow.clock.advance(40_000);
    expect(await second).toBe(40);

    const after = await rows();
    expect(after.filter((d) => d.state === 'SUCCEEDED')).toHaveLength(20);
    const timedOut = after.filter((d) => d.state === 'PENDING' && d.attemptCount === 1);
    const unsent = after.filter((d) => d.state === 'PENDING' && d.attemptCount === 0);
    expect(timedOut).toHaveLength(20);
    expect(unsent).toHaveLength(20);
    expect(unsent.every((d) => d.leaseUntil === null)).toBe(true);
    expect(at(base)).toHaveLength(40);
    // Due again at once: the next rounds send them (and retry the timed-out ones).
    while ((await slow.services.webhooks.runOnce()) > 0);
    const ids = at(base).map((w) => String(w.headers['webhook-id']));
    expect(ids).toHaveLength(80);
    for (const d of unsent) expect(ids.filter((id) => id === webhookIdOf(d.id))).toHaveLength(1);
    expect((await rows()).every((d) => d.state === 'SUCCEEDED')).toBe(true);
  });
});

describe('connect callbacks', () => {
  const CONNECT = `mutation ($i: ConnectUserInput!) { connectUser(input: $i) { __typename ... on ConnectUserSuccess { connection { id status } } ... on Error { code } } }`;

  it('CONNECTED: verification-status carries the user key, ref, email and status; connection-status (SELL) the deposit address', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const user = await connectedUser(app, org, {
      callback: `${receiver.url}${path}`,
      ref: `ref-${pathSeq}`,
      direction: 'SELL',
      iban: 'DE89 3704 0044 0532 0130 00',
    });
    await deliverDue();
    const received = at(path);
    const byPath = Object.fromEntries(received.map((w) => [w.path, w])) as Record<string, ReceivedWebhook>;
    expect(Object.keys(byPath).sort()).toEqual([`${path}/connection-status`, `${path}/verification-status`]);
    const verification = byPath[`${path}/verification-status`]!;
    expect(verifyWebhook(org.signingSecret, verification)).toEqual({
      type: 'connection.verification_status',
      timestamp: expect.any(String),
      data: {
        status: 'CONNECTED',
        email: user.email.toLowerCase(),
        ref: `ref-${pathSeq}`,
        connectionId: user.connectionId,
        keyId: expect.any(String),
        apikey: user.apiKey,
      },
    });
    expect(user.apiKey).toMatch(/^kw_usr_test_/);
    const connection = byPath[`${path}/connection-status`]!;
    expect(verifyWebhook(org.signingSecret, connection)).toEqual({
      type: 'connection.connection_status',
      timestamp: expect.any(String),
      data: {
        status: 'CONNECTED',
        email: user.email.toLowerCase(),
        ref: `ref-${pathSeq}`,
        connectionId: user.connectionId,
        direction: 'SELL',
        depositAddress: user.connection!.depositAddress,
      },
    });
    expect(user.connection!.depositAddress).toMatch(/^tb1q/);
    expect(connection.body).not.toContain('kw_usr_');

    // The key is nowhere else: not in the delivery list, not in the outbox once delivered, not in the logs.
    const list = await gql(app, DELIVERIES, {}, { headers: partner(org.secret) });
    expect(JSON.stringify(list)).not.toContain(user.apiKey!);
    expect((list.data as { webhookDeliveries: { edges: { node: Delivery }[] } }).webhookDeliveries.edges.every((e) => e.node.endpoint === null)).toBe(true);
    const rows = await app.services.prisma.webhookDelivery.findMany({ where: { organizationId: org.organizationUuid } });
    expect(rows.every((r) => r.sealedApiKey === null && r.state === 'SUCCEEDED')).toBe(true);
    expect(JSON.stringify(rows.map((r) => r.payload))).not.toContain('kw_usr_');
    expect(app.logs.text).not.toContain(user.apiKey!.slice(-20));
  });

  it('REJECTED: verification-status without a key; nothing for a connection that is still on its way', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const started = await gql(
      app,
      CONNECT,
      { i: { email: newEmail(), callback: `${receiver.url}${path}` } },
      { headers: partner(org.secret), signWith: org.signingSecret },
    );
    const connectionId = (started.data as { connectUser: { connection: { id: string } } }).connectUser.connection.id;
    await deliverDue();
    expect(at(path)).toHaveLength(0);
    await gql(
      app,
      `mutation ($i: DecideOnboardingInput!) { decideOnboarding(input: $i) { __typename } }`,
      { i: { connectionId, decision: 'REJECT', reason: 'KYC' } },
      { headers: admin(app) },
    );
    await deliverDue();
    const [rejected] = at(path);
    expect(rejected!.path).toBe(`${path}/verification-status`);
    expect(verifyWebhook(org.signingSecret, rejected!)).toMatchObject({
      type: 'connection.verification_status',
      data: { status: 'REJECTED', connectionId, ref: null },
    });
    expect(rejected!.json.data).not.toHaveProperty('apikey');
  });

  it('a sandbox user with a callback gets the same callbacks, and the request must be signed', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const SANDBOX = 'mutation ($i: CreateSandboxUserInput!) { createSandboxUser(input: $i) { __typename ... on CreateSandboxUserSuccess { apiKey } } }';
    const input = { i: { type: 'BUSINESS', callback: `${receiver.url}${path}`, direction: 'BUY', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' } };
    const unsigned = await gql(app, SANDBOX, input, { headers: partner(org.secret) });
    expect(unsigned.errors?.[0]?.extensions?.code).toBe('SIGNATURE_REQUIRED');
    const signed = await gql(app, SANDBOX, input, { headers: partner(org.secret), signWith: org.signingSecret });
    const apiKey = (signed.data as { createSandboxUser: { apiKey: string } }).createSandboxUser.apiKey;
    await deliverDue();
    const bodies = Object.fromEntries(at(path).map((w) => [w.path.slice(path.length), verifyWebhook(org.signingSecret, w)]));
    expect(bodies).toEqual({
      '/verification-status': expect.objectContaining({ data: expect.objectContaining({ status: 'CONNECTED', apikey: apiKey }) }),
      '/connection-status': expect.objectContaining({
        data: expect.objectContaining({ direction: 'BUY', depositIban: expect.stringMatching(/^DE\d{2}0000\d{14}$/) }),
      }),
    });
    expect((bodies['/connection-status'] as { data: object }).data).not.toHaveProperty('depositAddress');
  });

  it('keeps the key sealed while it waits for a retry, and erases it once delivered', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    receiver.replyAt(path, { status: 500 });
    const res = await gql(
      app,
      'mutation ($i: CreateSandboxUserInput!) { createSandboxUser(input: $i) { ... on CreateSandboxUserSuccess { apiKey } } }',
      { i: { type: 'PERSON', callback: `${receiver.url}${path}` } },
      { headers: partner(org.secret), signWith: org.signingSecret },
    );
    const apiKey = (res.data as { createSandboxUser: { apiKey: string } }).createSandboxUser.apiKey;
    await deliverDue();
    const [pending] = await app.services.prisma.webhookDelivery.findMany({ where: { organizationId: org.organizationUuid } });
    expect(pending!.state).toBe('PENDING');
    expect(pending!.sealedApiKey).not.toBeNull();
    expect(Buffer.from(pending!.sealedApiKey!).toString('latin1')).not.toContain(apiKey.slice(-20));
    await runNextAttempt(webhookIdOf(pending!.id));
    const [retried, ...rest] = at(path).slice(1);
    expect(rest).toEqual([]);
    expect(verifyWebhook(org.signingSecret, retried!)).toMatchObject({ data: { apikey: apiKey } });
    const delivered = await app.services.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: pending!.id } });
    expect(delivered).toMatchObject({ state: 'SUCCEEDED', sealedApiKey: null });
  });

  it('a key travels in one successful delivery only: a redelivery after it carries none, and says so (issue 13, item 9)', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const res = await gql(
      app,
      'mutation ($i: CreateSandboxUserInput!) { createSandboxUser(input: $i) { ... on CreateSandboxUserSuccess { apiKey } } }',
      { i: { type: 'PERSON', callback: `${receiver.url}${path}` } },
      { headers: partner(org.secret), signWith: org.signingSecret },
    );
    const apiKey = (res.data as { createSandboxUser: { apiKey: string } }).createSandboxUser.apiKey;
    expect(apiKey).toMatch(/^kw_usr_test_/);
    await deliverDue();
    const [delivered] = at(path);
    expect(verifyWebhook(org.signingSecret, delivered!)).toMatchObject({ data: { apikey: apiKey } });
    const [first] = await deliveries(org);
    expect(first).toMatchObject({ succeeded: true, state: 'SUCCEEDED' });
    // Any WEBHOOKS_WRITE key asks for it again: the same message, without the key.
    const webhooksOnly = await newPartnerKey(app, org.secret, { permissions: ['WEBHOOKS_WRITE'] });
    const again = await gql(app, REDELIVER, { i: { id: first!.id } }, { headers: partner(webhooksOnly.secret) });
    expect(again.data).toMatchObject({
      redeliverWebhook: { __typename: 'RedeliverWebhookSuccess', delivery: { webhookId: first!.webhookId, manual: true, succeeded: true } },
    });
    const [, redelivered, ...rest] = at(path);
    expect(rest).toEqual([]);
    expect(redelivered!.headers['webhook-id']).toBe(first!.webhookId);
    expect(redelivered!.body).not.toContain('kw_usr_');
    expect(verifyWebhook(org.signingSecret, redelivered!)).toMatchObject({
      type: 'connection.verification_status',
      data: { status: 'CONNECTED', keyId: expect.any(String), apikey: null, apikeyAlreadyDelivered: true },
    });
    // Not even when the organization keeps the key recoverable: a second redelivery is the same.
    await gql(app, REDELIVER, { i: { id: first!.id } }, { headers: partner(org.secret) });
    expect(at(path)).toHaveLength(3);
    expect(at(path)[2]!.body).not.toContain('kw_usr_');
  });

  it('before any success a retry, scheduled or redelivered, still carries the key (issue 13, item 9)', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    receiver.replyAt(path, { status: 500 }, { status: 500 });
    const res = await gql(
      app,
      'mutation ($i: CreateSandboxUserInput!) { createSandboxUser(input: $i) { ... on CreateSandboxUserSuccess { apiKey } } }',
      { i: { type: 'PERSON', callback: `${receiver.url}${path}` } },
      { headers: partner(org.secret), signWith: org.signingSecret },
    );
    const apiKey = (res.data as { createSandboxUser: { apiKey: string } }).createSandboxUser.apiKey;
    await deliverDue();
    const [failed] = await deliveries(org);
    expect(failed).toMatchObject({ succeeded: false, state: 'PENDING' });
    const manual = await gql(app, REDELIVER, { i: { id: failed!.id } }, { headers: partner(org.secret) });
    expect(manual.data).toMatchObject({ redeliverWebhook: { delivery: { succeeded: false, statusCode: 500 } } });
    await runNextAttempt(failed!.webhookId);
    const bodies = at(path).map((w) => verifyWebhook(org.signingSecret, w) as { data: Record<string, unknown> });
    expect(bodies.map((b) => b.data.apikey)).toEqual([apiKey, apiKey, apiKey]);
    expect(bodies.every((b) => !('apikeyAlreadyDelivered' in b.data))).toBe(true);
    // The third attempt succeeded: from now on the message goes without the key.
    const [latest] = await deliveries(org, { webhookId: failed!.webhookId });
    await gql(app, REDELIVER, { i: { id: latest!.id } }, { headers: partner(org.secret) });
    expect(at(path)).toHaveLength(4);
    expect(at(path)[3]!.body).not.toContain('kw_usr_');
  });

  it('while the signing secret rotates, webhooks carry both signatures and each verifies', async () => {
    const org = await newOrganization(app);
    const path = newPath();
    await endpoint(org, path, ['API_KEY_CREATED']);
    const rotated = await gql(
      app,
      'mutation { rotateSigningSecret(input: { gracePeriodSeconds: 3600 }) { ... on RotateSigningSecretSuccess { signingSecret } } }',
      {},
      { headers: partner(org.secret) },
    );
    const next = (rotated.data as { rotateSigningSecret: { signingSecret: string } }).rotateSigningSecret.signingSecret;
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const [webhook] = at(path);
    expect(String(webhook!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(next, webhook!)).toBeTruthy();
    expect(verifyWebhook(org.signingSecret, webhook!)).toBeTruthy();
  });

  it('a TEST key rotating the signing secret leaves LIVE webhooks and callbacks signed with the LIVE secret only', async () => {
    // First key LIVE: `signingSecret` is the LIVE secret. A TEST partner key of the same organization rotates.
    const org = await newOrganization(app, { environment: 'LIVE', liveAccess: 'ENABLED' });
    const operator = { type: 'operator' } as const;
    const scope = { organizationId: org.organizationUuid, permissions: ['KEYS_READ'] };
    const testKey = await app.services.apiKeys.createPartnerKey(operator, {
      ...scope,
      environment: 'TEST',
      name: 'Sandbox',
      permissions: ['WEBHOOKS_WRITE', 'KEYS_READ'],
    });
    const [livePath, testPath, callbackPath] = [newPath(), newPath(), newPath()];
    await endpoint(org, livePath, ['API_KEY_CREATED']);
    await endpoint({ ...org, secret: testKey.secret }, testPath, ['API_KEY_CREATED']);
    const rotated = await gql(
      app,
      'mutation { rotateSigningSecret(input: { gracePeriodSeconds: 3600 }) { ... on RotateSigningSecretSuccess { signingSecret } } }',
      {},
      { headers: partner(testKey.secret) },
    );
    const testSecret = (rotated.data as { rotateSigningSecret: { signingSecret: string } }).rotateSigningSecret.signingSecret;
    expect(testSecret).toMatch(/^whsec_/);

    await app.services.apiKeys.createPartnerKey(operator, { ...scope, environment: 'LIVE', name: 'Live event' });
    await app.services.apiKeys.createPartnerKey(operator, { ...scope, environment: 'TEST', name: 'Test event' });
    const user = await connectedUser(app, org, { callback: `${receiver.url}${callbackPath}` });
    expect(user.apiKey).toMatch(/^kw_usr_live_/);
    await deliverDue();

    const live = [...at(livePath), ...at(callbackPath)];
    // The partner key created above, the connection's user key, and the connection's callback.
    expect(live.map((w) => w.json.type).sort()).toEqual(['api_key.created', 'api_key.created', 'connection.verification_status']);
    for (const webhook of live) {
      // One signature, the LIVE secret's: the TEST rotation's grace period is TEST's alone.
      expect(String(webhook.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(verifyWebhook(org.signingSecret, webhook)).toEqual(webhook.json);
      expect(signedWith(testSecret, webhook)).toBe(false);
    }
    const [test, ...more] = at(testPath);
    expect(more).toEqual([]);
    expect(verifyWebhook(testSecret, test!)).toEqual(test!.json);
    expect(signedWith(org.signingSecret, test!)).toBe(false);
  });
});
