import { cacheExchange, type Cache } from '@urql/exchange-graphcache';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import fragmentMatcher from './gql/possible-types.ts';

export type Env = 'test' | 'live';

/** Lists that change when an event arrives: dropped from the cache, so open pages fetch them again. */
const LISTS_BY_EVENT: Record<string, string[]> = {
  apiKeyEvents: ['partnerKeys', 'sessions', 'node'],
  connectionEvents: ['connections', 'node'],
  webhookDeliveryEvents: ['webhookDeliveries', 'webhookEndpoints'],
};

function invalidateLists(cache: Cache, fields: string[]) {
  for (const field of cache.inspectFields('Query')) {
    if (fields.includes(field.fieldName)) cache.invalidate('Query', field.fieldKey);
  }
}

/** Mutations that add or remove list entries: the lists are read again. */
const LISTS_BY_MUTATION: Record<string, string[]> = {
  createPartnerKey: ['partnerKeys'],
  rotatePartnerKey: ['partnerKeys'],
  revokePartnerKey: ['partnerKeys'],
  createUserKey: ['node'],
  rotateUserKey: ['node'],
  revokeUserKey: ['node'],
  revokeAllUserKeys: ['node'],
  connectUser: ['connections'],
  disconnectUser: ['connections', 'node'],
  advanceSandboxConnection: ['connections', 'node'],
  createSandboxUser: ['connections'],
  createWebhookEndpoint: ['webhookEndpoints'],
  deleteWebhookEndpoint: ['webhookEndpoints', 'webhookDeliveries'],
  redeliverWebhook: ['webhookDeliveries'],
  revokeSession: ['sessions'],
  inviteMember: ['members'],
  // A demotion or a removal ends the member's sessions.
  updateMember: ['sessions'],
  removeMember: ['members', 'sessions'],
};

/**
 * One client per environment: every request says which (`X-Keyward-Env`) and carries the CSRF
 * header the API asks of cookie requests; the session cookie goes along by itself (same origin).
 * Subscriptions run over graphql-ws on the same origin and resume from their last cursor after a
 * reconnect, so no event is missed and nothing is polled.
 */
export function createDashboardClient(env: Env): { client: Client; ws: WsClient } {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    connectionParams: { 'X-Keyward-Env': env },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    lazy: true,
  });
  const client = new Client({
    url: '/graphql',
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ credentials: 'same-origin', headers: { 'x-keyward-csrf': '1', 'x-keyward-env': env } }),
    exchanges: [
      cacheExchange({
        // Objects are normalised by their id; payloads, pages and errors (no id) are kept inside their parent.
        keys: new Proxy({}, { get: () => (data: { id?: unknown }) => (typeof data.id === 'string' ? data.id : null) }),
        // Which types implement Error (and the other abstract types): `... on Error { code message }` is matched, not guessed.
        possibleTypes: fragmentMatcher.possibleTypes,
        updates: {
          Subscription: Object.fromEntries(Object.entries(LISTS_BY_EVENT).map(([name, lists]) => [name, (_r, _a, cache) => invalidateLists(cache, lists)])),
          Mutation: Object.fromEntries(Object.entries(LISTS_BY_MUTATION).map(([name, lists]) => [name, (_r, _a, cache) => invalidateLists(cache, lists)])),
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          // graphql-ws sends this same payload again after a reconnect: it carries the last cursor seen.
          const payload = { query: request.query ?? '', variables: { ...(request.variables as Record<string, unknown>) } };
          return {
            subscribe: (sink) => ({
              unsubscribe: ws.subscribe(payload, {
                next: (result) => {
                  const data = result.data as Record<string, { cursor?: string } | null> | null | undefined;
                  const cursor = data && Object.values(data)[0]?.cursor;
                  if (cursor) payload.variables.after = cursor;
                  sink.next(result as never);
                },
                error: (error) => sink.error(error),
                complete: () => sink.complete(),
              }),
            }),
          };
        },
      }),
    ],
  });
  return { client, ws };
}
