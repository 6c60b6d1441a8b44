import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/infra/clock.ts';
import { KNOWN_PAIR_MS, MemoryCounterStore, RateLimits } from '../../src/domain/rate-limit/rate-limits.ts';

class TestClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  now() {
    return new Date(this.ms);
  }
}

/**
 * docs/security.md G-03: limits {5, 100} × windows {1 s, 5 s} × load {0.9, 1, 10}× of the limit,
 * spread evenly over 50 windows on a test clock. What is admitted must lie between 0.95× and
 * exactly 1.0× of the theoretical maximum (the requests sent, or the limit per window).
 */
describe('rate-limiter accuracy (G-03)', () => {
  const WINDOWS = 50;
  const cases = [5, 100].flatMap((limit) => [1_000, 5_000].flatMap((windowMs) => [0.9, 1, 10].map((load) => ({ limit, windowMs, load }))));

  it.each(cases)('limit $limit per $windowMs ms at $load× load', async ({ limit, windowMs, load }) => {
    const clock = new TestClock();
    const store = new MemoryCounterStore(clock);
    const requests = Math.round(limit * load * WINDOWS);
    const spacing = (WINDOWS * windowMs) / requests;
    const start = clock.ms;
    let admitted = 0;
    let maxInAnyWindow = 0;
    const admittedAt: number[] = [];
    for (let i = 0; i < requests; i++) {
      clock.ms = start + Math.floor(i * spacing);
      const { allowed, retryAfterMs } = await store.take('key:k', limit, windowMs);
      if (allowed) {
        admitted++;
        admittedAt.push(clock.ms);
      } else {
        expect(retryAfterMs).toBeGreaterThan(0);
        expect(retryAfterMs).toBeLessThanOrEqual(windowMs);
      }
    }
    // No sliding interval of one window ever holds more than the limit.
    for (let i = 0, j = 0; i < admittedAt.length; i++) {
      while (admittedAt[i]! - admittedAt[j]! >= windowMs) j++;
      maxInAnyWindow = Math.max(maxInAnyWindow, i - j + 1);
    }
    const theoretical = Math.min(requests, limit * WINDOWS);
    expect(maxInAnyWindow).toBeLessThanOrEqual(limit);
    expect(admitted).toBeLessThanOrEqual(theoretical);
    expect(admitted).toBeGreaterThanOrEqual(Math.ceil(0.95 * theoretical));
  });
});

describe('RateLimits', () => {
  const organization = { rateLimitRequests: 12, rateLimitWindowSeconds: 60 };

  it('admits N, refuses N+1 with the time left, and a refusal counts against nothing (A-09, the Unkey leak)', async () => {
    const clock = new TestClock();
    const store = new MemoryCounterStore(clock);
    const limits = new RateLimits(store);
    const key = { keyId: 'k1', rateLimitRequests: null };
    for (let i = 0; i < 12; i++) await limits.admitKey(key, organization);
    clock.ms += 10_000;
    await expect(limits.admitKey(key, organization)).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 50 });
    await expect(limits.admitKey(key, organization)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await store.peek('key:k1')).toEqual({ count: 12, retryAfterMs: 50_000 });
    // Another key of the same organization is untouched by the refusals.
    await limits.admitKey({ keyId: 'k2', rateLimitRequests: null }, organization);
    expect((await store.peek('key:k2')).count).toBe(1);
    clock.ms += 50_000;
    await limits.admitKey(key, organization);
    expect((await store.peek('key:k1')).count).toBe(1);
  });

  it('uses the key’s own limit over the organization’s', async () => {
    const limits = new RateLimits(new MemoryCounterStore(new TestClock()));
    const key = { keyId: 'k', rateLimitRequests: 2 };
    await limits.admitKey(key, organization);
    await limits.admitKey(key, organization);
    await expect(limits.admitKey(key, organization)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('holds back an address group after its failed authentications until the window ends; other addresses go on', async () => {
    const clock = new TestClock();
    const limits = new RateLimits(new MemoryCounterStore(clock), { failures: 3, windowMs: 60_000 });
    const from = (address: string) => ({ address, credential: undefined });
    // The failure that reaches the limit says so (the moment to alert), and only that one.
    const reached = [];
    for (let i = 0; i < 3; i++) {
      expect(await limits.heldBack(from('203.0.113.9'))).toBeNull();
      reached.push(await limits.authenticationFailed(from('203.0.113.9')));
    }
    expect(reached).toEqual([[], [], ['address']]);
    expect(await limits.authenticationFailed(from('203.0.113.9'))).toEqual([]);
    expect(await limits.heldBack(from('203.0.113.9'))).toBe(60_000);
    expect(await limits.heldBack(from('198.51.100.1'))).toBeNull();
    clock.ms += 60_000;
    expect(await limits.heldBack(from('203.0.113.9'))).toBeNull();
  });

  it('holds back a credential named in too many failures from any number of addresses', async () => {
    const limits = new RateLimits(new MemoryCounterStore(new TestClock()), { failures: 3, windowMs: 60_000 });
    const reached = [];
    for (let i = 0; i < 3; i++) reached.push(await limits.authenticationFailed({ address: `198.51.100.${i}`, credential: 'k1' }));
    expect(reached).toEqual([[], [], ['credential']]);
    expect(await limits.heldBack({ address: '192.0.2.1', credential: 'k1' })).toBe(60_000);
    expect(await limits.heldBack({ address: '192.0.2.1', credential: 'k2' })).toBeNull();
    expect(await limits.heldBack({ address: '198.51.100.0', credential: undefined })).toBeNull();
  });

  it('knows a credential’s address once it authenticated from there, for a day, writing the pair at most every 10 minutes', async () => {
    const clock = new TestClock();
    const store = new MemoryCounterStore(clock);
    let marks = 0;
    const counted = Object.assign(Object.create(store) as MemoryCounterStore, {
      mark: (key: string, ttlMs: number) => {
        marks++;
        return store.mark(key, ttlMs);
      },
    });
    const limits = new RateLimits(counted, { failures: 3, windowMs: 60_000 }, undefined, clock);
    const pair = { address: '203.0.113.9', credential: 'k1' };
    expect(await limits.knownPair(pair)).toBe(false);
    for (let i = 0; i < 100; i++) await limits.authenticated(pair);
    expect(marks).toBe(1);
    clock.ms += 10 * 60_000;
    await limits.authenticated(pair);
    expect(marks).toBe(2);
    expect(await limits.knownPair(pair)).toBe(true);
    expect(await limits.knownPair({ ...pair, credential: 'k2' })).toBe(false);
    expect(await limits.knownPair({ ...pair, address: '203.0.113.10' })).toBe(false);
    expect(await limits.knownPair({ ...pair, address: undefined })).toBe(false);
    clock.ms += KNOWN_PAIR_MS;
    expect(await limits.knownPair(pair)).toBe(false);
  });
});
