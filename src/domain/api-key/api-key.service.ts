import type { ApiKey, ApiKeyKind, Currency, Environment, EventType, Permission, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { authorize, authorizeTenant, checkLiveAccess, isTenant, keyScope, scopeOf } from '../access/policy.ts';
import { checkChange, checkNewKey, checkTarget, inheritedBounds, reachOf, type Reach } from '../access/reach.ts';
import { connectionTargetsWhere, keyTargetsWhere, rootKeyId, sessionsWhere } from '../access/visibility.ts';
import type { Caller, KeyPrincipal } from '../caller.ts';
import { seal } from '../crypto/secret-box.ts';
import { AccessError, CapabilityDisabledError, InvalidStateError, KeyLimitReachedError, NotFoundError, ValidationError } from '../errors.ts';
import type { EventData, EventDraft } from '../events/event-log.ts';
import type { UnitOfWork, Work } from '../unit-of-work.ts';
import { parseInput } from '../validation.ts';
import {
  ALL_CURRENCIES,
  checkRecipientsFit,
  createPartnerKeyInput,
  createUserKeyInput,
  PERMISSIONS,
  storedRecipients,
  type Recipient,
  rotatePartnerKeyInput,
  updatePartnerKeyInput,
  createSessionInput,
  updateUserKeyInput,
} from './api-key.schemas.ts';
import { generateKey, hashKey, type KeyPrefixKind, type KeyScope } from './key-format.ts';

export const MAX_ACTIVE_PARTNER_KEYS = 5;
const MAX_ACTIVE_USER_KEYS = 20;

/** Told after commit, so caches drop what a change made stale. */
export interface KeyChangeListener {
  keyChanged(keyId: string): void;
  organizationChanged(organizationId: string): void;
}

export interface IssuedKey {
  key: ApiKey;
  /** The whole `kw_…` string: returned once, never stored. */
  secret: string;
}

export function isActive(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: Date): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now.getTime());
}

/**
 * Keys active at `now`. A recorded expiry means the key is past it (the sweeper records only
 * those, and a recorded key is never extended): saying so lets PostgreSQL list and count active
 * keys from the index of unended ones (`api_keys_unended_idx`) instead of every key an
 * organization ever had.
 */
export function activeWhere(now: Date): Prisma.ApiKeyWhereInput {
  return { revokedAt: null, expiryRecordedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
}

/** What a token says of where it acts: its environment, or `dash` for a member's session (either environment). */
const scopeSegment = (kind: ApiKeyKind, env: Environment): KeyScope => (kind === 'MEMBER' ? 'dash' : env === 'LIVE' ? 'live' : 'test');
const PREFIX: Record<ApiKeyKind, KeyPrefixKind> = { PARTNER: 'ptr', USER: 'usr', SESSION: 'ses', MEMBER: 'mbr' };

type Tx = Prisma.TransactionClient;

/** The pool a key is counted in: an organization's partner keys, or a connection's user keys. */
type Pool = { kind: 'PARTNER'; organizationId: string } | { kind: 'USER'; organizationId: string; connectionId: string };

function poolOf(key: Pick<ApiKey, 'kind' | 'organizationId' | 'connectionId'>): Pool {
  return key.kind === 'USER' && key.connectionId
    ? { kind: 'USER', organizationId: key.organizationId, connectionId: key.connectionId }
    : { kind: 'PARTNER', organizationId: key.organizationId };
}

/** A key lifecycle event: public identifiers only. */
export function keyEvent(
  type: EventType,
  key: Pick<ApiKey, 'id' | 'keyId' | 'kind' | 'organizationId' | 'environment' | 'connectionId'>,
  data: EventData = {},
): EventDraft {
  return {
    organizationId: key.organizationId,
    environment: key.environment,
    type,
    apiKeyId: key.id,
    connectionId: key.connectionId,
    data: { keyId: key.keyId, kind: key.kind, ...data },
  };
}

const limitOf = (pool: Pool) => (pool.kind === 'USER' ? MAX_ACTIVE_USER_KEYS : MAX_ACTIVE_PARTNER_KEYS);

export interface NewKey {
  kind: ApiKeyKind;
  organizationId: string;
  connectionId?: string | null;
  environment: Environment;
  name: string;
  permissions: Permission[];
  /** Default: both. */
  currencies?: Currency[];
  allowedIps: string[];
  allowedRecipients?: string[];
  expiresAt: Date | null;
  rateLimitRequests?: number | null;
  /** Also store the key AES-256-GCM-encrypted, so it can be shown again (recoverable user keys). */
  recoverable?: boolean;
  /** Sessions: the key that opened it. */
  parentId?: string;
  /** Members' sessions: the member, and when it signed in. */
  memberId?: string;
  authenticatedAt?: Date;
}

const newKeyReach = (key: NewKey): Reach => ({
  permissions: key.permissions,
  currencies: key.currencies ?? ALL_CURRENCIES,
  allowedIps: key.allowedIps,
  allowedRecipients: key.allowedRecipients ?? [],
  expiresAt: key.expiresAt,
  rateLimitRequests: key.rateLimitRequests ?? null,
});

/** Active sessions one key may have open at once. */
const MAX_ACTIVE_SESSIONS_PER_KEY = 100;
/** A request within this long before a session's expiry extends it by the idle timeout. */
const SESSION_EXTEND_WINDOW_MS = 30 * 60 * 1000;
/** A member's session ends this long after sign-in at the latest, however active. */
export const MEMBER_SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/** Active sessions one member may have; signing in once more ends the oldest. */
const MAX_ACTIVE_SESSIONS_PER_MEMBER = 20;

type KeyChanges = {
  name?: string;
  allowedIps?: string[];
  permissions?: Permission[];
  currencies?: Currency[];
  allowedRecipients?: string[];
  rateLimitRequests?: number;
};

export class ApiKeyService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pepper: Buffer,
    private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly listener: KeyChangeListener,
    private readonly uow: UnitOfWork,
    /** Where keyIds and secrets come from; a test passes one to know a keyId before its key exists. */
    private readonly generate: typeof generateKey = generateKey,
  ) {}

  /**
   * Locks the connection of a user-key pool (its organization is already locked by the unit of
   * work), so concurrent changes to one pool run one at a time.
   */
  private async lockPool(w: Work, pool: Pool): Promise<void> {
    if (pool.kind === 'PARTNER') return;
    const rows = await w.tx.$queryRaw<{ status: string }[]>`
      SELECT status FROM connections WHERE id = ${pool.connectionId}::uuid AND "organizationId" = ${pool.organizationId}::uuid FOR UPDATE`;
    if (rows.length === 0) throw new NotFoundError('Connection');
    if (rows[0]!.status !== 'CONNECTED') throw new InvalidStateError('User keys belong to CONNECTED connections only');
  }

  private async checkRoom(tx: Tx, pool: Pool, now: Date) {
    const active = await tx.apiKey.count({
      where: {
        ...(pool.kind === 'USER' ? { connectionId: pool.connectionId } : { organizationId: pool.organizationId }),
        kind: pool.kind,
        ...activeWhere(now),
      },
    });
    if (active >= limitOf(pool)) throw new KeyLimitReachedError(limitOf(pool));
  }

  /** A key may not carry what its organization disabled. */
  private checkEnabled(w: Work, requested: Permission[]) {
    const blocked = requested.filter((p) => w.organization.disabledPermissions.includes(p));
    if (blocked.length > 0) throw new CapabilityDisabledError(blocked);
  }

  /**
   * Inserts a key with a fresh secret; the caller holds the pool's lock. After commit every
   * instance forgets that the keyId was absent, so the key works at once wherever it is presented.
   */
  private async insertKey(w: Work, input: NewKey): Promise<IssuedKey> {
    const { recoverable, ...data } = input;
    const { keyId, token } = this.generate(PREFIX[data.kind], scopeSegment(data.kind, data.environment));
    const key = await w.tx.apiKey.create({
      data: {
        ...data,
        keyId,
        secretHash: new Uint8Array(hashKey(this.pepper, token)),
        encryptedSecret: recoverable ? new Uint8Array(seal(this.encryptionKey, token, keyId)) : null,
      },
    });
    w.afterCommit(() => this.listener.keyChanged(keyId));
    return { key, secret: token };
  }

  /**
   * Issues a key inside a unit of work: pool lock, limits, permissions, the creator's reach,
   * audit, event. `caller` is who asked (Keyward itself for a connection's first key).
   */
  async issueKey(w: Work, caller: Caller, input: NewKey): Promise<IssuedKey> {
    const pool: Pool =
      input.kind === 'USER'
        ? { kind: 'USER', organizationId: input.organizationId, connectionId: input.connectionId! }
        : { kind: 'PARTNER', organizationId: input.organizationId };
    checkLiveAccess(caller, input.environment, w.organization, 'create LIVE keys');
    await this.lockPool(w, pool);
    this.checkEnabled(w, input.permissions);
    checkNewKey(caller, newKeyReach(input), w.organization.rateLimitRequests);
    await this.checkRoom(w.tx, pool, this.clock.now());
    const issued = await this.insertKey(w, input);
    await w.audit({
      environment: input.environment,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: issued.key.keyId,
      details: {
        kind: input.kind,
        permissions: input.permissions,
        currencies: input.currencies ?? ALL_CURRENCIES,
        ...(input.connectionId && { connectionId: input.connectionId }),
      },
    });
    await w.emit([keyEvent('API_KEY_CREATED', issued.key)]);
    return issued;
  }

  /**
   * createSession: a token for the calling device (`kw_ses_…`), bound to its IP (or the given
   * ones), acting with the calling key's kind and permissions, ending after the organization's
   * idle timeout without requests (never after the key itself) and with the key.
   */
  async createSession(caller: Caller, rawInput: unknown): Promise<IssuedKey> {
    const { principal, ip } = authorizeTenant(caller, 'sessions.open');
    const input = parseInput(createSessionInput, rawInput);
    const allowedIps = input.permittedIps ?? (ip ? [ip] : []);
    if (allowedIps.length === 0) throw ValidationError.field('permittedIps', 'is required when the client IP is not known');
    const { apiKey, organization } = principal;
    const now = this.clock.now();
    const idleEnds = new Date(now.getTime() + organization.sessionIdleTimeoutSeconds * 1000);
    const expiresAt = apiKey.expiresAt && apiKey.expiresAt < idleEnds ? apiKey.expiresAt : idleEnds;
    return this.uow.run(caller, organization.id, async (w) => {
      const open = await w.tx.apiKey.count({ where: { parentId: apiKey.id, ...activeWhere(now) } });
      if (open >= MAX_ACTIVE_SESSIONS_PER_KEY) throw new KeyLimitReachedError(MAX_ACTIVE_SESSIONS_PER_KEY);
      const issued = await this.insertKey(w, {
        kind: 'SESSION',
        organizationId: organization.id,
        connectionId: apiKey.connectionId,
        environment: apiKey.environment,
        name: input.description,
        permissions: apiKey.permissions,
        currencies: apiKey.currencies,
        allowedIps,
        expiresAt,
        parentId: apiKey.id,
      });
      await w.audit({
        environment: apiKey.environment,
        action: 'api_key.created',
        targetType: 'api_key',
        targetId: issued.key.keyId,
        details: { kind: 'SESSION', parentKeyId: apiKey.keyId, allowedIps, expiresAt: expiresAt.toISOString() },
      });
      await w.emit([keyEvent('API_KEY_CREATED', issued.key)]);
      return issued;
    });
  }

  /**
   * A member's dashboard session (the `kw_member` cookie), opened by a sign-in link inside the
   * link's unit of work: it ends after the organization's idle timeout without requests, 12 hours
   * after sign-in at the latest, and with its member. It is not a key partners follow: no event.
   */
  async openMemberSession(w: Work, member: { id: string; organizationId: string }, name: string): Promise<IssuedKey> {
    const now = this.clock.now();
    const idleEnds = now.getTime() + w.organization.sessionIdleTimeoutSeconds * 1000;
    const expiresAt = new Date(Math.min(idleEnds, now.getTime() + MEMBER_SESSION_MAX_MS));
    const open = await w.tx.apiKey.findMany({
      where: { memberId: member.id, kind: 'MEMBER', ...activeWhere(now) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true, keyId: true },
    });
    const ended = open.slice(0, Math.max(0, open.length - MAX_ACTIVE_SESSIONS_PER_MEMBER + 1));
    if (ended.length > 0) {
      await w.tx.apiKey.updateMany({ where: { id: { in: ended.map((k) => k.id) } }, data: { revokedAt: now } });
      w.afterCommit(() => {
        for (const { keyId } of ended) this.listener.keyChanged(keyId);
      });
    }
    return this.insertKey(w, {
      kind: 'MEMBER',
      organizationId: member.organizationId,
      // Stored as TEST; a member's request names the environment it acts in.
      environment: 'TEST',
      name,
      permissions: [],
      allowedIps: [],
      expiresAt,
      memberId: member.id,
      authenticatedAt: now,
    });
  }

  /**
   * A request with a session token (a device's or a member's): within 30 minutes of its expiry,
   * the session is extended to the idle timeout from now, never past its key's own expiry (a
   * device's) or 12 hours after sign-in (a member's). At most one write a minute.
   */
  async extendSession(principal: KeyPrincipal): Promise<void> {
    const { apiKey, organization } = principal;
    const member = apiKey.kind === 'MEMBER';
    if ((!principal.sessionOf && !member) || !apiKey.expiresAt) return;
    const now = this.clock.now().getTime();
    if (apiKey.expiresAt.getTime() - now > SESSION_EXTEND_WINDOW_MS) return;
    let until = now + organization.sessionIdleTimeoutSeconds * 1000;
    const endsAt = member ? new Date(apiKey.createdAt.getTime() + MEMBER_SESSION_MAX_MS) : principal.sessionOf!.expiresAt;
    if (endsAt) until = Math.min(until, endsAt.getTime());
    if (until - apiKey.expiresAt.getTime() < 60_000) return;
    // Not once its expiry is recorded: the EXPIRED event went out, and the key stays ended.
    await this.prisma.apiKey.updateMany({ where: { id: apiKey.id, revokedAt: null, expiryRecordedAt: null }, data: { expiresAt: new Date(until) } });
    this.listener.keyChanged(apiKey.keyId);
  }

  async createPartnerKey(caller: Caller, rawInput: unknown): Promise<IssuedKey> {
    authorize(caller, 'partnerKeys.write');
    const input = parseInput(createPartnerKeyInput(this.clock.now()), rawInput);
    const scope = scopeOf(caller);
    let organizationId: string;
    let environment: Environment;
    if (scope) {
      // A key acts within its own organization and environment: a TEST key never mints a LIVE key.
      if (input.organizationId !== undefined && input.organizationId !== scope.organizationId) {
        throw new NotFoundError('Organization');
      }
      if (input.environment !== undefined && input.environment !== scope.environment) {
        throw new AccessError('FORBIDDEN', `A ${scope.environment} key can only create ${scope.environment} keys`);
      }
      ({ organizationId, environment } = scope);
    } else {
      if (input.organizationId === undefined) {
        throw new AccessError('FORBIDDEN', 'The operator must name the organization (organizationId)');
      }
      organizationId = input.organizationId;
      environment = input.environment ?? 'TEST';
    }
    const bounds = inheritedBounds(caller);
    return this.onVisible(caller, organizationId, 'organization', 'create partner key', () =>
      this.uow.run(caller, organizationId, (w) =>
        this.issueKey(w, caller, {
          kind: 'PARTNER',
          organizationId,
          environment,
          name: input.name,
          permissions: input.permissions,
          currencies: input.currencies,
          allowedIps: input.allowedIps,
          expiresAt: input.expiresAt ?? bounds.expiresAt,
          rateLimitRequests: bounds.rateLimitRequests,
        }),
      ),
    );
  }

  /** A user key for a CONNECTED connection of the caller's organization and environment. */
  async createUserKey(caller: Caller, rawInput: unknown): Promise<IssuedKey> {
    const { principal } = authorizeTenant(caller, 'userKeys.write');
    const scope = keyScope(principal);
    const input = parseInput(createUserKeyInput(this.clock.now(), scope.environment), rawInput);
    checkRecipientsFit(input.allowedRecipients, input.currencies);
    const bounds = inheritedBounds(caller);
    return this.onVisible(caller, input.connectionId, 'connection', 'create user key', () =>
      this.uow.run(caller, scope.organizationId, async (w) => {
        const connection = await w.tx.connection.findFirst({ where: { id: input.connectionId, ...connectionTargetsWhere(caller) }, select: { id: true } });
        if (!connection) throw new NotFoundError('Connection');
        return this.issueKey(w, caller, {
          kind: 'USER',
          organizationId: scope.organizationId,
          connectionId: connection.id,
          environment: scope.environment,
          name: input.name,
          permissions: input.permissions,
          currencies: input.currencies,
          allowedIps: input.allowedIps,
          allowedRecipients: input.allowedRecipients.map((r) => r.value),
          expiresAt: input.expiresAt ?? bounds.expiresAt,
          rateLimitRequests: bounds.rateLimitRequests,
        });
      }),
    );
  }

  /**
   * A unit of work on one key the caller may change: the key is found among the caller's targets
   * (another organization's looks exactly like a missing one: NOT_FOUND), its organization locked,
   * and the key read again under that lock: the state every change starts from.
   */
  private onKey<T>(
    caller: Caller,
    kind: ApiKeyKind | ApiKeyKind[],
    id: string,
    targets: Prisma.ApiKeyWhereInput,
    change: (w: Work, key: ApiKey) => Promise<T>,
  ): Promise<T> {
    return this.uow.run(
      caller,
      async (tx) => {
        const found = await tx.apiKey.findFirst({
          where: { AND: [{ id, kind: Array.isArray(kind) ? { in: kind } : kind }, targets] },
          select: { organizationId: true },
        });
        if (!found) throw new NotFoundError('API key');
        return found.organizationId;
      },
      async (w) => change(w, await w.tx.apiKey.findUniqueOrThrow({ where: { id } })),
    );
  }

  /**
   * Runs a change aimed at one object; when the calling key cannot see it, or it is beyond the
   * key's reach (an escalation attempt), the attempt is written to the caller's own audit trail
   * (after the rollback, so it is the only trace).
   */
  private async onVisible<T>(
    caller: Caller,
    id: string,
    target: 'api_key' | 'connection' | 'organization',
    attempted: string,
    change: () => Promise<T>,
  ): Promise<T> {
    try {
      return await change();
    } catch (error) {
      const refused = error instanceof NotFoundError ? 'not found' : error instanceof AccessError && error.code === 'FORBIDDEN' ? 'beyond reach' : null;
      if (refused && isTenant(caller)) {
        const { principal } = caller;
        await this.uow.run(caller, principal.organization.id, (w) =>
          w.audit({
            environment: principal.apiKey.environment,
            action: 'api_key.access_denied',
            targetType: target,
            targetId: id,
            details: { attempted, refused },
          }),
        );
      }
      throw error;
    }
  }

  updatePartnerKey(caller: Caller, rawInput: unknown): Promise<ApiKey> {
    authorize(caller, 'partnerKeys.write');
    return this.update(caller, 'PARTNER', parseInput(updatePartnerKeyInput, rawInput));
  }

  updateUserKey(caller: Caller, rawInput: unknown): Promise<ApiKey> {
    const { principal } = authorizeTenant(caller, 'userKeys.write');
    return this.update(caller, 'USER', parseInput(updateUserKeyInput(principal.apiKey.environment), rawInput));
  }

  /**
   * An update: the key's capabilities must be within the caller's reach before (a weaker key
   * cannot touch a stronger one), and a change that widens it must leave it wholly within.
   */
  private async update(
    caller: Caller,
    kind: ApiKeyKind,
    input: Omit<KeyChanges, 'allowedRecipients'> & { id: string; allowedRecipients?: Recipient[] },
  ): Promise<ApiKey> {
    const now = this.clock.now();
    const { id, allowedRecipients, ...changes } = input;
    const data = Object.fromEntries(
      Object.entries({ ...changes, allowedRecipients: allowedRecipients?.map((r) => r.value) }).filter(([, v]) => v !== undefined),
    ) as KeyChanges;
    const key = await this.onVisible(caller, id, 'api_key', 'update', () =>
      this.onKey(caller, kind, id, keyTargetsWhere(caller), async (w, current) => {
        if (!isActive(current, now)) throw new InvalidStateError('Only an active key can be updated');
        const limit = w.organization.rateLimitRequests;
        checkTarget(caller, reachOf(current), limit, 'update');
        // The recipients the key will have must fit the currencies it will have.
        if (allowedRecipients || data.currencies) {
          checkRecipientsFit(allowedRecipients ?? storedRecipients(current.allowedRecipients, current.environment), data.currencies ?? current.currencies);
        }
        if (data.permissions) this.checkEnabled(w, data.permissions);
        checkChange(caller, reachOf(current), reachOf({ ...current, ...data }), limit);
        if (current.kind === 'USER') await this.lockPool(w, poolOf(current));
        const updated = await w.tx.apiKey.update({ where: { id: current.id }, data });
        await w.audit({
          environment: current.environment,
          action: 'api_key.updated',
          targetType: 'api_key',
          targetId: current.keyId,
          details: { changed: Object.keys(data), ...data },
        });
        await w.emit([keyEvent('API_KEY_UPDATED', updated, { changed: Object.keys(data) })]);
        w.afterCommit(() => this.listener.keyChanged(updated.keyId));
        return updated;
      }),
    );
    return key;
  }

  rotatePartnerKey(caller: Caller, rawInput: unknown): Promise<IssuedKey & { previous: ApiKey }> {
    authorize(caller, 'partnerKeys.replace');
    return this.rotate(caller, 'PARTNER', rawInput);
  }

  rotateUserKey(caller: Caller, rawInput: unknown): Promise<IssuedKey & { previous: ApiKey }> {
    authorize(caller, 'userKeys.write');
    return this.rotate(caller, 'USER', rawInput);
  }

  /** A successor with the old key's settings; it must be within the caller's reach like any new key. */
  private async rotate(caller: Caller, kind: ApiKeyKind, rawInput: unknown): Promise<IssuedKey & { previous: ApiKey }> {
    const now = this.clock.now();
    const input = parseInput(rotatePartnerKeyInput(now), rawInput);
    const bounds = inheritedBounds(caller);
    return this.onVisible(caller, input.id, 'api_key', 'rotate', () =>
      this.onKey(caller, kind, input.id, keyTargetsWhere(caller), async (w, old) => {
        if (!isActive(old, now) || old.successorId !== null) {
          throw new InvalidStateError('Only an active key that has not been rotated can be rotated');
        }
        checkTarget(caller, reachOf(old), w.organization.rateLimitRequests, 'rotate');
        // A successor is a new LIVE key: while LIVE is pending, the key stays or is revoked, never renewed.
        checkLiveAccess(caller, old.environment, w.organization, 'rotate LIVE keys');
        const pool = poolOf(old);
        await this.lockPool(w, pool);
        // During a grace period the old key stays active beside its successor: one more active key.
        if (input.gracePeriodSeconds > 0) await this.checkRoom(w.tx, pool, now);
        // The successor inherits the settings; the old key's life ends now or after the grace period.
        const successor: NewKey = {
          kind: old.kind,
          organizationId: old.organizationId,
          connectionId: old.connectionId,
          environment: old.environment,
          name: old.name,
          permissions: old.permissions,
          currencies: old.currencies,
          allowedIps: old.allowedIps,
          allowedRecipients: old.allowedRecipients,
          expiresAt: input.expiresAt ?? bounds.expiresAt,
          rateLimitRequests: old.rateLimitRequests,
          recoverable: old.encryptedSecret !== null,
        };
        checkNewKey(caller, newKeyReach(successor), w.organization.rateLimitRequests, 'rotate this key');
        const issued = await this.insertKey(w, successor);
        const graceEnd = new Date(now.getTime() + input.gracePeriodSeconds * 1000);
        const ending =
          input.gracePeriodSeconds === 0 ? { revokedAt: now } : { expiresAt: old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd };
        // Conditional on "not rotated yet": of two concurrent rotations exactly one wins.
        const { count } = await w.tx.apiKey.updateMany({
          where: { id: old.id, successorId: null, revokedAt: null },
          data: { ...ending, successorId: issued.key.id },
        });
        if (count !== 1) throw new InvalidStateError('The key was rotated or revoked concurrently');
        await w.audit({
          environment: old.environment,
          action: 'api_key.rotated',
          targetType: 'api_key',
          targetId: old.keyId,
          details: { successorKeyId: issued.key.keyId, gracePeriodSeconds: input.gracePeriodSeconds },
        });
        const previous = await w.tx.apiKey.findUniqueOrThrow({ where: { id: old.id } });
        // The old key's end is an event of its own: REVOKED now, or EXPIRED (by the sweeper) after the grace period.
        await w.emit([
          keyEvent('API_KEY_ROTATED', previous, { successorKeyId: issued.key.keyId, gracePeriodSeconds: input.gracePeriodSeconds }),
          keyEvent('API_KEY_CREATED', issued.key, { predecessorKeyId: previous.keyId }),
          ...(previous.revokedAt ? [keyEvent('API_KEY_REVOKED', previous, { rotated: true })] : []),
        ]);
        w.afterCommit(() => this.listener.keyChanged(previous.keyId));
        return { ...issued, previous };
      }),
    );
  }

  revokePartnerKey(caller: Caller, input: { id: string }): Promise<ApiKey> {
    authorize(caller, 'partnerKeys.replace');
    return this.revoke(caller, 'PARTNER', input.id, keyTargetsWhere(caller));
  }

  revokeUserKey(caller: Caller, input: { id: string }): Promise<ApiKey> {
    authorize(caller, 'userKeys.write');
    return this.revoke(caller, 'USER', input.id, keyTargetsWhere(caller));
  }

  /**
   * Ends a session now (log out): its token is refused from the next request on, on every
   * instance. A device's session, or a member's (its own; an OWNER anyone's).
   */
  revokeSession(caller: Caller, input: { id: string }): Promise<ApiKey> {
    const tenant = authorizeTenant(caller, 'sessions.end');
    return this.revoke(caller, ['SESSION', 'MEMBER'], input.id, sessionsWhere(tenant, 'KEYS_WRITE'));
  }

  private async revoke(caller: Caller, kind: ApiKeyKind | ApiKeyKind[], id: string, targets: Prisma.ApiKeyWhereInput): Promise<ApiKey> {
    const now = this.clock.now();
    return this.onVisible(caller, id, 'api_key', 'revoke', () =>
      this.onKey(caller, kind, id, targets, async (w, current) => {
        if (current.revokedAt !== null) throw new InvalidStateError('The key is already revoked');
        // A device may always log itself and its key's other devices out.
        const own = caller.type === 'key' && current.parentId === rootKeyId(caller.principal);
        if (!own) checkTarget(caller, reachOf(current), w.organization.rateLimitRequests, 'revoke');
        const revoked = await w.tx.apiKey.update({ where: { id: current.id }, data: { revokedAt: now } });
        if (revoked.kind === 'MEMBER') {
          // A member's sign-out is the organization's business, not an environment's: no key event.
          await w.audit({ action: 'member.signed_out', targetType: 'member', targetId: revoked.memberId!, details: { sessionKeyId: revoked.keyId } });
          w.afterCommit(() => this.listener.keyChanged(revoked.keyId));
          return revoked;
        }
        await w.audit({ environment: current.environment, action: 'api_key.revoked', targetType: 'api_key', targetId: current.keyId });
        await w.emit([keyEvent('API_KEY_REVOKED', revoked)]);
        w.afterCommit(() => this.listener.keyChanged(revoked.keyId));
        return revoked;
      }),
    );
  }

  /**
   * Every active key of a connection, revoked at once, inside the caller's unit of work: an audit
   * row and an event for each. revokeAllUserKeys is a key action (each key within the caller's
   * reach); disconnecting a user is a connection action that takes its keys with it.
   */
  async revokeConnectionKeys(w: Work, caller: Caller, connectionId: string, details: EventData, options: { withinReach: boolean }): Promise<ApiKey[]> {
    const now = this.clock.now();
    const keys = await w.tx.apiKey.findMany({ where: { connectionId, revokedAt: null } });
    if (options.withinReach) for (const key of keys) checkTarget(caller, reachOf(key), w.organization.rateLimitRequests, 'revoke');
    await w.tx.apiKey.updateMany({ where: { connectionId, revokedAt: null }, data: { revokedAt: now } });
    for (const key of keys) {
      await w.audit({
        environment: key.environment,
        action: 'api_key.revoked',
        targetType: 'api_key',
        targetId: key.keyId,
        details: { ...details, connectionId },
      });
    }
    await w.emit(keys.map((key) => keyEvent('API_KEY_REVOKED', key, details)));
    w.afterCommit(() => {
      for (const { keyId } of keys) this.listener.keyChanged(keyId);
    });
    return keys;
  }

  /** Every key of a connection, revoked at once; the connection stays CONNECTED. */
  async revokeAllUserKeys(caller: Caller, input: { connectionId: string }): Promise<number> {
    const { principal } = authorizeTenant(caller, 'userKeys.write');
    const keys = await this.onVisible(caller, input.connectionId, 'connection', 'revoke all user keys', () =>
      this.uow.run(caller, principal.organization.id, async (w) => {
        const connection = await w.tx.connection.findFirst({ where: { id: input.connectionId, ...connectionTargetsWhere(caller) }, select: { id: true } });
        if (!connection) throw new NotFoundError('Connection');
        return this.revokeConnectionKeys(w, caller, connection.id, { all: true }, { withinReach: true });
      }),
    );
    return keys.length;
  }
}

export const ALL_PERMISSIONS: Permission[] = [...PERMISSIONS];
