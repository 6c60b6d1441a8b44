import { randomUUID } from 'node:crypto';
import type { ActorKind, Environment, Prisma } from '../../generated/prisma/client.ts';
import { appendAudit } from './audit-chain.ts';
import type { Caller } from '../caller.ts';

type AuditAction =
  | 'organization.created'
  | 'organization.updated'
  /** The operator opened or closed LIVE (details.from, details.to). */
  | 'organization.live_access_changed'
  | 'api_key.created'
  | 'api_key.updated'
  | 'api_key.rotated'
  | 'api_key.revoked'
  /** A key passed its expiresAt (written by the expiry sweeper). */
  | 'api_key.expired'
  /** A key tried to change a key it cannot see (another organization's, or none), or one beyond its reach (details.refused). */
  | 'api_key.access_denied'
  | 'connection.status_changed'
  /** The start-up step replaced deposit details stored the wrong way round (ConnectionService.replaceDepositDetails). */
  | 'connection.deposit_details_replaced'
  | 'signing_secret.rotated'
  | 'webhook_endpoint.created'
  | 'webhook_endpoint.updated'
  | 'webhook_endpoint.deleted'
  /** Keyward disabled an endpoint: 410 Gone, or failing for 5 days. */
  | 'webhook_endpoint.disabled'
  | 'member.invited'
  /** A member's role changed (details.from, details.to); a demotion ends its sessions. */
  | 'member.updated'
  | 'member.removed'
  /** A sign-in link was redeemed (details.sessionKeyId; details.stepUp when it refreshed a session). */
  | 'member.signed_in'
  | 'member.signed_out';

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
