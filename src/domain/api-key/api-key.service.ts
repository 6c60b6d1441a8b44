import type { ApiKey, Environment, Permission, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Caller } from '../caller.ts';
import {
  AccessError,
  CapabilityDisabledError,
  InvalidStateError,
  KeyLimitReachedError,
  NotFoundError,
} from '../errors.ts';
import { parseInput } from '../validation.ts';
import {
  createPartnerKeyInput,
  PERMISSIONS,
  rotatePartnerKeyInput,
  updatePartnerKeyInput,
} from './api-key.schemas.ts';
import { generateKey, hashKey, type KeyEnv } from './key-format.ts';

export const MAX_ACTIVE_PARTNER_KEYS = 5;

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
  const scope = scopeOf(caller);
  return {
    kind: 'PARTNER',
    ...(scope && { organizationId: scope.organizationId, environment: scope.environment }),
  };
}

export class ApiKeyService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pepper: Buffer,
    private readonly clock: Clock,
    private readonly listener: KeyChangeListener,
  ) {}

  /** Locks the organization row: concurrent key creations for one organization run one at a time. */
  private async lockOrganization(tx: Prisma.TransactionClient, organizationId: string) {
    const rows = await tx.$queryRaw<{ disabledPermissions: Permission[] }[]>`
      SELECT "disabledPermissions" FROM organizations WHERE id = ${organizationId}::uuid FOR UPDATE`;
    if (rows.length === 0) throw new NotFoundError('Organization');
    return rows[0]!;
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

  /** Inserts a key with a fresh secret; the caller holds the organization lock. */
  private async insertKey(
    tx: Prisma.TransactionClient,
    data: Omit<Prisma.ApiKeyUncheckedCreateInput, 'keyId' | 'secretHash'>,
  ): Promise<IssuedKey> {
    const { keyId, token } = generateKey('ptr', envSegment(data.environment));
    const key = await tx.apiKey.create({ data: { ...data, keyId, secretHash: new Uint8Array(hashKey(this.pepper, token)) } });
    return { key, secret: token };
  }

  /** Issues an organization's partner key inside an existing transaction (also used by createOrganization). */
  async issuePartnerKey(
    tx: Prisma.TransactionClient,
    caller: Caller,
    input: {
      organizationId: string;
      name: string;
      environment: Environment;
      permissions: Permission[];
      allowedIps: string[];
      expiresAt: Date | null;
    },
  ): Promise<IssuedKey> {
    const now = this.clock.now();
    const org = await this.lockOrganization(tx, input.organizationId);
    this.checkPermissions(caller, org.disabledPermissions, input.permissions);
    const active = await tx.apiKey.count({
      where: { organizationId: input.organizationId, kind: 'PARTNER', ...activeWhere(now) },
    });
    if (active >= MAX_ACTIVE_PARTNER_KEYS) throw new KeyLimitReachedError(MAX_ACTIVE_PARTNER_KEYS);
    const issued = await this.insertKey(tx, { ...input, kind: 'PARTNER' });
    await recordAudit(tx, caller, {
      organizationId: input.organizationId,
      environment: input.environment,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: issued.key.keyId,
      details: { kind: 'PARTNER', environment: input.environment, permissions: input.permissions },
    });
    return issued;
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
      organizationId = scope.organizationId;
      environment = scope.environment;
    } else {
      if (input.organizationId === undefined) {
        throw new AccessError('FORBIDDEN', 'The operator must name the organization (organizationId)');
      }
      organizationId = input.organizationId;
      environment = input.environment ?? 'TEST';
    }
    return this.prisma.$transaction((tx) =>
      this.issuePartnerKey(tx, caller, {
        organizationId,
        environment,
        name: input.name,
        permissions: input.permissions,
        allowedIps: input.allowedIps,
        expiresAt: input.expiresAt ?? null,
      }),
    );
  }

  /** A visible partner key, or NOT_FOUND: another organization's key looks exactly like a missing one. */
  private async findVisible(tx: Prisma.TransactionClient, caller: Caller, id: string): Promise<ApiKey> {
    const key = await tx.apiKey.findFirst({ where: { id, ...visiblePartnerKeysWhere(caller) } });
    if (!key) throw new NotFoundError('API key');
    return key;
  }

  /**
   * Runs a change aimed at one key; when the key is not visible to the calling key, the attempt
   * is written to the caller's own audit trail (after the rollback, so it is the only trace).
   */
  private async onVisibleKey<T>(caller: Caller, id: string, attempted: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      if (error instanceof NotFoundError && caller.type === 'key') {
        await recordAudit(this.prisma, caller, {
          organizationId: caller.principal.organization.id,
          environment: caller.principal.apiKey.environment,
          action: 'api_key.access_denied',
          targetType: 'api_key',
          targetId: id,
          details: { attempted },
        });
      }
      throw error;
    }
  }

  async updatePartnerKey(caller: Caller, rawInput: unknown): Promise<ApiKey> {
    const input = parseInput(updatePartnerKeyInput, rawInput);
    const now = this.clock.now();
    const key = await this.onVisibleKey(caller, input.id, 'update', () => this.prisma.$transaction(async (tx) => {
      const current = await this.findVisible(tx, caller, input.id);
      if (!isActive(current, now)) throw new InvalidStateError('Only an active key can be updated');
      if (input.permissions) {
        const org = await this.lockOrganization(tx, current.organizationId);
        this.checkPermissions(caller, org.disabledPermissions, input.permissions);
      }
      const data = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.allowedIps !== undefined && { allowedIps: input.allowedIps }),
        ...(input.permissions !== undefined && { permissions: input.permissions }),
      };
      const updated = await tx.apiKey.update({ where: { id: current.id }, data });
      await recordAudit(tx, caller, {
        organizationId: current.organizationId,
        environment: current.environment,
        action: 'api_key.updated',
        targetType: 'api_key',
        targetId: current.keyId,
        details: { changed: Object.keys(data), ...data },
      });
      return updated;
    }));
    this.listener.keyChanged(key.keyId);
    return key;
  }

  async rotatePartnerKey(caller: Caller, rawInput: unknown): Promise<IssuedKey & { previous: ApiKey }> {
    const now = this.clock.now();
    const input = parseInput(rotatePartnerKeyInput(now), rawInput);
    const result = await this.onVisibleKey(caller, input.id, 'rotate', () => this.prisma.$transaction(async (tx) => {
      const old = await this.findVisible(tx, caller, input.id);
      if (!isActive(old, now) || old.successorId !== null) {
        throw new InvalidStateError('Only an active key that has not been rotated can be rotated');
      }
      await this.lockOrganization(tx, old.organizationId);
      if (input.gracePeriodSeconds > 0) {
        // During the grace period the old key stays active beside its successor: one more active key.
        const active = await tx.apiKey.count({
          where: { organizationId: old.organizationId, kind: 'PARTNER', ...activeWhere(now) },
        });
        if (active >= MAX_ACTIVE_PARTNER_KEYS) throw new KeyLimitReachedError(MAX_ACTIVE_PARTNER_KEYS);
      }
      // The successor inherits the settings; the old key's life ends now or after the grace period.
      const issued = await this.insertKey(tx, {
        organizationId: old.organizationId,
        kind: old.kind,
        environment: old.environment,
        name: old.name,
        permissions: old.permissions,
        allowedIps: old.allowedIps,
        allowedRecipients: old.allowedRecipients,
        expiresAt: input.expiresAt ?? null,
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
      return { ...issued, previous };
    }));
    this.listener.keyChanged(result.previous.keyId);
    return result;
  }

  async revokePartnerKey(caller: Caller, rawInput: { id: string }): Promise<ApiKey> {
    const now = this.clock.now();
    const key = await this.onVisibleKey(caller, rawInput.id, 'revoke', () => this.prisma.$transaction(async (tx) => {
      const current = await this.findVisible(tx, caller, rawInput.id);
      if (current.revokedAt !== null) throw new InvalidStateError('The key is already revoked');
      const revoked = await tx.apiKey.update({ where: { id: current.id }, data: { revokedAt: now } });
      await recordAudit(tx, caller, {
        organizationId: current.organizationId,
        environment: current.environment,
        action: 'api_key.revoked',
        targetType: 'api_key',
        targetId: current.keyId,
      });
      return revoked;
    }));
    this.listener.keyChanged(key.keyId);
    return key;
  }
}

export const ALL_PERMISSIONS: Permission[] = [...PERMISSIONS];
