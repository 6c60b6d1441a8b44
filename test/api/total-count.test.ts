// totalCount on every list (issue 14, item 6): the number of items the same filters and the same
// read rule give, whatever the page, so a page can say "37 keys".
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { connectedUser, newEmail } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey, revokeKey, type OrgFixture } from '../helpers/fixtures.ts';

let app: TestApp;
let org: OrgFixture;
let reader: { secret: string; keyId: string };
let user: { connectionId: string };
let endpointId: string;

beforeAll(async () => {
  app = await createTestApp({ allowPrivateCallbacks: true });
  org = await newOrganization(app);
  // Partner keys: the first, three more, one of them revoked.
  reader = await newPartnerKey(app, org.secret, { name: 'Reader', permissions: ['KEYS_READ', 'LOGS_READ'] });
  await newPartnerKey(app, org.secret, { name: 'Second' });
  await revokeKey(app, org.secret, (await newPartnerKey(app, org.secret, { name: 'Revoked' })).id);
  // Connections: two CONNECTED, one still on its way; the first with two user keys.
  user = await connectedUser(app, org);
  await connectedUser(app, org);
  await gql(app, 'mutation ($i: ConnectUserInput!) { connectUser(input: $i) { __typename } }', { i: { email: newEmail() } }, { headers: partner(org.secret) });
  await gql(
    app,
    'mutation ($i: CreateUserKeyInput!) { createUserKey(input: $i) { __typename } }',
    { i: { connectionId: user.connectionId, name: 'Bot', permissions: ['ORDERS_READ'] } },
    { headers: partner(org.secret) },
  );
  // Sessions: two of the reader, one of the first key.
  for (const secret of [reader.secret, reader.secret, org.secret]) {
    await gql(app, 'mutation { createSession(input: { description: "Laptop" }) { __typename } }', {}, { headers: partner(secret) });
  }
  // Webhook endpoints, and attempts for them once a key event goes out.
  const endpoints = [];
  for (const path of ['/a', '/b']) {
    const res = await gql(
      app,
      'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { ... on CreateWebhookEndpointSuccess { endpoint { id } } } }',
      { i: { url: `http://127.0.0.1:9${path}`, eventTypes: ['API_KEY_CREATED'] } },
      { headers: partner(org.secret) },
    );
    endpoints.push((res.data as { createWebhookEndpoint: { endpoint: { id: string } } }).createWebhookEndpoint.endpoint.id);
  }
  endpointId = endpoints[0]!;
  await newPartnerKey(app, org.secret, { name: 'Announced' });
  await app.services.webhooks.runOnce();
  // Requests of the reader, for its log.
  for (let i = 0; i < 3; i++) await gql(app, '{ viewer { kind } }', {}, { headers: partner(reader.secret) });
  await app.services.requestLogs.flush();
});

/** A list's totalCount with a page of one, and the items all pages hold, under the same arguments. */
async function counted(field: string, args: string, secret = org.secret, path = field): Promise<{ total: number; listed: number }> {
  const select = (first: number) => `${field}(first: ${first}${args ? `, ${args}` : ''}) { totalCount edges { node { id } } }`;
  const query = (first: number) => (path === field ? `{ ${select(first)} }` : path.replace('$LIST', select(first)));
  const one = await gql(app, query(1), {}, { headers: partner(secret) });
  const all = await gql(app, query(100), {}, { headers: partner(secret) });
  expect(one.errors ?? all.errors).toBeUndefined();
  const list = (res: typeof one) => JSON.stringify(res.data).match(/"totalCount":(\d+),"edges":(\[.*?\])\}/)!;
  const [, total, edgesOfOne] = list(one);
  const [, totalOfAll, edges] = list(all);
  expect(JSON.parse(edgesOfOne!)).toHaveLength(Math.min(1, Number(total)));
  expect(totalOfAll).toBe(total);
  return { total: Number(total), listed: (JSON.parse(edges!) as unknown[]).length };
}

describe('totalCount', () => {
  it('counts partner keys as listed: active by default, every key with includeInactive', async () => {
    expect(await counted('partnerKeys', '')).toEqual({ total: 4, listed: 4 });
    expect(await counted('partnerKeys', 'includeInactive: true')).toEqual({ total: 5, listed: 5 });
  });

  it('counts connections by status, and a connection’s keys', async () => {
    expect(await counted('connections', '')).toEqual({ total: 3, listed: 3 });
    expect(await counted('connections', 'status: CONNECTED')).toEqual({ total: 2, listed: 2 });
    const keysOf = `{ connection(lookup: { id: "${user.connectionId}" }) { $LIST } }`;
    expect(await counted('keys', '', org.secret, keysOf)).toEqual({ total: 2, listed: 2 });
  });

  it('counts sessions under the read rule: the organization’s for KEYS_READ, its own key’s filtered by keyId', async () => {
    expect(await counted('sessions', '')).toEqual({ total: 3, listed: 3 });
    expect(await counted('sessions', `keyId: "${reader.keyId}"`)).toEqual({ total: 2, listed: 2 });
  });

  it('counts request logs and audit events with their filters', async () => {
    // The reader's two createSession and three viewer requests.
    expect(await counted('requestLogs', `keyId: "${reader.keyId}", outcome: "OK"`)).toEqual({ total: 5, listed: 5 });
    const created = await counted('auditEvents', 'action: "api_key.created"');
    expect(created.total).toBe(created.listed);
    // Five partner keys, two user keys (one per connection), four sessions… every creation is audited.
    expect(created.total).toBeGreaterThanOrEqual(5 + 3 + 2);
    expect(await counted('auditEvents', 'action: "api_key.revoked"')).toEqual({ total: 1, listed: 1 });
  });

  it('counts webhook endpoints and their attempts, by endpoint', async () => {
    expect(await counted('webhookEndpoints', '')).toEqual({ total: 2, listed: 2 });
    expect(await counted('webhookDeliveries', `endpointId: "${endpointId}"`)).toEqual({ total: 1, listed: 1 });
  });

  it('counts only what the caller may read: a key without KEYS_READ counts its own sessions only', async () => {
    const narrow = await newPartnerKey(app, org.secret, { name: 'Narrow', permissions: ['ORDERS_READ'] });
    await gql(app, 'mutation { createSession(input: { description: "Phone" }) { __typename } }', {}, { headers: partner(narrow.secret) });
    expect(await counted('sessions', '', narrow.secret)).toEqual({ total: 1, listed: 1 });
  });
});
