import type { ApiKey, Organization, Permission } from '../generated/prisma/client.ts';

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

/** Who is acting, as the domain sees it; the transport decides how it was established. */
export type Caller = { type: 'operator'; ip?: string | undefined } | { type: 'key'; principal: KeyPrincipal; ip?: string | undefined } | { type: 'system' };
