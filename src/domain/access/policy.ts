import type { Environment, LiveAccess, MemberRole, Permission } from '../../generated/prisma/client.ts';
import type { Caller, KeyPrincipal, MemberPrincipal } from '../caller.ts';
import { ACCESS_MESSAGES, AccessError, LiveAccessPendingError } from '../errors.ts';

/**
 * Who may do what: the one table of Keyward's authorization model. Every operation of the API,
 * the CLI and the services names one of these actions; nothing else decides whether a caller may
 * act. What a caller may then *see* of each model is in visibility.ts, and which keys a key may
 * create or change in reach.ts.
 *
 * Caller kinds: the operator (admin token) and Keyward itself ("system") may do anything; a
 * partner key, a user key, and a session (which acts as the key that opened it, with that key's
 * kind and permissions as they are now) may do what the rule of the action lets its kind and
 * permissions do, in its own organization and environment only. A member (a person signed in to
 * the dashboard) may do what its role lets it (`members` of the rule, the role table of
 * docs/api.md), in its organization and the environment its request names; the sensitive actions
 * (`stepUp`) also need a sign-in in the last 15 minutes.
 */

type KeyKind = 'PARTNER' | 'USER';

export interface Rule {
  /** The operator may (the admin token). */
  operator?: true;
  /** The key kinds that may, with `permission` when given. */
  keys?: readonly KeyKind[];
  permission?: Permission;
  /** Only a key itself, never a session opened with it. */
  noSessions?: true;
  /** Only a key (or member) acting in this environment. */
  environment?: Environment;
  /**
   * Members: `read` any role; `write` OWNER and ADMIN, DEVELOPER in TEST only; `owner` OWNER
   * only. Absent: no member may.
   */
  members?: MemberAccess;
  /** Members need a sign-in in the last 15 minutes: always, or when acting in LIVE. */
  stepUp?: 'always' | 'LIVE';
  /** Anyone, with a credential or none (it answers the same to all). */
  public?: true;
  /** What the action is, for messages and the README. */
  describe: string;
}

type MemberAccess = 'read' | 'write' | 'owner';

const ANY_KEY: readonly KeyKind[] = ['PARTNER', 'USER'];
const PARTNER: readonly KeyKind[] = ['PARTNER'];

export const RULES = {
  'viewer.read': { operator: true, keys: ANY_KEY, members: 'read', describe: 'say who the credential is' },
  'node.read': { operator: true, keys: ANY_KEY, members: 'read', describe: 'look objects up by id (each type under its own read rule)' },
  'partnerKeys.read': { keys: PARTNER, permission: 'KEYS_READ', members: 'read', describe: 'list partner keys' },
  'partnerKeys.write': { operator: true, keys: PARTNER, permission: 'KEYS_WRITE', members: 'write', stepUp: 'LIVE', describe: 'create or update partner keys' },
  'partnerKeys.replace': {
    operator: true,
    keys: PARTNER,
    permission: 'KEYS_WRITE',
    members: 'write',
    stepUp: 'LIVE',
    describe: 'rotate or revoke partner keys',
  },
  'userKeys.write': { keys: PARTNER, permission: 'KEYS_WRITE', members: 'write', stepUp: 'LIVE', describe: 'create, update, rotate or revoke user keys' },
  'keys.verify': { operator: true, keys: PARTNER, permission: 'KEYS_READ', describe: 'verify keys for other services' },
  'keyEvents.read': { keys: ANY_KEY, permission: 'KEYS_READ', members: 'read', describe: 'subscribe to key lifecycle events' },
  'sessions.open': { keys: ANY_KEY, noSessions: true, describe: 'open a session' },
  'sessions.read': { keys: ANY_KEY, members: 'read', describe: "list sessions (its own key's; with KEYS_READ a partner key all)" },
  'sessions.end': { keys: ANY_KEY, members: 'read', describe: "end sessions (its own key's; with KEYS_WRITE a partner key any)" },
  'connections.list': { keys: PARTNER, permission: 'CONNECTIONS_READ', members: 'read', describe: 'list connections and poll their status' },
  'connection.read': { operator: true, keys: ANY_KEY, permission: 'CONNECTIONS_READ', members: 'read', describe: 'read a connection (a user key: its own)' },
  'connectionEvents.read': {
    keys: ANY_KEY,
    permission: 'CONNECTIONS_READ',
    members: 'read',
    describe: 'subscribe to connection changes (a user key: its own)',
  },
  // Disconnecting revokes every key of the connection, as revokeAllUserKeys does: the same step-up in LIVE.
  'connections.write': { keys: PARTNER, permission: 'CONNECTIONS_WRITE', members: 'write', stepUp: 'LIVE', describe: 'connect and disconnect users' },
  'sandbox.write': { keys: PARTNER, permission: 'CONNECTIONS_WRITE', members: 'write', environment: 'TEST', describe: 'use the sandbox helpers (TEST only)' },
  'onboarding.decide': { operator: true, describe: 'record KYC decisions' },
  'organizations.write': { operator: true, describe: 'create and update organizations' },
  'webhooks.read': { keys: PARTNER, permission: 'WEBHOOKS_WRITE', members: 'read', describe: 'list webhook endpoints and deliveries' },
  'webhooks.manage': { keys: PARTNER, permission: 'WEBHOOKS_WRITE', members: 'write', describe: 'manage webhook endpoints and deliveries' },
  'signingSecret.rotate': {
    keys: PARTNER,
    permission: 'WEBHOOKS_WRITE',
    members: 'write',
    stepUp: 'always',
    describe: "rotate its environment's signing secret",
  },
  'logs.read': { keys: PARTNER, permission: 'LOGS_READ', members: 'read', describe: 'read request logs and the audit trail' },
  'members.read': { members: 'read', describe: "list its organization's members" },
  'members.write': { operator: true, members: 'owner', stepUp: 'always', describe: 'invite, change or remove members' },
  'signIn.request': { public: true, describe: 'ask for a sign-in link' },
  'signIn.end': { members: 'read', describe: 'sign out' },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof RULES;

/** A caller that acts inside one organization and environment: a key (or session) or a member. */
export type TenantCaller = Extract<Caller, { type: 'key' | 'member' }>;

export const isTenant = (caller: Caller | null): caller is TenantCaller => caller?.type === 'key' || caller?.type === 'member';

/**
 * Permissions a caller acts with: a key's (for a session, its key's) minus what its organization
 * disabled. Members hold every permission their role's actions need: the role decides the action.
 */
export function holds(caller: Caller, permission: Permission): boolean {
  return caller.type !== 'key' || caller.principal.permissions.includes(permission);
}

/** The organization and environment a key or member acts in; null for the operator and Keyward itself (everywhere). */
export function scopeOf(caller: Caller): { organizationId: string; environment: Environment } | null {
  if (!isTenant(caller)) return null;
  return { organizationId: caller.principal.organization.id, environment: caller.principal.apiKey.environment };
}

/** The roles that may take an action of each member access, by environment. */
const ROLE_MAY: Record<MemberAccess, (role: MemberRole, environment: Environment) => boolean> = {
  read: () => true,
  write: (role, environment) => role === 'OWNER' || role === 'ADMIN' || (role === 'DEVELOPER' && environment === 'TEST'),
  owner: (role) => role === 'OWNER',
};

/** Whether a member's role may read, change (in the environment it acts in) or manage members. */
export function memberMay(principal: MemberPrincipal, access: MemberAccess): boolean {
  return ROLE_MAY[access](principal.member.role, principal.apiKey.environment);
}

/** How long a sign-in counts as recent for the step-up of sensitive actions. */
export const STEP_UP_MS = 15 * 60 * 1000;

function memberDenial(principal: MemberPrincipal, rule: Rule): AccessError | null {
  const { role } = principal.member;
  const environment = principal.apiKey.environment;
  if (!rule.members) return new AccessError('FORBIDDEN', `A member may not ${rule.describe}`);
  if (rule.environment && environment !== rule.environment) return new AccessError('FORBIDDEN', `Only in ${rule.environment} may a member ${rule.describe}`);
  if (!memberMay(principal, rule.members)) {
    const where = rule.members === 'write' && role === 'DEVELOPER' ? ' in LIVE' : '';
    return new AccessError('FORBIDDEN', `A member with the role ${role} may not ${rule.describe}${where}`);
  }
  if (rule.stepUp && (rule.stepUp === 'always' || environment === 'LIVE') && !principal.recentSignIn) {
    return new AccessError(
      'REAUTHENTICATION_REQUIRED',
      `Sign in again (a link from your email) to ${rule.describe}: it needs a sign-in in the last 15 minutes`,
    );
  }
  return null;
}

/** The scope of a key caller (never null). */
export function keyScope(principal: KeyPrincipal): { organizationId: string; environment: Environment } {
  return { organizationId: principal.organization.id, environment: principal.apiKey.environment };
}

/** Why a caller may not take an action; null when it may. */
export function denial(caller: Caller | null, action: Action): AccessError | null {
  const rule: Rule = RULES[action];
  if (rule.public) return null;
  if (caller === null) {
    const operatorOnly = rule.operator === true && rule.keys === undefined;
    return new AccessError('UNAUTHENTICATED', operatorOnly ? ACCESS_MESSAGES.missingAdminToken : ACCESS_MESSAGES.missingCredential);
  }
  if (caller.type === 'system') return null;
  if (caller.type === 'operator') return rule.operator ? null : new AccessError('FORBIDDEN', `The operator has no key to ${rule.describe}`);
  if (caller.type === 'member') return memberDenial(caller.principal, rule);
  const { principal } = caller;
  const kind = principal.apiKey.kind as KeyKind;
  if (!rule.keys?.includes(kind)) return new AccessError('FORBIDDEN', `A ${kind.toLowerCase()} key may not ${rule.describe}`);
  if (rule.permission && !principal.permissions.includes(rule.permission)) {
    return new AccessError('FORBIDDEN', `This key lacks ${rule.permission}, needed to ${rule.describe}`);
  }
  if (rule.noSessions && principal.sessionOf) return new AccessError('FORBIDDEN', `A session may not ${rule.describe}`);
  if (rule.environment && principal.apiKey.environment !== rule.environment) {
    return new AccessError('FORBIDDEN', `Only ${rule.environment} keys may ${rule.describe}`);
  }
  return null;
}

export function allows(caller: Caller | null, action: Action): boolean {
  return denial(caller, action) === null;
}

/** Throws the top-level error (401 or 403) when the caller may not take the action. */
export function authorize(caller: Caller | null, action: Action): asserts caller is Caller {
  const refused = denial(caller, action);
  if (refused) throw refused;
}

/** Like `authorize`, for actions taken inside one organization and environment: returns the key or member caller. */
export function authorizeTenant(caller: Caller | null, action: Action): TenantCaller {
  authorize(caller, action);
  if (!isTenant(caller)) throw new AccessError('FORBIDDEN', `Only a key or a member may ${RULES[action].describe}`);
  return caller;
}

/** Like `authorize`, for actions only members take (their rule names no key and not the operator): returns the member caller. */
export function authorizeMember(caller: Caller | null, action: Action): Extract<Caller, { type: 'member' }> {
  authorize(caller, action);
  if (caller.type !== 'member') throw new AccessError('FORBIDDEN', `Only a member may ${RULES[action].describe}`);
  return caller;
}

/**
 * LIVE is gated per organization: until the operator enables it (`liveAccess` ENABLED), its keys
 * may not make anything new in LIVE, neither a key (create, rotate) nor a connection. The
 * operator may (it opens LIVE, and may hand out a LIVE key before), and so may Keyward itself
 * (a connection already on its way finishing). What exists keeps working: this is a typed
 * refusal of the write (LIVE_ACCESS_PENDING), never a failed authentication.
 */
export function checkLiveAccess(caller: Caller, environment: Environment, organization: { liveAccess: LiveAccess }, what: string): void {
  if (environment === 'LIVE' && organization.liveAccess !== 'ENABLED' && isTenant(caller)) {
    throw new LiveAccessPendingError(what);
  }
}
