import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/domain/api-key/api-key.service.ts';
import { generateKey } from '../../src/domain/api-key/key-format.ts';
import { KeyVerifier } from '../../src/domain/auth/key-verifier.ts';
import { UnitOfWork } from '../../src/domain/unit-of-work.ts';
import { EventLog } from '../../src/domain/events/event-log.ts';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import { systemClock } from '../../src/infra/clock.ts';
import { sharedDatabase } from '../helpers/app.ts';

/** The real database, with every query counted (an instrumentation extension, not a mock). */
async function countingSetup() {
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
  const verifier = new KeyVerifier(counted, pepper, systemClock, { cacheTtlMs: 60_000 });
  const keys = new ApiKeyService(prisma, pepper, randomBytes(32), systemClock, verifier, new UnitOfWork(new EventLog(prisma, systemClock)));
  const org = await prisma.organization.create({ data: { name: 'Verifier test' } });
  const issued = await keys.createPartnerKey(
    { type: 'operator' },
    { organizationId: org.id, name: 'Verified', permissions: ['KEYS_READ'] },
  );
  return { prisma, counts, hold, verifier, keys, issued };
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
});
