// Webhook endpoints (issue 5): per organization and environment, https URLs checked like
// callbacks, event types selected, enable/disable, audited; other organizations see NOT_FOUND.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey } from '../helpers/fixtures.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

const CREATE = `mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) {
  __typename ... on CreateWebhookEndpointSuccess { endpoint { id url eventTypes enabled environment } }
  ... on Error { code } ... on ValidationError { fields { path } } } }`;
const UPDATE = `mutation ($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) {
  __typename ... on UpdateWebhookEndpointSuccess { endpoint { id url eventTypes enabled } } ... on Error { code } } }`;
const DELETE = `mutation ($i: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $i) { __typename ... on Error { code } } }`;
const LIST = `{ webhookEndpoints(first: 50) { edges { node { id url eventTypes enabled } } } }`;

type Endpoint = { id: string; url: string; eventTypes: string[]; enabled: boolean; environment: string };

async function create(secret: string, input: Record<string, unknown>) {
  const res = await gql(app, CREATE, { i: input }, { headers: partner(secret) });
  return (res.data as { createWebhookEndpoint: { __typename: string; endpoint?: Endpoint; code?: string; fields?: { path: string[] }[] } })
    .createWebhookEndpoint;
}
async function list(secret: string): Promise<Endpoint[]> {
  const res = await gql(app, LIST, {}, { headers: partner(secret) });
  return (res.data as { webhookEndpoints: { edges: { node: Endpoint }[] } }).webhookEndpoints.edges.map((e) => e.node);
}

describe('webhook endpoints', () => {
  it('creates, lists, updates, disables and deletes an endpoint of the key’s organization and environment', async () => {
    const org = await newOrganization(app);
    const created = await create(org.secret, {
      url: 'https://hooks.example.com/keyward/',
      eventTypes: ['API_KEY_REVOKED', 'CONNECTION_STATUS_CHANGED', 'API_KEY_REVOKED'],
    });
    expect(created).toMatchObject({
      __typename: 'CreateWebhookEndpointSuccess',
      endpoint: { url: 'https://hooks.example.com/keyward', enabled: true, environment: 'TEST' },
    });
    const endpoint = created.endpoint!;
    expect(endpoint.eventTypes.sort()).toEqual(['API_KEY_REVOKED', 'CONNECTION_STATUS_CHANGED']);
    expect(await list(org.secret)).toEqual([{ id: endpoint.id, url: endpoint.url, eventTypes: endpoint.eventTypes, enabled: true }]);

    const updated = await gql(app, UPDATE, { i: { id: endpoint.id, eventTypes: ['API_KEY_CREATED'], enabled: false } }, { headers: partner(org.secret) });
    expect(updated.data).toMatchObject({ updateWebhookEndpoint: { endpoint: { eventTypes: ['API_KEY_CREATED'], enabled: false } } });
    const nothing = await gql(app, UPDATE, { i: { id: endpoint.id } }, { headers: partner(org.secret) });
    expect(nothing.data).toMatchObject({ updateWebhookEndpoint: { code: 'VALIDATION_FAILED' } });

    expect((await gql(app, DELETE, { i: { id: endpoint.id } }, { headers: partner(org.secret) })).data).toEqual({
      deleteWebhookEndpoint: { __typename: 'DeleteWebhookEndpointSuccess' },
    });
    expect(await list(org.secret)).toEqual([]);
    expect((await gql(app, DELETE, { i: { id: endpoint.id } }, { headers: partner(org.secret) })).data).toEqual({
      deleteWebhookEndpoint: { __typename: 'NotFoundError', code: 'NOT_FOUND' },
    });

    const audit = await app.services.prisma.auditEvent.findMany({
      where: { organizationId: org.organizationUuid, targetType: 'webhook_endpoint' },
      orderBy: { seq: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['webhook_endpoint.created', 'webhook_endpoint.updated', 'webhook_endpoint.deleted']);
  });

  it.each([
    ['http://hooks.example.com/', 'http'],
    ['https://127.0.0.1/hooks', 'loopback'],
    ['https://[::1]/hooks', 'IPv6 loopback'],
    ['https://2130706433/hooks', 'decimal loopback'],
    ['https://0x7f.0.0.1/hooks', 'hex loopback'],
    ['https://169.254.169.254/latest/meta-data', 'cloud metadata'],
    ['https://10.0.0.8/hooks', 'private'],
    ['https://[::ffff:192.168.1.1]/hooks', 'IPv4-mapped private'],
    ['https://localhost/hooks', 'localhost'],
    ['https://user:pass@hooks.example.com/', 'credentials'],
    ['ftp://hooks.example.com/', 'not http'],
    ['not a url', 'not a URL'],
    ['https://[::a9fe:a9fe]/hooks', 'IPv4-compatible metadata (issue 13, finding 8)'],
    ['https://[::7f00:1]/hooks', 'IPv4-compatible loopback (issue 13, finding 8)'],
    ['https://a9fea9fe.nip.io/hooks', 'hex metadata in a host name (issue 13, finding 8)'],
    ['https://0x7f000001.nip.io/hooks', 'hex loopback in a host name (issue 13, finding 8)'],
  ])('refuses %s (%s) with VALIDATION_FAILED on url', async (url) => {
    const org = await newOrganization(app);
    expect(await create(org.secret, { url, eventTypes: ['API_KEY_CREATED'] })).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: ['url'] }] });
    expect(await list(org.secret)).toEqual([]);
  });

  it('needs at least one event type', async () => {
    const org = await newOrganization(app);
    expect(await create(org.secret, { url: 'https://hooks.example.com/', eventTypes: [] })).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: ['eventTypes'] }],
    });
  });

  it('keeps organizations apart: another organization’s endpoint is NOT_FOUND and never listed', async () => {
    const [a, b] = [await newOrganization(app), await newOrganization(app)];
    const endpoint = (await create(a.secret, { url: 'https://a.example.com/hooks', eventTypes: ['API_KEY_CREATED'] })).endpoint!;
    expect(await list(b.secret)).toEqual([]);
    expect((await gql(app, UPDATE, { i: { id: endpoint.id, enabled: false } }, { headers: partner(b.secret) })).data).toMatchObject({
      updateWebhookEndpoint: { code: 'NOT_FOUND' },
    });
    expect((await gql(app, DELETE, { i: { id: endpoint.id } }, { headers: partner(b.secret) })).data).toMatchObject({
      deleteWebhookEndpoint: { code: 'NOT_FOUND' },
    });
    const node = await gql(app, `{ node(id: "${endpoint.id}") { id } }`, {}, { headers: partner(b.secret) });
    expect(node.data).toEqual({ node: null });
    expect(await list(a.secret)).toHaveLength(1);
  });

  it('allows at most 20 per organization and environment (INVALID_STATE)', async () => {
    const org = await newOrganization(app);
    for (let i = 0; i < 20; i++)
      expect((await create(org.secret, { url: `https://h${i}.example.com/`, eventTypes: ['API_KEY_CREATED'] })).__typename).toBe(
        'CreateWebhookEndpointSuccess',
      );
    expect(await create(org.secret, { url: 'https://h20.example.com/', eventTypes: ['API_KEY_CREATED'] })).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('needs WEBHOOKS_WRITE (FORBIDDEN otherwise)', async () => {
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const res = await gql(app, CREATE, { i: { url: 'https://hooks.example.com/', eventTypes: ['API_KEY_CREATED'] } }, { headers: partner(reader.secret) });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const listed = await gql(app, LIST, {}, { headers: partner(reader.secret) });
    expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
