import type { ApiKey, Member, Organization, Permission } from '../generated/prisma/client.ts';

/** A verified key: its record, its organization, and what it may do after the org's own limits. */
export interface KeyPrincipal {
  apiKey: ApiKey;
  organization: Organization;
  /** The key's permissions minus those its organization has disabled. */
  permissions: Permission[];
  /** User keys: the partner's `ref` of the connection the key acts for. */
  connectionRef: string | null;
  /**
   * Session tokens: the key that opened the session. `apiKey` is then the session's own record
   * with the kind of that key (PARTNER or USER), so the session acts as it does.
   * `rateLimitRequests` is that key's own number: its sessions spend its budget.
   */
  sessionOf?: SessionParent;
}

/** The key that opened a session: the session acts as it, and its reach is this key's (src/domain/access/reach.ts). */
type SessionParent = Pick<ApiKey, 'id' | 'keyId' | 'expiresAt' | 'currencies' | 'allowedIps' | 'allowedRecipients' | 'rateLimitRequests'>;

/** The member a dashboard session belongs to, as it is now (a role change applies at once). */
export type MemberFacts = Pick<Member, 'id' | 'email' | 'role'>;

/**
 * A member signed in to the dashboard: `apiKey` is its session (kind MEMBER) with the environment
 * the request names (`X-Keyward-Env`, TEST by default), so everything scoped by a key's
 * organization and environment is scoped the same way for the member. Its role, not
 * `permissions` (always empty), decides what it may do (src/domain/access/policy.ts).
 */
export interface MemberPrincipal extends KeyPrincipal {
  member: MemberFacts;
  /** It signed in through a link in the last 15 minutes: the sensitive actions' step-up. */
  recentSignIn: boolean;
}

/** Who is acting, as the domain sees it; the transport decides how it was established. */
export type Caller =
  | { type: 'operator'; ip?: string | undefined }
  | { type: 'key'; principal: KeyPrincipal; ip?: string | undefined }
  | { type: 'member'; principal: MemberPrincipal; ip?: string | undefined }
  | { type: 'system' };
