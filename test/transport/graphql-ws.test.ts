// The real server on a real port: graphql-ws (handshake auth, timeouts, frame limit) and HTTP
// (POST, GraphiQL, SSE, health) sharing one listener on /graphql. docs/security.md C-09, C-11, A-13.
import { createHmac } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { tampered } from '../helpers/fixtures.ts';
import { createOrganization, startTestServer, type TestServer } from './server.ts';

const VIEWER = '{ viewer { kind } }';

let server: TestServer;
let secret: string;
let signingSecret: string;
const clients: Client[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ secret, signingSecret } = await createOrganization(server.services));
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  for (const socket of sockets) socket.terminate();
  await server?.stop();
});

interface Closed {
  code: number;
  reason: string;
}

/** A graphql-ws client that never reconnects, and remembers how its socket was closed. */
function wsClient(connectionParams?: Record<string, unknown>) {
  let resolveClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams && { connectionParams }),
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolveClosed({ code, reason: String(reason) });
      },
    },
  });
  clients.push(client);
  return { client, closed };
}

/** One operation to completion: its single result, or the reason it failed (a close event or errors). */
async function runOnce(client: Client, query: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let result: Record<string, unknown> | undefined;
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as Record<string, unknown>),
        error: (error: unknown) => reject(error),
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}

/** A raw socket speaking the graphql-ws subprotocol, for what the client library would not send. */
function rawSocket(): { socket: WebSocket; opened: Promise<void>; closed: Promise<Closed> } {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  sockets.push(socket);
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<Closed>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
  });
  // A socket the server closes abruptly may emit an error after open; the close event is what counts.
  socket.on('error', () => undefined);
  return { socket, opened, closed };
}

const cacheDirectives = (headers: Headers) => (headers.get('cache-control') ?? '').split(',').map((directive) => directive.trim().toLowerCase());

describe('graphql-ws', () => {
  it('runs a query with the partner key as a Bearer token in connectionParams', async () => {
    const { client } = wsClient({ authorization: `Bearer ${secret}` });
    const result = await runOnce(client, VIEWER);
    expect(result).toEqual({ data: { viewer: { kind: 'PARTNER' } } });
  });

  it('logs each operation on a socket as a request: the request log, with the status the outcome has over HTTP', async () => {
    const own = await createOrganization(server.services);
    const { client } = wsClient({ 'x-partner-key': own.secret });
    expect(await runOnce(client, 'query Who { viewer { kind } }')).toEqual({ data: { viewer: { kind: 'PARTNER' } } });
    const typed = await runOnce(client, 'mutation Gone { revokePartnerKey(input: { id: "UGFydG5lcktleTpub25l" }) { __typename ... on Error { code } } }');
    expect(typed).toMatchObject({ data: { revokePartnerKey: { code: 'NOT_FOUND' } } });
    await expect(runOnce(client, 'query Wide { partnerKeys(first: 500) { edges { node { id } } } }')).resolves.toMatchObject({
      errors: [{ extensions: { code: 'VALIDATION_FAILED' } }],
    });
    // A subscription is logged when it starts.
    const events: unknown[] = [];
    const stopWatching = client.subscribe(
      { query: 'subscription Watch { apiKeyEvents { type } }' },
      { next: (value) => events.push(value), error: () => undefined, complete: () => undefined },
    );
    await vi.waitFor(async () => {
      await server.services.requestLogs.flush();
      expect(await server.services.prisma.requestLog.count({ where: { organizationId: own.organization.id, operationName: 'Watch' } })).toBe(1);
    });
    stopWatching();
    // Refused before its key is known (validation runs first): a log line, no request-log entry, as over HTTP.
    await expect(runOnce(client, 'query Typo { viewerr { kind } }')).rejects.toBeDefined();

    await server.services.requestLogs.flush();
    const entries = await server.services.prisma.requestLog.findMany({ where: { organizationId: own.organization.id }, orderBy: { createdAt: 'asc' } });
    expect(entries.map((e) => [e.operationName, e.operationType, e.outcome, e.httpStatus, e.keyId, e.ip])).toEqual([
      ['Who', 'query', 'OK', 200, own.key.keyId, '127.0.0.1'],
      ['Gone', 'mutation', 'NOT_FOUND', 200, own.key.keyId, '127.0.0.1'],
      ['Wide', 'query', 'VALIDATION_FAILED', 200, own.key.keyId, '127.0.0.1'],
      ['Watch', 'subscription', 'OK', 200, own.key.keyId, '127.0.0.1'],
    ]);
    const lines = server.logs.entries().filter((line) => line.msg === 'request' && line.method === 'WS');
    expect(lines.find((line) => line.operation === 'Typo')).toMatchObject({ outcome: 'GRAPHQL_VALIDATION_FAILED', status: 400, keyId: null });
    expect(lines.find((line) => line.operation === 'Gone')).toMatchObject({ outcome: 'NOT_FOUND', keyId: own.key.keyId });
  });

  it('logs an operation refused by its key’s rate limit with the key and 429; the socket stays open', async () => {
    const own = await createOrganization(server.services);
    await server.services.organizations.update({ type: 'operator' }, { id: own.organization.id, rateLimitRequests: 2 });
    // connection_init authenticates (1), the first query (2), then the limit. One socket throughout (not lazy).
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { 'x-partner-key': own.secret },
    });
    clients.push(client);
    expect(await runOnce(client, 'query First { viewer { kind } }')).toEqual({ data: { viewer: { kind: 'PARTNER' } } });
    // Refused before it runs: graphql-ws answers with an error message.
    await expect(runOnce(client, 'query Second { viewer { kind } }')).rejects.toMatchObject([
      { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } },
    ]);
    await server.services.requestLogs.flush();
    const entries = await server.services.prisma.requestLog.findMany({ where: { organizationId: own.organization.id }, orderBy: { createdAt: 'asc' } });
    expect(entries.map((e) => [e.operationName, e.outcome, e.httpStatus, e.keyId])).toEqual([
      ['First', 'OK', 200, own.key.keyId],
      ['Second', 'RATE_LIMITED', 429, own.key.keyId],
    ]);
    // A new socket over the limit is refused at connection_init with 4429 and the wait, not a misleading 4403.
    const late = wsClient({ 'x-partner-key': own.secret });
    await expect(runOnce(late.client, VIEWER)).rejects.toBeDefined();
    expect(await late.closed).toMatchObject({ code: 4429, reason: expect.stringMatching(/^Rate limit reached: retry after \d+ s$/) });
  });

  it('runs a query with the partner key as x-partner-key in connectionParams', async () => {
    const { client } = wsClient({ 'x-partner-key': secret });
    const result = await runOnce(client, VIEWER);
    expect(result).toEqual({ data: { viewer: { kind: 'PARTNER' } } });
  });

  it('applies the operation limits over graphql-ws too (aliases, cost, tokens, directives, field repeats, size): it validates through yoga’s envelope', async () => {
    const { client } = wsClient({ 'x-partner-key': secret });
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`;
    await expect(runOnce(client, aliases)).rejects.toEqual([expect.objectContaining({ message: expect.stringMatching(/Aliases limit of 15 exceeded/) })]);
    const costly = '{ connections(first: 100) { edges { node { keys(first: 100) { edges { node { keyId } } } } } } }';
    await expect(runOnce(client, costly)).rejects.toEqual([expect.objectContaining({ message: expect.stringMatching(/Query cost limit of 5000 exceeded/) })]);
    // 13 fields 4 times each (a field may appear 5 times in one selection), 100 times over.
    const fields = 'id keyId kind name environment permissions allowedIps allowedRecipients expiresAt revokedAt lastUsedAt createdAt active '.repeat(4);
    const subscription = `subscription { connectionEvents { connection { keys(first: 100) { edges { node { ${fields} } } } } } }`;
    await expect(runOnce(client, subscription)).rejects.toEqual([
      expect.objectContaining({ message: expect.stringMatching(/Query cost limit of 5000 exceeded/) }),
    ]);
    const tokens = `{ ${Array.from({ length: 1001 }, () => '__typename').join(' ')} }`;
    await expect(runOnce(client, tokens)).rejects.toEqual([expect.objectContaining({ message: expect.stringMatching(/Token limit of 1000 exceeded/) })]);
    const directives = `{ viewer { kind ${Array.from({ length: 51 }, () => '@include(if: true)').join(' ')} } }`;
    // (graphql's own rule also refuses the repeated @include: several errors, ours among them)
    await expect(runOnce(client, directives)).rejects.toEqual(
      expect.arrayContaining([expect.objectContaining({ message: expect.stringMatching(/Directives limit of 50 exceeded/) })]),
    );
    await expect(runOnce(client, `{ ${'__typename '.repeat(500)}}`)).rejects.toEqual([
      expect.objectContaining({ message: 'Field repeat limit of 5 exceeded, found 500.' }),
    ]);
    const long = `{ viewer { kind } } # ${'x'.repeat(15_000)}`;
    await expect(runOnce(client, long)).rejects.toEqual([
      expect.objectContaining({ message: expect.stringMatching(/Query size limit of 15000 characters exceeded/) }),
    ]);
    expect(await runOnce(client, VIEWER)).toEqual({ data: { viewer: { kind: 'PARTNER' } } });
  });

  it('closes the socket with 4403 when connection_init carries an invalid key', async () => {
    const { client, closed } = wsClient({ 'x-partner-key': tampered(secret) });
    await expect(runOnce(client, VIEWER)).rejects.toMatchObject({ code: 4403 });
    expect((await closed).code).toBe(4403);
  });

  it('closes a socket whose connection_init carries no credential with 4403 at once (issue 13, item 3)', async () => {
    // Over HTTP every operation without a credential is UNAUTHENTICATED: an anonymous socket could do nothing but stay open.
    const { client, closed } = wsClient();
    const start = Date.now();
    await expect(runOnce(client, VIEWER)).rejects.toMatchObject({ code: 4403 });
    expect((await closed).code).toBe(4403);
    expect(Date.now() - start).toBeLessThan(2_000);
    for (const payload of [undefined, {}, { 'x-keyward-env': 'TEST' }, { 'x-partner-key': '' }]) {
      const { socket, opened, closed: rawClosed } = rawSocket();
      await opened;
      socket.send(JSON.stringify({ type: 'connection_init', ...(payload && { payload }) }));
      expect((await rawClosed).code).toBe(4403);
    }
  });

  it('closes with 4408 when no connection_init arrives within 3 s', async () => {
    const { opened, closed } = rawSocket();
    await opened;
    const start = Date.now();
    const { code } = await closed;
    expect(code).toBe(4408);
    expect(Date.now() - start).toBeGreaterThanOrEqual(2_500);
  });

  it('closes with 1009 on a frame over 64 KiB', async () => {
    // graphql-ws's socket error handler console.errors ws's "Max payload size exceeded": keep the output clean.
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { socket, opened, closed } = rawSocket();
      await opened;
      socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-partner-key': secret, padding: 'x'.repeat(65 * 1024) } }));
      expect((await closed).code).toBe(1009);
    } finally {
      consoleError.mockRestore();
    }
  });

  it('enforces the protocol: a second init closes 4429, subscribe before ack 4401, a duplicate id 4409', async () => {
    const init = JSON.stringify({ type: 'connection_init', payload: { 'x-partner-key': secret } });
    const subscribe = (id: string) => JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { apiKeyEvents { cursor } }' } });

    const twice = rawSocket();
    await twice.opened;
    twice.socket.send(init);
    twice.socket.send(init);
    expect((await twice.closed).code).toBe(4429);

    const early = rawSocket();
    await early.opened;
    early.socket.send(subscribe('1'));
    expect((await early.closed).code).toBe(4401);

    const duplicate = rawSocket();
    await duplicate.opened;
    const acked = new Promise<void>((resolve) => duplicate.socket.once('message', () => resolve()));
    duplicate.socket.send(init);
    await acked;
    duplicate.socket.send(subscribe('same'));
    duplicate.socket.send(subscribe('same'));
    expect((await duplicate.closed).code).toBe(4409);
  });

  it('refuses a WebSocket upgrade that carries a key in its URL (URLs end up in logs)', async () => {
    for (const query of [`?key=${secret}`, `?token=${encodeURIComponent(secret)}`, `?x=${secret}`]) {
      const socket = new WebSocket(`${server.wsUrl}${query}`, 'graphql-transport-ws');
      sockets.push(socket);
      const status = await new Promise<number>((resolve) => {
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('open', () => resolve(101));
        socket.once('error', () => undefined);
      });
      expect(status).toBe(400);
    }
    // Unrelated query parameters are fine.
    const plain = new WebSocket(`${server.wsUrl}?client=web`, 'graphql-transport-ws');
    sockets.push(plain);
    await new Promise<void>((resolve, reject) => {
      plain.once('open', () => resolve());
      plain.once('unexpected-response', () => reject(new Error('refused')));
    });
    plain.close(1000);
  });

  it('accepts a frame just under 64 KiB', async () => {
    const { socket, opened, closed } = rawSocket();
    await opened;
    const acked = new Promise<unknown>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-partner-key': secret, padding: 'x'.repeat(60 * 1024) } }));
    expect(await acked).toEqual({ type: 'connection_ack' });
    socket.close(1000);
    expect((await closed).code).toBe(1000);
  });
});

describe('graphql-ws sockets per client IP (issue 13, item 3)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ subscriptionLimits: { socketsPerIp: 3 } });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  const open = (headers: Record<string, string> = {}) => {
    const socket = new WebSocket(limited.wsUrl, 'graphql-transport-ws', { headers });
    sockets.push(socket);
    socket.on('error', () => undefined);
    const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
    const closed = new Promise<Closed>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
    return { socket, opened, closed };
  };
  const acked = (socket: WebSocket, key: string) =>
    new Promise<unknown>((resolve) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-partner-key': key } }));
    });

  it('closes the socket past the number one address may hold open with 4429 and a reason, whether or not it has a credential; closing one frees its place', async () => {
    const { secret: key } = await createOrganization(limited.services);
    // Two sockets not yet initialised and one with a key: the address holds three.
    const held = [open(), open(), open()];
    await Promise.all(held.map((s) => s.opened));
    expect(await acked(held[2]!.socket, key)).toEqual({ type: 'connection_ack' });
    const over = open();
    expect(await over.closed).toEqual({ code: 4429, reason: 'At most 3 open connections per address' });
    held[0]!.socket.close(1000);
    await held[0]!.closed;
    const next = open();
    await next.opened;
    expect(await acked(next.socket, key)).toEqual({ type: 'connection_ack' });
    // Anonymous sockets never hold a place for long: connection_init without a credential is closed 4403.
    held[1]!.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await held[1]!.closed).code).toBe(4403);
    const after = open();
    await after.opened;
    expect(await acked(after.socket, key)).toEqual({ type: 'connection_ack' });
    for (const s of [held[2]!, next, after]) s.socket.close(1000);
    await Promise.all([held[2]!, next, after].map((s) => s.closed));
  });

  it('counts the client address, not a forwarded one it does not trust', async () => {
    const held = [1, 2, 3].map((i) => open({ 'x-forwarded-for': `198.51.100.${i}` }));
    await Promise.all(held.map((s) => s.opened));
    const over = open({ 'x-forwarded-for': '198.51.100.9' });
    expect((await over.closed).code).toBe(4429);
    for (const s of held) s.socket.close(1000);
    await Promise.all(held.map((s) => s.closed));
  });
});

describe('HTTP on the same port', () => {
  it('verifies a signed POST on the raw bytes the client sent', async () => {
    // Unusual spacing and a unicode character: the signature is over these exact bytes, not a re-serialization.
    const body = '{ "query" : "{ viewer { kind } }",  "variables": {"note": "\u00e9t\u00e9 ✓"} }';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const key = Buffer.from(signingSecret.slice('whsec_'.length), 'base64');
    const signature = createHmac('sha256', key).update(`${timestamp}.`).update(Buffer.from(body)).digest('hex');
    const send = (sig: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-partner-key': secret, 'x-keyward-timestamp': timestamp, 'x-keyward-signature': `v1=${sig}` },
        body,
      });
    const ok = await send(signature);
    expect(await ok.json()).toEqual({ data: { viewer: { kind: 'PARTNER' } } });
    const replayed = await send(signature);
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('SIGNATURE_INVALID');
  });

  it('answers POST /graphql, with cache-control: no-store', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-partner-key': secret },
      body: JSON.stringify({ query: VIEWER }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ data: { viewer: { kind: 'PARTNER' } } });
  });

  it('answers POST /graphql without credentials with 401 UNAUTHENTICATED', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: VIEWER }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.status).toBe(401);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('serves the GraphiQL page to a browser GET /graphql', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toMatch(/graphiql/i);
  });

  it('answers /healthz and /readyz with 200 and no-store', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(`${server.origin}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
      expect(await response.json(), path).toEqual({ status: path === '/healthz' ? 'ok' : 'ready' });
    }
  });

  it('runs a query over SSE (accept: text/event-stream)', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-partner-key': secret },
      body: JSON.stringify({ query: VIEWER }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // yoga's SSE response sets its own `Cache-Control: no-cache` (sent as a second header line):
    // what matters is that no-store is among the directives.
    expect(cacheDirectives(response.headers)).toContain('no-store');
    const text = await response.text();
    const events = text
      .split('\n\n')
      .map((block) => block.split('\n'))
      .filter((lines) => lines.includes('event: next'))
      .map((lines) => JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice('data: '.length)) as unknown);
    expect(events).toEqual([{ data: { viewer: { kind: 'PARTNER' } } }]);
    expect(text).toContain('event: complete');
  });
});

describe('graphql-ws with production rules', () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await startTestServer({ production: true });
  });
  afterAll(() => production?.stop());

  it('refuses introspection to a socket without a credential, allows it with one; limits name nothing', async () => {
    const { secret: prodSecret } = await createOrganization(production.services);
    const open = (params?: Record<string, unknown>) =>
      createClient({ url: production.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, ...(params && { connectionParams: params }) });
    const anonymous = open();
    const withKey = open({ 'x-partner-key': prodSecret });
    clients.push(anonymous, withKey);
    const INTROSPECT = '{ __schema { queryType { name } } }';
    // A socket without a credential is refused at connection_init (4403), before any operation.
    await expect(runOnce(anonymous, INTROSPECT)).rejects.toMatchObject({ code: 4403 });
    expect(await runOnce(withKey, INTROSPECT)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`;
    await expect(runOnce(withKey, aliases)).rejects.toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^(Syntax Error: )?Query validation error\.$/) }),
    ]);
  });
});
