/**
 * The load client of bench/subscriptions.ts, a process of its own: it holds N WebSockets speaking
 * graphql-transport-ws, each with one subscription, and reports when each received an expected
 * event. Driven by JSON lines on stdin, answering JSON lines on stdout:
 *   {"cmd":"connect","url":…,"n":…,"params":{…},"query":…}  → {"ok":true,"connected":N}  (adds n)
 *   {"cmd":"arm","type":"CREATED"}                            → {"ok":true}   (before the change)
 *   {"cmd":"collect","timeoutMs":…}                           → {"ok":true,"times":[…]} receive times
 *                                                               (performance.timeOrigin + now, ms)
 *   {"cmd":"close"}                                           → {"ok":true}
 * Any socket that closes, errors or receives an `error` message fails the run.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const now = () => performance.timeOrigin + performance.now();
const reply = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

let sockets: WebSocket[] = [];
let failure: string | null = null;
let armed: { type: string; times: Float64Array; count: number; done: (() => void) | null } | null = null;

/** The event type in a `next` message, wherever the subscription field sits. */
function typeOf(payload: { data?: Record<string, { type?: string } | undefined> }): string | undefined {
  const data = payload.data;
  if (!data) return undefined;
  for (const value of Object.values(data)) if (value?.type) return value.type;
  return undefined;
}

function open(url: string, index: number, params: Record<string, string>, query: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`socket ${index}: no connection_ack within 30 s`)), 30_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: params })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: { data?: Record<string, { type?: string }> } };
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        resolve(socket);
      } else if (message.type === 'next') {
        const at = now();
        if (armed && armed.times[index] === 0 && typeOf(message.payload ?? {}) === armed.type) {
          armed.times[index] = at;
          if (++armed.count === armed.times.length) armed.done?.();
        }
      } else if (message.type === 'error' || message.type === 'complete') {
        failure ??= `socket ${index}: ${message.type} ${JSON.stringify(message.payload ?? {}).slice(0, 300)}`;
      }
    });
    socket.on('close', (code) => {
      if (sockets.length > 0) failure ??= `socket ${index} closed (${code})`;
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      failure ??= `socket ${index}: ${error.message}`;
      reject(error);
    });
  });
}

async function handle(command: Record<string, unknown>): Promise<void> {
  switch (command.cmd) {
    case 'connect': {
      // Adds n sockets to those already open.
      const n = command.n as number;
      const batch = 200;
      const first = sockets.length;
      for (let start = 0; start < n; start += batch) {
        const size = Math.min(batch, n - start);
        sockets.push(
          ...(await Promise.all(
            Array.from({ length: size }, (_, i) =>
              open(command.url as string, first + start + i, command.params as Record<string, string>, command.query as string),
            ),
          )),
        );
      }
      return reply({ ok: true, connected: sockets.length });
    }
    case 'arm':
      armed = { type: command.type as string, times: new Float64Array(sockets.length), count: 0, done: null };
      return reply({ ok: true });
    case 'collect': {
      const target = armed;
      if (!target) return reply({ ok: false, error: 'not armed' });
      if (target.count < target.times.length) {
        await new Promise<void>((resolve) => {
          target.done = resolve;
          setTimeout(resolve, (command.timeoutMs as number) ?? 30_000);
        });
      }
      armed = null;
      if (failure) return reply({ ok: false, error: failure });
      if (target.count < target.times.length)
        return reply({ ok: false, error: `only ${target.count} of ${target.times.length} subscribers received ${target.type}` });
      return reply({ ok: true, times: Array.from(target.times) });
    }
    case 'close': {
      const closing = sockets;
      sockets = [];
      for (const socket of closing) socket.terminate();
      failure = null;
      return reply({ ok: true });
    }
    default:
      return reply({ ok: false, error: `unknown command ${String(command.cmd)}` });
  }
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(() => handle(JSON.parse(line) as Record<string, unknown>)).catch((error: unknown) => reply({ ok: false, error: String(error) }));
});
lines.on('close', () => process.exit(0));
