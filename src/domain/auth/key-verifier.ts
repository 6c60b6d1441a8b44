import type { ApiKey, Organization, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { hashesEqual, hashKey, parseKey, TOKEN_LENGTH, type KeyPrefixKind } from '../api-key/key-format.ts';
import type { KeyChangeListener } from '../api-key/api-key.service.ts';
import type { KeyPrincipal, MemberFacts } from '../caller.ts';
import { compileAllowlist } from '../ip/cidr.ts';

export type KeyCheckFailure = 'MALFORMED' | 'NOT_FOUND' | 'REVOKED' | 'EXPIRED' | 'IP_NOT_ALLOWED' | 'ORG_INACTIVE';

export interface KeyRecheck {
  refusal: KeyCheckFailure | null;
  expiresAt: Date | null;
  /** The key's permissions now, minus those its organization disabled. */
  permissions: ApiKey['permissions'];
}

export type KeyCheck =
  | { ok: true; principal: KeyPrincipal /** A member's session: its member as it is now. */; member?: MemberFacts | undefined }
  | { ok: false; reason: KeyCheckFailure; keyId?: string | undefined; principal?: KeyPrincipal };

/** What a session needs of the key that opened it. */
type ParentFacts = Pick<
  ApiKey,
  'id' | 'keyId' | 'kind' | 'permissions' | 'currencies' | 'revokedAt' | 'expiresAt' | 'allowedIps' | 'allowedRecipients' | 'rateLimitRequests'
>;
const PARENT_SELECT = {
  id: true,
  keyId: true,
  kind: true,
  permissions: true,
  currencies: true,
  revokedAt: true,
  expiresAt: true,
  allowedIps: true,
  allowedRecipients: true,
  rateLimitRequests: true,
} as const;
const INCLUDE = {
  organization: true,
  connection: { select: { ref: true } },
  parent: { select: PARENT_SELECT },
  member: { select: { id: true, email: true, role: true } },
} as const;

interface CacheEntry {
  key: ApiKey;
  /** Sessions: the key that opened it (its state ends the session; its kind and permissions are the session's). */
  parent: ParentFacts | null;
  organization: Organization;
  /** Members' sessions: the member (its role decides what the session may do). */
  member: MemberFacts | null;
  /** The key's permissions minus those its organization disabled. */
  permissions: ApiKey['permissions'];
  connectionRef: string | null;
  ipAllowed: (ip: string) => boolean;
  loadedAt: number;
  /**
   * The token that last matched the stored hash, kept for the entry's short life so repeated
   * requests compare in constant time instead of computing the HMAC again.
   */
  verifiedToken?: Buffer;
}

const earliest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a < b ? a : b) : (a ?? b));

const PREFIX_KIND: Record<KeyPrefixKind, ApiKey['kind']> = { ptr: 'PARTNER', usr: 'USER', ses: 'SESSION', mbr: 'MEMBER' };

/** What a token is compared with where no token matched yet: zeros, which no token is. */
const NO_TOKEN = Buffer.alloc(TOKEN_LENGTH);

/** Map order is insertion order: at the bound the oldest goes, so the map never grows past it. */
function putBounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (max <= 0) return;
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

export interface KeyVerifierOptions {
  /**
   * How long a verified key is trusted without reading the database again. This process drops a
   * key at once when it changes it; the TTL bounds how long a change made elsewhere can go unseen.
   */
  cacheTtlMs?: number;
  maxCacheEntries?: number;
  /**
   * How long a keyId the database does not hold is remembered as absent (repeating it costs no
   * read), and how long a held key's entry refuses a wrong secret without a read: the same for
   * both, so that a refusal's timing does not tell whether a keyId exists. Never shorter than
   * cacheTtlMs. Creating a key forgets its keyId's absence at once (every instance, over the bus).
   */
  negativeCacheTtlMs?: number;
  /** Absent keyIds remembered at most, oldest out first; apart from the keys' entries, which a flood of made-up keyIds cannot evict. */
  maxNegativeEntries?: number;
}

/**
 * Verifies `kw_…` keys: checksum first (no I/O for garbage), then the record by keyId (or its
 * absence) from a short-lived cache or the database, then a constant-time comparison of the
 * keyed hash, the same steps for a keyId that exists and one that does not.
 */
export class KeyVerifier implements KeyChangeListener {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<CacheEntry | null>>();
  /** Bumped by every invalidation so that a load racing a change never caches the old state. */
  private generation = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  /** keyIds the database did not hold, with when it was read, oldest first. */
  private readonly absent = new Map<string, number>();
  private readonly negativeTtlMs: number;
  private readonly maxAbsent: number;
  /** What a token presented with an absent keyId is compared with: the hash of no token. */
  private readonly absentHash: Buffer;
  private readonly lastUsed = new Map<string, Date>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pepper: Buffer,
    private readonly clock: Clock,
    options: KeyVerifierOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? 1000;
    this.maxEntries = options.maxCacheEntries ?? 10_000;
    this.negativeTtlMs = Math.max(options.negativeCacheTtlMs ?? 60_000, this.ttlMs);
    this.maxAbsent = options.maxNegativeEntries ?? 10_000;
    this.absentHash = hashKey(pepper, '');
  }

  /** Told of each verification whether the cache answered it, a remembered absence too (metrics). */
  onLookup: ((hit: boolean) => void) | undefined;

  /** Keys held in the cache now. */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** keyIds remembered as absent now. */
  get negativeCacheSize(): number {
    return this.absent.size;
  }

  async check(token: string, ip: string | undefined): Promise<KeyCheck> {
    const parsed = parseKey(token);
    if (!parsed) return { ok: false, reason: 'MALFORMED' };
    const { keyId } = parsed;
    const cached = this.remembered(keyId);
    let entry = cached === undefined ? await this.lookup(keyId) : cached;
    let matched = this.secretMatches(entry, parsed.kind, token);
    // A wrong secret is refused from what is remembered; a right one trusts the key's state for cacheTtlMs only.
    const stale = matched && entry !== null && Date.now() - entry.loadedAt >= this.ttlMs;
    this.onLookup?.(cached !== undefined && !stale);
    if (stale) {
      entry = await this.lookup(keyId);
      matched = this.secretMatches(entry, parsed.kind, token);
    }
    if (!entry || !matched) return { ok: false, reason: 'NOT_FOUND', keyId };
    const { key, organization, parent } = entry;
    const principal: KeyPrincipal = {
      apiKey: parent ? { ...key, kind: parent.kind } : key,
      organization,
      permissions: entry.permissions,
      connectionRef: entry.connectionRef,
      ...(parent && {
        sessionOf: {
          id: parent.id,
          keyId: parent.keyId,
          expiresAt: parent.expiresAt,
          currencies: parent.currencies,
          allowedIps: parent.allowedIps,
          allowedRecipients: parent.allowedRecipients,
          rateLimitRequests: parent.rateLimitRequests,
        },
      }),
    };
    const now = this.clock.now();
    // Past the secret, failures carry the key: its owner may learn why it is refused (verifyKey).
    const reason = this.refusal(entry, ip, now);
    if (reason) return { ok: false, reason, keyId: key.keyId, principal };
    this.lastUsed.set(key.id, now);
    return { ok: true, principal, member: entry.member ?? undefined };
  }

  private refusal(entry: CacheEntry, ip: string | undefined, now: Date): KeyCheckFailure | null {
    const { key, organization, parent } = entry;
    if (key.revokedAt !== null) return 'REVOKED';
    if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
    // A session ends with the key that opened it (revoked, rotated away, expired).
    if (key.kind === 'SESSION' && (!parent || parent.revokedAt !== null)) return 'REVOKED';
    if (key.kind === 'MEMBER' && !entry.member) return 'REVOKED';
    if (parent?.expiresAt && parent.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
    if (!entry.ipAllowed(ip ?? '')) return 'IP_NOT_ALLOWED';
    if (organization.status !== 'ACTIVE') return 'ORG_INACTIVE';
    return null;
  }

  /**
   * Whether keys that were verified earlier are still good, read fresh from the database in one
   * query whatever the cache holds (long-lived subscriptions ask this every few hundred ms).
   * Returns each key's refusal (null when it is still accepted from that IP), and its current
   * expiry and permissions, which may have changed since it was verified.
   */
  async recheck(keys: { keyId: string; ip: string | undefined }[]): Promise<KeyRecheck[]> {
    if (keys.length === 0) return [];
    const generation = this.generation;
    const keyIds = [...new Set(keys.map((k) => k.keyId))];
    const rows = await this.prisma.apiKey.findMany({
      where: { keyId: { in: keyIds } },
      include: INCLUDE,
    });
    const entries = new Map(rows.map((row) => [row.keyId, this.toEntry(row)]));
    if (generation === this.generation) {
      for (const [keyId, entry] of entries) {
        // A fresher read replaces the cached one (and forgets the verified token: the next request hashes again).
        if (this.cache.has(keyId)) this.cache.set(keyId, entry);
      }
    }
    const now = this.clock.now();
    // Thousands of sockets of one key from one address share one verdict.
    const verdicts = new Map<string, KeyRecheck>();
    return keys.map(({ keyId, ip }) => {
      const memo = `${keyId} ${ip ?? ''}`;
      let verdict = verdicts.get(memo);
      if (!verdict) {
        const entry = entries.get(keyId);
        verdict = entry
          ? { refusal: this.refusal(entry, ip, now), expiresAt: earliest(entry.key.expiresAt, entry.parent?.expiresAt ?? null), permissions: entry.permissions }
          : { refusal: 'NOT_FOUND', expiresAt: null, permissions: [] };
        verdicts.set(memo, verdict);
      }
      return verdict;
    });
  }

  private toEntry(
    row: ApiKey & { organization: Organization; connection: { ref: string | null } | null; parent: ParentFacts | null; member: MemberFacts | null },
  ): CacheEntry {
    const { organization, connection, parent, member, ...key } = row;
    return {
      key,
      parent,
      member,
      // A session acts with its parent's permissions as they are now.
      permissions: (parent ?? key).permissions.filter((p) => !organization.disabledPermissions.includes(p)),
      organization,
      connectionRef: connection?.ref ?? null,
      ipAllowed: compileAllowlist(key.allowedIps),
      loadedAt: Date.now(),
    };
  }

  /**
   * The same steps for every keyId, held (`entry`) or absent (null): a constant-time comparison
   * with the token that matched last, then the keyed hash (against one no token has when the
   * keyId is absent), so that a made-up keyId is refused as slowly as a wrong secret.
   */
  private secretMatches(entry: CacheEntry | null, kind: KeyPrefixKind, token: string): boolean {
    const presented = Buffer.from(token);
    if (hashesEqual(presented, entry?.verifiedToken ?? NO_TOKEN)) return true;
    const hashed = hashesEqual(hashKey(this.pepper, token), entry ? Buffer.from(entry.key.secretHash) : this.absentHash);
    if (!hashed || entry?.key.kind !== PREFIX_KIND[kind]) return false;
    entry.verifiedToken = presented;
    return true;
  }

  /** The entry for keyId; null while it is remembered as absent; undefined when the database must say. */
  private remembered(keyId: string): CacheEntry | null | undefined {
    const now = Date.now();
    const cached = this.cache.get(keyId);
    if (cached) return now - cached.loadedAt < this.negativeTtlMs ? cached : undefined;
    const absentSince = this.absent.get(keyId);
    return absentSince !== undefined && now - absentSince < this.negativeTtlMs ? null : undefined;
  }

  private async lookup(keyId: string): Promise<CacheEntry | null> {
    // Concurrent requests for the same key share one database read.
    let pending = this.loading.get(keyId);
    if (!pending) {
      pending = this.load(keyId).finally(() => this.loading.delete(keyId));
      this.loading.set(keyId, pending);
    }
    return pending;
  }

  private async load(keyId: string): Promise<CacheEntry | null> {
    const generation = this.generation;
    const row = await this.prisma.apiKey.findUnique({ where: { keyId }, include: INCLUDE });
    this.cache.delete(keyId);
    this.absent.delete(keyId);
    const entry = row && this.toEntry(row);
    // A read that raced a change (a revocation, this keyId's creation) is answered, not remembered.
    if (generation === this.generation) {
      if (entry) putBounded(this.cache, keyId, entry, this.maxEntries);
      else putBounded(this.absent, keyId, Date.now(), this.maxAbsent);
    }
    return entry;
  }

  keyChanged(keyId: string): void {
    this.generation++;
    this.cache.delete(keyId);
    // A key created with this keyId is found at once, here and (over the bus) on every instance.
    this.absent.delete(keyId);
    // A read that began before the change must not serve requests that begin after it.
    this.loading.delete(keyId);
    // Sessions opened with the key hold its state: they are read again too.
    for (const [id, entry] of this.cache) if (entry.parent?.keyId === keyId) this.cache.delete(id);
  }

  /** Absent keyIds stay absent: no change to an organization creates a key (creations come as keyChanged). */
  organizationChanged(organizationId: string): void {
    this.generation++;
    this.loading.clear();
    for (const [keyId, entry] of this.cache) {
      if (entry.organization.id === organizationId) this.cache.delete(keyId);
    }
  }

  /** The newest use this instance has seen and not yet written. */
  lastUsedAt(apiKeyId: string): Date | undefined {
    return this.lastUsed.get(apiKeyId);
  }

  /**
   * Writes the buffered `lastUsedAt` times in one statement, so a request never waits for a
   * write. Called on a timer and at shutdown; a crash loses at most one interval of usage times.
   */
  async flushLastUsed(): Promise<number> {
    if (this.lastUsed.size === 0) return 0;
    const batch = [...this.lastUsed];
    this.lastUsed.clear();
    const ids = batch.map(([id]) => id);
    const times = batch.map(([, at]) => at.toISOString());
    return this.prisma.$executeRaw`
      UPDATE api_keys AS k SET "lastUsedAt" = v.at
      FROM unnest(${ids}::uuid[], ${times}::timestamptz[]) AS v(id, at)
      WHERE k.id = v.id AND (k."lastUsedAt" IS NULL OR k."lastUsedAt" < v.at)`;
  }
}
