import type { ApiKey, ApiKeyKind, Environment, EventType, Permission, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Caller, KeyPrincipal } from '../caller.ts';
import { seal } from '../crypto/secret-box.ts';
import {
  AccessError,
  CapabilityDisabledError,
  InvalidStateError,
  KeyLimitReachedError,
  NotFoundError,
  ValidationError,
} from '../errors.ts';
import type { EventData, EventDraft, EventLog } from '../events/event-log.ts';
import { parseInput } from '../validation.ts';
import {
  createPartnerKeyInput,
  createUserKeyInput,
  PERMISSIONS,
  rotatePartnerKeyInput,
  updatePartnerKeyInput,
  createSessionInput,
  updateUserKeyInput,
} from './api-key.schemas.ts';
import { generateKey, hashKey, type KeyEnv } from './key-format.ts';

export const MAX_ACTIVE_PARTNER_KEYS = 5;
export const MAX_ACTIVE_USER_KEYS = 20;

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

export function activeWhere(now: Date): Prisma.ApiKeyWhereInput {
  return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
}

const envSegment = (env: Environment): KeyEnv => (env === 'LIVE' ? 'live' : 'test');
const PREFIX: Record<ApiKeyKind, 'ptr' | 'usr' | 'ses'> = { PARTNER: 'ptr', USER: 'usr', SESSION: 'ses' };

type Tx = Prisma.TransactionClient;
type KeyCaller = Extract<Caller, { type: 'key' }>;

interface Scope {
  organizationId: string;
  environment: Environment;
}

/** What a caller may see: its own organization and environment; the operator sees everything. */
function scopeOf(caller: Caller): Scope | null {
  if (caller.type !== 'key') return null;
  return { organizationId: caller.principal.organization.id, environment: caller.principal.apiKey.environment };
}

export function visiblePartnerKeysWhere(caller: Caller): Prisma.ApiKeyWhereInput {
  return { kind: 'PARTNER', ...scopeOf(caller) };
}

/** Keys of the caller's organization and environment; a user key sees its own connection's keys only. */
export function visibleKeysWhere(caller: Caller): Prisma.ApiKeyWhereInput {
  if (caller.type === 'key' && caller.principal.apiKey.kind !== 'PARTNER') {
    return { ...scopeOf(caller), kind: 'USER', connectionId: caller.principal.apiKey.connectionId ?? '' };
  }
  return { ...scopeOf(caller) };
}

/**
 * Sessions a key may list (`KEYS_READ`) or end (`KEYS_WRITE`): a partner key with that
 * permission, every session of its organization and environment; any other key, the sessions
 * opened with its own key (for a session, the key that opened it), so a device can always log
 * out and its key's holder can end its other devices.
 */
export function visibleSessionsWhere(caller: KeyCaller, permission: 'KEYS_READ' | 'KEYS_WRITE'): Prisma.ApiKeyWhereInput {
  const { principal } = caller;
  const sessions = { kind: 'SESSION' as const, ...scopeOf(caller) };
  if (principal.apiKey.kind === 'PARTNER' && principal.permissions.includes(permission)) return sessions;
  return { ...sessions, parentId: principal.sessionOf?.id ?? principal.apiKey.id };
}

/** The pool a key is counted in: an organization's partner keys, or a connection's user keys. */
type Pool = { kind: 'PARTNER'; organizationId: string } | { kind: 'USER'; organizationId: string; connectionId: string };

function poolOf(key: Pick<ApiKey, 'kind' | 'organizationId' | 'connectionId'>): Pool {
  return key.kind === 'USER' && key.connectionId
    ? { kind: 'USER', organizationId: key.organizationId, connectionId: key.connectionId }
    : { kind: 'PARTNER', organizationId: key.organizationId };
}

/** A key lifecycle event: public identifiers only. */
export function keyEvent(type: EventType, key: Pick<ApiKey, 'id' | 'keyId' | 'kind' | 'organizationId' | 'environment' | 'connectionId'>, data: EventData = {}): EventDraft {
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
  allowedIps: string[];
  allowedRecipients?: string[];
  expiresAt: Date | null;
  /** Also store the key AES-256-GCM-encrypted, so it can be shown again (recoverable user keys). */
  recoverable?: boolean;
  /** Sessions: the key that opened it. */
  parentId?: string;
}

/** Active sessions one key may have open at once. */
export const MAX_ACTIVE_SESSIONS_PER_KEY = 100;
/** A request within this long before a session's expiry extends it by the idle timeout. */
export const SESSION_EXTEND_WINDOW_MS = 30 * 60 * 1000;

export class ApiKeyService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pepper: Buffer,
    private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly listener: KeyChangeListener,
    private readonly events: EventLog,
  ) {}

  /**
   * Locks the rows that own a pool of keys (the organization, then the connection for user keys),
   * so concurrent changes to one pool run one at a time, and returns the organization's disabled
   * permissions.
   */
  private async lockPool(tx: Tx, pool: Pool): Promise<Permission[]> {
    const { disabledPermissions } = await this.events.lockOrganization(tx, pool.organizationId);
    if (pool.kind === 'PARTNER') return disabledPermissions;
    const rows = await tx.$queryRaw<{ status: string }[]>`
      SELECT status FROM connections WHERE id = ${pool.connectionId}::uuid AND "organizationId" = ${pool.organizationId}::uuid FOR UPDATE`;
    if (rows.length === 0) throw new NotFoundError('Connection');
    if (rows[0]!.status !== 'CONNECTED') throw new InvalidStateError('User keys belong to CONNECTED connections only');
    return disabledPermissions;
  }

  private async checkRoom(tx: Tx, pool: Pool, now: Date) {
    const active = await tx.apiKey.count({
      where: { ...(pool.kind === 'USER' ? { connectionId: pool.connectionId } : { organizationId: pool.organizationId }), kind: pool.kind, ...activeWhere(now) },
    });
    if (active >= limitOf(pool)) throw new KeyLimitReachedError(limitOf(pool));
  }

  /** A key may not carry what its organization disabled, nor more than the key that creates it. */
  private checkPermissions(caller: Caller, disabled: Permission[], requested: Permission[]) {
    const blocked = requested.filter((p) => disabled.includes(p));
    if (blocked.length > 0) throw new CapabilityDisabledError(blocked);
    if (caller.type === 'key') {
      const missing = requested.filter((p) => !caller.principal.permissions.includes(p));
      if (missing.length > 0) {
        throw new AccessError('FORBIDDEN', `A key cannot grant permissions it does not hold: ${missing.join(', ')}`);
      }
    }
  }

  /** Inserts a key with a fresh secret; the caller holds the pool's lock. */
  private async insertKey(tx: Tx, input: NewKey): Promise<IssuedKey> {
    const { recoverable, ...data } = input;
    const { keyId, token } = generateKey(PREFIX[data.kind], envSegment(data.environment));
    const key = await tx.apiKey.create({
      data: {
        ...data,
        keyId,
        secretHash: new Uint8Array(hashKey(this.pepper, token)),
        encryptedSecret: recoverable ? new Uint8Array(seal(this.encryptionKey, token, keyId)) : null,
      },
    });
    return { key, secret: token };
  }

  /** Issues a key inside an existing transaction: lock, limits, permissions, audit. */
  async issueKey(tx: Tx, caller: Caller, input: NewKey): Promise<IssuedKey> {
    const pool: Pool =
      input.kind === 'USER'
        ? { kind: 'USER', organizationId: input.organizationId, connectionId: input.connectionId! }
        : { kind: 'PARTNER', organizationId: input.organizationId };
    const disabled = await this.lockPool(tx, pool);
    this.checkPermissions(caller, disabled, input.permissions);
    await this.checkRoom(tx, pool, this.clock.now());
    const issued = await this.insertKey(tx, input);
    await recordAudit(tx, caller, {
      organizationId: input.organizationId,
      environment: input.environment,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: issued.key.keyId,
      details: { kind: input.kind, permissions: input.permissions, ...(input.connectionId && { connectionId: input.connectionId }) },
    });
    await this.events.append(tx, [keyEvent('API_KEY_CREATED', issued.key)]);
    return issued;
  }

  /**
   * createSession: a token for the calling device (`kw_ses_…`), bound to its IP (or the given
   * ones), acting with the calling key's kind and permissions, ending after the organization's
   * idle timeout without requests (never after the key itself) and with the key.
   */
  async createSession(caller: KeyCaller, rawInput: unknown): Promise<IssuedKey> {
    const { principal } = caller;
    if (principal.sessionOf) throw new AccessError('FORBIDDEN', 'A session cannot open another session');
    const input = parseInput(createSessionInput, rawInput);
    const allowedIps = input.permittedIps ?? (caller.ip ? [caller.ip] : []);
    if (allowedIps.length === 0) throw ValidationError.field('permittedIps', 'is required when the client IP is not known');
    const { apiKey, organization } = principal;
    const now = this.clock.now();
    const idleEnds = new Date(now.getTime() + organization.sessionIdleTimeoutSeconds * 1000);
    const expiresAt = apiKey.expiresAt && apiKey.expiresAt < idleEnds ? apiKey.expiresAt : idleEnds;
    return this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, organization.id);
      const open = await tx.apiKey.count({ where: { parentId: apiKey.id, ...activeWhere(now) } });
      if (open >= MAX_ACTIVE_SESSIONS_PER_KEY) throw new KeyLimitReachedError(MAX_ACTIVE_SESSIONS_PER_KEY);
      const issued = await this.insertKey(tx, {
        kind: 'SESSION',
        organizationId: organization.id,
        connectionId: apiKey.connectionId,
        environment: apiKey.environment,
        name: input.description,
        permissions: apiKey.permissions,
        allowedIps,
        expiresAt,
        parentId: apiKey.id,
      });
      await recordAudit(tx, caller, {
        organizationId: organization.id,
        environment: apiKey.environment,
        action: 'api_key.created',
        targetType: 'api_key',
        targetId: issued.key.keyId,
        details: { kind: 'SESSION', parentKeyId: apiKey.keyId, allowedIps, expiresAt: expiresAt.toISOString() },
      });
      await this.events.append(tx, [keyEvent('API_KEY_CREATED', issued.key)]);
      return issued;
    });
  }

  /**
   * A request with a session token: within 30 minutes of its expiry, the session is extended
   * to the idle timeout from now (never past its key's own expiry). At most one write a minute.
   */
  async extendSession(principal: KeyPrincipal): Promise<void> {
    const { apiKey, organization } = principal;
    if (!principal.sessionOf || !apiKey.expiresAt) return;
    const now = this.clock.now().getTime();
    if (apiKey.expiresAt.getTime() - now > SESSION_EXTEND_WINDOW_MS) return;
    let until = now + organization.sessionIdleTimeoutSeconds * 1000;
    const parentExpiresAt = principal.sessionOf.expiresAt;
    if (parentExpiresAt) until = Math.min(until, parentExpiresAt.getTime());
    if (until - apiKey.expiresAt.getTime() < 60_000) return;
    await this.prisma.apiKey.updateMany({ where: { id: apiKey.id, revokedAt: null }, data: { expiresAt: new Date(until) } });
    this.listener.keyChanged(apiKey.keyId);
  }

  async createPartnerKey(caller: Caller, rawInput: unknown): Promise<IssuedKey> {
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
    return this.events.transaction((tx) =>
      this.issueKey(tx, caller, {
        kind: 'PARTNER',
        organizationId,
        environment,
        name: input.name,
        permissions: input.permissions,
        allowedIps: input.allowedIps,
        expiresAt: input.expiresAt ?? null,
      }),
    );
  }

  /** A user key for a CONNECTED connection of the caller's organization and environment. */
  async createUserKey(caller: KeyCaller, rawInput: unknown): Promise<IssuedKey> {
    const scope = scopeOf(caller)!;
    const input = parseInput(createUserKeyInput(this.clock.now(), scope.environment), rawInput);
    return this.onVisible(caller, input.connectionId, 'connection', 'create user key', () =>
      this.events.transaction(async (tx) => {
        const connection = await tx.connection.findFirst({ where: { id: input.connectionId, ...scope }, select: { id: true } });
        if (!connection) throw new NotFoundError('Connection');
        return this.issueKey(tx, caller, {
          kind: 'USER',
          organizationId: scope.organizationId,
          connectionId: connection.id,
          environment: scope.environment,
          name: input.name,
          permissions: input.permissions,
          allowedIps: input.allowedIps,
          allowedRecipients: input.allowedRecipients,
          expiresAt: input.expiresAt ?? null,
        });
      }),
    );
  }

  /** A visible key of the given kind, or NOT_FOUND: another organization's key looks exactly like a missing one. */
  private async findVisible(tx: Tx, caller: Caller, kind: ApiKeyKind, id: string, visible = visibleKeysWhere(caller)): Promise<ApiKey> {
    const key = await tx.apiKey.findFirst({ where: { AND: [{ id, kind }, visible] } });
    if (!key) throw new NotFoundError('API key');
    return key;
  }

  /** A visible key, read again once its organization is locked: the state every change starts from. */
  private async lockedVisible(tx: Tx, caller: Caller, kind: ApiKeyKind, id: string, visible?: Prisma.ApiKeyWhereInput): Promise<ApiKey> {
    const found = await this.findVisible(tx, caller, kind, id, visible);
    await this.events.lockOrganization(tx, found.organizationId);
    return tx.apiKey.findUniqueOrThrow({ where: { id: found.id } });
  }

  /**
   * Runs a change aimed at one object; when it is not visible to the calling key, the attempt is
   * written to the caller's own audit trail (after the rollback, so it is the only trace).
   */
  private async onVisible<T>(caller: Caller, id: string, target: 'api_key' | 'connection', attempted: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      if (error instanceof NotFoundError && caller.type === 'key') {
        const { principal } = caller;
        await this.prisma.$transaction((tx) =>
          recordAudit(tx, caller, {
            organizationId: principal.organization.id,
            environment: principal.apiKey.environment,
            action: 'api_key.access_denied',
            targetType: target,
            targetId: id,
            details: { attempted },
          }),
        );
      }
      throw error;
    }
  }

  updatePartnerKey(caller: Caller, rawInput: unknown): Promise<ApiKey> {
    return this.update(caller, 'PARTNER', parseInput(updatePartnerKeyInput, rawInput));
  }

  updateUserKey(caller: KeyCaller, rawInput: unknown): Promise<ApiKey> {
    return this.update(caller, 'USER', parseInput(updateUserKeyInput(caller.principal.apiKey.environment), rawInput));
  }

  private async update(
    caller: Caller,
    kind: ApiKeyKind,
    input: { id: string; name?: string; allowedIps?: string[]; permissions?: Permission[]; allowedRecipients?: string[]; rateLimitRequests?: number },
  ): Promise<ApiKey> {
    const now = this.clock.now();
    const { id, ...changes } = input;
    // A partner may lower a key's limit below its organization's; only the operator may raise it above.
    if (caller.type === 'key' && changes.rateLimitRequests !== undefined && changes.rateLimitRequests > caller.principal.organization.rateLimitRequests) {
      throw ValidationError.field('rateLimitRequests', `must be at most the organization's limit of ${caller.principal.organization.rateLimitRequests}`);
    }
    const key = await this.onVisible(caller, id, 'api_key', 'update', () =>
      this.events.transaction(async (tx) => {
        const current = await this.lockedVisible(tx, caller, kind, id);
        if (!isActive(current, now)) throw new InvalidStateError('Only an active key can be updated');
        if (changes.permissions) {
          const disabled = await this.lockPool(tx, poolOf(current));
          this.checkPermissions(caller, disabled, changes.permissions);
        }
        const data = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
        const updated = await tx.apiKey.update({ where: { id: current.id }, data });
        await recordAudit(tx, caller, {
          organizationId: current.organizationId,
          environment: current.environment,
          action: 'api_key.updated',
          targetType: 'api_key',
          targetId: current.keyId,
          details: { changed: Object.keys(data), ...data },
        });
        await this.events.append(tx, [keyEvent('API_KEY_UPDATED', updated, { changed: Object.keys(data) })]);
        return updated;
      }),
    );
    this.listener.keyChanged(key.keyId);
    return key;
  }

  rotatePartnerKey(caller: Caller, rawInput: unknown): Promise<IssuedKey & { previous: ApiKey }> {
    return this.rotate(caller, 'PARTNER', rawInput);
  }

  rotateUserKey(caller: KeyCaller, rawInput: unknown): Promise<IssuedKey & { previous: ApiKey }> {
    return this.rotate(caller, 'USER', rawInput);
  }

  private async rotate(caller: Caller, kind: ApiKeyKind, rawInput: unknown): Promise<IssuedKey & { previous: ApiKey }> {
    const now = this.clock.now();
    const input = parseInput(rotatePartnerKeyInput(now), rawInput);
    const result = await this.onVisible(caller, input.id, 'api_key', 'rotate', () =>
      this.events.transaction(async (tx) => {
        const old = await this.lockedVisible(tx, caller, kind, input.id);
        if (!isActive(old, now) || old.successorId !== null) {
          throw new InvalidStateError('Only an active key that has not been rotated can be rotated');
        }
        const pool = poolOf(old);
        await this.lockPool(tx, pool);
        // During a grace period the old key stays active beside its successor: one more active key.
        if (input.gracePeriodSeconds > 0) await this.checkRoom(tx, pool, now);
        // The successor inherits the settings; the old key's life ends now or after the grace period.
        const issued = await this.insertKey(tx, {
          kind: old.kind,
          organizationId: old.organizationId,
          connectionId: old.connectionId,
          environment: old.environment,
          name: old.name,
          permissions: old.permissions,
          allowedIps: old.allowedIps,
          allowedRecipients: old.allowedRecipients,
          expiresAt: input.expiresAt ?? null,
          recoverable: old.encryptedSecret !== null,
        });
        const graceEnd = new Date(now.getTime() + input.gracePeriodSeconds * 1000);
        const ending =
          input.gracePeriodSeconds === 0
            ? { revokedAt: now }
            : { expiresAt: old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd };
        // Conditional on "not rotated yet": of two concurrent rotations exactly one wins.
        const { count } = await tx.apiKey.updateMany({
          where: { id: old.id, successorId: null, revokedAt: null },
          data: { ...ending, successorId: issued.key.id },
        });
        if (count !== 1) throw new InvalidStateError('The key was rotated or revoked concurrently');
        await recordAudit(tx, caller, {
          organizationId: old.organizationId,
          environment: old.environment,
          action: 'api_key.rotated',
          targetType: 'api_key',
          targetId: old.keyId,
          details: { successorKeyId: issued.key.keyId, gracePeriodSeconds: input.gracePeriodSeconds },
        });
        const previous = await tx.apiKey.findUniqueOrThrow({ where: { id: old.id } });
        // The old key's end is an event of its own: REVOKED now, or EXPIRED (by the sweeper) after the grace period.
        await this.events.append(tx, [
          keyEvent('API_KEY_ROTATED', previous, { successorKeyId: issued.key.keyId, gracePeriodSeconds: input.gracePeriodSeconds }),
          keyEvent('API_KEY_CREATED', issued.key, { predecessorKeyId: previous.keyId }),
          ...(previous.revokedAt ? [keyEvent('API_KEY_REVOKED', previous, { rotated: true })] : []),
        ]);
        return { ...issued, previous };
      }),
    );
    this.listener.keyChanged(result.previous.keyId);
    return result;
  }

  revokePartnerKey(caller: Caller, input: { id: string }): Promise<ApiKey> {
    return this.revoke(caller, 'PARTNER', input.id);
  }

  revokeUserKey(caller: KeyCaller, input: { id: string }): Promise<ApiKey> {
    return this.revoke(caller, 'USER', input.id);
  }

  /** Ends a session now (logout): its token is refused from the next request on, on every instance. */
  revokeSession(caller: KeyCaller, input: { id: string }): Promise<ApiKey> {
    return this.revoke(caller, 'SESSION', input.id, visibleSessionsWhere(caller, 'KEYS_WRITE'));
  }

  private async revoke(caller: Caller, kind: ApiKeyKind, id: string, visible?: Prisma.ApiKeyWhereInput): Promise<ApiKey> {
    const now = this.clock.now();
    const key = await this.onVisible(caller, id, 'api_key', 'revoke', () =>
      this.events.transaction(async (tx) => {
        const current = await this.lockedVisible(tx, caller, kind, id, visible);
        if (current.revokedAt !== null) throw new InvalidStateError('The key is already revoked');
        const revoked = await tx.apiKey.update({ where: { id: current.id }, data: { revokedAt: now } });
        await recordAudit(tx, caller, {
          organizationId: current.organizationId,
          environment: current.environment,
          action: 'api_key.revoked',
          targetType: 'api_key',
          targetId: current.keyId,
        });
        await this.events.append(tx, [keyEvent('API_KEY_REVOKED', revoked)]);
        return revoked;
      }),
    );
    this.listener.keyChanged(key.keyId);
    return key;
  }

  /** Every key of a connection, revoked at once; the connection stays CONNECTED. */
  async revokeAllUserKeys(caller: KeyCaller, input: { connectionId: string }): Promise<number> {
    const scope = scopeOf(caller)!;
    const now = this.clock.now();
    const keyIds = await this.onVisible(caller, input.connectionId, 'connection', 'revoke all user keys', () =>
      this.events.transaction(async (tx) => {
        await this.events.lockOrganization(tx, scope.organizationId);
        const connection = await tx.connection.findFirst({ where: { id: input.connectionId, ...scope }, select: { id: true } });
        if (!connection) throw new NotFoundError('Connection');
        const keys = await tx.apiKey.findMany({ where: { connectionId: connection.id, revokedAt: null } });
        await tx.apiKey.updateMany({ where: { connectionId: connection.id, revokedAt: null }, data: { revokedAt: now } });
        for (const { keyId } of keys) {
          await recordAudit(tx, caller, {
            organizationId: scope.organizationId,
            environment: scope.environment,
            action: 'api_key.revoked',
            targetType: 'api_key',
            targetId: keyId,
            details: { all: true, connectionId: connection.id },
          });
        }
        await this.events.append(tx, keys.map((key) => keyEvent('API_KEY_REVOKED', key, { all: true })));
        return keys.map((k) => k.keyId);
      }),
    );
    for (const keyId of keyIds) this.listener.keyChanged(keyId);
    return keyIds.length;
  }
}

export const ALL_PERMISSIONS: Permission[] = [...PERMISSIONS];
