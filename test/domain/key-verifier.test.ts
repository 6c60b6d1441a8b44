import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKeyService, type KeyChangeListener } from '../../src/domain/api-key/api-key.service.ts';
import { generateKey, generateKeyId } from '../../src/domain/api-key/key-format.ts';
import { KeyVerifier, type KeyVerifierOptions } from '../../src/domain/auth/key-verifier.ts';
import { UnitOfWork } from '../../src/domain/unit-of-work.ts';
import { EventLog } from '../../src/domain/events/event-log.ts';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import { systemClock } from '../../src/infra/clock.ts';
import { createLogger } from '../../src/infra/logger.ts';
import type { Bus } from '../../src/live/bus.ts';
import { KeyChangeFanout } from '../../src/live/invalidation.ts';
import { SubscriptionRegistry } from '../../src/live/subscription-registry.ts';
import { sharedDatabase } from '../helpers/app.ts';

/** Key services on the real database; `keyId` makes every key they create take that keyId. */
function keyService(prisma: PrismaClient, pepper: Buffer, listener: KeyChangeListener, keyId?: string) {
  const uow = new UnitOfWork(new EventLog(prisma, systemClock));
  if (keyId === undefined) return new ApiKeyService(prisma, pepper, randomBytes(32), systemClock, listener, uow);
  return new ApiKeyService(prisma, pepper, randomBytes(32), systemClock, listener, uow, (kind, env) => generateKey(kind, env, keyId));
}

const createKey = (keys: ApiKeyService, organizationId: string, name: string) =>
  keys.createPartnerKey({ type: 'operator' }, { organizationId, name, permissions: ['KEYS_READ'] });

/** Every instance's listeners get every message, the publisher's too, as JSON (like Redis pub/sub). */
function sharedBus(): Bus {
  const handlers = new Map<string, Set<(message: unknown) => void>>();
  return {
    publish(channel, message) {
      for (const handler of handlers.get(channel) ?? []) handler(JSON.parse(JSON.stringify(message)));
    },
    listen(channel, handler) {
      const set = handlers.get(channel) ?? new Set();
      handlers.set(channel, set.add(handler));
      return () => set.delete(handler);
    },
    close: async () => {},
  };
}

/** The real database, with every query counted (an instrumentation extension, not a mock). */
async function countingSetup(options: KeyVerifierOptions = {}) {
  const { prisma } = await sharedDatabase();
  const counts = { reads: 0, writes: 0 };
  /** When set, the verifier's reads hold their result until it resolves: a read in flight, made visible. */
  const hold: { gate: Promise<void> | null } = { gate: null };
  const counted = prisma.$extends({
    query: {
      async $allOperations({ operation, args, query }) {
        if (/^(find|count|aggregate|groupBy)/.test(operation)) counts.reads++;
        else counts.writes++;
        const result = await query(args);
        if (hold.gate) await hold.gate;
        return result;
      },
    },
  }) as unknown as PrismaClient;
  const pepper = randomBytes(32);
  const verifier = new KeyVerifier(counted, pepper, systemClock, { cacheTtlMs: 60_000, ...options });
  const keys = keyService(prisma, pepper, verifier);
  const org = await prisma.organization.create({ data: { name: 'Verifier test' } });
  const issued = await createKey(keys, org.id, 'Verified');
  return { prisma, pepper, org, counts, hold, verifier, keys, issued };
}

describe('KeyVerifier', () => {
  it('rejects a mistyped key by its checksum before any database query', async () => {
    const { counts, verifier, issued } = await countingSetup();
    const token = issued.secret;
    for (let i = 7; i < token.length; i++) {
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      if (flipped === token) continue;
      expect((await verifier.check(flipped, undefined)).ok).toBe(false);
    }
    expect(await verifier.check(generateKey('ptr', 'test').token.slice(0, -1), undefined)).toMatchObject({ reason: 'MALFORMED' });
    expect(counts.reads).toBe(0);
  });

  it('verifies from cache, and keeps lastUsedAt without a write per request', async () => {
    const { prisma, counts, verifier, issued } = await countingSetup();
    for (let i = 0; i < 50; i++) expect((await verifier.check(issued.secret, '127.0.0.1')).ok).toBe(true);
    expect(counts).toEqual({ reads: 1, writes: 0 });
    const seen = verifier.lastUsedAt(issued.key.id);
    expect(seen).toBeInstanceOf(Date);
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: issued.key.id } })).lastUsedAt).toBeNull();
    expect(await verifier.flushLastUsed()).toBe(1);
    expect(counts.writes).toBe(1);
    const stored = await prisma.apiKey.findUniqueOrThrow({ where: { id: issued.key.id } });
    expect(stored.lastUsedAt).toEqual(seen);
    expect(await verifier.flushLastUsed()).toBe(0);
  });

  it('shares one database read between concurrent first requests for a key', async () => {
    const { counts, verifier, issued } = await countingSetup();
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.check(issued.secret, undefined)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counts.reads).toBe(1);
  });

  it('refuses a revoked key at once, even with a long cache TTL', async () => {
    const { verifier, keys, issued } = await countingSetup();
    expect((await verifier.check(issued.secret, undefined)).ok).toBe(true);
    await keys.revokePartnerKey({ type: 'operator' }, { id: issued.key.id });
    expect(await verifier.check(issued.secret, undefined)).toMatchObject({ ok: false, reason: 'REVOKED' });
  });

  it('does not cache a read that raced a revocation', async () => {
    const { verifier, keys, issued, hold } = await countingSetup();
    let release!: () => void;
    hold.gate = new Promise((resolve) => (release = resolve));
    // The read fetches the key while it is still active, then waits...
    const racing = verifier.check(issued.secret, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // ...while the revocation commits and invalidates the cache.
    await keys.revokePartnerKey({ type: 'operator' }, { id: issued.key.id });
    hold.gate = null;
    release();
    expect((await racing).ok).toBe(true); // it began before the revocation
    // The stale read must not have been cached (the TTL is 60 s here).
    expect(await verifier.check(issued.secret, undefined)).toMatchObject({ ok: false, reason: 'REVOKED' });
  });

  it('answers a wrong secret for a real keyId as NOT_FOUND, like an unknown key', async () => {
    const { verifier, issued } = await countingSetup();
    const forged = generateKey('ptr', 'test', issued.key.keyId).token;
    expect(await verifier.check(forged, undefined)).toMatchObject({ ok: false, reason: 'NOT_FOUND' });
    expect(await verifier.check(generateKey('ptr', 'test').token, undefined)).toMatchObject({ ok: false, reason: 'NOT_FOUND' });
    // The prefix must match the stored kind too.
    const asUser = generateKey('usr', 'test', issued.key.keyId).token;
    expect((await verifier.check(asUser, undefined)).ok).toBe(false);
  });

  it('refuses an unknown keyId after one database read, with the answer a wrong secret gets', async () => {
    const { counts, verifier, issued } = await countingSetup();
    const wrongSecret = await verifier.check(generateKey('ptr', 'test', issued.key.keyId).token, undefined);
    expect(wrongSecret).toEqual({ ok: false, reason: 'NOT_FOUND', keyId: issued.key.keyId });
    counts.reads = 0;
    const lookups: boolean[] = [];
    verifier.onLookup = (hit) => lookups.push(hit);
    const unknown = generateKey('ptr', 'test');
    for (let i = 0; i < 50; i++) {
      expect(await verifier.check(unknown.token, undefined)).toEqual({ ...wrongSecret, keyId: unknown.keyId });
    }
    expect(counts).toEqual({ reads: 1, writes: 0 });
    expect(verifier.negativeCacheSize).toBe(1);
    // The metric counts a remembered absence as a hit.
    expect(lookups.filter((hit) => hit)).toHaveLength(49);
  });

  it('refuses a wrong secret from the cache as long as an unknown keyId, and reads again only for the right one', async () => {
    const { counts, verifier, issued } = await countingSetup({ cacheTtlMs: 1, negativeCacheTtlMs: 60_000 });
    const unknown = generateKey('ptr', 'test').token;
    expect((await verifier.check(issued.secret, undefined)).ok).toBe(true);
    await verifier.check(unknown, undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Past cacheTtlMs: a read now would tell a real keyId from a made-up one.
    counts.reads = 0;
    expect(await verifier.check(generateKey('ptr', 'test', issued.key.keyId).token, undefined)).toMatchObject({ reason: 'NOT_FOUND' });
    expect(await verifier.check(unknown, undefined)).toMatchObject({ reason: 'NOT_FOUND' });
    expect(counts.reads).toBe(0);
    // The right secret trusts the key's state for cacheTtlMs only.
    expect((await verifier.check(issued.secret, undefined)).ok).toBe(true);
    expect(counts.reads).toBe(1);
  });

  it('shares one database read between concurrent first requests for an unknown keyId', async () => {
    const { counts, verifier } = await countingSetup();
    const unknown = generateKey('usr', 'live');
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.check(unknown.token, undefined)));
    for (const result of results) expect(result).toEqual({ ok: false, reason: 'NOT_FOUND', keyId: unknown.keyId });
    expect(counts.reads).toBe(1);
  });

  it('remembers at most maxNegativeEntries unknown keyIds, the newest, and never evicts a key for them', async () => {
    const { counts, verifier, issued } = await countingSetup({ maxNegativeEntries: 5 });
    expect((await verifier.check(issued.secret, undefined)).ok).toBe(true);
    const unknown = Array.from({ length: 20 }, () => generateKey('ptr', 'test').token);
    for (const token of unknown) await verifier.check(token, undefined);
    expect(verifier.negativeCacheSize).toBe(5);
    expect(verifier.cacheSize).toBe(1);
    counts.reads = 0;
    expect((await verifier.check(issued.secret, undefined)).ok).toBe(true);
    await verifier.check(unknown.at(-1)!, undefined);
    expect(counts.reads).toBe(0);
    // The oldest went first: it is read again.
    await verifier.check(unknown[0]!, undefined);
    expect(counts.reads).toBe(1);
    expect(verifier.negativeCacheSize).toBe(5);
  });

  it('accepts a keyId presented before its key existed as soon as the key is created', async () => {
    const { prisma, pepper, org, verifier } = await countingSetup();
    const keyId = generateKeyId();
    expect(await verifier.check(generateKey('ptr', 'test', keyId).token, undefined)).toMatchObject({ reason: 'NOT_FOUND' });
    expect(verifier.negativeCacheSize).toBe(1);
    const issued = await createKey(keyService(prisma, pepper, verifier, keyId), org.id, 'Planned');
    expect(issued.key.keyId).toBe(keyId);
    expect(verifier.negativeCacheSize).toBe(0);
    expect((await verifier.check(issued.secret, undefined)).ok).toBe(true);
  });

  it('does not remember an absence read while the key was being created', async () => {
    const { prisma, pepper, org, verifier, hold } = await countingSetup();
    const keyId = generateKeyId();
    let release!: () => void;
    hold.gate = new Promise((resolve) => (release = resolve));
    // The read finds no key, then waits...
    const racing = verifier.check(generateKey('ptr', 'test', keyId).token, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // ...while the key is created.
    const issued = await createKey(keyService(prisma, pepper, verifier, keyId), org.id, 'Raced');
    hold.gate = null;
    release();
    expect(await racing).toMatchObject({ reason: 'NOT_FOUND' });
    expect(verifier.negativeCacheSize).toBe(0);
    expect((await verifier.check(issued.secret, undefined)).ok).toBe(true);
  });

  it('forgets an absence on every instance when one of them creates the key', async () => {
    const { prisma, pepper, org } = await countingSetup();
    const bus = sharedBus();
    const logger = createLogger({ level: 'silent' });
    const instance = () => {
      const verifier = new KeyVerifier(prisma, pepper, systemClock);
      return { verifier, changes: new KeyChangeFanout(verifier, new SubscriptionRegistry(verifier, logger), bus) };
    };
    const [a, b] = [instance(), instance()];
    const keyId = generateKeyId();
    expect(await b.verifier.check(generateKey('ptr', 'test', keyId).token, undefined)).toMatchObject({ reason: 'NOT_FOUND' });
    expect(b.verifier.negativeCacheSize).toBe(1);
    const issued = await createKey(keyService(prisma, pepper, a.changes, keyId), org.id, 'Created on A');
    expect(b.verifier.negativeCacheSize).toBe(0);
    expect((await b.verifier.check(issued.secret, undefined)).ok).toBe(true);
  });
});
