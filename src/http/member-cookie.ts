import { MEMBER_COOKIE } from '../auth.ts';

/**
 * The member session cookie (docs/api.md, "Members and the dashboard"): HttpOnly (no script
 * reads it), SameSite=Strict (no other site's page or link sends it), on every path (the
 * dashboard and /graphql), Secure when Keyward is served over https. It names no address or
 * browser: nothing a proxy rewrites ends a session.
 */
function memberCookie(token: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return `${MEMBER_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}${options.secure ? '; Secure' : ''}`;
}

/**
 * Beside the session cookie, one the dashboard's script may read: `kw_signed_in=1`, no secret, so
 * the page knows whether to ask the API who is signed in or to show the sign-in form at once
 * (a request it knows will fail would put an error in the console).
 */
const SIGNED_IN_COOKIE = 'kw_signed_in';

/** The cookies a sign-in sets: the session, and the hint that there is one. */
export function memberCookies(token: string, options: { secure: boolean; maxAgeSeconds: number }): string[] {
  const age = Math.max(0, Math.floor(options.maxAgeSeconds));
  return [memberCookie(token, options), `${SIGNED_IN_COOKIE}=${token ? '1' : ''}; SameSite=Strict; Path=/; Max-Age=${age}${options.secure ? '; Secure' : ''}`];
}

/** The same cookies, dropped. */
export function clearedMemberCookies(secure: boolean): string[] {
  return memberCookies('', { secure, maxAgeSeconds: 0 });
}
