import type { ApiKey, Currency, Permission } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { AccessError } from '../errors.ts';
import { uncoveredEntries } from '../ip/cidr.ts';

/**
 * A key's reach: what it may do (permissions), what money it may move (currencies), from where
 * (allowedIps), where money may go (allowedRecipients), for how long (expiresAt) and how often (its rate limit). A key may create,
 * rotate, update or revoke a key only when that key's capabilities are within its own; what it
 * creates, and a key it widens, must be within its whole reach: so no sequence of changes by keys
 * ever yields a key stronger than the keys that made it. The operator and Keyward itself have no bounds.
 */
export interface Reach {
  permissions: readonly Permission[];
  /** At least one. */
  currencies: readonly Currency[];
  /** Empty: any address. */
  allowedIps: readonly string[];
  /** Empty: any recipient. */
  allowedRecipients: readonly string[];
  /** Null: never expires. */
  expiresAt: Date | null;
  /** Requests per window; null: its organization's number. */
  rateLimitRequests: number | null;
}

/** The dimensions a reach is compared on. */
export type Dimension = keyof Reach;
const CAPABILITIES: readonly Dimension[] = ['permissions', 'currencies', 'allowedIps', 'allowedRecipients'];
const ALL: readonly Dimension[] = [...CAPABILITIES, 'expiresAt', 'rateLimitRequests'];

/** What a key reaches, as stored. */
export function reachOf(key: Pick<ApiKey, Dimension>): Reach {
  return {
    permissions: key.permissions,
    currencies: key.currencies,
    allowedIps: key.allowedIps,
    allowedRecipients: key.allowedRecipients,
    expiresAt: key.expiresAt,
    rateLimitRequests: key.rateLimitRequests,
  };
}

/**
 * The reach a caller acts with; null for the operator and Keyward (no bound). A session acts as
 * the key that opened it: its reach is that key's (its own IP binding and idle expiry only say
 * where and how long the session itself may be used), with the key's permissions as they are now.
 */
function actingReach(caller: Caller): Reach | null {
  if (caller.type !== 'key') return null;
  const { principal } = caller;
  const key = principal.sessionOf ?? principal.apiKey;
  return {
    permissions: principal.permissions,
    currencies: key.currencies,
    allowedIps: key.allowedIps,
    allowedRecipients: key.allowedRecipients,
    expiresAt: key.expiresAt,
    rateLimitRequests: key.rateLimitRequests,
  };
}

/**
 * How `inner` exceeds `outer` on the given dimensions, in words; empty when it is within.
 * `organizationLimit` is the number a null rate limit stands for.
 */
export function excess(inner: Reach, outer: Reach, organizationLimit: number, dimensions: readonly Dimension[] = ALL): string[] {
  const found: string[] = [];
  const check = (dimension: Dimension, problem: string | null) => {
    if (dimensions.includes(dimension) && problem) found.push(problem);
  };
  const missing = inner.permissions.filter((p) => !outer.permissions.includes(p));
  check('permissions', missing.length > 0 ? `permissions it does not hold (${missing.join(', ')})` : null);
  const currencies = inner.currencies.filter((c) => !outer.currencies.includes(c));
  check('currencies', currencies.length > 0 ? `currencies it does not hold (${currencies.join(', ')})` : null);
  const ips = uncoveredEntries(inner.allowedIps, outer.allowedIps);
  check('allowedIps', ips.length > 0 ? `IP addresses outside its own allowlist (${ips.includes('*') ? 'any address' : ips.join(', ')})` : null);
  const recipients =
    outer.allowedRecipients.length === 0
      ? []
      : inner.allowedRecipients.length === 0
        ? ['*']
        : inner.allowedRecipients.filter((r) => !outer.allowedRecipients.includes(r));
  check(
    'allowedRecipients',
    recipients.length > 0 ? `recipients outside its own (${recipients.includes('*') ? 'any recipient' : recipients.join(', ')})` : null,
  );
  const outlives = outer.expiresAt !== null && (inner.expiresAt === null || inner.expiresAt.getTime() > outer.expiresAt.getTime());
  check('expiresAt', outlives ? `an expiry after its own (${outer.expiresAt!.toISOString()})` : null);
  const innerLimit = inner.rateLimitRequests ?? organizationLimit;
  const outerLimit = outer.rateLimitRequests ?? organizationLimit;
  check('rateLimitRequests', innerLimit > outerLimit ? `a rate limit above its own (${outerLimit})` : null);
  return found;
}

const refuse = (what: string, problems: string[]) => new AccessError('FORBIDDEN', `This key cannot ${what}: that would give ${problems.join('; ')}`);

/**
 * A key is created (or issued by rotation) by `caller`: refused unless its reach is within the
 * caller's on every dimension.
 */
export function checkNewKey(caller: Caller, key: Reach, organizationLimit: number, what = 'create this key'): void {
  const own = actingReach(caller);
  if (!own) return;
  const problems = excess(key, own, organizationLimit);
  if (problems.length > 0) throw refuse(what, problems);
}

/**
 * A key acts on an existing key (rotate, update, revoke): refused unless the target's
 * capabilities (permissions, currencies, IPs, recipients) are within its own, so a weaker key cannot touch
 * a stronger one at all.
 */
export function checkTarget(caller: Caller, target: Reach, organizationLimit: number, what: string): void {
  const own = actingReach(caller);
  if (!own) return;
  const problems = excess(target, own, organizationLimit, CAPABILITIES);
  if (problems.length > 0) throw new AccessError('FORBIDDEN', `This key cannot ${what} a key with ${problems.join('; ')}`);
}

/**
 * What a key made by `caller` gets when the request leaves it open: no expiry and the
 * organization's rate limit, or the acting key's own bounds when it has them (a key never makes
 * a key that outlives it or may call more often).
 */
export function inheritedBounds(caller: Caller): { expiresAt: Date | null; rateLimitRequests: number | null } {
  const own = actingReach(caller);
  return { expiresAt: own?.expiresAt ?? null, rateLimitRequests: own?.rateLimitRequests ?? null };
}

/**
 * An update from `before` to `after`. A change that only narrows the key is always within reach
 * (the target itself already is, by checkTarget). A change that widens it on any dimension must
 * leave the whole key within the caller's reach, expiry and rate limit included: otherwise a key
 * that expires in an hour, or is held to 40 requests, could make its permissions permanent (or
 * unthrottled) on a key that never expires.
 */
export function checkChange(caller: Caller, before: Reach, after: Reach, organizationLimit: number): void {
  const own = actingReach(caller);
  if (!own) return;
  if (excess(after, before, organizationLimit).length === 0) return;
  const problems = excess(after, own, organizationLimit);
  if (problems.length > 0) throw refuse('make this change', problems);
}
