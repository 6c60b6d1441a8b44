// The shared execution of subscription events (src/live/shared-execution.ts): one execution per
// event per distinct selection and audience, however many subscribers; never shared across audiences.
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createSharedSubscribe, useSharedSubscriptionExecution } from '../../src/live/shared-execution.ts';

interface Event {
  id: number;
}

/** A schema whose subscription yields the same event objects to every subscriber and counts executions. */
function setup() {
  const listeners = new Set<(event: Event) => void>();
  const executions: string[] = [];
  const schema = createSchema<{ audience: string }>({
    typeDefs: /* GraphQL */ `
      type Event { id: Int!, label(prefix: String): String!, audience: String! }
      type Query { ok: Boolean }
      type Subscription { events(after: Int): Event! }
    `,
    resolvers: {
      Subscription: {
        events: {
          subscribe: () => {
            const queue: Event[] = [];
            let wake: (() => void) | null = null;
            const listener = (event: Event) => {
              queue.push(event);
              wake?.();
            };
            listeners.add(listener);
            return {
              async next() {
                while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
                return { value: queue.shift()!, done: false };
              },
              async return() {
                listeners.delete(listener);
                return { value: undefined, done: true };
              },
              [Symbol.asyncIterator]() {
                return this;
              },
            };
          },
          resolve: (event: Event) => event,
        },
      },
      Event: {
        label: (event: Event, args: { prefix?: string }, ctx: { audience: string }) => {
          executions.push(`${event.id}:${ctx.audience}:${args.prefix ?? ''}`);
          return `${args.prefix ?? ''}${event.id}`;
        },
        audience: (_event: Event, _args: unknown, ctx: { audience: string }) => ctx.audience,
      },
    },
  });
  const yoga = createYoga<{ audience: string }>({
    schema,
    plugins: [useSharedSubscriptionExecution(createSharedSubscribe<{ audience: string }>({ audience: (ctx) => ctx.audience, shareKey: (p) => p as object }))],
  });
  const publish = (event: Event) => {
    for (const listener of listeners) listener(event);
  };
  return { yoga, publish, executions, listeners };
}

/** Opens an SSE subscription and returns a reader of its `next` payloads. */
async function subscribe(yoga: ReturnType<typeof setup>['yoga'], audience: string, query: string, variables: Record<string, unknown> = {}) {
  const abort = new AbortController();
  const response = await yoga.fetch(
    'http://yoga/graphql',
    {
      signal: abort.signal,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query, variables }),
    },
    { audience },
  );
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  return {
    async next(): Promise<Record<string, unknown>> {
      for (;;) {
        const match = /event: next\ndata: (.*)\n\n/.exec(buffered);
        if (match) {
          buffered = buffered.slice(match.index + match[0].length);
          return JSON.parse(match[1]!) as Record<string, unknown>;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffered += decoder.decode(value, { stream: true });
      }
    },
    close: async () => {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}

const QUERY = 'subscription ($after: Int, $prefix: String) { events(after: $after) { id label(prefix: $prefix) audience } }';

async function waitForListeners(listeners: Set<unknown>, n: number) {
  for (let i = 0; i < 200 && listeners.size < n; i++) await new Promise((r) => setTimeout(r, 5));
  expect(listeners.size).toBe(n);
}

describe('shared subscription execution', () => {
  it('executes an event once for subscribers with the same selection and audience', async () => {
    const { yoga, publish, executions, listeners } = setup();
    // Different `after` values (a root-field argument) do not change what each event looks like.
    const subscribers = await Promise.all([1, 2, 3, 4, 5].map((after) => subscribe(yoga, 'org-a', QUERY, { after })));
    await waitForListeners(listeners, 5);
    publish({ id: 1 });
    const results = await Promise.all(subscribers.map((s) => s.next()));
    for (const result of results) expect(result).toEqual({ data: { events: { id: 1, label: '1', audience: 'org-a' } } });
    expect(executions).toEqual(['1:org-a:']);
    await Promise.all(subscribers.map((s) => s.close()));
  });

  it('never shares a result across audiences or across selection variables', async () => {
    const { yoga, publish, executions, listeners } = setup();
    const a = await subscribe(yoga, 'org-a', QUERY);
    const b = await subscribe(yoga, 'org-b', QUERY);
    const c = await subscribe(yoga, 'org-a', QUERY, { prefix: '#' });
    await waitForListeners(listeners, 3);
    publish({ id: 7 });
    expect(await a.next()).toEqual({ data: { events: { id: 7, label: '7', audience: 'org-a' } } });
    expect(await b.next()).toEqual({ data: { events: { id: 7, label: '7', audience: 'org-b' } } });
    expect(await c.next()).toEqual({ data: { events: { id: 7, label: '#7', audience: 'org-a' } } });
    expect(executions.sort()).toEqual(['7:org-a:', '7:org-a:#', '7:org-b:']);
    // Each new event is executed again (results are per event, not per subscription).
    publish({ id: 8 });
    await Promise.all([a.next(), b.next(), c.next()]);
    expect(executions).toHaveLength(6);
    await Promise.all([a, b, c].map((s) => s.close()));
  });
});
