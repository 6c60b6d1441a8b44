import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createServices } from '../src/app.ts';
import { openDatabase } from '../src/infra/database.ts';
import { createLogger } from '../src/infra/logger.ts';
import { createMailer } from '../src/infra/mailer.ts';
import { startServer } from '../src/server.ts';
import { createYogaApp } from '../src/yoga.ts';

const N = Number(process.env.N ?? 1000);
const database = await openDatabase({ kind: 'memory' });
const logger = createLogger({ level: 'warn' });
const services = createServices({
  database, secrets: { pepper: randomBytes(32), encryptionKey: randomBytes(32) }, logger,
  mailer: createMailer({ outboxDir: '/tmp/probe/outbox', from: 'x@y.z', logger }),
  links: { publicUrl: 'http://k', signupUrl: 'http://k/s' },
  subscriptionLimits: { perKey: 1_000_000 },
});
const yoga = createYogaApp({ services, adminToken: undefined, trustedProxies: null, ping: database.ping, graphiql: false });
const running = await startServer({ yoga, services, adminToken: undefined, trustedProxies: null, logger, port: 0, host: '127.0.0.1' });
const { secret: key } = await services.organizations.create({ type: 'operator' }, { name: 'probe' });
const gc = (globalThis as { gc?: () => void }).gc!;
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const open = async (sub: boolean) => {
  const sockets: WebSocket[] = [];
  for (let b = 0; b < N; b += 200) {
    await Promise.all(Array.from({ length: Math.min(200, N - b) }, () => new Promise<void>((resolve) => {
      const ws = new WebSocket(running.url.replace('http', 'ws'), 'graphql-transport-ws');
      sockets.push(ws);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { 'X-Partner-Key': key } })));
      ws.on('message', (d) => {
        const m = JSON.parse(String(d));
        if (m.type === 'connection_ack') { if (sub) ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: process.env.Q ?? 'subscription { apiKeyEvents { cursor type at key { keyId name active } } }' } })); setTimeout(resolve, 20); }
      });
    })));
  }
  await new Promise((r) => setTimeout(r, 1000));
  return sockets;
};
const v8 = await import('node:v8');
const h0 = heap();
const s1 = await open(false);
const h1 = heap();
if (process.env.SNAP) v8.writeHeapSnapshot(process.env.SNAP + '.1');
const s2 = await open(true);
const h2 = heap();
if (process.env.SNAP) v8.writeHeapSnapshot(process.env.SNAP);
// client sockets live in this process too: measure a client-only baseline separately is hard; report both
console.log(`server+client heap per socket (no sub): ${((h1 - h0) / N / 1024).toFixed(2)} KB; per socket with subscription: ${((h2 - h1) / N / 1024).toFixed(2)} KB`);
for (const s of [...s1, ...s2]) s.terminate();
await running.stop(100);
process.exit(0);
