import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CounterStore } from '../domain/rate-limit/rate-limits.ts';

const PREFIX = 'keyward:rl:';

// One atomic script per check: read, refuse at the limit (counting nothing), or count and start the window.
const TAKE = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, 0}`;

const ADD = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

const PEEK = `
return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}`;

type Scripted = Redis & {
  keywardTake(key: string, limit: number, windowMs: number): Promise<[number, number]>;
  keywardAdd(key: string, windowMs: number): Promise<number>;
  keywardPeek(key: string): Promise<[number, number]>;
};

/**
 * The connection the limits use (request counters, open sockets and subscriptions): a command
 * fails at once while Redis is away instead of waiting in a queue, since every caller has a
 * per-instance fallback and a request must not wait for Redis.
 */
export function limitsRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Closes a limits connection after the commands already sent (places given back at shutdown). */
export async function closeLimitsRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  const timer = setTimeout(() => redis.disconnect(), 1_000);
  await redis.quit().catch(() => redis.disconnect());
  clearTimeout(timer);
}

/**
 * Counters shared by every instance through Redis, one Lua script per check. While Redis is
 * unreachable the checks run on this instance's own counters (`fallback`) instead of failing
 * requests: each instance then admits up to the limit on its own (docs/security.md F-07).
 */
export class RedisCounterStore implements CounterStore {
  private readonly redis: Scripted;
  private warned = false;

  constructor(
    redis: Redis,
    private readonly fallback: CounterStore,
    private readonly logger: Logger,
  ) {
    this.redis = redis as Scripted;
    this.redis.defineCommand('keywardTake', { numberOfKeys: 1, lua: TAKE });
    this.redis.defineCommand('keywardAdd', { numberOfKeys: 1, lua: ADD });
    this.redis.defineCommand('keywardPeek', { numberOfKeys: 1, lua: PEEK });
    this.redis.on('ready', () => {
      if (this.warned) this.logger.info('redis reachable again: rate limits are shared again');
      this.warned = false;
    });
  }

  private async withFallback<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.redis.status === 'ready') {
      try {
        return await shared();
      } catch (error) {
        this.warn(error);
      }
    } else {
      this.warn(new Error(`redis is ${this.redis.status}`));
    }
    return local();
  }

  private warn(error: unknown) {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'redis unavailable: rate limits are counted per instance');
  }

  take(key: string, limit: number, windowMs: number) {
    return this.withFallback(
      async () => {
        const [allowed, ttl] = await this.redis.keywardTake(PREFIX + key, limit, windowMs);
        return { allowed: allowed === 1, retryAfterMs: Math.max(ttl, 0) };
      },
      () => this.fallback.take(key, limit, windowMs),
    );
  }

  add(key: string, windowMs: number) {
    return this.withFallback(
      () => this.redis.keywardAdd(PREFIX + key, windowMs),
      () => this.fallback.add(key, windowMs),
    );
  }

  mark(key: string, ttlMs: number) {
    return this.withFallback(
      async () => {
        await this.redis.set(PREFIX + key, '1', 'PX', ttlMs);
      },
      () => this.fallback.mark(key, ttlMs),
    );
  }

  peek(key: string) {
    return this.withFallback(
      async () => {
        const [count, ttl] = await this.redis.keywardPeek(PREFIX + key);
        return { count, retryAfterMs: Math.max(ttl, 0) };
      },
      () => this.fallback.peek(key),
    );
  }
}
