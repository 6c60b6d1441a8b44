import { createHash, timingSafeEqual } from 'node:crypto';
import type { Services } from './context.ts';
import type { Caller, KeyPrincipal, MemberPrincipal } from './domain/caller.ts';
import { isTenant, STEP_UP_MS } from './domain/access/policy.ts';
import { ACCESS_MESSAGES, AccessError } from './domain/errors.ts';
import type { KeyCheck, KeyCheckFailure } from './domain/auth/key-verifier.ts';
import { parseKey } from './domain/api-key/key-format.ts';
import { addressGroup } from './domain/ip/cidr.ts';
import { budgetOf, rateLimitedError, type AuthAttempt } from './domain/rate-limit/rate-limits.ts';

/** Reads a credential header, from HTTP headers or a graphql-ws `connection_init` payload alike. */
export type HeaderReader = (name: string) => string | null | undefined;

export function headersFromObject(payload: Record<string, unknown> | null | undefined): HeaderReader {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(payload ?? {})) {
    if (typeof value === 'string') lower.set(name.toLowerCase(), value);
  }
  return (name) => lower.get(name);
}

const invalidKey = () => new AccessError('UNAUTHENTICATED', ACCESS_MESSAGES.invalidKey);

/** Unknown, malformed, wrong, revoked and expired keys all get the same answer: no oracle. */
function failure(reason: KeyCheckFailure): AccessError {
  switch (reason) {
    case 'IP_NOT_ALLOWED':
      return new AccessError('IP_NOT_ALLOWED', ACCESS_MESSAGES.ipNotAllowed);
    case 'ORG_INACTIVE':
      return new AccessError('ORG_INACTIVE', ACCESS_MESSAGES.orgInactive);
    default:
      return invalidKey();
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

let expectedDigest: { token: string; digest: Buffer } | undefined;

/** Equal-length digests, so neither the content nor the length of the token leaks through timing. */
function adminTokenMatches(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false;
  // The configured token's digest is computed once, not on every request.
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: digest(expected) };
  return timingSafeEqual(expectedDigest.digest, digest(given));
}

/** The cookie that carries a member's dashboard session (docs/api.md, "Members and the dashboard"). */
export const MEMBER_COOKIE = 'kw_member';

/** The value of one cookie in a `Cookie` header; undefined when absent. */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * The headers of a graphql-ws operation: those of its `connection_init` payload, and the member
 * cookie of the upgrade request (a browser cannot put it in the payload). A socket needs no CSRF
 * header: its upgrade was accepted only from Keyward's own Origin when it carried the cookie
 * (src/server.ts), which is what the header proves of an HTTP request.
 */
export function socketHeaders(payload: Record<string, unknown> | null | undefined, upgradeCookie: string | undefined): HeaderReader {
  const fromPayload = headersFromObject(payload);
  const member = cookieValue(upgradeCookie, MEMBER_COOKIE);
  return (name) => {
    if (name === 'cookie') return member === undefined ? undefined : `${MEMBER_COOKIE}=${member}`;
    if (name === CSRF_HEADER) return member === undefined ? undefined : '1';
    return fromPayload(name);
  };
}

/** The header a cookie-authenticated HTTP request must carry (`1`): a page on another site cannot send it without a CORS preflight. */
export const CSRF_HEADER = 'x-keyward-csrf';

/** The refusal of a request with the member cookie and without `X-Keyward-CSRF: 1`, whatever its method. */
export const csrfRequired = () => new AccessError('CSRF_REQUIRED', `A request signed in by the ${MEMBER_COOKIE} cookie must send the header X-Keyward-CSRF: 1`);

/** The headers that carry a credential. */
export const CREDENTIAL_HEADERS = ['x-partner-key', 'x-api-key', 'authorization', 'x-admin-token'] as const;

/**
 * A reader of a request's headers in which a credential header sent more than once reads as the
 * list of its values (`a, b`), as fetch's Headers present most repeated headers: node:http keeps
 * only the first `Authorization` and drops the rest, so its raw header lines are read instead.
 */
export function headersWithRepeats(get: (name: string) => string | null | undefined, rawHeaders: readonly string[] | undefined): HeaderReader {
  if (!rawHeaders) return get;
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if ((CREDENTIAL_HEADERS as readonly string[]).includes(name)) values.set(name, [...(values.get(name) ?? []), rawHeaders[i + 1]!]);
  }
  return (name) => {
    const repeated = values.get(name);
    return repeated && repeated.length > 1 ? repeated.join(', ') : get(name);
  };
}

/** No key, session token or Bearer credential contains a comma: a value with one is a repeated header. */
const isList = (value: string) => value.includes(',');

const repeatedCredential = () => new AccessError('UNAUTHENTICATED', 'Send each credential header once, with one credential');

/** A key read from the request's headers (or a member's cookie), and which kind its header expects. */
type PresentedKey = { token: string; expects: 'ptr' | 'usr' | 'mbr' | null } | null;

/**
 * The key a request presents: `X-Partner-Key` (partner keys), `X-Api-Key` (user keys) or
 * `Authorization: Bearer` (any). Several that disagree are refused rather than guessed between,
 * and so is any of these headers sent more than once (docs/api.md, "Credentials").
 */
function presentedKey(header: HeaderReader): PresentedKey {
  if ((['x-partner-key', 'x-api-key', 'authorization'] as const).some((name) => isList(header(name) ?? ''))) throw repeatedCredential();
  const candidates: { token: string; expects: 'ptr' | 'usr' | null }[] = [];
  const partner = header('x-partner-key');
  if (partner) candidates.push({ token: partner.trim(), expects: 'ptr' });
  const user = header('x-api-key');
  if (user) candidates.push({ token: user.trim(), expects: 'usr' });
  const authorization = header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw invalidKey();
    candidates.push({ token: match[1]!, expects: null });
  }
  if (candidates.length === 0) {
    // Only without a key header is the member cookie read: a key decides a request it is sent with.
    const member = cookieValue(header('cookie'), MEMBER_COOKIE);
    return member ? { token: member, expects: 'mbr' } : null;
  }
  if (candidates.some((c) => c.token !== candidates[0]!.token)) throw invalidKey();
  const expects = candidates.find((c) => c.expects !== null)?.expects ?? null;
  if (candidates.some((c) => c.expects !== null && c.expects !== expects)) throw invalidKey();
  return { token: candidates[0]!.token, expects };
}

/**
 * Who is calling, from the request's credential headers: null when none was sent; an
 * `AccessError` for a credential that is wrong in any way (the error table of docs/api.md decides the code).
 */
export async function authenticate(
  services: Services,
  adminToken: string | undefined,
  header: HeaderReader,
  ip: string | undefined,
  /** Told who is calling once the credential checks out, before the rate limit is applied (request logs). */
  identified?: (caller: Caller) => void,
): Promise<Caller | null> {
  const admin = header('x-admin-token');
  const presented =
    (admin !== null && admin !== undefined) ||
    ['x-partner-key', 'x-api-key', 'authorization'].some((name) => header(name)) ||
    cookieValue(header('cookie'), MEMBER_COOKIE) !== undefined;
  if (!presented) return null;
  // The key headers are read once: a refusal of them (repeated, conflicting) is thrown by identify.
  let key: PresentedKey | AccessError;
  try {
    key = presentedKey(header);
  } catch (error) {
    if (!(error instanceof AccessError)) throw error;
    key = error;
  }
  const attempt = attemptOf(key, admin, ip);
  // An address group or credential that failed too often is held back before any credential is
  // looked at, unless this credential succeeded from this address before (a known pair).
  const heldForMs = await services.rateLimits.heldBack(attempt);
  if (heldForMs !== null && !(await services.rateLimits.knownPair(attempt))) throw heldBack(heldForMs);
  let caller: Caller | null;
  try {
    caller = await identify(services, adminToken, header, ip, admin, key);
  } catch (error) {
    if (error instanceof AccessError && error.code === 'UNAUTHENTICATED') await authenticationFailed(services, attempt);
    // While held back every refusal reads the same, so the hold tells nothing about the guess.
    if (heldForMs !== null && error instanceof AccessError) throw heldBack(heldForMs);
    throw error;
  }
  if (caller) {
    await services.rateLimits.authenticated(attempt);
    identified?.(caller);
  }
  if (isTenant(caller)) {
    // A member spends one budget whichever of its sessions it uses (the organization's number).
    const budget = caller.type === 'member' ? { keyId: `member:${caller.principal.member.id}`, rateLimitRequests: null } : budgetOf(caller.principal);
    await services.rateLimits.admitKey(budget, caller.principal.organization);
    // Sessions slide: a request near the end of one extends it.
    if (caller.principal.sessionOf || caller.type === 'member') await services.apiKeys.extendSession(caller.principal);
  }
  return caller;
}

const heldBack = (retryAfterMs: number) => rateLimitedError(retryAfterMs, 'Too many failed authentication attempts from this address or with this credential');

/**
 * Whom a failure counts against: the address group (IPv6 by /64) and the credential named — the
 * keyId of a well-formed key, known or not (so the count says nothing of which keys exist), or
 * `operator` for the admin token.
 */
function attemptOf(key: PresentedKey | AccessError, admin: string | null | undefined, ip: string | undefined): AuthAttempt {
  const address = ip === undefined ? undefined : (addressGroup(ip) ?? ip);
  if (admin !== null && admin !== undefined) return { address, credential: 'operator' };
  // Repeated or conflicting headers name no one credential.
  const credential = key && !(key instanceof AccessError) ? parseKey(key.token)?.keyId : undefined;
  return { address, credential };
}

/**
 * A refused credential counts against its address group and the credential it named; the
 * failure that brings either to the limit raises an alert naming it (docs/security.md A-08).
 */
async function authenticationFailed(services: Services, attempt: AuthAttempt): Promise<void> {
  services.metrics.authFailures.inc();
  const reached = await services.rateLimits.authenticationFailed(attempt);
  if (reached.length === 0) return;
  services.metrics.authLockouts.inc(reached.length);
  const { failures, windowMs } = services.rateLimits.authFailureLimit;
  services.logger.warn(
    {
      alert: 'auth_failures',
      ...(reached.includes('address') && { ip: attempt.address }),
      ...(reached.includes('credential') && (attempt.credential === 'operator' ? { credential: 'operator' } : { keyId: attempt.credential })),
      failures,
      windowSeconds: windowMs / 1000,
    },
    'failed authentications reached the limit: attempts from this address or with this credential are held back until the window ends, except for credentials known from their address',
  );
}

async function identify(
  services: Services,
  adminToken: string | undefined,
  header: HeaderReader,
  ip: string | undefined,
  admin: string | null | undefined,
  presented: PresentedKey | AccessError,
): Promise<Caller | null> {
  if (presented instanceof AccessError) throw presented;
  const key = presented;
  if (admin !== null && admin !== undefined) {
    if (key) throw new AccessError('UNAUTHENTICATED', 'Send either an admin token or an API key, not both');
    if (!adminTokenMatches(adminToken, admin)) {
      throw new AccessError('UNAUTHENTICATED', ACCESS_MESSAGES.invalidAdminToken);
    }
    return { type: 'operator', ip };
  }
  if (!key) return null;
  // A cookie rides along with any request a browser sends, so a cookie alone proves nothing:
  // the request must also say it comes from a page that may set headers (same origin, or CORS).
  if (key.expects === 'mbr' && header(CSRF_HEADER) !== '1') {
    throw csrfRequired();
  }
  // `kw_ptr_…` in X-Partner-Key, `kw_usr_…` in X-Api-Key, `kw_mbr_…` in the cookie (and only there).
  if ((key.expects && key.token.slice(3, 6) !== key.expects) || (key.expects !== 'mbr' && key.token.startsWith('kw_mbr_'))) throw invalidKey();
  const result = await services.verifier.check(key.token, ip);
  if (!result.ok) throw failure(result.reason);
  if (result.member) return { type: 'member', principal: memberPrincipal(services, header, result.principal, result.member), ip };
  const { apiKey } = result.principal;
  const env = header('x-keyward-env');
  if (env && env.toUpperCase() !== apiKey.environment) {
    throw new AccessError('ENV_MISMATCH', ACCESS_MESSAGES.envMismatch);
  }
  return { type: 'key', principal: result.principal, ip };
}

/**
 * A member's session acts in the environment its request names (`X-Keyward-Env`, TEST when
 * absent); the role decides the rest, so the session's own permissions are none.
 */
function memberPrincipal(
  services: Services,
  header: HeaderReader,
  session: KeyPrincipal,
  member: NonNullable<Extract<KeyCheck, { ok: true }>['member']>,
): MemberPrincipal {
  const named = (header('x-keyward-env') ?? 'test').toUpperCase();
  if (named !== 'TEST' && named !== 'LIVE') throw new AccessError('ENV_MISMATCH', 'X-Keyward-Env must be test or live');
  const signedInAt = session.apiKey.authenticatedAt?.getTime() ?? 0;
  return {
    ...session,
    apiKey: { ...session.apiKey, environment: named },
    permissions: [],
    member,
    recentSignIn: services.clock.now().getTime() - signedInAt < STEP_UP_MS,
  };
}
