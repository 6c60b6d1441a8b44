// A subscription client for tests, over graphql-ws or SSE against a real server: it collects every
// result, and tells how the subscription ended (completed, errored, socket closed with a code).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface SubscriptionResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface Subscriber {
  readonly results: SubscriptionResult[];
  /** Resolves once at least `n` results arrived (rejects after `timeoutMs`, naming what did arrive). */
  waitFor(n: number, timeoutMs?: number): Promise<SubscriptionResult[]>;
  /** Settles when the server ended the subscription (complete or error). */
  ended: Promise<void>;
  /** graphql-ws: the close code of the socket, once closed. */
  closeCode(): number | null;
  /** graphql-ws: resolves with the socket's close code. */
  closed: Promise<number>;
  /** The subscription is acknowledged by the server and live (graphql-ws: first result or a short settle). */
  stop(): Promise<void>;
}

function collector() {
  const results: SubscriptionResult[] = [];
  const waiters = new Set<() => void>();
  let endedResolve!: () => void;
  const ended = new Promise<void>((resolve) => (endedResolve = resolve));
  const push = (result: SubscriptionResult) => {
    results.push(result);
    for (const wake of waiters) wake();
  };
  const end = () => {
    endedResolve();
    for (const wake of waiters) wake();
  };
  const waitFor = (n: number, timeoutMs = 10_000) =>
    new Promise<SubscriptionResult[]>((resolve, reject) => {
      const check = () => {
        if (results.length >= n) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(results.slice());
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`expected ${n} results within ${timeoutMs} ms, got ${results.length}: ${JSON.stringify(results)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { results, push, end, ended, waitFor };
}

/**
 * graphql-ws with the credential in `connection_init`, as a partner's listener connects; or with
 * `upgradeHeaders` on the upgrade request (a browser's `Cookie` and `Origin`).
 */
export function wsSubscribe(
  wsUrl: string,
  connectionParams: Record<string, string>,
  query: string,
  variables?: Record<string, unknown>,
  upgradeHeaders?: Record<string, string>,
): Subscriber & { client: Client /** The close reason of the socket, once closed. */; closeReason(): string | null } {
  const c = collector();
  let code: number | null = null;
  let reason: string | null = null;
  let closedResolve!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (closedResolve = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: upgradeHeaders ? withHeaders(upgradeHeaders) : WebSocket,
    retryAttempts: 0,
    lazy: false,
    // A server-side close (4403 on revocation) is what tests look at: `closed` reports it.
    onNonLazyError: () => undefined,
    connectionParams,
    on: {
      closed: (event) => {
        ({ code, reason } = event as { code: number; reason: string });
        closedResolve(code);
      },
    },
  });
  client.subscribe(
    { query, ...(variables && { variables }) },
    {
      next: (value) => c.push(value as SubscriptionResult),
      error: (error) => {
        if (Array.isArray(error)) c.push({ errors: error as SubscriptionResult['errors'] });
        c.end();
      },
      complete: () => c.end(),
    },
  );
  return {
    client,
    results: c.results,
    waitFor: c.waitFor,
    ended: c.ended,
    closed,
    closeCode: () => code,
    closeReason: () => reason,
    stop: () => client.dispose() as Promise<void>,
  };
}

/** A WebSocket class whose upgrade requests carry these headers (graphql-ws constructs it with url and protocol). */
function withHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

/**
 * GraphQL over SSE with the credential in headers (yoga's distinct-connections mode); through
 * `send` (an app's yoga.fetch) instead of the network when given.
 */
export function sseSubscribe(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables?: Record<string, unknown>,
  send: (url: string, init: RequestInit) => Promise<Response> = fetch,
): Subscriber {
  const c = collector();
  const abort = new AbortController();
  void (async () => {
    try {
      const response = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query, ...(variables && { variables }) }),
        signal: abort.signal,
      });
      if (!response.body) return;
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let boundary = buffered.indexOf('\n\n'); boundary >= 0; boundary = buffered.indexOf('\n\n')) {
          const message = buffered.slice(0, boundary);
          buffered = buffered.slice(boundary + 2);
          const event = /^event: (\w+)/m.exec(message)?.[1];
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (event === 'next' && data) c.push(JSON.parse(data) as SubscriptionResult);
          if (event === 'complete') return;
        }
      }
    } catch {
      // aborted by stop(), or the server went away: either way the stream ended
    } finally {
      c.end();
    }
  })();
  return {
    results: c.results,
    waitFor: c.waitFor,
    ended: c.ended,
    closed: new Promise<number>(() => {}),
    closeCode: () => null,
    stop: async () => abort.abort(),
  };
}

/** The position a cursor stands for (cursors are opaque to clients; tests may look inside). */
export function positionOf(cursor: string): number {
  return Number(Buffer.from(cursor, 'base64url').toString('utf8').split(':')[1]);
}

/**
 * The cursor before an organization's first event: subscribing with it replays everything, so a
 * test never depends on its subscription being registered before the change it waits for.
 */
export const FROM_START = Buffer.from('ev1:0').toString('base64url');
