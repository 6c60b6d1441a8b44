// IP allowlists end to end over real sockets (the client address comes from the TCP peer, so
// only a real listener shows it): X-Forwarded-For is believed only from a trusted proxy, and
// then only from the right. docs/security.md client-IP rows; docs/api.md `KEYWARD_TRUST_PROXY`.
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseTrustedProxies } from '../../src/domain/ip/client-ip.ts';
import { createOrganization, startTestServer, type TestServer } from './server.ts';

const VIEWER = '{ viewer { kind clientIp } }';
const IP_NOT_ALLOWED = 'IP address not allowed for this API key';

interface Result {
  status: number;
  cacheControl: string | null;
  data?: { viewer?: { kind: string; clientIp: string | null } } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function viewer(server: TestServer, secret: string, headers: Record<string, string> = {}): Promise<Result> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-partner-key': secret, ...headers },
    body: JSON.stringify({ query: VIEWER }),
  });
  return { status: response.status, cacheControl: response.headers.get('cache-control'), ...((await response.json()) as object) };
}

/** A key of a new organization that only 203.0.113.0/24 may use, and one that anyone may use. */
async function keys(server: TestServer) {
  const org = await createOrganization(server.services);
  const restricted = await server.services.apiKeys.createPartnerKey(
    { type: 'operator' },
    { organizationId: org.organization.id, name: 'Office only', permissions: ['KEYS_READ'], allowedIps: ['203.0.113.0/24'] },
  );
  return { restricted: restricted.secret, open: org.secret };
}

function expectDenied(result: Result) {
  expect(result.status).toBe(403);
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]).toMatchObject({ message: IP_NOT_ALLOWED, extensions: { code: 'IP_NOT_ALLOWED' } });
}

function expectAllowed(result: Result, clientIp: string) {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.status).toBe(200);
  expect(result.data?.viewer).toEqual({ kind: 'PARTNER', clientIp });
}

/** Opens a graphql-ws connection (with extra upgrade headers) and runs one operation. */
function overWebSocket(server: TestServer, secret: string, headers: Record<string, string>) {
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WithHeaders,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { 'x-partner-key': secret },
  });
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    let value: Record<string, unknown> | undefined;
    client.subscribe(
      { query: VIEWER },
      {
        next: (next) => (value = next as Record<string, unknown>),
        error: reject,
        complete: () => (value ? resolve(value) : reject(new Error('completed without a result'))),
      },
    );
  });
  return result.finally(() => client.dispose());
}

describe('without a trusted proxy', () => {
  let server: TestServer;
  let restricted: string;
  let open: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({ restricted, open } = await keys(server));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('takes the socket address as the client IP, whatever X-Forwarded-For says', async () => {
    expectAllowed(await viewer(server, open), '127.0.0.1');
    expectAllowed(await viewer(server, open, { 'x-forwarded-for': '203.0.113.5' }), '127.0.0.1');
  });

  it('refuses a restricted key from 127.0.0.1, with or without a spoofed X-Forwarded-For', async () => {
    expectDenied(await viewer(server, restricted));
    const spoofed = await viewer(server, restricted, { 'x-forwarded-for': '203.0.113.5' });
    expectDenied(spoofed);
    expect(spoofed.cacheControl).toBe('no-store');
  });

  it('refuses the restricted key in graphql-ws connection_init (4403), X-Forwarded-For notwithstanding', async () => {
    await expect(overWebSocket(server, restricted, { 'x-forwarded-for': '203.0.113.5' })).rejects.toMatchObject({
      code: 4403,
    });
  });
});

describe('behind a trusted proxy (KEYWARD_TRUST_PROXY=127.0.0.1/32)', () => {
  let server: TestServer;
  let restricted: string;
  let open: string;

  beforeAll(async () => {
    server = await startTestServer({ trustedProxies: parseTrustedProxies('127.0.0.1/32') });
    ({ restricted, open } = await keys(server));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('allows a restricted key when the proxy forwards an allowed address', async () => {
    expectAllowed(await viewer(server, restricted, { 'x-forwarded-for': '203.0.113.5' }), '203.0.113.5');
  });

  it('takes the rightmost untrusted hop: a client-chosen allowed address on the left does not count', async () => {
    expectDenied(await viewer(server, restricted, { 'x-forwarded-for': '203.0.113.5, 198.51.100.7' }));
    expectAllowed(await viewer(server, open, { 'x-forwarded-for': '203.0.113.5, 198.51.100.7' }), '198.51.100.7');
  });

  it('skips trusted hops from the right', async () => {
    expectAllowed(await viewer(server, restricted, { 'x-forwarded-for': '198.51.100.7, 203.0.113.5, 127.0.0.1' }), '203.0.113.5');
  });

  it('refuses a restricted key from the proxy itself when no X-Forwarded-For is sent', async () => {
    expectDenied(await viewer(server, restricted));
    expectAllowed(await viewer(server, open), '127.0.0.1');
  });

  it('applies the same rule to graphql-ws upgrades', async () => {
    await expect(overWebSocket(server, restricted, { 'x-forwarded-for': '203.0.113.5' })).resolves.toEqual({
      data: { viewer: { kind: 'PARTNER', clientIp: '203.0.113.5' } },
    });
    await expect(overWebSocket(server, restricted, { 'x-forwarded-for': '203.0.113.5, 198.51.100.7' })).rejects.toMatchObject({ code: 4403 });
  });
});
