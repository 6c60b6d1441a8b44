import type { Prisma } from '../../generated/prisma/client.ts';
import type { Caller, KeyPrincipal, MemberPrincipal } from '../caller.ts';
import type { EventRecord } from '../events/event-log.ts';
import { holds, keyScope, memberMay, type TenantCaller } from './policy.ts';

/**
 * What a caller may see of each model, as the Prisma `where` every read adds: root lists,
 * `node(id:)`, nested fields and subscriptions alike, so a type resolves under the same rule
 * wherever it is reached. The operator (and Keyward itself) sees everything; a key sees its own
 * organization and environment, and within it what its kind and permissions let it read (the
 * read rule of each type). A member sees everything of its organization in the environment its
 * request names (every role reads), except members' sessions: its own, or an OWNER every member's.
 * Keys never see members' sessions. What a caller may not read matches nothing: `node()` answers null.
 */

/** Matches no row (Prisma turns an empty IN into false): no sentinel id. */
export const NOTHING = { id: { in: [] as string[] } };

/** The key a session was opened with, or the key itself: the one whose sessions are "its own". */
export function rootKeyId(principal: KeyPrincipal): string {
  return principal.sessionOf?.id ?? principal.apiKey.id;
}

/** A key's own record and the sessions opened with it: every key may see those (viewer, sessions). */
function ownKeys(principal: KeyPrincipal): { OR: Prisma.ApiKeyWhereInput[] } {
  const root = rootKeyId(principal);
  return { OR: [{ id: root }, { parentId: root }] };
}

/** Members' sessions a member may see: its own; an OWNER's, every member's of its organization. */
function memberSessions(principal: MemberPrincipal): Prisma.ApiKeyWhereInput {
  const mine = principal.member.role === 'OWNER' ? {} : { memberId: principal.member.id };
  return { kind: 'MEMBER', organizationId: principal.organization.id, ...mine };
}

/** Keys' own records: every kind but members' sessions. */
const KEY_KINDS = { kind: { in: ['PARTNER', 'USER', 'SESSION'] } } satisfies Prisma.ApiKeyWhereInput;

/**
 * ApiKey: a partner key with KEYS_READ, every key of its organization and environment (partner,
 * user and session); a user key with KEYS_READ, its own connection's keys and their sessions; any
 * key, its own record and its own sessions. A member: every key of its organization and
 * environment, and the members' sessions it may see.
 */
export function apiKeysWhere(caller: Caller): Prisma.ApiKeyWhereInput {
  if (caller.type === 'member') return { OR: [{ ...keyScope(caller.principal), ...KEY_KINDS }, memberSessions(caller.principal)] };
  if (caller.type !== 'key') return {};
  const { principal } = caller;
  const scope = { ...keyScope(principal), ...KEY_KINDS };
  if (!holds(caller, 'KEYS_READ')) return { ...scope, ...ownKeys(principal) };
  // (Prisma drops an empty condition from OR, so "everything in scope" is said without one.)
  if (principal.apiKey.kind === 'PARTNER') return scope;
  return { ...scope, OR: [...ownKeys(principal).OR, { connectionId: principal.apiKey.connectionId ?? NOTHING.id, kind: { in: ['USER', 'SESSION'] } }] };
}

/** The keys a key (with `KEYS_WRITE`) or a member (whose role may write) may change: its organization and environment's. */
export function keyTargetsWhere(caller: Caller): Prisma.ApiKeyWhereInput {
  return isTenantCaller(caller) ? { ...keyScope(caller.principal), ...KEY_KINDS } : {};
}

const isTenantCaller = (caller: Caller): caller is TenantCaller => caller.type === 'key' || caller.type === 'member';

/**
 * Sessions a key may list (`KEYS_READ`) or end (`KEYS_WRITE`): with that permission, a partner
 * key every session of its organization and environment; any other key (or session) the
 * sessions opened with its own key, so a device can always log itself out. A member lists the
 * devices' sessions of its environment and the members' sessions it may see (its own; an OWNER
 * everyone's), and ends those, the devices' only when its role may change that environment.
 */
export function sessionsWhere(caller: TenantCaller, permission: 'KEYS_READ' | 'KEYS_WRITE'): Prisma.ApiKeyWhereInput {
  const { principal } = caller;
  const sessions = { kind: 'SESSION' as const, ...keyScope(principal) };
  if (caller.type === 'member') {
    const devices = permission === 'KEYS_READ' || memberMay(caller.principal, 'write');
    return devices ? { OR: [sessions, memberSessions(caller.principal)] } : memberSessions(caller.principal);
  }
  if (principal.apiKey.kind === 'PARTNER' && holds(caller, permission)) return sessions;
  return { ...sessions, parentId: rootKeyId(principal) };
}

/** Connections a key or member acts on: its organization and environment; a user key only its own. */
export function connectionTargetsWhere(caller: Caller): Prisma.ConnectionWhereInput {
  if (!isTenantCaller(caller)) return {};
  const { principal } = caller;
  // A member's session (kind MEMBER) has no connection of its own: it acts on all, as a partner key does.
  const userKey = caller.type === 'key' && principal.apiKey.kind !== 'PARTNER';
  return {
    ...keyScope(principal),
    ...(userKey && { id: principal.apiKey.connectionId ?? NOTHING.id }),
  };
}

/** Connection: what a key acts on, when it holds CONNECTIONS_READ. */
export function connectionsWhere(caller: Caller): Prisma.ConnectionWhereInput {
  if (caller.type === 'member') return keyScope(caller.principal);
  if (caller.type !== 'key') return {};
  return holds(caller, 'CONNECTIONS_READ') ? connectionTargetsWhere(caller) : NOTHING;
}

/** WebhookEndpoint and WebhookDelivery: a partner key with WEBHOOKS_WRITE, its organization and environment's. */
function webhooksWhere(caller: Caller): { organizationId?: string; environment?: 'TEST' | 'LIVE'; id?: { in: string[] } } {
  if (caller.type === 'member') return keyScope(caller.principal);
  if (caller.type !== 'key') return {};
  if (caller.principal.apiKey.kind !== 'PARTNER' || !holds(caller, 'WEBHOOKS_WRITE')) return NOTHING;
  return keyScope(caller.principal);
}

export const webhookEndpointsWhere = (caller: Caller): Prisma.WebhookEndpointWhereInput => webhooksWhere(caller);
export const webhookAttemptsWhere = (caller: Caller): Prisma.WebhookAttemptWhereInput => webhooksWhere(caller);

/** Organization: a key or member sees its own. */
export function organizationsWhere(caller: Caller): Prisma.OrganizationWhereInput {
  return isTenantCaller(caller) ? { id: caller.principal.organization.id } : {};
}

/** Member: a member sees its organization's members; the operator all; keys none (people are not a key's business). */
export function membersWhere(caller: Caller): Prisma.MemberWhereInput {
  if (caller.type === 'member') return { organizationId: caller.principal.organization.id };
  return caller.type === 'key' ? NOTHING : {};
}

/** The audit trail: a partner key with LOGS_READ, its organization's rows of its environment and the organization-wide ones. */
export function auditEventsWhere(caller: Caller): Prisma.AuditEventWhereInput {
  if (!isTenantCaller(caller)) return {};
  const { principal } = caller;
  if (caller.type === 'key' && (principal.apiKey.kind !== 'PARTNER' || !holds(caller, 'LOGS_READ'))) return { seq: { in: [] } };
  return { organizationId: principal.organization.id, OR: [{ environment: principal.apiKey.environment }, { environment: null }] };
}

/** Request logs: a partner key with LOGS_READ (or a member), its organization and environment's. */
export function requestLogsWhere(caller: Caller): Prisma.RequestLogWhereInput {
  if (!isTenantCaller(caller)) return {};
  const { principal } = caller;
  if (caller.type === 'key' && (principal.apiKey.kind !== 'PARTNER' || !holds(caller, 'LOGS_READ'))) return { seq: { in: [] } };
  return keyScope(principal);
}

/**
 * Whether a change event may reach a subscriber: its organization and environment only, and for
 * a user key only events of its own connection. (The subscription's permission is the rule of
 * its action, checked when it starts and again whenever the key changes.)
 */
export function eventVisibleTo(principal: KeyPrincipal, record: Pick<EventRecord, 'organizationId' | 'environment' | 'connectionId'>): boolean {
  const { apiKey, organization } = principal;
  if (record.organizationId !== organization.id || record.environment !== apiKey.environment) return false;
  // A member (its session's kind is MEMBER) sees every change of its organization and environment, as a partner key does.
  return apiKey.kind === 'PARTNER' || apiKey.kind === 'MEMBER' || (record.connectionId !== null && record.connectionId === apiKey.connectionId);
}
