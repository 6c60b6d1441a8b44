/**
 * Every action an audit row can name (`AuditEvent.action`). Pure data, with no import: the
 * dashboard's audit-log filter offers this same list, so the two cannot drift apart.
 */
export const AUDIT_ACTIONS = [
  'organization.created',
  'organization.updated',
  /** The operator opened or closed LIVE (details.from, details.to). */
  'organization.live_access_changed',
  'api_key.created',
  'api_key.updated',
  'api_key.rotated',
  'api_key.revoked',
  /** A key passed its expiresAt (written by the expiry sweeper). */
  'api_key.expired',
  /** A key tried to change a key it cannot see (another organization's, or none), or one beyond its reach (details.refused). */
  'api_key.access_denied',
  'connection.status_changed',
  /** The start-up step replaced deposit details stored the wrong way round (ConnectionService.replaceDepositDetails). */
  'connection.deposit_details_replaced',
  'signing_secret.rotated',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  /** Keyward disabled an endpoint: 410 Gone, or failing for 5 days. */
  'webhook_endpoint.disabled',
  'member.invited',
  /** A member's role changed (details.from, details.to); a demotion ends its sessions. */
  'member.updated',
  'member.removed',
  /** A sign-in link was redeemed (details.sessionKeyId; details.stepUp when it refreshed a session). */
  'member.signed_in',
  'member.signed_out',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
