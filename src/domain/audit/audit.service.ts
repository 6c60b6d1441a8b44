import { randomUUID } from 'node:crypto';
import type { ActorKind, Environment, Prisma } from '../../generated/prisma/client.ts';
import { appendAudit } from './audit-chain.ts';
import type { Caller } from '../caller.ts';
import type { AuditAction } from './audit-actions.ts';

export interface AuditEntry {
  organizationId: string;
  /** The environment of the key concerned; omitted for organization-wide events. */
  environment?: Environment;
  action: AuditAction;
  targetType: 'organization' | 'api_key' | 'connection' | 'webhook_endpoint' | 'member';
  /** Public identifiers only (keyId, organization id): never a secret. */
  targetId: string;
  details?: Record<string, Prisma.InputJsonValue | null>;
  /** A sign-in: the member who signed in acted, with the session it got (the unit's caller is Keyward, which checked the link). */
  member?: { id: string; sessionKeyId: string; ip: string | null };
}

function actorOf(caller: Caller): { actorKind: ActorKind; actorKeyId: string | null; actorMemberId?: string; ip: string | null } {
  switch (caller.type) {
    case 'operator':
      return { actorKind: 'OPERATOR', actorKeyId: null, ip: caller.ip ?? null };
    case 'system':
      return { actorKind: 'SYSTEM', actorKeyId: null, ip: null };
    case 'member':
      return {
        actorKind: 'MEMBER',
        actorKeyId: caller.principal.apiKey.keyId,
        actorMemberId: caller.principal.member.id,
        ip: caller.ip ?? null,
      };
    case 'key':
      return {
        actorKind: caller.principal.apiKey.kind === 'PARTNER' ? 'PARTNER_KEY' : 'USER_KEY',
        actorKeyId: caller.principal.apiKey.keyId,
        ip: caller.ip ?? null,
      };
  }
}

/**
 * Writes one audit row inside the caller's transaction, so a rolled-back change leaves none, as
 * the next link of its organization's hash chain (which takes the organization's row lock).
 */
export async function recordAudit(tx: Prisma.TransactionClient, caller: Caller, entry: AuditEntry): Promise<void> {
  const actor = entry.member
    ? { actorKind: 'MEMBER' as const, actorKeyId: entry.member.sessionKeyId, actorMemberId: entry.member.id, ip: entry.member.ip }
    : actorOf(caller);
  const row = {
    id: randomUUID(),
    ...actor,
    organizationId: entry.organizationId,
    environment: entry.environment ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: (entry.details ?? {}) as Prisma.InputJsonValue,
    createdAt: new Date(),
  };
  await appendAudit(tx, row);
}
