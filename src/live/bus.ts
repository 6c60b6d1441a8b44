import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Messages between the instances that share one database. Redis pub/sub is at most once: what
 * travels here are hints (new events, a changed key) that make things fast; correctness comes
 * from the database (feeds catch up from the event table, caches expire).
 */
export interface Bus {
  publish(channel: string, message: unknown): void;
  /** Calls `handler` for every message on `channel` until the returned function is called. */
  listen(channel: string, handler: (message: unknown) => void): () => void;
  close(): Promise<void>;
}

export const CHANNELS = {
  events: (organizationId: string) => `keyward:events:${organizationId}`,
  deliveries: (organizationId: string) => `keyward:deliveries:${organizationId}`,
  invalidations: 'keyward:invalidations',
} as const;

/**
 * A bus over Redis through yoga's Redis event target. Publishing never waits for Redis and never
 * throws: while Redis is away, a publish fails fast and is logged; the subscriber connection
 * reconnects and resubscribes by itself (ioredis), and the database covers what was missed.
 */
export function createRedisBus(url: string, logger: Logger): Bus {
  const common = { lazyConnect: false, connectTimeout: 2_000, retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000) };
  // Publishing fails at once while disconnected instead of queueing behind a dead link. What is
  // published in one tick goes in one write (a webhook round tells of each of its attempts).
  const publisher = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, enableAutoPipelining: true });
  // The subscriber waits for Redis as long as it takes, and resubscribes after a reconnect.
  const subscriber = new Redis(url, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });
  let lastError = '';
  const onError = (error: Error) => {
    // One line per distinct failure, not one per retry.
    if (error.message !== lastError) logger.warn({ err: error.message }, 'redis unavailable; instances fall back to the database');
    lastError = error.message;
  };
  publisher.on('error', onError);
  subscriber.on('error', onError);
  subscriber.on('ready', () => {
    if (lastError) logger.info('redis reachable again');
    lastError = '';
  });
  const failed = (error: unknown) => onError(error instanceof Error ? error : new Error(String(error)));

  // The event target calls publish/subscribe without handling their promises: these wrappers do.
  const target = createRedisEventTarget<CustomEvent>({
    publishClient: { publish: (channel: string, message: string) => publisher.publish(channel, message).catch(failed) } as unknown as Redis,
    subscribeClient: {
      on: (event: string, listener: (channel: string, message: string) => void) => subscriber.on(event, listener),
      subscribe: (channel: string) => subscriber.subscribe(channel).catch(failed),
      unsubscribe: (channel: string) => subscriber.unsubscribe(channel).catch(failed),
    } as unknown as Redis,
  });

  return {
    publish(channel, message) {
      if (publisher.status !== 'ready') return failed(new Error(`redis is ${publisher.status}`));
      target.dispatchEvent(new CustomEvent(channel, { detail: message }));
    },
    listen(channel, handler) {
      const callback = (event: CustomEvent) => {
        try {
          handler(event.detail);
        } catch (error) {
          logger.error({ err: error, channel }, 'handling a redis message failed');
        }
      };
      target.addEventListener(channel, callback as EventListener);
      return () => target.removeEventListener(channel, callback as EventListener);
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/** One process on its own: nothing to tell anyone. */
export const noBus: Bus = {
  publish() {},
  listen: () => () => {},
  close: async () => {},
};
