import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MemorySlotStore, type SlotStore } from '../domain/rate-limit/slots.ts';

const PREFIX = 'keyward:slots:';

/** Members refreshed per script call (Lua's stack bounds the arguments of one call). */
const REFRESH_CHUNK = 500;

// Scores are lease ends in Redis's own clock (TIME), so the instances' clocks never matter, and
// each member carries the lease its own instance gave it: instances with different heartbeats
// never trim each other's live members. The set expires when its last lease would.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const EXTEND_TTL = `
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end`;

// KEYS[1] pool; ARGV: limit, member, lease ms. Trims lapsed leases, then counts.
const TAKE = `${NOW}
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])${EXTEND_TTL}
return 1`;

// KEYS[1] pool; ARGV: lease ms, members… Adds members that are missing too (Redis restarted,
// or this instance was away long enough for others to trim it): they are open, so they count.
const REFRESH = `${NOW}
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + lease, ARGV[i]) end${EXTEND_TTL}
return 0`;

type Scripted = Redis & {
  keywardSlotTake(pool: string, limit: number, member: string, leaseMs: number): Promise<number>;
};
type ScriptedPipeline = ChainableCommander & {
  keywardSlotRefresh(pool: string, leaseMs: number, ...members: string[]): ChainableCommander;
};

/**
 * Open sockets and subscriptions per key, counted across every instance through Redis.
 *
 * Each place held is one member of a sorted set per pool (`keyward:slots:sockets:<keyId>`),
 * scored with the end of its lease. The instance holding it renews the leases of all its members
 * every heartbeat (one pipelined script call per pool); a member whose lease lapsed (its instance
 * crashed, or lost Redis for several heartbeats) is ignored and trimmed by the next take. So a
 * crash leaks nothing for longer than a lease (3 heartbeats), and a give that never reached Redis
 * costs the same at most. One member per place (rather than a count per instance) keeps a take
 * one atomic script that needs nothing but the pool, and lets a renewal put back exactly what this
 * instance holds after Redis lost it (a restart), instead of reconciling counts.
 *
 * What this instance holds is also kept here (`local`): it is what the heartbeat renews, and
 * while Redis is unreachable takes are counted against it alone, per instance, as the request
 * counters do (docs/security.md F-07), rather than refusing every socket.
 */
export class RedisSlotStore implements SlotStore {
  private readonly redis: Scripted;
  private readonly local = new MemorySlotStore();
  private readonly leaseMs: number;
  private readonly timer: NodeJS.Timeout;
  private warned = false;
  private renewing = false;
  /** Places given back while a renewal was on its way: it may have put them back, so they go again. */
  private givenWhileRenewing: [string, string][] = [];

  constructor(
    redis: Redis,
    private readonly logger: Logger,
    heartbeatMs = 5_000,
  ) {
    this.redis = redis as Scripted;
    this.leaseMs = heartbeatMs * 3;
    this.redis.defineCommand('keywardSlotTake', { numberOfKeys: 1, lua: TAKE });
    this.redis.defineCommand('keywardSlotRefresh', { numberOfKeys: 1, lua: REFRESH });
    this.redis.on('ready', () => {
      if (this.warned) this.logger.info('redis reachable again: open sockets and subscriptions are counted across instances again');
      this.warned = false;
      // At once: Redis may have restarted empty, and until then the others would see too few.
      void this.renew();
    });
    this.timer = setInterval(() => void this.renew(), heartbeatMs);
    this.timer.unref();
  }

  async take(pool: string, limit: number): Promise<string | null> {
    const held = this.local.held().get(pool)?.size ?? 0;
    // Everything held here is also counted in Redis: no need to ask.
    if (held >= limit) return null;
    const slot = this.local.newSlot();
    if (this.redis.status === 'ready') {
      try {
        if ((await this.redis.keywardSlotTake(PREFIX + pool, limit, slot, this.leaseMs)) !== 1) return null;
        this.local.hold(pool, slot);
        return slot;
      } catch (error) {
        this.warn(error);
      }
    } else {
      this.warn(new Error(`redis is ${this.redis.status}`));
    }
    // The same id: if the failed call did add it, the renewals keep one member for it, not two.
    if ((this.local.held().get(pool)?.size ?? 0) >= limit) return null;
    this.local.hold(pool, slot);
    return slot;
  }

  give(pool: string, slot: string): void {
    this.local.give(pool, slot);
    if (this.renewing) this.givenWhileRenewing.push([pool, slot]);
    // Not sent while Redis is away: the lease lapses by itself.
    if (this.redis.status === 'ready') this.redis.zrem(PREFIX + pool, slot).catch(() => undefined);
  }

  /** Renews the lease of every place this instance holds (and puts back any Redis lost). */
  private async renew(): Promise<void> {
    if (this.renewing || this.redis.status !== 'ready') return;
    const held = this.local.held();
    if (held.size === 0) return;
    this.renewing = true;
    try {
      const pipeline = this.redis.pipeline() as ScriptedPipeline;
      for (const [pool, slots] of held) {
        const members = [...slots];
        for (let i = 0; i < members.length; i += REFRESH_CHUNK) {
          pipeline.keywardSlotRefresh(PREFIX + pool, this.leaseMs, ...members.slice(i, i + REFRESH_CHUNK));
        }
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error)?.[0];
      if (failed) throw failed;
    } catch (error) {
      this.warn(error);
    } finally {
      this.renewing = false;
      // A pipeline with scripts may be written after a give's ZREM: remove those again.
      const given = this.givenWhileRenewing;
      this.givenWhileRenewing = [];
      if (given.length > 0 && this.redis.status === 'ready') {
        const pipeline = this.redis.pipeline();
        for (const [pool, slot] of given) pipeline.zrem(PREFIX + pool, slot);
        pipeline.exec().catch(() => undefined);
      }
    }
  }

  private warn(error: unknown) {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'redis unavailable: open sockets and subscriptions are counted per instance',
    );
  }

  close(): void {
    clearInterval(this.timer);
  }
}
