// graphql-ws on a ws server as src/http/graphql-ws.ts serves it (what graphql-ws's useServer did):
// keep-alive, connection_init deadline, failures in hooks, what operations keep of the upgrade.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { serveGraphqlWs, type SocketExtra, type UpgradeRequest } from '../../src/http/graphql-ws.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { LogCapture } from '../helpers/app.ts';

const schema = buildSchema('type Query { hello: String }');
const running: Server[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const server of running.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(options: Partial<ServerOptions<Record<string, unknown>, SocketExtra>> = {}, settings: { keepAliveMs?: number; initWaitMs?: number } = {}) {
  const logs = new LogCapture();
  const server = createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  serveGraphqlWs(
    wss,
    { schema, roots: { query: { hello: () => 'world' } }, ...options },
    {
      logger: createLogger({ level: 'debug', destination: logs }),
      connectionInitWaitMs: settings.initWaitMs ?? 3_000,
      keepAliveMs: settings.keepAliveMs ?? 60_000,
      perAddress: { max: 10, addressOf: (request) => request.socket.remoteAddress ?? 'unknown', refusal: { code: 4429, reason: 'too many' } },
    },
  );
  server.on('close', () => wss.close());
  running.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, logs };
}

/** A raw graphql-transport-ws socket, its messages, and how it closed. */
function open(url: string, options: { autoPong?: boolean; headers?: Record<string, string> } = {}) {
  const socket = new WebSocket(url, 'graphql-transport-ws', options);
  sockets.push(socket);
  const messages: Record<string, unknown>[] = [];
  let pings = 0;
  const waiters: (() => void)[] = [];
  const changed = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    changed();
  });
  socket.on('ping', () => {
    pings++;
    changed();
  });
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  /** Resolves once `done()` holds, checked on every message and ping. */
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { socket, messages, opened, closed, until, pings: () => pings };
}

describe('graphql-ws on the ws server', () => {
  it('terminates a socket that does not answer a ping by the next one, and keeps one that answers', async () => {
    const { url } = await serve({}, { keepAliveMs: 50 });
    const silent = open(url, { autoPong: false });
    const answering = open(url);
    await Promise.all([silent.opened, answering.opened]);
    for (const client of [silent, answering]) client.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await silent.closed).code).toBe(1006);
    await answering.until(() => answering.pings() >= 3);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes with 4408 a socket that sends no connection_init in time, and not one that did', async () => {
    const { url } = await serve({}, { initWaitMs: 100, keepAliveMs: 50 });
    const idle = open(url);
    const initialised = open(url);
    await Promise.all([idle.opened, initialised.opened]);
    initialised.socket.send(JSON.stringify({ type: 'connection_init' }));
    await initialised.until(() => initialised.messages.some((m) => m.type === 'connection_ack'));
    expect(await idle.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    // Pings come every 50 ms: after several, the deadline has long passed for the initialised socket too.
    await initialised.until(() => initialised.pings() >= 4);
    expect(initialised.socket.readyState).toBe(WebSocket.OPEN);
    initialised.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ hello }' } }));
    await initialised.until(() => initialised.messages.some((m) => m.type === 'complete'));
    expect(initialised.messages.find((m) => m.type === 'next')).toEqual({ id: '1', type: 'next', payload: { data: { hello: 'world' } } });
  });

  it('closes with 4500 when handling a message fails, and logs the error', async () => {
    const { url, logs } = await serve({
      onSubscribe: () => {
        throw new Error('a bug in a hook');
      },
    });
    const client = open(url);
    await client.opened;
    client.socket.send(JSON.stringify({ type: 'connection_init' }));
    await client.until(() => client.messages.some((m) => m.type === 'connection_ack'));
    client.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ hello }' } }));
    expect(await client.closed).toEqual({ code: 4500, reason: 'Internal server error' });
    const entry = logs.entries().find((e) => e.msg === 'graphql-ws message handling failed');
    expect((entry?.err as { message?: string } | undefined)?.message).toBe('a bug in a hook');
  });

  it("keeps of the upgrade request only the cookie, the forwarded address and the peer's address", async () => {
    let seen: UpgradeRequest | undefined;
    const { url } = await serve({
      onConnect: (ctx) => {
        seen = ctx.extra.request;
        return true;
      },
    });
    const client = open(url, { headers: { cookie: 'a=b', 'x-forwarded-for': '203.0.113.9', 'x-other': 'not kept' } });
    await client.opened;
    client.socket.send(JSON.stringify({ type: 'connection_init' }));
    await client.until(() => client.messages.some((m) => m.type === 'connection_ack'));
    expect(seen?.headers).toEqual({ cookie: 'a=b', 'x-forwarded-for': '203.0.113.9' });
    expect(seen?.socket.remoteAddress).toBe('127.0.0.1');
  });
});
