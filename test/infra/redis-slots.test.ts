// Open sockets and subscriptions per key counted across instances through a real Redis: each
// store here stands for one instance (its own connection and heartbeat). A crashed instance's
// places lapse within a few heartbeats; with Redis gone each instance counts by itself, and what
// it holds is back in Redis once Redis is.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { closeLimitsRedis, limitsRedis } from '../../src/infra/redis-counters.ts';
import { RedisSlotStore } from '../../src/infra/redis-slots.ts';
import { LogCapture } from '../helpers/app.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';

let redis: RedisServer;
const connections: Redis[] = [];
const stores: RedisSlotStore[] = [];
let pools = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const store of stores) store.close();
  await Promise.all(connections.map((connection) => closeLimitsRedis(connection)));
  await redis?.stop();
});

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One instance's store: its own connection, its own heartbeat. */
async function instance(heartbeatMs = 100) {
  const connection = limitsRedis(redis.url);
  connections.push(connection);
  const logs = new LogCapture();
  const store = new RedisSlotStore(connection, createLogger({ level: 'debug', destination: logs }), heartbeatMs);
  stores.push(store);
  await until(() => connection.status === 'ready', 'the connection');
  return { store, connection, logs };
}

const newPool = () => `sockets:test-${process.pid}-${pools++}`;
const taken = (slots: (string | null)[]) => slots.filter((slot) => slot !== null).length;

describe('RedisSlotStore', () => {
  it('admits exactly the limit across instances, also when they take at once; a place given back is free at once', async () => {
    const [a, b] = [await instance(), await instance()];
    const pool = newPool();
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).store.take(pool, 3)));
    expect(taken(first)).toBe(3);
    expect(await a.store.take(pool, 3)).toBeNull();
    expect(await b.store.take(pool, 3)).toBeNull();
    // The one that holds a place gives it back; the other instance may take it.
    const holderOf = (slot: string) => (first.indexOf(slot) % 2 === 0 ? a : b);
    const slot = first.find((s) => s !== null)!;
    holderOf(slot).store.give(pool, slot);
    await until(async () => (await b.store.take(pool, 3)) !== null, 'the place to be free');
    expect(await a.store.take(pool, 3)).toBeNull();
    // Other pools (other keys) are apart.
    expect(await a.store.take(newPool(), 3)).not.toBeNull();
  });

  it('keeps a live instance’s places past many leases, and lets a crashed instance’s lapse within a few heartbeats', async () => {
    const [live, other] = [await instance(100), await instance(100)];
    const doomed = await instance(100);
    const pool = newPool();
    expect(await live.store.take(pool, 3)).not.toBeNull();
    expect(taken(await Promise.all([doomed.store.take(pool, 3), doomed.store.take(pool, 3)]))).toBe(2);
    expect(await other.store.take(pool, 3)).toBeNull();
    // kill -9: no give, no more heartbeats.
    doomed.store.close();
    doomed.connection.disconnect();
    const crashedAt = Date.now();
    let slot: string | null = null;
    await until(
      async () => {
        slot = await other.store.take(pool, 3);
        return slot !== null;
      },
      'a crashed instance’s place to lapse',
      3_000,
    );
    // Its lease is 3 heartbeats (300 ms).
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(250);
    expect(await other.store.take(pool, 3)).not.toBeNull();
    // The live instance's place was renewed all along: still the third.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await other.store.take(pool, 3)).toBeNull();
    expect(slot).not.toBeNull();
  });

  it('counts per instance while Redis is away, and puts every place held back into Redis when it returns', async () => {
    const [a, b] = [await instance(100), await instance(100)];
    const probe = await instance(100);
    const pool = newPool();
    await redis.pause();
    try {
      await until(() => a.connection.status !== 'ready' && b.connection.status !== 'ready', 'the connections to drop');
      const onA = await Promise.all([a.store.take(pool, 2), a.store.take(pool, 2), a.store.take(pool, 2)]);
      const onB = await Promise.all([b.store.take(pool, 2), b.store.take(pool, 2), b.store.take(pool, 2)]);
      expect([taken(onA), taken(onB)]).toEqual([2, 2]);
      expect(a.logs.text).toContain('redis unavailable: open sockets and subscriptions are counted per instance');
      // A place given back while Redis is away is free again on its instance.
      a.store.give(pool, onA.find((s) => s !== null)!);
      expect(await a.store.take(pool, 2)).not.toBeNull();
    } finally {
      await redis.resume();
    }
    await until(() => [a, b, probe].every((i) => i.connection.status === 'ready'), 'the connections to return', 10_000);
    // All four places are in Redis again: another instance finds the pool over its limit.
    await until(async () => (await probe.connection.zcard(`keyward:slots:${pool}`)) === 4, 'the places to be renewed');
    expect(await probe.store.take(pool, 4)).toBeNull();
    expect(a.logs.text).toContain('redis reachable again');
  });
});
