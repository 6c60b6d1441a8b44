/**
 * The physical floor for bench/subscriptions.ts: a plain `ws` server (same package and limits as
 * Keyward) that speaks just enough graphql-transport-ws (connection_init → connection_ack,
 * remembers the subscribe ids) and, on `POST /broadcast`, sends every subscription one `next`
 * message with the given payload, each its own JSON.stringify (as graphql-ws does). No GraphQL,
 * no authentication, no database.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveAsBenchChild } from './child-server.ts';

const subscribed = new Map<WebSocket, string[]>();
const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk));
  req.on('end', () => {
    const payload = JSON.parse(body) as unknown;
    for (const [socket, ids] of subscribed) for (const id of ids) socket.send(JSON.stringify({ id, type: 'next', payload }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent: subscribed.size }));
  });
});
const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 64 * 1024 });
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string };
    if (message.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
    else if (message.type === 'subscribe' && message.id) {
      const ids = subscribed.get(socket);
      if (ids) ids.push(message.id);
      else subscribed.set(socket, [message.id]);
    }
  });
  socket.on('close', () => subscribed.delete(socket));
  socket.on('error', () => undefined);
});
serveAsBenchChild(server, 'raw ws broadcast', '/graphql');
