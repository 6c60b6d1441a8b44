import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed JSON body. */
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  receivedAt: number;
  /** The sender's port: the same on two requests that came over one connection. */
  remotePort: number | undefined;
}

/** What the receiver does with the next request: a status, or something a bad partner would do. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | { hang: true } | { bytes: number } | { ackThenDrop: true };

/**
 * A partner's webhook receiver on 127.0.0.1: records every request, answers 200 unless told
 * otherwise (`reply` queues answers, per path or for any path).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly replies: Reply[] = [];
  private readonly repliesAt = new Map<string, Reply[]>();
  private readonly waiters: (() => void)[] = [];
  private server!: Server;
  url = '';

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: ReceivedWebhook['json'];
        try {
          json = JSON.parse(body) as ReceivedWebhook['json'];
        } catch {
          json = { type: '', timestamp: '', data: {} };
        }
        receiver.received.push({ path: req.url ?? '', headers: req.headers, body, json, receivedAt: Date.now(), remotePort: req.socket.remotePort });
        receiver.answer(res, receiver.nextReply(req.url ?? ''));
        for (const wake of receiver.waiters.splice(0)) wake();
      });
    });
    receiver.server.listen(0, '127.0.0.1');
    await once(receiver.server, 'listening');
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** Queues answers for the next requests, in order. */
  reply(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  /** Queues answers for the next requests to `path` and below, in order (before any of `reply`'s). */
  replyAt(path: string, ...replies: Reply[]): void {
    this.repliesAt.set(path, [...(this.repliesAt.get(path) ?? []), ...replies]);
  }

  /** Forgets the answers still queued for `path`. */
  clearRepliesAt(path: string): void {
    this.repliesAt.delete(path);
  }

  private nextReply(path: string): Reply {
    for (const [prefix, queue] of this.repliesAt) {
      if ((path === prefix || path.startsWith(`${prefix}/`)) && queue.length > 0) return queue.shift()!;
    }
    return this.replies.shift() ?? { status: 200 };
  }

  /** Waits until `count` requests in all have arrived (or `timeoutMs` passes: then throws). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} webhooks, received ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  clear(): void {
    this.received.length = 0;
    this.replies.length = 0;
    this.repliesAt.clear();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(res: ServerResponse, reply: Reply): void {
    if ('hang' in reply) return;
    if ('ackThenDrop' in reply) {
      res.socket?.destroy();
      return;
    }
    if ('bytes' in reply) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      let left = reply.bytes;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? '');
  }
}

/** Verifies a received webhook as a partner would, with the `standardwebhooks` package. */
export function verifyWebhook(secret: string, webhook: ReceivedWebhook): unknown {
  return new Webhook(secret).verify(webhook.body, {
    'webhook-id': String(webhook.headers['webhook-id']),
    'webhook-timestamp': String(webhook.headers['webhook-timestamp']),
    'webhook-signature': String(webhook.headers['webhook-signature']),
  });
}

/**
 * Checks a signature made at a timestamp far from now (tests that move the clock), with the
 * package's own signer: true when one of the header's signatures is the secret's.
 */
export function signedWith(secret: string, webhook: ReceivedWebhook): boolean {
  const id = String(webhook.headers['webhook-id']);
  const timestamp = new Date(Number(webhook.headers['webhook-timestamp']) * 1000);
  const expected = new Webhook(secret).sign(id, timestamp, webhook.body);
  return String(webhook.headers['webhook-signature']).split(' ').includes(expected);
}
