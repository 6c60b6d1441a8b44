// Issue 4 on one instance, through a real server: connectionEvents, apiKeyEvents and
// connectionStatusChanged over graphql-ws (key in connection_init) and SSE (key in headers).
// Every change is driven by a GraphQL mutation over HTTP, as a partner makes it, and what a
// subscriber receives is compared with the event table. docs/security.md A-03, C-10, C-11, D-05.
import { randomBytes } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeCursor, encodeCursor, type EventRecord } from '../../src/domain/events/event-log.ts';
import { postGraphQL } from '../helpers/process.ts';
import { createOrganization, startTestServer, type TestServer } from './server.ts';

// -- subscription clients ------------------------------------------------------------------------

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One subscription as its client sees it: every result, and whether (and when) it ended. */
class Sub {
  readonly results: Result[] = [];
  ended = false;
  endedAt = 0;
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly transport: Transport,
    private readonly field: string,
    readonly cancel: () => void,
  ) {}

  push(result: Result): void {
    this.results.push(result);
    this.wake();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.endedAt = Date.now();
    this.wake();
  }

  /** The payloads of the results that are events (not errors). */
  get events(): Record<string, unknown>[] {
    return this.results.flatMap((r) => (r.data?.[this.field] ? [r.data[this.field] as Record<string, unknown>] : []));
  }

  get positions(): bigint[] {
    return this.events.map((e) => decodeCursor(e.cursor as string));
  }

  get errorCodes(): unknown[] {
    return this.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
  }

  async until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.wakers.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.wakers.delete(check);
        reject(new Error(`${this.transport} ${this.field}: timed out waiting for ${what}; got ${JSON.stringify(this.results)}${this.ended ? ' (ended)' : ''}`));
      }, timeoutMs);
      this.wakers.add(check);
    });
  }

  waitEvents(n: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.events.length >= n, `${n} events`, timeoutMs);
  }

  waitEnded(timeoutMs?: number): Promise<void> {
    return this.until(() => this.ended, 'the end', timeoutMs);
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}

type Transport = 'graphql-ws' | 'SSE';
const TRANSPORTS: Transport[] = ['graphql-ws', 'SSE'];

const opened: { cancel(): void }[] = [];
/** Every result any subscription of this file received, for the last test (D-05). */
const everyResult: Result[] = [];

/** The headers a key is sent in: a session token as a Bearer token. */
const credentials = (key: string): Record<string, string> =>
  key.startsWith('kw_ses_') ? { authorization: `Bearer ${key}` } : { [key.startsWith('kw_usr_') ? 'x-api-key' : 'x-partner-key']: key };
const fieldOf = (query: string) => /\{\s*(\w+)/.exec(query.slice(query.indexOf('{')))![1]!;

/** A graphql-ws socket authenticated in connection_init (null: none), on which several subscriptions can run. */
function wsConnect(target: TestServer, key: string | null) {
  let resolveClosed!: (closed: { code: number; reason: string; at: number }) => void;
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => (resolveClosed = resolve));
  const client: Client = createClient({
    url: target.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    ...(key !== null && { connectionParams: credentials(key) }),
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: unknown };
        resolveClosed({ code, reason: String(reason), at: Date.now() });
      },
    },
  });
  opened.push({ cancel: () => void client.dispose() });
  return {
    client,
    closed,
    subscribe(query: string, variables?: Record<string, unknown>): Sub {
      let unsubscribe = () => {};
      const sub: Sub = new Sub('graphql-ws', fieldOf(query), () => {
        unsubscribe();
        sub.end();
      });
      unsubscribe = client.subscribe(
        { query, ...(variables && { variables }) },
        {
          next: (value) => {
            everyResult.push(value as Result);
            sub.push(value as Result);
          },
          error: (error) => {
            if (Array.isArray(error)) sub.push({ errors: error as Result['errors'] });
            sub.end();
          },
          complete: () => sub.end(),
        },
      );
      return sub;
    },
  };
}

/** GraphQL over SSE: POST with `accept: text/event-stream` and the key in headers. */
function sseSubscribe(target: TestServer, headers: Record<string, string>, query: string, variables?: Record<string, unknown>) {
  const abort = new AbortController();
  const sub = new Sub('SSE', fieldOf(query), () => abort.abort());
  opened.push(sub);
  let resolveStatus!: (status: number) => void;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  void (async () => {
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query, ...(variables && { variables }) }),
        signal: abort.signal,
      });
      resolveStatus(response.status);
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
        // Refused before any stream started: one JSON answer.
        const body = (await response.json()) as Result;
        everyResult.push(body);
        sub.push(body);
        return;
      }
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let boundary = buffered.indexOf('\n\n'); boundary >= 0; boundary = buffered.indexOf('\n\n')) {
          const message = buffered.slice(0, boundary);
          buffered = buffered.slice(boundary + 2);
          const lines = message.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
          const data = lines
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice('data: '.length))
            .join('\n');
          if (event === 'next') {
            const result = JSON.parse(data) as Result;
            everyResult.push(result);
            sub.push(result);
          }
          if (event === 'complete') return;
        }
      }
    } catch {
      // aborted by the test, or the server closed the stream
    } finally {
      resolveStatus(0);
      sub.end();
    }
  })();
  return Object.assign(sub, { status });
}

// -- the server and how tests drive it ------------------------------------------------------------

let server: TestServer;
/** Subscriptions attached to their organization's feed so far (from then on no event is missed). */
let attaches = 0;

/** Counts the subscriptions that attached to a live feed: a test waits for that before changing things. */
function countAttaches(target: TestServer, onAttached: () => void) {
  const live = target.services.live;
  const attach = live.attach.bind(live);
  live.attach = async (organizationId, listener) => {
    const position = await attach(organizationId, listener);
    onAttached();
    return position;
  };
}

beforeAll(async () => {
  // As in production: feed polling, credential checks every 500 ms, the expiry sweeper.
  server = await startTestServer({ background: true });
  countAttaches(server, () => attaches++);
});

afterEach(() => {
  for (const o of opened.splice(0)) o.cancel();
});

afterAll(async () => {
  await server?.stop();
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Long enough for a wrongly delivered event to show up (delivery takes a few ms). */
const QUIET_MS = 300;

/**
 * A subscription over `transport`, returned once it is attached to its feed (every later change
 * reaches it). `expectAttach: false` for subscriptions that are refused.
 */
async function subscribe(
  transport: Transport,
  key: string,
  query: string,
  variables?: Record<string, unknown>,
  options: { expectAttach?: boolean; target?: TestServer } = {},
): Promise<Sub> {
  const target = options.target ?? server;
  const before = attaches;
  const sub = transport === 'graphql-ws' ? wsConnect(target, key).subscribe(query, variables) : sseSubscribe(target, credentials(key), query, variables);
  if (options.expectAttach === false) await sub.waitEnded();
  else if (target === server) await waitFor(() => attaches > before || sub.ended, `${transport} subscription to attach`);
  return sub;
}

async function graphql(headers: Record<string, string>, query: string, variables?: Record<string, unknown>, target = server) {
  return (await postGraphQL(target.url, query, headers, variables)).body;
}

/** A mutation with a key; its payload, or a thrown error naming what went wrong. */
async function mutate<T = Record<string, unknown>>(key: string, query: string, variables?: Record<string, unknown>, target = server): Promise<T> {
  const body = await graphql(credentials(key), query, variables, target);
  const payload = body.data ? (Object.values(body.data)[0] as Record<string, unknown>) : undefined;
  if (!payload || (typeof payload.__typename === 'string' && !payload.__typename.endsWith('Success'))) {
    throw new Error(`${query.slice(0, 50)}… failed: ${JSON.stringify(body)}`);
  }
  return payload as T;
}

async function operator<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const body = await graphql({ 'x-admin-token': server.adminToken }, query, variables);
  const payload = body.data ? (Object.values(body.data)[0] as Record<string, unknown>) : undefined;
  if (!payload || (typeof payload.__typename === 'string' && !payload.__typename.endsWith('Success'))) {
    throw new Error(`operator ${query.slice(0, 50)}… failed: ${JSON.stringify(body)}`);
  }
  return payload as T;
}

interface Issued {
  key: { id: string; keyId: string };
  secret: string;
}

const ALL_READ_WRITE = ['KEYS_READ', 'KEYS_WRITE', 'CONNECTIONS_READ', 'CONNECTIONS_WRITE'];

const createKey = (owner: string, input: Record<string, unknown> = {}) =>
  mutate<Issued>(
    owner,
    `mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename ... on CreatePartnerKeySuccess { key { id keyId } secret } } }`,
    { i: { name: `Key ${randomBytes(3).toString('hex')}`, permissions: ALL_READ_WRITE, ...input } },
  );
const updateKey = (owner: string, id: string, name: string) =>
  mutate(owner, `mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }`, { i: { id, name } });
const rotateKey = (owner: string, id: string, gracePeriodSeconds = 0) =>
  mutate<Issued>(
    owner,
    `mutation ($i: RotatePartnerKeyInput!) { rotatePartnerKey(input: $i) { __typename ... on RotatePartnerKeySuccess { key { id keyId } secret } } }`,
    { i: { id, gracePeriodSeconds } },
  );
const revokeKey = (owner: string, id: string) => mutate(owner, `mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }`, { id });

interface Connected {
  connection: { id: string; email: string; status: string };
  apiKey: string | null;
}
const newEmail = () => `user-${randomBytes(5).toString('hex')}@example.com`;
const connectUser = (owner: string, input: Record<string, unknown> = {}) =>
  mutate<Connected>(
    owner,
    `mutation ($i: ConnectUserInput!) { connectUser(input: $i) { __typename ... on ConnectUserSuccess { connection { id email status } apiKey } } }`,
    { i: { email: newEmail(), ...input } },
  );
const sandboxUser = (owner: string, ref?: string) =>
  mutate<Connected>(
    owner,
    `mutation ($i: CreateSandboxUserInput!) { createSandboxUser(input: $i) { __typename ... on CreateSandboxUserSuccess { connection { id email status } apiKey } } }`,
    { i: { type: 'PERSON', ...(ref && { ref }) } },
  );
const advance = (owner: string, connectionId: string, to: 'PENDING' | 'CONNECTED' | 'REJECTED' | 'REVOKED') =>
  mutate<Connected>(
    owner,
    `mutation ($i: AdvanceSandboxConnectionInput!) { advanceSandboxConnection(input: $i) { __typename ... on AdvanceSandboxConnectionSuccess { connection { id email status } apiKey } } }`,
    { i: { connectionId, to } },
  );
const disconnectUser = (owner: string, id: string) => mutate(owner, `mutation ($id: ID!) { disconnectUser(input: { id: $id }) { __typename } }`, { id });
const createUserKey = (owner: string, connectionId: string, permissions = ['BALANCE_READ']) =>
  mutate<Issued>(
    owner,
    `mutation ($i: CreateUserKeyInput!) { createUserKey(input: $i) { __typename ... on CreateUserKeySuccess { key { id keyId } secret } } }`,
    { i: { connectionId, name: `User key ${randomBytes(3).toString('hex')}`, permissions } },
  );
const setOrganizationStatus = (organizationUuid: string, status: 'ACTIVE' | 'INACTIVE') =>
  operator(`mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename } }`, {
    i: { id: encodeGlobalID('Organization', organizationUuid), status },
  });
/** A LIVE partner key for an organization whose LIVE the operator opens first (operator only). */
async function liveKeyFor(organizationUuid: string) {
  const id = encodeGlobalID('Organization', organizationUuid);
  await operator(`mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename } }`, { i: { id, liveAccess: 'ENABLED' } });
  return operator<Issued>(
    `mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename ... on CreatePartnerKeySuccess { key { id keyId } secret } } }`,
    { i: { name: 'Live key', environment: 'LIVE', organizationId: id, permissions: ALL_READ_WRITE } },
  );
}

async function newOrganization() {
  const { organization, secret, key } = await createOrganization(server.services);
  return { id: organization.id, secret, keyId: key.keyId };
}

/** What the table holds for an organization after a position: the truth subscribers are compared with. */
async function tableEvents(organizationUuid: string, after = 0n, environment: 'TEST' | 'LIVE' = 'TEST'): Promise<EventRecord[]> {
  const all: EventRecord[] = [];
  let from = after;
  for (;;) {
    const page = await server.services.events.read(organizationUuid, from, { environment });
    if (page.length === 0) return all;
    all.push(...page);
    from = page.at(-1)!.position;
  }
}
const head = async (organizationUuid: string) => (await server.services.events.heads([organizationUuid])).get(organizationUuid)!;

const isKeyEvent = (r: EventRecord) => r.type.startsWith('API_KEY_');
const isConnectionEvent = (r: EventRecord) => r.type === 'CONNECTION_STATUS_CHANGED';

const KEY_EVENTS = `subscription ($after: String) { apiKeyEvents(after: $after) {
  cursor type at key { id keyId kind name environment permissions active revokedAt expiresAt createdAt } } }`;
const CONNECTION_EVENTS = `subscription ($after: String) { connectionEvents(after: $after) {
  cursor status previousStatus at connection { id email ref status environment createdAt updatedAt } } }`;
const STATUS = `subscription ($lookup: ConnectionLookup!) { connectionStatusChanged(lookup: $lookup) {
  status at connection { id email ref status } } }`;

const codeOf = (result: Result | undefined) => result?.errors?.[0]?.extensions?.code;

/** The subscriber got exactly these table rows, in order, each once. */
async function expectExactly(sub: Sub, rows: EventRecord[]) {
  await sub.waitEvents(rows.length);
  await pause(QUIET_MS);
  expect(sub.positions).toEqual(rows.map((r) => r.position));
}

// -- delivery -------------------------------------------------------------------------------------

describe.each(TRANSPORTS)('delivery over %s', (transport) => {
  it('apiKeyEvents: each key change once, in order, with cursor, type, at and key', async () => {
    const org = await newOrganization();
    const start = await head(org.id);
    const sub = await subscribe(transport, org.secret, KEY_EVENTS);
    const created = await createKey(org.secret, { name: 'Watched key' });
    await updateKey(org.secret, created.key.id, 'Renamed key');
    const successor = await rotateKey(org.secret, created.key.id, 0);
    await revokeKey(org.secret, successor.key.id);

    const rows = await tableEvents(org.id, start);
    expect(rows.map((r) => [r.type, r.data.keyId])).toEqual([
      ['API_KEY_CREATED', created.key.keyId],
      ['API_KEY_UPDATED', created.key.keyId],
      ['API_KEY_ROTATED', created.key.keyId],
      ['API_KEY_CREATED', successor.key.keyId],
      ['API_KEY_REVOKED', created.key.keyId],
      ['API_KEY_REVOKED', successor.key.keyId],
    ]);
    await expectExactly(sub, rows);
    expect(sub.events.map((e) => [e.type, (e.key as { keyId: string }).keyId])).toEqual([
      ['CREATED', created.key.keyId],
      ['UPDATED', created.key.keyId],
      ['ROTATED', created.key.keyId],
      ['CREATED', successor.key.keyId],
      ['REVOKED', created.key.keyId],
      ['REVOKED', successor.key.keyId],
    ]);
    sub.events.forEach((event, i) => {
      expect(event.cursor).toBe(encodeCursor(rows[i]!.position));
      expect(event.at).toBe(rows[i]!.createdAt.toISOString());
      expect(event.key).toMatchObject({ kind: 'PARTNER', environment: 'TEST', id: i === 3 || i === 5 ? successor.key.id : created.key.id });
    });
    expect(sub.ended).toBe(false);
  });

  it('connectionEvents: each status change once, in order, with status, previousStatus, at and connection', async () => {
    const org = await newOrganization();
    const start = await head(org.id);
    const sub = await subscribe(transport, org.secret, CONNECTION_EVENTS);
    const ref = `ref-${randomBytes(4).toString('hex')}`;
    const email = newEmail();
    const onboarding = await connectUser(org.secret, { email, ref });
    await advance(org.secret, onboarding.connection.id, 'PENDING');
    await advance(org.secret, onboarding.connection.id, 'CONNECTED'); // also issues a user key: not a connection event
    await disconnectUser(org.secret, onboarding.connection.id);
    const sandbox = await sandboxUser(org.secret);
    const rejected = await connectUser(org.secret);
    await advance(org.secret, rejected.connection.id, 'REJECTED');

    const rows = (await tableEvents(org.id, start)).filter(isConnectionEvent);
    await expectExactly(sub, rows);
    const seen = sub.events.map((e) => [(e.connection as { id: string }).id, e.previousStatus, e.status]);
    expect(seen).toEqual([
      [onboarding.connection.id, null, 'ONBOARDING'],
      [onboarding.connection.id, 'ONBOARDING', 'PENDING'],
      [onboarding.connection.id, 'PENDING', 'CONNECTED'],
      [onboarding.connection.id, 'CONNECTED', 'REVOKED'],
      [sandbox.connection.id, null, 'PENDING'],
      [sandbox.connection.id, 'PENDING', 'CONNECTED'],
      [rejected.connection.id, null, 'ONBOARDING'],
      [rejected.connection.id, 'ONBOARDING', 'REJECTED'],
    ]);
    sub.events.forEach((event, i) => {
      expect(event.cursor).toBe(encodeCursor(rows[i]!.position));
      expect(event.at).toBe(rows[i]!.createdAt.toISOString());
    });
    expect(sub.events[0]!.connection).toMatchObject({ email, ref, environment: 'TEST' });
    // Positions skip the key events in between, but keep going up.
    expect(sub.positions).toEqual([...sub.positions].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('delivers changes made concurrently once each, in position order', async () => {
    const org = await newOrganization();
    const start = await head(org.id);
    const keys = await subscribe(transport, org.secret, KEY_EVENTS);
    const connections = await subscribe(transport, org.secret, CONNECTION_EVENTS);
    await Promise.all([...Array.from({ length: 4 }, () => createKey(org.secret)), ...Array.from({ length: 8 }, () => connectUser(org.secret))]);
    const rows = await tableEvents(org.id, start);
    expect(rows).toHaveLength(12);
    await expectExactly(keys, rows.filter(isKeyEvent));
    await expectExactly(connections, rows.filter(isConnectionEvent));
  });
});

// -- resume ---------------------------------------------------------------------------------------

describe.each(TRANSPORTS)('resume over %s', (transport) => {
  it('resumes after the last cursor with exactly the missed events, then live ones', async () => {
    const org = await newOrganization();
    const start = await head(org.id);
    const first = await subscribe(transport, org.secret, CONNECTION_EVENTS);
    await connectUser(org.secret);
    await connectUser(org.secret);
    await first.waitEvents(2);
    first.cancel();
    await first.waitEnded();
    const last = first.events.at(-1)!.cursor as string;

    // Missed while away: connection changes, with key events in between.
    const missed = await connectUser(org.secret);
    await createKey(org.secret);
    await advance(org.secret, missed.connection.id, 'PENDING');
    await connectUser(org.secret);

    const resumed = await subscribe(transport, org.secret, CONNECTION_EVENTS, { after: last });
    await resumed.waitEvents(3);
    await advance(org.secret, missed.connection.id, 'CONNECTED');

    const rows = (await tableEvents(org.id, start)).filter(isConnectionEvent);
    expect(rows).toHaveLength(6);
    await expectExactly(resumed, rows.slice(2));
    expect([...first.positions, ...resumed.positions]).toEqual(rows.map((r) => r.position));
  });

  // Changes that can repeat without limit: new connections; renames of one key.
  for (const [name, query, wanted] of [
    ['connectionEvents', CONNECTION_EVENTS, isConnectionEvent],
    ['apiKeyEvents', KEY_EVENTS, isKeyEvent],
  ] as const) {
    it(`${name}: no gap and no duplicate while changes keep committing during the resubscribe`, async () => {
      const org = await newOrganization();
      const renamed = await createKey(org.secret);
      const change = (owner: string): Promise<unknown> =>
        name === 'connectionEvents' ? connectUser(owner) : updateKey(owner, renamed.key.id, `Name ${randomBytes(4).toString('hex')}`);
      // Three rounds: each time the subscriber leaves, misses some, and comes back in the middle of a burst.
      let cursor: string | undefined;
      const received: bigint[] = [];
      const issued: Promise<unknown>[] = [];
      for (let round = 0; round < 3; round++) {
        const sub = await subscribe(transport, org.secret, query, cursor ? { after: cursor } : undefined);
        const before = sub.events.length;
        await change(org.secret);
        await sub.until(() => sub.events.length > before, 'a live event');
        // The burst starts before the next subscriber is attached and goes on after it.
        sub.cancel();
        await sub.waitEnded();
        received.push(...sub.positions);
        cursor = sub.events.at(-1)!.cursor as string;
        const burst = Array.from({ length: 6 }, (_, i) => pause(i * 3).then(() => change(org.secret)));
        issued.push(...burst);
        if (round === 2) {
          const last = await subscribe(transport, org.secret, query, { after: cursor });
          await Promise.all(burst);
          await change(org.secret);
          const expected = (await tableEvents(org.id, decodeCursor(cursor))).filter(wanted);
          await expectExactly(last, expected);
          received.push(...last.positions);
        } else {
          await pause(5);
        }
      }
      await Promise.all(issued);
      const all = (await tableEvents(org.id, 0n)).filter(wanted);
      // From the first live event on, the subscriber saw every event of its kind exactly once, in order.
      const firstSeen = all.findIndex((r) => r.position === received[0]);
      expect(received).toEqual(all.slice(firstSeen).map((r) => r.position));
      if (name === 'connectionEvents') {
        // Only this kind of change happened: positions are contiguous.
        expect(received.map((p) => Number(p - received[0]!))).toEqual(received.map((_, i) => i));
      }
    });
  }

  it('replays from the start of the organization with the cursor of position 0', async () => {
    const org = await newOrganization();
    await connectUser(org.secret);
    await createKey(org.secret);
    const rows = await tableEvents(org.id, 0n);
    const keys = await subscribe(transport, org.secret, KEY_EVENTS, { after: encodeCursor(0n) });
    await expectExactly(keys, rows.filter(isKeyEvent));
    expect(keys.positions[0]).toBe(1n); // the organization's first key
  });

  it('refuses a cursor that is not one of ours with VALIDATION_FAILED', async () => {
    const org = await newOrganization();
    const bad = [
      'not-a-cursor',
      '',
      'ZXYxOi0x', // "ev1:-1"
      Buffer.from('ev1:abc').toString('base64url'),
      Buffer.from('ev2:5').toString('base64url'),
      Buffer.from(`ev1:${'9'.repeat(25)}`).toString('base64url'),
      'x'.repeat(500),
    ];
    for (const query of [KEY_EVENTS, CONNECTION_EVENTS]) {
      for (const after of bad) {
        const sub = await subscribe(transport, org.secret, query, { after }, { expectAttach: false });
        expect(sub.errorCodes, `${after} on ${query.slice(0, 40)}`).toEqual(['VALIDATION_FAILED']);
        expect(sub.events).toEqual([]);
      }
    }
  });
});

// -- one connection -------------------------------------------------------------------------------

describe.each(TRANSPORTS)('connectionStatusChanged over %s', (transport) => {
  for (const by of ['id', 'email', 'ref'] as const) {
    it(`by ${by}: the current state first, then each change, and nothing of other connections`, async () => {
      const org = await newOrganization();
      const ref = `ref-${randomBytes(4).toString('hex')}`;
      const email = newEmail();
      const user = await connectUser(org.secret, { email, ref });
      const other = await connectUser(org.secret);
      const lookup = by === 'id' ? { id: user.connection.id } : by === 'email' ? { email } : { ref };
      const sub = await subscribe(transport, org.secret, STATUS, { lookup });
      await sub.waitEvents(1);
      const current = sub.events[0]!;
      expect(current).toMatchObject({ status: 'ONBOARDING', connection: { id: user.connection.id, email, ref, status: 'ONBOARDING' } });

      await advance(org.secret, other.connection.id, 'PENDING');
      await advance(org.secret, user.connection.id, 'PENDING');
      await advance(org.secret, other.connection.id, 'REJECTED');
      await advance(org.secret, user.connection.id, 'CONNECTED');
      await createKey(org.secret);
      await disconnectUser(org.secret, user.connection.id);

      await sub.waitEvents(4);
      await pause(QUIET_MS);
      expect(sub.events.map((e) => e.status)).toEqual(['ONBOARDING', 'PENDING', 'CONNECTED', 'REVOKED']);
      expect(sub.events.every((e) => (e.connection as { id: string }).id === user.connection.id)).toBe(true);
      const rows = (await tableEvents(org.id)).filter((r) => isConnectionEvent(r) && r.data.status !== 'ONBOARDING' && r.data.ref === ref);
      expect(sub.events.slice(1).map((e) => e.at)).toEqual(rows.map((r) => r.createdAt.toISOString()));
    });
  }

  it('never misses or repeats a change that commits while it starts', async () => {
    const org = await newOrganization();
    for (let round = 0; round < 3; round++) {
      const user = await connectUser(org.secret);
      const chain = (async () => {
        await pause(round * 2);
        await advance(org.secret, user.connection.id, 'PENDING');
        await advance(org.secret, user.connection.id, 'CONNECTED');
        await disconnectUser(org.secret, user.connection.id);
      })();
      const sub = await subscribe(transport, org.secret, STATUS, { lookup: { id: user.connection.id } });
      await chain;
      await sub.until(() => sub.events.at(-1)?.status === 'REVOKED', 'REVOKED');
      await pause(QUIET_MS);
      const statuses = sub.events.map((e) => e.status);
      // Whatever state it started from, then every later one, once.
      const lifecycle = ['ONBOARDING', 'PENDING', 'CONNECTED', 'REVOKED'];
      expect(statuses, `round ${round}`).toEqual(lifecycle.slice(lifecycle.indexOf(statuses[0] as string)));
    }
  });

  it("answers NOT_FOUND for an unknown connection, another organization's, or another environment's", async () => {
    const org = await newOrganization();
    const stranger = await newOrganization();
    const theirs = await connectUser(stranger.secret, { ref: 'shared-ref' });
    const live = await liveKeyFor(org.id);
    const liveUser = await connectUser(live.secret, { ref: 'live-ref' });
    const lookups = [
      { email: 'nobody@example.com' },
      { ref: 'no-such-ref' },
      { id: encodeGlobalID('Connection', '00000000-0000-4000-8000-000000000000') },
      { id: theirs.connection.id },
      { email: theirs.connection.email },
      { ref: 'shared-ref' },
      { id: liveUser.connection.id },
      { email: liveUser.connection.email },
      { ref: 'live-ref' },
    ];
    for (const lookup of lookups) {
      const sub = await subscribe(transport, org.secret, STATUS, { lookup }, { expectAttach: false });
      expect(sub.errorCodes, JSON.stringify(lookup)).toEqual(['NOT_FOUND']);
      expect(sub.events).toEqual([]);
    }
    // The same lookups work for their owners.
    const own = await subscribe(transport, stranger.secret, STATUS, { lookup: { ref: 'shared-ref' } });
    await own.waitEvents(1);
    own.cancel();
  });
});

// -- isolation (A-03) -----------------------------------------------------------------------------

describe.each(TRANSPORTS)('isolation over %s', (transport) => {
  it("gives organization A nothing of organization B's changes", async () => {
    const a = await newOrganization();
    const b = await newOrganization();
    const aKeys = await subscribe(transport, a.secret, KEY_EVENTS);
    const aConnections = await subscribe(transport, a.secret, CONNECTION_EVENTS);
    const bKeys = await subscribe(transport, b.secret, KEY_EVENTS);
    const bStart = await head(b.id);

    const key = await createKey(b.secret);
    await rotateKey(b.secret, key.key.id);
    const user = await sandboxUser(b.secret);
    await createUserKey(b.secret, user.connection.id);
    await disconnectUser(b.secret, user.connection.id);
    await revokeKey(b.secret, (await createKey(b.secret)).key.id);
    await expectExactly(bKeys, (await tableEvents(b.id, bStart)).filter(isKeyEvent));

    expect(aKeys.results).toEqual([]);
    expect(aConnections.results).toEqual([]);
    // A's own change does reach A: the subscriptions were live all along.
    const own = await createKey(a.secret);
    await aKeys.waitEvents(1);
    await pause(QUIET_MS);
    expect(aKeys.events.map((e) => (e.key as { keyId: string }).keyId)).toEqual([own.key.keyId]);
    expect(aConnections.results).toEqual([]);
  });

  it('keeps TEST and LIVE apart, live and on replay', async () => {
    const org = await newOrganization();
    const live = await liveKeyFor(org.id);
    expect(live.secret).toMatch(/^kw_ptr_live_/);
    const testKeys = await subscribe(transport, org.secret, KEY_EVENTS);
    const testConnections = await subscribe(transport, org.secret, CONNECTION_EVENTS);
    const liveKeys = await subscribe(transport, live.secret, KEY_EVENTS);
    const liveConnections = await subscribe(transport, live.secret, CONNECTION_EVENTS);

    const liveKey = await createKey(live.secret, { name: 'Live created' });
    const liveUser = await connectUser(live.secret);
    await revokeKey(live.secret, liveKey.key.id);
    const testKey = await createKey(org.secret, { name: 'Test created' });
    const testUser = await connectUser(org.secret);

    await liveKeys.waitEvents(2);
    await liveConnections.waitEvents(1);
    await testKeys.waitEvents(1);
    await testConnections.waitEvents(1);
    await pause(QUIET_MS);
    expect(liveKeys.events.map((e) => [e.type, (e.key as { keyId: string; environment: string }).keyId])).toEqual([
      ['CREATED', liveKey.key.keyId],
      ['REVOKED', liveKey.key.keyId],
    ]);
    expect(liveConnections.events.map((e) => (e.connection as { id: string }).id)).toEqual([liveUser.connection.id]);
    expect(testKeys.events.map((e) => (e.key as { keyId: string }).keyId)).toEqual([testKey.key.keyId]);
    expect(testConnections.events.map((e) => (e.connection as { id: string }).id)).toEqual([testUser.connection.id]);
    for (const sub of [liveKeys, liveConnections]) expect(JSON.stringify(sub.events)).not.toMatch(/"environment":"TEST"/);
    for (const sub of [testKeys, testConnections]) expect(JSON.stringify(sub.events)).not.toMatch(/"environment":"LIVE"/);

    // Replays from the start of the organization stay in their environment too.
    const testReplay = await subscribe(transport, org.secret, KEY_EVENTS, { after: encodeCursor(0n) });
    await expectExactly(testReplay, (await tableEvents(org.id, 0n, 'TEST')).filter(isKeyEvent));
    const liveReplay = await subscribe(transport, live.secret, CONNECTION_EVENTS, { after: encodeCursor(0n) });
    await expectExactly(liveReplay, (await tableEvents(org.id, 0n, 'LIVE')).filter(isConnectionEvent));
    expect(liveReplay.events).toHaveLength(1);
  });

  it("gives a user key its own connection's events only", async () => {
    const org = await newOrganization();
    const mine = await sandboxUser(org.secret);
    const theirs = await sandboxUser(org.secret);
    await connectUser(org.secret);
    const userKey = mine.apiKey!;
    expect(userKey).toMatch(/^kw_usr_test_/);

    // Replayed from the start: the connection's own status changes and its own key, nothing else.
    const connections = await subscribe(transport, userKey, CONNECTION_EVENTS, { after: encodeCursor(0n) });
    const keys = await subscribe(transport, userKey, KEY_EVENTS, { after: encodeCursor(0n) });
    await connections.waitEvents(2);
    await keys.waitEvents(1);
    await pause(QUIET_MS);
    expect(connections.events.map((e) => [(e.connection as { id: string }).id, e.status])).toEqual([
      [mine.connection.id, 'PENDING'],
      [mine.connection.id, 'CONNECTED'],
    ]);
    expect(keys.events.map((e) => [e.type, (e.key as { kind: string }).kind])).toEqual([['CREATED', 'USER']]);

    // Live: the other user's changes, partner keys and new connections do not reach it; its own key changes do.
    await createUserKey(org.secret, theirs.connection.id);
    await disconnectUser(org.secret, theirs.connection.id);
    await createKey(org.secret);
    await connectUser(org.secret);
    const second = await createUserKey(org.secret, mine.connection.id);
    await keys.waitEvents(2);
    await pause(QUIET_MS);
    expect(keys.events.map((e) => (e.key as { keyId: string }).keyId).at(-1)).toBe(second.key.keyId);
    expect(keys.events).toHaveLength(2);
    expect(connections.events).toHaveLength(2);

    // Another connection of the same organization is NOT_FOUND to it.
    const other = await subscribe(transport, userKey, STATUS, { lookup: { id: theirs.connection.id } }, { expectAttach: false });
    expect(other.errorCodes).toEqual(['NOT_FOUND']);
    const own = await subscribe(transport, userKey, STATUS, { lookup: { id: mine.connection.id } });
    await own.waitEvents(1);
    expect(own.events[0]).toMatchObject({ status: 'CONNECTED' });
  });

  it('refuses a key without the permission (FORBIDDEN) and a request without a key (UNAUTHENTICATED)', async () => {
    const org = await newOrganization();
    const connectionsOnly = await createKey(org.secret, { permissions: ['CONNECTIONS_READ'] });
    const keysOnly = await createKey(org.secret, { permissions: ['KEYS_READ'] });
    const user = await connectUser(org.secret);
    for (const [key, query, variables] of [
      [connectionsOnly.secret, KEY_EVENTS, undefined],
      [keysOnly.secret, CONNECTION_EVENTS, undefined],
      [keysOnly.secret, STATUS, { lookup: { id: user.connection.id } }],
    ] as const) {
      const sub = await subscribe(transport, key, query, variables, { expectAttach: false });
      expect(sub.errorCodes, query.slice(0, 40)).toEqual(['FORBIDDEN']);
      expect(sub.events).toEqual([]);
    }
    // Without any credential.
    if (transport === 'graphql-ws') {
      // graphql-ws refuses the socket itself at connection_init (4403), before any subscription.
      const socket = wsConnect(server, null);
      const anonymous = socket.subscribe(KEY_EVENTS);
      await anonymous.waitEnded();
      expect(anonymous.events).toEqual([]);
      expect((await socket.closed).code).toBe(4403);
    } else {
      const anonymous = sseSubscribe(server, {}, KEY_EVENTS);
      await anonymous.waitEnded();
      expect(anonymous.errorCodes).toEqual(['UNAUTHENTICATED']);
    }
  });
});

// -- the end of the key (C-10) --------------------------------------------------------------------

describe.each(TRANSPORTS)('the end of the subscribing key, over %s', (transport) => {
  /** A key of a new organization with two subscriptions open (on one socket for graphql-ws). */
  async function watched(input: Record<string, unknown> = {}) {
    const org = await newOrganization();
    const key = await createKey(org.secret, input);
    const before = attaches;
    let subs: Sub[];
    let closed: Promise<{ code: number; at: number }> | null = null;
    if (transport === 'graphql-ws') {
      const socket = wsConnect(server, key.secret);
      closed = socket.closed;
      subs = [socket.subscribe(KEY_EVENTS), socket.subscribe(CONNECTION_EVENTS)];
    } else {
      subs = [sseSubscribe(server, { 'x-partner-key': key.secret }, KEY_EVENTS), sseSubscribe(server, { 'x-partner-key': key.secret }, CONNECTION_EVENTS)];
    }
    // The owner's own view of the key's lifecycle.
    const owner = sseSubscribe(server, { 'x-partner-key': org.secret }, KEY_EVENTS);
    await waitFor(() => attaches >= before + 3, 'the subscriptions to attach');
    // Live before the end.
    await connectUser(org.secret);
    const other = await createKey(org.secret);
    await subs[0]!.waitEvents(1);
    await subs[1]!.waitEvents(1);
    expect((subs[0]!.events[0]!.key as { keyId: string }).keyId).toBe(other.key.keyId);
    return { org, key, subs, closed, owner, head: await head(org.id) };
  }

  /**
   * Within 2 s of `since` every subscription ends with UNAUTHENTICATED (and the socket closes
   * with 4403); none got an event at or after `fromPosition` (the change that ended the key, and
   * what came after it).
   */
  async function expectEnded(w: Awaited<ReturnType<typeof watched>>, since: number, fromPosition: bigint, later: () => Promise<unknown>) {
    // Changes keep coming right after the end: none may reach the ended subscriptions.
    const changes = later().then(
      () => null,
      (error: unknown) => error,
    );
    for (const sub of w.subs) {
      await sub.waitEnded(5_000);
      expect(sub.endedAt - since, `${sub.transport} ended after ${sub.endedAt - since} ms`).toBeLessThanOrEqual(2_000);
      expect(codeOf(sub.results.at(-1))).toBe('UNAUTHENTICATED');
      expect(sub.results.at(-1)!.errors?.[0]?.message).toBe('The provided API key is invalid or inactive');
    }
    if (w.closed) {
      const { code, at } = await w.closed;
      expect(code).toBe(4403);
      expect(at - since).toBeLessThanOrEqual(2_000);
    }
    const failed = await changes;
    if (failed) throw failed;
    await pause(QUIET_MS);
    for (const sub of w.subs) {
      for (const position of sub.positions) expect(position).toBeLessThan(fromPosition);
      expect(sub.errorCodes).toEqual(['UNAUTHENTICATED']);
    }
  }

  // One new key at most: an organization has 5 active partner keys at most.
  const moreChanges = (owner: string) => async () => {
    await createKey(owner);
    for (let i = 0; i < 3; i++) await connectUser(owner);
  };

  /** The organization's other subscribers do see the key's end. */
  const ownerSees = (w: Awaited<ReturnType<typeof watched>>, type: string) =>
    w.owner.until(() => w.owner.events.some((e) => e.type === type && (e.key as { keyId: string }).keyId === w.key.key.keyId), `${type} for the owner`);

  it('revoked: ends within a second with UNAUTHENTICATED (socket 4403), nothing after', async () => {
    const w = await watched();
    const since = Date.now();
    await revokeKey(w.org.secret, w.key.key.id);
    const revoked = (await tableEvents(w.org.id)).find((r) => r.type === 'API_KEY_REVOKED' && r.data.keyId === w.key.key.keyId)!;
    await expectEnded(w, since, revoked.position, moreChanges(w.org.secret));
    await ownerSees(w, 'REVOKED');
  });

  it("a user key's subscriptions end when it is revoked", async () => {
    const org = await newOrganization();
    const user = await sandboxUser(org.secret);
    const spare = await createUserKey(org.secret, user.connection.id, ['CONNECTIONS_READ', 'KEYS_READ']);
    const sub = await subscribe(transport, user.apiKey!, KEY_EVENTS);
    const spareSub = await subscribe(transport, spare.secret, KEY_EVENTS);
    const firstKey = (await tableEvents(org.id)).find((r) => r.type === 'API_KEY_CREATED' && r.data.kind === 'USER')!;
    const since = Date.now();
    await mutate(org.secret, `mutation ($id: ID!) { revokeUserKey(input: { id: $id }) { __typename } }`, {
      id: encodeGlobalID('ApiKey', firstKey.apiKeyId!),
    });
    await sub.waitEnded();
    expect(sub.endedAt - since).toBeLessThanOrEqual(2_000);
    expect(sub.errorCodes).toEqual(['UNAUTHENTICATED']);
    // The connection's other key runs on, and hears of the revocation.
    await spareSub.until(() => spareSub.events.some((e) => e.type === 'REVOKED'), 'REVOKED');
    expect(spareSub.ended).toBe(false);
  });

  it("ends when the key's allowed IPs no longer include the subscriber's address", async () => {
    const w = await watched();
    const since = Date.now();
    await mutate(w.org.secret, `mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }`, {
      i: { id: w.key.key.id, allowedIps: ['203.0.113.7'] },
    });
    const updated = (await tableEvents(w.org.id)).find((r) => r.type === 'API_KEY_UPDATED' && r.data.keyId === w.key.key.keyId)!;
    await expectEnded(w, since, updated.position + 1n, moreChanges(w.org.secret));
  });

  it('stops key events to a key that lost KEYS_READ', async () => {
    // Authorization changed under a live stream (docs/security.md C-10, GQLWS-372): a key that may no
    // longer read keys must not go on receiving key events.
    const w = await watched();
    await mutate(w.org.secret, `mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }`, {
      i: { id: w.key.key.id, permissions: ['CONNECTIONS_READ'] },
    });
    const updated = (await tableEvents(w.org.id)).find((r) => r.type === 'API_KEY_UPDATED' && r.data.keyId === w.key.key.keyId)!;
    await pause(1_200); // more than two credential checks
    const later = await createKey(w.org.secret);
    await w.owner.until(() => w.owner.events.some((e) => (e.key as { keyId: string }).keyId === later.key.keyId), 'the later key for the owner');
    await pause(QUIET_MS);
    const keyEvents = w.subs[0]!;
    expect(
      keyEvents.positions.filter((p) => p > updated.position),
      'key events after KEYS_READ was removed',
    ).toEqual([]);
    // And the client is told: its stream ends with an error rather than going silent.
    expect(keyEvents.ended).toBe(true);
    expect(['FORBIDDEN', 'UNAUTHENTICATED']).toContain(codeOf(keyEvents.results.at(-1)));
  });

  it('rotated away without grace: ends the same way', async () => {
    const w = await watched();
    const since = Date.now();
    await rotateKey(w.org.secret, w.key.key.id, 0);
    const revoked = (await tableEvents(w.org.id)).find((r) => r.type === 'API_KEY_REVOKED' && r.data.keyId === w.key.key.keyId)!;
    await expectEnded(w, since, revoked.position, moreChanges(w.org.secret));
    await ownerSees(w, 'ROTATED');
    await ownerSees(w, 'REVOKED');
  });

  it('rotated with a grace period: keeps running until the grace period is over, then ends', async () => {
    const w = await watched();
    const rotated = await mutate<{ previous: { expiresAt: string } }>(
      w.org.secret,
      `mutation ($i: RotatePartnerKeyInput!) { rotatePartnerKey(input: $i) { __typename ... on RotatePartnerKeySuccess { previous { expiresAt } } } }`,
      { i: { id: w.key.key.id, gracePeriodSeconds: 2 } },
    );
    const graceEnds = Date.parse(rotated.previous.expiresAt);
    expect(graceEnds - Date.now()).toBeGreaterThan(1_500);
    const next = await createKey(w.org.secret);
    await w.subs[0]!.until(() => w.subs[0]!.events.some((e) => (e.key as { keyId: string }).keyId === next.key.keyId), 'a later event');
    await pause(Math.max(0, graceEnds - 800 - Date.now())); // more than two credential checks into the grace period
    for (const sub of w.subs) expect(sub.ended).toBe(false);
    await pause(Math.max(0, graceEnds - Date.now()));
    // New connections only: the rotated key holds one of the 5 partner key slots until the grace period ends.
    await expectEnded(w, graceEnds, (await head(w.org.id)) + 1n, async () => {
      for (let i = 0; i < 3; i++) await connectUser(w.org.secret);
    });
    await ownerSees(w, 'EXPIRED');
  });

  it('closes a graphql-ws socket whose key is revoked even when it has no subscription', async () => {
    const org = await newOrganization();
    const key = await createKey(org.secret);
    const socket = wsConnect(server, key.secret);
    const query = socket.subscribe('{ viewer { kind } }');
    await query.waitEnded();
    expect(query.results).toEqual([{ data: { viewer: { kind: 'PARTNER' } } }]);
    const since = Date.now();
    await revokeKey(org.secret, key.key.id);
    const { code, at } = await socket.closed;
    expect(code).toBe(4403);
    expect(at - since).toBeLessThanOrEqual(2_000);
  });

  it('expired: ends within a second of its expiry', async () => {
    const expiresAt = Date.now() + 2_000;
    const w = await watched({ expiresAt: new Date(expiresAt).toISOString() });
    for (const sub of w.subs) expect(sub.ended).toBe(false);
    await w.subs[0]!.waitEnded(6_000);
    expect(w.subs[0]!.endedAt).toBeGreaterThanOrEqual(expiresAt - 50);
    // Nothing changed between watched() and the expiry: whatever came later is the EXPIRED event and after.
    await expectEnded(w, expiresAt, w.head + 1n, moreChanges(w.org.secret));
    // The sweeper records the expiry: the owner sees EXPIRED.
    await ownerSees(w, 'EXPIRED');
  });

  it('organization set INACTIVE: ends within a second', async () => {
    const w = await watched();
    const since = Date.now();
    await setOrganizationStatus(w.org.id, 'INACTIVE');
    const after = (await head(w.org.id)) + 1n;
    // The operator can still make changes to the organization's keys meanwhile.
    const later = async () => {
      await operator(`mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename } }`, {
        i: { name: 'By the operator', organizationId: encodeGlobalID('Organization', w.org.id), permissions: ['KEYS_READ'] },
      });
    };
    await expectEnded(w, since, after, later);
    // Active again: a new subscription with the same key works.
    await setOrganizationStatus(w.org.id, 'ACTIVE');
    const again = await subscribe(transport, w.key.secret, KEY_EVENTS);
    const fresh = await createKey(w.org.secret);
    await again.until(() => again.events.some((e) => (e.key as { keyId: string }).keyId === fresh.key.keyId), 'an event');
  });
});

// -- limits (C-11) --------------------------------------------------------------------------------

describe('limits', () => {
  it('refuses the 11th subscription on one socket with RATE_LIMITED; ending one frees its slot', async () => {
    const org = await newOrganization();
    const socket = wsConnect(server, org.secret);
    const before = attaches;
    const subs = Array.from({ length: 10 }, () => socket.subscribe(KEY_EVENTS));
    await waitFor(() => attaches >= before + 10, '10 subscriptions');
    const eleventh = socket.subscribe(KEY_EVENTS);
    await eleventh.waitEnded();
    expect(eleventh.errorCodes).toEqual(['RATE_LIMITED']);
    // The ten run on, and the socket too.
    const key = await createKey(org.secret);
    for (const sub of subs) await sub.waitEvents(1);
    expect(subs.every((s) => !s.ended)).toBe(true);
    // Another socket of the same key is a new budget of ten.
    const other = await subscribe('graphql-ws', org.secret, KEY_EVENTS);
    expect(other.ended).toBe(false);

    expect(subs[1]!.events.map((e) => (e.key as { keyId: string }).keyId)).toEqual([key.key.keyId]);

    const registry = server.services.subscriptions.registry;
    const full = registry.size;
    subs[0]!.cancel();
    await waitFor(() => registry.size < full, 'the slot to be released');
    const replacement = socket.subscribe(KEY_EVENTS, { after: encodeCursor(0n) });
    await replacement.waitEvents(2); // the organization's first key, and the one created above
    expect(replacement.errorCodes).toEqual([]);

    // Closing the socket gives back every slot it held.
    const held = registry.size;
    await socket.client.dispose();
    await waitFor(() => registry.size === held - 10, "the socket's slots to be released");
  });

  it('closes a key’s socket past its number of open sockets with 4429; closing one frees its place; other keys are apart', async () => {
    const limited = await startTestServer({ subscriptionLimits: { socketsPerKey: 2 } });
    try {
      const { secret } = await createOrganization(limited.services);
      const registry = limited.services.subscriptions.registry;
      const first = wsConnect(limited, secret);
      const second = wsConnect(limited, secret);
      const subs = [first.subscribe(KEY_EVENTS), second.subscribe(KEY_EVENTS)];
      await waitFor(() => registry.size === 2, 'two sockets subscribed');
      const third = wsConnect(limited, secret);
      expect(await third.closed).toMatchObject({ code: 4429, reason: 'At most 2 open connections per key' });
      // Another key of the organization has its own sockets.
      const other = await mutate<Issued>(
        secret,
        `mutation { createPartnerKey(input: { name: "Second key", permissions: [KEYS_READ] }) { __typename ... on CreatePartnerKeySuccess { key { id keyId } secret } } }`,
        undefined,
        limited,
      );
      const otherSocket = wsConnect(limited, other.secret).subscribe(KEY_EVENTS);
      await waitFor(() => registry.size === 3, 'the other key to subscribe');
      expect(otherSocket.ended).toBe(false);
      // A closed socket gives its place back.
      await first.client.dispose();
      await waitFor(() => registry.size === 2, 'the first socket to be released');
      const fourth = wsConnect(limited, secret);
      const fourthSub = fourth.subscribe(KEY_EVENTS);
      await waitFor(() => registry.size === 3, 'a new socket in the freed place');
      expect(fourthSub.ended).toBe(false);
      expect(subs[1]!.ended).toBe(false);
    } finally {
      await limited.stop();
    }
  });

  it('refuses a key past its cap on any socket or over SSE with RATE_LIMITED; ending one frees a slot', async () => {
    const limited = await startTestServer({ subscriptionLimits: { perKey: 3 } });
    try {
      const { secret } = await createOrganization(limited.services);
      const registry = limited.services.subscriptions.registry;
      const socket = wsConnect(limited, secret);
      const onSocket = [socket.subscribe(KEY_EVENTS), socket.subscribe(CONNECTION_EVENTS)];
      const overSse = sseSubscribe(limited, { 'x-partner-key': secret }, KEY_EVENTS);
      await waitFor(() => registry.size === 3, 'three subscriptions');

      const fourthWs = wsConnect(limited, secret).subscribe(KEY_EVENTS);
      const fourthSse = sseSubscribe(limited, { 'x-partner-key': secret }, CONNECTION_EVENTS);
      const onSameSocket = socket.subscribe(KEY_EVENTS);
      for (const refused of [fourthWs, fourthSse, onSameSocket]) {
        await refused.waitEnded();
        expect(refused.errorCodes, refused.transport).toEqual(['RATE_LIMITED']);
        expect(refused.results[0]!.errors![0]!.message).toMatch(/3 subscriptions per key/);
      }
      // Another key of the same organization has its own budget.
      const otherKey = await mutate<Issued>(
        secret,
        `mutation { createPartnerKey(input: { name: "Other key", permissions: [KEYS_READ] }) { __typename ... on CreatePartnerKeySuccess { key { id keyId } secret } } }`,
        undefined,
        limited,
      );
      const otherSub = sseSubscribe(limited, { 'x-partner-key': otherKey.secret }, KEY_EVENTS).cancel;
      await waitFor(() => registry.size === 4, 'the other key to subscribe');
      otherSub();

      overSse.cancel();
      await waitFor(() => registry.size === 2, 'the SSE slot to be released');
      const again = sseSubscribe(limited, { 'x-partner-key': secret }, KEY_EVENTS);
      await waitFor(() => registry.size === 3, 'the freed slot to be taken');
      const created = await mutate<Issued>(
        secret,
        `mutation { createPartnerKey(input: { name: "After the cap", permissions: [KEYS_READ] }) { __typename ... on CreatePartnerKeySuccess { key { id keyId } secret } } }`,
        undefined,
        limited,
      );
      await again.until(() => again.events.some((e) => (e.key as { keyId: string }).keyId === created.key.keyId), 'the event');
      await onSocket[0]!.until(() => onSocket[0]!.events.some((e) => (e.key as { keyId: string }).keyId === created.key.keyId), 'the event');
      // A refused graphql-ws subscription does not close its socket.
      expect(onSocket.every((s) => !s.ended)).toBe(true);
    } finally {
      for (const o of opened) o.cancel();
      await limited.stop();
    }
  });
});

describe('limits of a key and its sessions together', () => {
  /** Sessions opened by `key` (from 127.0.0.1, where the test's sockets come from). */
  async function sessionsOf(key: string, count: number, target: TestServer): Promise<string[]> {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const created = await mutate<{ token: string }>(
        key,
        `mutation ($i: CreateSessionInput!) { createSession(input: $i) { __typename ... on CreateSessionSuccess { token } } }`,
        { i: { description: `Device ${i}` } },
        target,
      );
      tokens.push(created.token);
    }
    return tokens;
  }

  it('closes the socket of a key or its session past the key’s one number of open sockets with 4429', async () => {
    const limited = await startTestServer({ subscriptionLimits: { socketsPerKey: 3 } });
    try {
      const { secret } = await createOrganization(limited.services);
      const sessions = await sessionsOf(secret, 3, limited);
      const registry = limited.services.subscriptions.registry;
      const held = [wsConnect(limited, secret), wsConnect(limited, sessions[0]!), wsConnect(limited, sessions[1]!)];
      const subs = held.map((socket) => socket.subscribe(KEY_EVENTS));
      await waitFor(() => registry.size === 3, 'three sockets subscribed');
      for (const credential of [sessions[2]!, sessions[0]!, secret]) {
        const over = wsConnect(limited, credential);
        expect(await over.closed).toMatchObject({ code: 4429, reason: 'At most 3 open connections per key' });
      }
      // A session's closed socket gives its place back to the key, for any of its credentials.
      await held[1]!.client.dispose();
      await waitFor(() => registry.size === 2, 'the session socket to be released');
      const replacement = wsConnect(limited, sessions[2]!).subscribe(KEY_EVENTS);
      await waitFor(() => registry.size === 3, 'a new session socket in the freed place');
      expect(replacement.ended).toBe(false);
      expect([subs[0]!, subs[2]!].every((s) => !s.ended)).toBe(true);
    } finally {
      for (const o of opened) o.cancel();
      await limited.stop();
    }
  });

  it('refuses a subscription of a key or its session past the key’s one number of subscriptions, over either transport', async () => {
    const limited = await startTestServer({ subscriptionLimits: { perKey: 3 } });
    try {
      const { secret } = await createOrganization(limited.services);
      const sessions = await sessionsOf(secret, 3, limited);
      const registry = limited.services.subscriptions.registry;
      const onSession = wsConnect(limited, sessions[0]!);
      const held = [
        sseSubscribe(limited, credentials(secret), KEY_EVENTS),
        onSession.subscribe(KEY_EVENTS),
        sseSubscribe(limited, credentials(sessions[1]!), CONNECTION_EVENTS),
      ];
      await waitFor(() => registry.size === 3, 'three subscriptions');
      const refused = [
        wsConnect(limited, sessions[2]!).subscribe(KEY_EVENTS),
        sseSubscribe(limited, credentials(sessions[2]!), KEY_EVENTS),
        onSession.subscribe(CONNECTION_EVENTS),
        sseSubscribe(limited, credentials(secret), KEY_EVENTS),
      ];
      for (const sub of refused) {
        await sub.waitEnded();
        expect(sub.errorCodes, sub.transport).toEqual(['RATE_LIMITED']);
        expect(sub.results[0]!.errors![0]!.message).toMatch(/3 subscriptions per key/);
      }
      expect(registry.size).toBe(3);
      // The key's subscription ends: a session may take its place.
      held[0]!.cancel();
      await waitFor(() => registry.size === 2, 'the key’s slot to be released');
      const again = sseSubscribe(limited, credentials(sessions[2]!), KEY_EVENTS);
      await waitFor(() => registry.size === 3, 'the freed slot to be taken by a session');
      expect(again.ended).toBe(false);
      expect(held.slice(1).every((s) => !s.ended)).toBe(true);
    } finally {
      for (const o of opened) o.cancel();
      await limited.stop();
    }
  });
});

// -- secrets (D-05) -------------------------------------------------------------------------------

describe.each(TRANSPORTS)('secrets over %s', (transport) => {
  it('never sends a kw_ secret, even for the changes whose mutation answers carry one', async () => {
    const org = await newOrganization();
    const everything = `subscription ($after: String) { apiKeyEvents(after: $after) {
      cursor type at key { id keyId kind name environment permissions allowedIps allowedRecipients expiresAt revokedAt lastUsedAt createdAt active } } }`;
    const connectionsFull = `subscription ($after: String) { connectionEvents(after: $after) {
      cursor status previousStatus at connection { id email ref status environment direction depositIban depositAddress createdAt updatedAt
        keys(first: 50) { edges { cursor node { id keyId kind name permissions active } } } } } }`;
    const keys = await subscribe(transport, org.secret, everything);
    const connections = await subscribe(transport, org.secret, connectionsFull);

    const secrets: string[] = [org.secret];
    const created = await createKey(org.secret);
    secrets.push(created.secret);
    secrets.push((await rotateKey(org.secret, created.key.id, 0)).secret);
    const sandbox = await sandboxUser(org.secret);
    secrets.push(sandbox.apiKey!);
    const user = await connectUser(org.secret, { direction: 'SELL', iban: 'DE89370400440532013000' });
    await advance(org.secret, user.connection.id, 'PENDING');
    const connected = await advance(org.secret, user.connection.id, 'CONNECTED');
    expect(connected.apiKey).toMatch(/^kw_usr_test_/);
    secrets.push(connected.apiKey!);
    // connectUser for a connected user answers with its key again: still not an event payload.
    const again = await connectUser(org.secret, { email: user.connection.email });
    if (again.apiKey) secrets.push(again.apiKey);
    secrets.push((await createUserKey(org.secret, sandbox.connection.id)).secret);
    for (const secret of secrets) expect(secret).toMatch(/^kw_(ptr|usr)_test_/);

    const rows = await tableEvents(org.id, 1n);
    await expectExactly(keys, rows.filter(isKeyEvent));
    await expectExactly(connections, rows.filter(isConnectionEvent));
    // Resumed from the start as well.
    const replayed = await subscribe(transport, org.secret, everything, { after: encodeCursor(0n) });
    await expectExactly(replayed, (await tableEvents(org.id, 0n)).filter(isKeyEvent));
    const status = await subscribe(
      transport,
      org.secret,
      `subscription ($id: ID!) { connectionStatusChanged(lookup: { id: $id }) {
      status at connection { id email status keys(first: 50) { edges { node { keyId active } } } } } }`,
      { id: user.connection.id },
    );
    await status.waitEvents(1);

    const text = JSON.stringify([keys.results, connections.results, replayed.results, status.results]);
    expect(text).not.toMatch(/kw_(ptr|usr|ses)_/);
    for (const secret of secrets) {
      // Not the whole key, nor its secret part.
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(-38));
    }
  });
});

describe('secrets in this whole file (D-05)', () => {
  it('no subscription result of any test above carried a kw_ string', () => {
    expect(everyResult.length).toBeGreaterThan(0);
    const leaked = everyResult.filter((r) => /kw_(ptr|usr|ses)_/.test(JSON.stringify(r)));
    expect(leaked).toEqual([]);
  });
});
