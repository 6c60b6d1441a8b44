import { MEMBER_COOKIE } from '../auth.ts';

/**
 * The member session cookie (docs/api.md, "Members and the dashboard"): HttpOnly (no script
 * reads it), SameSite=Strict (no other site's page or link sends it), on every path (the
 * dashboard and /graphql), Secure when Keyward is served over https. It names no address or
 * browser: nothing a proxy rewrites ends a session.
 */
export function memberCookie(token: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return `${MEMBER_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}${options.secure ? '; Secure' : ''}`;
}

/** The same cookie, dropped. */
export function clearedMemberCookie(secure: boolean): string {
  return memberCookie('', { secure, maxAgeSeconds: 0 });
}
