// webhookDeliveryEvents (issue 16): the delivery log and the endpoints live, without polling.
// LISTENING first (the moment to read the lists), then each attempt as it is recorded (failed
// with its next attempt, succeeded, redelivered), a message cancelled, an endpoint Keyward
// disabled; only the subscriber's organization and environment's, only with webhooks.read, and
// ended when the key loses WEBHOOKS_WRITE. Over SSE through yoga.fetch; across instances in
// test/transport/instances.test.ts.
import { print } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../generated/gql.ts';
import type { WebhookDeliveryEventsSubscription } from '../generated/graphql.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { firstSseResult, gql, partner } from '../helpers/client.ts';
import { connectedUser } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey } from '../helpers/fixtures.ts';
import { memberHeaders, newMember } from '../helpers/members.ts';
import { sseSubscribe, type Subscriber } from '../helpers/subscriber.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const DeliveryEvents = graphql(`
  subscription WebhookDeliveryEvents {
    webhookDeliveryEvents {
      type
      at
      delivery {
        id
        webhookId
        eventType
        url
        attempt
        manual
        succeeded
        statusCode
        nextAttemptAt
        state
        endpoint { id enabled disabledReason }
      }
    }
  }
`);

const CreateEndpoint = graphql(`
  mutation CreateEndpointForEvents($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointSuccess { endpoint { id } }
    }
  }
`);

const UpdateEndpoint = graphql(`
  mutation UpdateEndpointForEvents($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) { __typename }
  }
`);

const Redeliver = graphql(`
  mutation RedeliverForEvents($input: RedeliverWebhookInput!) {
    redeliverWebhook(input: $input) {
      __typename
      ... on RedeliverWebhookSuccess { delivery { id } }
    }
  }
`);

const RenameKey = graphql(`
  mutation RenameKeyForEvents($input: UpdatePartnerKeyInput!) {
    updatePartnerKey(input: $input) { __typename }
  }
`);

type DeliveryEvent = WebhookDeliveryEventsSubscription['webhookDeliveryEvents'];

let app: TestApp;
let receiver: WebhookReceiver;
let pathSeq = 0;
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  app = await createTestApp({ allowPrivateCallbacks: true });
  receiver = await WebhookReceiver.start();
});
afterEach(() => app.clock.reset());
afterAll(async () => {
  await Promise.all(subscribers.map((s) => s.stop()));
  await receiver.close();
});

const newPath = () => `/events${++pathSeq}`;

/** A subscription over SSE through the app's yoga.fetch, collecting every result. */
function subscribe(headers: Record<string, string>): Subscriber {
  const subscriber = sseSubscribe('http://keyward.test/graphql', headers, print(DeliveryEvents), undefined, async (url, init) =>
    app.yoga.fetch(url, init, { req: { socket: { remoteAddress: '127.0.0.1' } } as never }),
  );
  subscribers.push(subscriber);
  return subscriber;
}

/** The `n`th result (1-based) of a subscription, once it arrived. */
async function nth(subscriber: Subscriber, n: number): Promise<DeliveryEvent> {
  const results = await subscriber.waitFor(n);
  const result = results[n - 1]!;
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return (result.data as WebhookDeliveryEventsSubscription).webhookDeliveryEvents;
}

/** Subscribes and waits for LISTENING: from then on every change reaches it. */
async function listening(headers: Record<string, string>): Promise<Subscriber> {
  const subscriber = subscribe(headers);
  expect(await nth(subscriber, 1)).toMatchObject({ type: 'LISTENING', delivery: null, at: expect.any(String) });
  return subscriber;
}

async function endpoint(secret: string, path: string, eventTypes: ('API_KEY_CREATED' | 'API_KEY_UPDATED')[]): Promise<string> {
  const res = await gql(app, CreateEndpoint, { input: { url: `${receiver.url}${path}`, eventTypes } }, { headers: partner(secret) });
  if (res.data?.createWebhookEndpoint.__typename !== 'CreateWebhookEndpointSuccess') throw new Error(JSON.stringify(res));
  return res.data.createWebhookEndpoint.endpoint.id;
}

/** Runs the dispatcher until nothing due is left (what the background job does every second). */
async function deliverDue(): Promise<void> {
  while ((await app.services.webhooks.runOnce()) > 0);
}

/** Moves the clock past a scheduled next attempt, and runs it. */
async function runAttemptDueAt(nextAttemptAt: string): Promise<void> {
  app.clock.advance(new Date(nextAttemptAt).getTime() - app.clock.now().getTime() + 1);
  await deliverDue();
}

describe('webhookDeliveryEvents', () => {
  it("tells each state of a message in order: failed with its next attempt, succeeded, redelivered; then an endpoint's 410 and its disabling", async () => {
    const org = await newOrganization(app);
    const [hooks, gone] = [newPath(), newPath()];
    const hooksId = await endpoint(org.secret, hooks, ['API_KEY_CREATED']);
    const goneId = await endpoint(org.secret, gone, ['API_KEY_UPDATED']);
    const subscriber = await listening(partner(org.secret));

    receiver.replyAt(hooks, { status: 500 });
    const key = await newPartnerKey(app, org.secret, { name: 'Watched' });
    await deliverDue();
    const failed = await nth(subscriber, 2);
    expect(failed).toMatchObject({
      type: 'ATTEMPTED',
      delivery: { eventType: 'api_key.created', attempt: 1, manual: false, succeeded: false, statusCode: 500, state: 'PENDING', endpoint: { id: hooksId } },
    });
    expect(failed.delivery!.nextAttemptAt).not.toBeNull();
    expect(failed.delivery!.url).toBe(`${receiver.url}${hooks}`);

    await runAttemptDueAt(failed.delivery!.nextAttemptAt!);
    const succeeded = await nth(subscriber, 3);
    expect(succeeded).toMatchObject({
      type: 'ATTEMPTED',
      delivery: { webhookId: failed.delivery!.webhookId, attempt: 2, succeeded: true, statusCode: 200, state: 'SUCCEEDED', nextAttemptAt: null },
    });

    const redelivered = await gql(app, Redeliver, { input: { id: succeeded.delivery!.id } }, { headers: partner(org.secret) });
    expect(redelivered.data?.redeliverWebhook.__typename).toBe('RedeliverWebhookSuccess');
    expect(await nth(subscriber, 4)).toMatchObject({
      type: 'ATTEMPTED',
      delivery: { webhookId: failed.delivery!.webhookId, attempt: 3, manual: true, succeeded: true, state: 'SUCCEEDED' },
    });

    receiver.replyAt(gone, { status: 410 });
    await gql(app, RenameKey, { input: { id: key.id, name: 'Renamed' } }, { headers: partner(org.secret) });
    await deliverDue();
    const answered = await nth(subscriber, 5);
    expect(answered).toMatchObject({ type: 'ATTEMPTED', delivery: { eventType: 'api_key.updated', statusCode: 410, state: 'FAILED' } });
    expect(await nth(subscriber, 6)).toMatchObject({
      type: 'ENDPOINT_DISABLED',
      delivery: { id: answered.delivery!.id, endpoint: { id: goneId, enabled: false, disabledReason: 'The endpoint answered 410 Gone' } },
    });
    expect(subscriber.results).toHaveLength(6);
    // Ids, outcomes and states: no secret, no body.
    const text = JSON.stringify(subscriber.results);
    for (const secret of [org.secret, key.secret, org.signingSecret]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/kw_(ptr|usr)_|whsec_/);
  });

  it("tells when a message is cancelled because its endpoint was disabled, with the message's latest attempt", async () => {
    const org = await newOrganization(app);
    const path = newPath();
    const endpointId = await endpoint(org.secret, path, ['API_KEY_CREATED']);
    const subscriber = await listening(partner(org.secret));
    receiver.replyAt(path, { status: 503 });
    await newPartnerKey(app, org.secret);
    await deliverDue();
    const failed = await nth(subscriber, 2);
    expect(failed).toMatchObject({ type: 'ATTEMPTED', delivery: { state: 'PENDING' } });

    await gql(app, UpdateEndpoint, { input: { id: endpointId, enabled: false } }, { headers: partner(org.secret) });
    await runAttemptDueAt(failed.delivery!.nextAttemptAt!);
    expect(await nth(subscriber, 3)).toMatchObject({
      type: 'CANCELLED',
      delivery: { id: failed.delivery!.id, state: 'CANCELLED', endpoint: { id: endpointId, enabled: false, disabledReason: null } },
    });
  });

  it("shows a subscriber only its organization and environment's deliveries; members of any role see them", async () => {
    const org = await newOrganization(app, { liveAccess: 'ENABLED' });
    const stranger = await newOrganization(app);
    const live = await app.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: org.organizationUuid, environment: 'LIVE', name: 'Live', permissions: ['WEBHOOKS_WRITE', 'KEYS_READ', 'KEYS_WRITE'] },
    );
    const viewer = await newMember(app, org.organizationId, 'VIEWER');
    const [testPath, livePath, strangerPath] = [newPath(), newPath(), newPath()];
    await endpoint(org.secret, testPath, ['API_KEY_CREATED']);
    await endpoint(live.secret, livePath, ['API_KEY_CREATED']);
    await endpoint(stranger.secret, strangerPath, ['API_KEY_CREATED']);
    const [own, member, liveSubscriber, strangerSubscriber] = [
      await listening(partner(org.secret)),
      await listening(memberHeaders(viewer.cookie)),
      await listening(partner(live.secret)),
      await listening(partner(stranger.secret)),
    ];

    // A TEST delivery of the organization first: only its TEST subscribers hear of it.
    await newPartnerKey(app, org.secret);
    await deliverDue();
    for (const subscriber of [own, member]) expect((await nth(subscriber, 2)).delivery?.url).toBe(`${receiver.url}${testPath}`);
    // Then one of each other world: what each hears next is its own, so it heard nothing before.
    await newPartnerKey(app, live.secret);
    await newPartnerKey(app, stranger.secret);
    await deliverDue();
    expect((await nth(liveSubscriber, 2)).delivery?.url).toBe(`${receiver.url}${livePath}`);
    expect((await nth(strangerSubscriber, 2)).delivery?.url).toBe(`${receiver.url}${strangerPath}`);
    await newPartnerKey(app, org.secret);
    await deliverDue();
    for (const subscriber of [own, member]) expect((await nth(subscriber, 3)).delivery?.url).toBe(`${receiver.url}${testPath}`);
    expect(own.results).toHaveLength(3);
    expect(liveSubscriber.results).toHaveLength(2);
    expect(strangerSubscriber.results).toHaveLength(2);
  });

  it('refuses a key without WEBHOOKS_WRITE and a user key, and ends when the key loses WEBHOOKS_WRITE', async () => {
    const org = await newOrganization(app);
    const keysOnly = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const user = await connectedUser(app, org);
    for (const headers of [partner(keysOnly.secret), { 'x-api-key': user.apiKey! }, {}]) {
      const refused = await firstSseResult(app, print(DeliveryEvents), {}, headers);
      expect(refused.errors?.[0]?.extensions?.code).toBe(Object.keys(headers).length ? 'FORBIDDEN' : 'UNAUTHENTICATED');
      expect(refused.data ?? null).toBeNull();
    }

    const watcher = await newPartnerKey(app, org.secret, { permissions: ['WEBHOOKS_WRITE'] });
    const subscriber = await listening(partner(watcher.secret));
    await gql(app, RenameKey, { input: { id: watcher.id, permissions: ['KEYS_READ'] } }, { headers: partner(org.secret) });
    await subscriber.ended;
    expect(subscriber.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
