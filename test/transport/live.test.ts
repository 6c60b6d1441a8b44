// Subscriptions on one real server, over graphql-ws and SSE: delivery, resume without gap or
// duplicate, one connection's status, isolation between organizations, environments and users,
// the end of a subscription when its key goes, and the limits. SECURITY.md A-03, C-10, C-11, D-05.
import { randomBytes } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../helpers/process.ts';
import { FROM_START, positionOf, sseSubscribe, wsSubscribe, type Subscriber, type SubscriptionResult } from '../helpers/subscriber.ts';
import { createOrganization, startTestServer, type TestServer } from './server.ts';

const CONNECTION_EVENTS = 'subscription ($after: String) { connectionEvents(after: $after) { cursor status previousStatus at connection { id email ref status } } }';
const KEY_EVENTS = 'subscription ($after: String) { apiKeyEvents(after: $after) { cursor type at key { id keyId kind name active } } }';
const STATUS = 'subscription ($lookup: ConnectionLookup!) { connectionStatusChanged(lookup: $lookup) { status at connection { id email } } }';

let server: TestServer;
const open: Subscriber[] = [];

beforeAll(async () => {
  server = await startTestServer({ background: true, subscriptionLimits: { perKey: 12 } });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.stop().catch(() => undefined)));
  await server?.stop();
});

type Transport = 'graphql-ws' | 'SSE';
const TRANSPORTS: Transport[] = ['graphql-ws', 'SSE'];

/** A subscription with a key, over either transport (graphql-ws: key in connection_init; SSE: in headers). */
function subscribe(transport: Transport, key: string, query: string, variables?: Record<string, unknown>): Subscriber {
  const header = key.startsWith('kw_usr_') ? 'X-Api-Key' : 'X-Partner-Key';
  const subscriber =
    transport === 'graphql-ws'
      ? wsSubscribe(server.wsUrl, { [header]: key }, query, variables)
      : sseSubscribe(server.url, { [header.toLowerCase()]: key }, query, variables);
  open.push(subscriber);
  return subscriber;
}

/** A subscription answers nothing until its first event: give the server a moment to register it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

async function call(key: string, query: string, variables?: Record<string, unknown>) {
  const header = key.startsWith('kw_usr_') ? 'x-api-key' : 'x-partner-key';
  const { body } = await postGraphQL(server.url, query, { [header]: key }, variables);
  const payload = body.data ? (Object.values(body.data)[0] as Record<string, unknown>) : undefined;
  if (!payload || (typeof payload.__typename === 'string' && !payload.__typename.endsWith('Success'))) {
    throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(body)}`);
  }
  return payload;
}

const createKey = (owner: string, name: string, extra: Record<string, unknown> = {}) =>
  call(owner, 'mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename ... on CreatePartnerKeySuccess { key { id keyId } secret } } }', {
    i: { name, permissions: ['KEYS_READ', 'KEYS_WRITE', 'CONNECTIONS_READ', 'CONNECTIONS_WRITE'], ...extra },
  }) as Promise<{ key: { id: string; keyId: string }; secret: string }>;
const revokeKey = (owner: string, id: string) => call(owner, 'mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }', { id });
const connectUser = (owner: string, email = `u-${randomBytes(4).toString('hex')}@example.com`, ref?: string) =>
  call(owner, 'mutation ($i: ConnectUserInput!) { connectUser(input: $i) { __typename ... on ConnectUserSuccess { connection { id status } } } }', {
    i: { email, ...(ref && { ref }) },
  }).then((p) => ({ email, id: (p.connection as { id: string }).id }));
const sandboxUser = (owner: string) =>
  call(owner, 'mutation { createSandboxUser(input: { type: PERSON }) { __typename ... on CreateSandboxUserSuccess { connection { id email } apiKey } } }') as Promise<{
    connection: { id: string; email: string };
    apiKey: string;
  }>;
const advance = (owner: string, connectionId: string, to: string) =>
  call(owner, 'mutation ($i: AdvanceSandboxConnectionInput!) { advanceSandboxConnection(input: $i) { __typename } }', { i: { connectionId, to } });

const field = (result: SubscriptionResult, name: string) => result.data?.[name] as Record<string, unknown>;
const codeOf = (result: SubscriptionResult | undefined) => result?.errors?.[0]?.extensions?.code;

describe.each(TRANSPORTS)('over %s', (transport) => {
  it('delivers each key change once, in order, with its fields and never a secret', async () => {
    const { secret, key: first } = await createOrganization(server.services);
    const events = subscribe(transport, secret, KEY_EVENTS, { after: FROM_START });
    const created = await createKey(secret, 'Watched');
    await call(secret, 'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }', { i: { id: created.key.id, name: 'Renamed' } });
    const rotated = await call(secret, 'mutation ($id: ID!) { rotatePartnerKey(input: { id: $id }) { __typename ... on RotatePartnerKeySuccess { key { keyId } secret } } }', {
      id: created.key.id,
    });
    const results = await events.waitFor(6);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.results).toHaveLength(6);
    const seen = results.map((r) => field(r, 'apiKeyEvents'));
    expect(seen.map((e) => [e.type, (e.key as { keyId: string }).keyId])).toEqual([
      ['CREATED', first.keyId], // the organization's first key, replayed from the start
      ['CREATED', created.key.keyId],
      ['UPDATED', created.key.keyId],
      ['ROTATED', created.key.keyId],
      ['CREATED', (rotated.key as { keyId: string }).keyId],
      ['REVOKED', created.key.keyId],
    ]);
    const positions = seen.map((e) => positionOf(e.cursor as string));
    expect(positions).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen[2]).toMatchObject({ type: 'UPDATED', key: { name: 'Renamed', kind: 'PARTNER' } });
    const text = JSON.stringify(results);
    expect(text).not.toMatch(/kw_(ptr|usr|ses)_/);
    expect(text).not.toContain((rotated.secret as string).slice(-20));
  });

  it('delivers connection changes with status and previous status', async () => {
    const { secret } = await createOrganization(server.services);
    const events = subscribe(transport, secret, CONNECTION_EVENTS, { after: FROM_START });
    const user = await connectUser(secret, undefined, `ref-${transport}`);
    const [first] = await events.waitFor(1);
    expect(field(first!, 'connectionEvents')).toMatchObject({
      status: 'ONBOARDING',
      previousStatus: null,
      connection: { email: user.email, ref: `ref-${transport}`, status: 'ONBOARDING' },
    });
  });

  it('resumes after a cursor with exactly the missed events, then live, while changes keep coming', async () => {
    const { secret } = await createOrganization(server.services);
    const first = subscribe(transport, secret, CONNECTION_EVENTS, { after: FROM_START });
    await connectUser(secret);
    await connectUser(secret);
    const [, second] = await first.waitFor(2);
    await first.stop();
    const last = field(second!, 'connectionEvents').cursor as string;
    const missed = await Promise.all(Array.from({ length: 5 }, () => connectUser(secret)));
    // Resubscribe while another burst of changes is committing.
    const burst = Promise.all(Array.from({ length: 5 }, () => connectUser(secret)));
    const resumed = subscribe(transport, secret, CONNECTION_EVENTS, { after: last });
    await burst;
    const results = await resumed.waitFor(10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const positions = resumed.results.map((r) => positionOf(field(r, 'connectionEvents').cursor as string));
    const start = positionOf(last);
    expect(positions).toEqual(Array.from({ length: 10 }, (_, i) => start + 1 + i));
    expect(results.slice(0, 5).map((r) => (field(r, 'connectionEvents').connection as { email: string }).email).sort()).toEqual(missed.map((m) => m.email).sort());
  });

  it("sends one connection's current state first, then its changes (by id, email and ref)", async () => {
    const { secret } = await createOrganization(server.services);
    const user = await sandboxUser(secret);
    const ref = `status-${randomBytes(3).toString('hex')}`;
    const pending = await connectUser(secret, undefined, ref);
    const byId = subscribe(transport, secret, STATUS, { lookup: { id: user.connection.id } });
    const byEmail = subscribe(transport, secret, STATUS, { lookup: { email: user.connection.email.toUpperCase() } });
    const byRef = subscribe(transport, secret, STATUS, { lookup: { ref } });
    for (const s of [byId, byEmail]) expect(field((await s.waitFor(1))[0]!, 'connectionStatusChanged')).toMatchObject({ status: 'CONNECTED' });
    expect(field((await byRef.waitFor(1))[0]!, 'connectionStatusChanged')).toMatchObject({ status: 'ONBOARDING', connection: { email: pending.email } });
    await call(secret, 'mutation ($id: ID!) { disconnectUser(input: { id: $id }) { __typename } }', { id: user.connection.id });
    for (const s of [byId, byEmail]) expect(field((await s.waitFor(2))[1]!, 'connectionStatusChanged')).toMatchObject({ status: 'REVOKED' });
    // The other connection's change did not reach them, and theirs did not reach it.
    await connectUser(secret);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(byId.results).toHaveLength(2);
    expect(byRef.results).toHaveLength(1);
  });

  it('answers NOT_FOUND for an unknown connection or another organization’s, and VALIDATION_FAILED for a foreign cursor', async () => {
    const { secret } = await createOrganization(server.services);
    const other = await createOrganization(server.services);
    const theirs = await connectUser(other.secret);
    for (const lookup of [{ email: 'nobody@example.com' }, { id: 'Q29ubmVjdGlvbjpub3BlCg' }, { id: theirs.id }, { email: theirs.email }]) {
      const s = subscribe(transport, secret, STATUS, { lookup });
      await s.ended;
      expect(codeOf(s.results[0])).toBe('NOT_FOUND');
    }
    const bad = subscribe(transport, secret, KEY_EVENTS, { after: 'not-a-cursor' });
    await bad.ended;
    expect(codeOf(bad.results[0])).toBe('VALIDATION_FAILED');
  });

  it('keeps organizations, environments and users apart', async () => {
    const a = await createOrganization(server.services);
    const b = await createOrganization(server.services);
    const liveKey = (await postGraphQL(
      server.url,
      'mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { ... on CreatePartnerKeySuccess { secret } } }',
      { 'x-admin-token': server.adminToken },
      { i: { name: 'Live', environment: 'LIVE', organizationId: encodeGlobalID('Organization', a.organization.id), permissions: ['KEYS_READ', 'KEYS_WRITE', 'CONNECTIONS_READ', 'CONNECTIONS_WRITE'] } },
    )).body.data?.createPartnerKey as { secret: string } | undefined;
    expect(liveKey?.secret).toMatch(/^kw_ptr_live_/);
    const user = await sandboxUser(a.secret);
    const otherUser = await sandboxUser(a.secret);

    const testKeys = subscribe(transport, a.secret, KEY_EVENTS);
    const liveConnections = subscribe(transport, liveKey!.secret, CONNECTION_EVENTS);
    const userConnections = subscribe(transport, user.apiKey, CONNECTION_EVENTS);
    const userKeys = subscribe(transport, user.apiKey, KEY_EVENTS);
    await settle();

    await createKey(b.secret, 'Org B key'); // another organization
    await connectUser(a.secret); // TEST, not the user's
    await advance(a.secret, otherUser.connection.id, 'REVOKED'); // another user of the same organization
    const mine = await createKey(a.secret, 'Org A key');
    await new Promise((resolve) => setTimeout(resolve, 400));

    // A's TEST key subscription: its own key changes only (the other user's key revocation is A's too).
    const keyTypes = testKeys.results.map((r) => (field(r, 'apiKeyEvents').key as { keyId: string }).keyId);
    expect(keyTypes).toContain(mine.key.keyId);
    expect(JSON.stringify(testKeys.results)).not.toContain('Org B key');
    expect(liveConnections.results).toEqual([]);
    expect(userConnections.results).toEqual([]);
    expect(userKeys.results).toEqual([]);
    // The user's own connection does reach its key.
    await call(a.secret, 'mutation ($i: CreateUserKeyInput!) { createUserKey(input: $i) { __typename } }', {
      i: { connectionId: user.connection.id, name: 'Second key', permissions: ['BALANCE_READ'] },
    });
    const [own] = await userKeys.waitFor(1);
    expect(field(own!, 'apiKeyEvents')).toMatchObject({ type: 'CREATED', key: { kind: 'USER', name: 'Second key' } });
  });

  it('refuses apiKeyEvents to a key without KEYS_READ (FORBIDDEN)', async () => {
    const { secret } = await createOrganization(server.services);
    const { body } = await postGraphQL(
      server.url,
      'mutation { createPartnerKey(input: { name: "Connections only", permissions: [CONNECTIONS_READ] }) { ... on CreatePartnerKeySuccess { secret } } }',
      { 'x-partner-key': secret },
    );
    const narrow = (body.data?.createPartnerKey as { secret: string }).secret;
    const s = subscribe(transport, narrow, KEY_EVENTS);
    await s.ended;
    expect(codeOf(s.results[0])).toBe('FORBIDDEN');
  });
});

describe.each(TRANSPORTS)('the end of the key, over %s', (transport) => {
  async function watched(extra: Record<string, unknown> = {}) {
    const org = await createOrganization(server.services);
    const key = await createKey(org.secret, 'Subscriber', extra);
    const events = subscribe(transport, key.secret, KEY_EVENTS);
    await settle();
    return { org, key, events };
  }

  async function expectEnded(events: Subscriber, owner: string) {
    await events.ended;
    expect(codeOf(events.results.at(-1))).toBe('UNAUTHENTICATED');
    if (transport === 'graphql-ws') expect(await events.closed).toBe(4403);
    // Nothing after the end.
    const count = events.results.length;
    await createKey(owner, 'After the end').catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.results).toHaveLength(count);
  }

  it('ends the subscriptions of a revoked key with UNAUTHENTICATED (socket closed 4403)', async () => {
    const { org, key, events } = await watched();
    await revokeKey(org.secret, key.key.id);
    await expectEnded(events, org.secret);
  });

  it('ends them when the key is rotated away without grace', async () => {
    const { org, key, events } = await watched();
    await call(org.secret, 'mutation ($id: ID!) { rotatePartnerKey(input: { id: $id }) { __typename } }', { id: key.key.id });
    await expectEnded(events, org.secret);
  });

  it('ends them when the key expires', async () => {
    const { org, events } = await watched({ expiresAt: new Date(Date.now() + 1_500).toISOString() });
    await expectEnded(events, org.secret);
  });

  it('ends them when the organization becomes INACTIVE', async () => {
    const { org, events } = await watched();
    const { body } = await postGraphQL(
      server.url,
      'mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename } }',
      { 'x-admin-token': server.adminToken },
      { i: { id: encodeGlobalID('Organization', org.organization.id), status: 'INACTIVE' } },
    );
    expect(body.data?.updateOrganization).toEqual({ __typename: 'UpdateOrganizationSuccess' });
    await events.ended;
    expect(codeOf(events.results.at(-1))).toBe('UNAUTHENTICATED');
    if (transport === 'graphql-ws') expect(await events.closed).toBe(4403);
  });
});

describe('limits', () => {
  it('refuses an 11th subscription on one socket and a 13th for one key (RATE_LIMITED); a closed one frees its slot', async () => {
    const { secret } = await createOrganization(server.services);
    const ws = wsSubscribe(server.wsUrl, { 'X-Partner-Key': secret }, KEY_EVENTS);
    open.push(ws);
    const more: Subscriber[] = [];
    const second = () =>
      new Promise<SubscriptionResult[]>((resolve) => {
        const results: SubscriptionResult[] = [];
        ws.client.subscribe({ query: KEY_EVENTS }, { next: (r) => results.push(r as SubscriptionResult), error: (e) => resolve([{ errors: e as never }]), complete: () => resolve(results) });
        setTimeout(() => resolve(results), 500);
      });
    const extra = await Promise.all(Array.from({ length: 10 }, second));
    // The socket holds 1 + 9 = 10; the 10th extra was refused.
    const refused = extra.filter((r) => codeOf(r[0]) === 'RATE_LIMITED');
    expect(refused).toHaveLength(1);
    // The key holds 10 on that socket; 2 more elsewhere fit (limit 12), the 3rd does not.
    for (let i = 0; i < 2; i++) more.push(sseSubscribe(server.url, { 'x-partner-key': secret }, KEY_EVENTS));
    open.push(...more);
    await settle();
    const over = sseSubscribe(server.url, { 'x-partner-key': secret }, KEY_EVENTS);
    open.push(over);
    await over.ended;
    expect(codeOf(over.results[0])).toBe('RATE_LIMITED');
    await more[0]!.stop();
    await settle();
    const again = sseSubscribe(server.url, { 'x-partner-key': secret }, KEY_EVENTS, { after: FROM_START });
    open.push(again);
    // Admitted: it replays the organization's first key.
    expect(field((await again.waitFor(1))[0]!, 'apiKeyEvents')).toMatchObject({ type: 'CREATED' });
  });
});
