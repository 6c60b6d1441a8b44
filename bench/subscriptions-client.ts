/**
 * A load client of bench/subscriptions.ts, a process of its own: it holds WebSockets speaking
 * graphql-transport-ws, each with `perSocket` subscriptions (ids "1", "2", …), and reports when
 * each subscription received an expected event. Sockets belong to a group (one per server), armed
 * and collected on their own. Driven by JSON lines on stdin, answering JSON lines on stdout:
 *   {"cmd":"connect","group":…,"url":…,"n":…,"perSocket":…,"params":{…},"query":…}
 *                                                             → {"ok":true,"connected":N}  (adds n subscriptions)
 *   {"cmd":"arm","group":…,"type":"CREATED"}                  → {"ok":true}   (before the change)
 *   {"cmd":"collect","group":…,"timeoutMs":…}                 → {"ok":true,"times":[…]} receive times
 *                                                               (performance.timeOrigin + now, ms)
 *   {"cmd":"close"}                                           → {"ok":true}   (every group)
 * Any socket that closes, errors or receives an `error` message fails the run.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const now = () => performance.timeOrigin + performance.now();
const reply = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

interface Group {
  sockets: WebSocket[];
  /** Subscriptions held, over the group's sockets: the length of each armed change's times. */
  subscriptions: number;
  armed: { type: string; times: Float64Array; count: number; done: (() => void) | null } | null;
}
let groups = new Map<string, Group>();
let failure: string | null = null;

const groupOf = (name: unknown): Group => {
  const key = String(name ?? '');
  let group = groups.get(key);
  if (!group) {
    group = { sockets: [], subscriptions: 0, armed: null };
    groups.set(key, group);
  }
  return group;
};

/** The event type in a `next` message, wherever the subscription field sits. */
function typeOf(payload: { data?: Record<string, { type?: string } | undefined> }): string | undefined {
  const data = payload.data;
  if (!data) return undefined;
  for (const value of Object.values(data)) if (value?.type) return value.type;
  return undefined;
}

/** A socket whose subscriptions are numbered from `first` (over all sockets) with ids "1" to `count`. */
function open(group: Group, url: string, first: number, count: number, params: Record<string, string>, query: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`socket of subscription ${first}: no connection_ack within 30 s`)), 30_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: params })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: string; type: string; payload?: { data?: Record<string, { type?: string }> } };
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        for (let id = 1; id <= count; id++) socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query } }));
        resolve(socket);
      } else if (message.type === 'next') {
        const at = now();
        const index = first + Number(message.id) - 1;
        const { armed } = group;
        if (armed && armed.times[index] === 0 && typeOf(message.payload ?? {}) === armed.type) {
          armed.times[index] = at;
          if (++armed.count === armed.times.length) armed.done?.();
        }
      } else if (message.type === 'error' || message.type === 'complete') {
        failure ??= `subscription ${first + Number(message.id) - 1}: ${message.type} ${JSON.stringify(message.payload ?? {}).slice(0, 300)}`;
      }
    });
    socket.on('close', (code) => {
      if (groups.size > 0) failure ??= `socket of subscription ${first} closed (${code})`;
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      failure ??= `socket of subscription ${first}: ${error.message}`;
      reject(error);
    });
  });
}

async function handle(command: Record<string, unknown>): Promise<void> {
  switch (command.cmd) {
    case 'connect': {
      // Adds n subscriptions, perSocket on each new socket, to those the group holds.
      const group = groupOf(command.group);
      const n = command.n as number;
      const perSocket = (command.perSocket as number | undefined) ?? 1;
      const batch = 200;
      const first = group.subscriptions;
      for (let start = 0; start < n; start += batch * perSocket) {
        const size = Math.min(batch, Math.ceil((n - start) / perSocket));
        group.sockets.push(
          ...(await Promise.all(
            Array.from({ length: size }, (_, i) => {
              const from = start + i * perSocket;
              return open(
                group,
                command.url as string,
                first + from,
                Math.min(perSocket, n - from),
                command.params as Record<string, string>,
                command.query as string,
              );
            }),
          )),
        );
      }
      group.subscriptions += n;
      return reply({ ok: true, connected: group.subscriptions });
    }
    case 'arm': {
      const group = groupOf(command.group);
      group.armed = { type: command.type as string, times: new Float64Array(group.subscriptions), count: 0, done: null };
      return reply({ ok: true });
    }
    case 'collect': {
      const group = groupOf(command.group);
      const target = group.armed;
      if (!target) return reply({ ok: false, error: 'not armed' });
      if (target.count < target.times.length) {
        await new Promise<void>((resolve) => {
          target.done = resolve;
          setTimeout(resolve, (command.timeoutMs as number) ?? 30_000);
        });
      }
      group.armed = null;
      if (failure) return reply({ ok: false, error: failure });
      if (target.count < target.times.length)
        return reply({ ok: false, error: `only ${target.count} of ${target.times.length} subscribers received ${target.type}` });
      return reply({ ok: true, times: Array.from(target.times) });
    }
    case 'close': {
      const closing = groups;
      groups = new Map();
      for (const group of closing.values()) for (const socket of group.sockets) socket.terminate();
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
