// Issue 13, findings 16 and 17 over graphql-ws: errors look as over HTTP (no `extensions.http`),
// and the request log's status follows the HTTP rules (200 beside data).
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createOrganization, startTestServer, type TestServer } from './server.ts';

let server: TestServer;
let secret: string;
const clients: Client[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ secret } = await createOrganization(server.services));
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await server?.stop();
});

function once(query: string, connectionParams: Record<string, unknown> = { 'x-partner-key': secret }): Promise<Record<string, unknown>> {
  const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
  clients.push(client);
  return new Promise((resolve, reject) => {
    let result: Record<string, unknown> | undefined;
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as Record<string, unknown>),
        error: (error: unknown) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}

async function overHttp(query: string): Promise<Record<string, unknown>> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-partner-key': secret },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('graphql-ws errors as HTTP shows them (finding 16)', () => {
  it('sends no extensions.http: an access error, a refused argument, a validation refusal', async () => {
    for (const query of [
      'mutation { connectUser(input: { email: "ws-unsigned@example.com", callback: "https://partner.example/cb" }) { __typename } }',
      '{ connections(first: -1) { edges { cursor } } }',
      '{ nope }',
    ]) {
      const ws = await once(query);
      const http = await overHttp(query);
      const extensions = (result: Record<string, unknown>) => (result.errors as { extensions?: Record<string, unknown> }[]).map((error) => error.extensions);
      expect({ query, ws: extensions(ws) }).toEqual({ query, ws: extensions(http) });
      expect(JSON.stringify(ws)).not.toContain('"http"');
    }
  });
});

describe('graphql-ws request log status (finding 17)', () => {
  it('logs 200 for a refusal beside data, as HTTP answers it', async () => {
    // A key without CONNECTIONS_READ: viewer answers, connection is refused (a socket without a credential is closed 4403).
    const { organization } = await createOrganization(server.services);
    const reader = await server.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: organization.id, name: 'Keys reader', permissions: ['KEYS_READ'] },
    );
    const from = server.logs.lines.length;
    const result = await once('query Issue13RefusedBesideData { viewer { kind } connection(lookup: { ref: "nobody" }) { id } }', {
      'x-partner-key': reader.secret,
    });
    expect(result.data).toEqual({ viewer: { kind: 'PARTNER' }, connection: null });
    expect((result.errors as { extensions?: unknown }[]).map((error) => error.extensions)).toEqual([{ code: 'FORBIDDEN' }]);
    const line = server.logs
      .entries()
      .slice(from)
      .find((entry) => entry.msg === 'request' && entry.operation === 'Issue13RefusedBesideData');
    expect(line).toMatchObject({ method: 'WS', outcome: 'FORBIDDEN', status: 200 });
  });
});
