import type { Plugin } from 'graphql-yoga';
import { cookieValue, MEMBER_COOKIE } from '../auth.ts';
import type { Services } from '../context.ts';
import { MEMBER_SESSION_MAX_MS } from '../domain/api-key/api-key.service.ts';
import { parseKey } from '../domain/api-key/key-format.ts';
import type { SignInView } from '../domain/member/member.service.ts';
import { resolveClientIp } from '../domain/ip/client-ip.ts';
import { memberCookies } from './member-cookie.ts';
import { isOwnOrigin } from './origin.ts';
import { escapeHtml, linkPagesPlugin, page } from './pages.ts';

/**
 * `/dashboard/sign-in/<token>`, the page of a sign-in link: its GET shows one button and uses up
 * nothing (mail scanners and link previews fetch links); the button's POST redeems the link, sets
 * the `kw_member` cookie and sends the browser to `/dashboard/`. The POST is refused from any
 * other Origin, so another site cannot sign a browser in to an account of its choosing.
 */
const PREFIX = '/dashboard/sign-in/';

const unknownLink = () => page(404, 'Unknown link', '<p>This sign-in link is not valid. Check that you copied all of it, or ask for a new one.</p>');

function render(view: SignInView | { state: 'SIGNED_IN' }, token: string): Response {
  switch (view.state) {
    case 'OPEN':
      return page(
        200,
        `Sign in to ${view.organizationName}`,
        `<p>Sign in to the Keyward dashboard of <strong>${escapeHtml(view.organizationName)}</strong> as <strong>${escapeHtml(view.email)}</strong>.</p>
<form method="post" action="${PREFIX}${encodeURIComponent(token)}"><button type="submit">Sign in</button></form>`,
        // The button's POST must say where it comes from (under no-referrer, browsers send `Origin: null`);
        // the link itself still goes to no other site.
        { 'referrer-policy': 'same-origin' },
      );
    case 'SIGNED_IN':
      return page(200, 'Signed in', '<p>You are signed in. <a href="/dashboard/">Open the dashboard</a>.</p>');
    case 'USED':
      return page(410, 'This link was already used', '<p>Each sign-in link works once. Ask for a new one on the dashboard.</p>');
    case 'EXPIRED':
      return page(410, 'This link has expired', '<p>Sign-in links work for 15 minutes (invitations for 24 hours). Ask for a new one on the dashboard.</p>');
    case 'UNKNOWN':
      return unknownLink();
  }
}

/** A POST from a page of another origin (browsers say where a form was posted from). */
function crossOrigin(request: Request, services: Services): boolean {
  const origin = request.headers.get('origin');
  // The request's URL carries the Host it was sent to (a fetch Request has no Host header).
  if (origin !== null) return !isOwnOrigin(origin, new URL(request.url).host, services);
  return request.headers.get('sec-fetch-site') === 'cross-site';
}

/** What the new session is called in the member's list of sessions: the browser, in a few words. */
function deviceName(userAgent: string | null): string {
  const agent = userAgent ?? '';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : 'Browser';
  const system = /Android/.test(agent)
    ? 'Android'
    : /iPhone|iPad/.test(agent)
      ? 'iOS'
      : /Mac OS X/.test(agent)
        ? 'macOS'
        : /Windows/.test(agent)
          ? 'Windows'
          : /Linux/.test(agent)
            ? 'Linux'
            : '';
  return `${browser}${system ? ` on ${system}` : ''}`;
}

export function signInPagesPlugin(services: Services, options: { secureCookies: boolean; trustedProxies: ((ip: string) => boolean) | null }): Plugin {
  return linkPagesPlugin(services.logger, {
    prefix: PREFIX,
    name: 'sign-in',
    unknown: unknownLink,
    show: (token) => services.members.viewSignIn(token).then((view) => render(view, token)),
    answer: async (token, request, serverContext) => {
      if (crossOrigin(request, services)) return page(403, 'Sign in from the link', '<p>Open the link from your email and press the button there.</p>');
      // The request's own session, when it has one, is refreshed instead of opening another (step-up).
      const current = parseKey(cookieValue(request.headers.get('cookie'), MEMBER_COOKIE) ?? '');
      const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
      const ip = resolveClientIp(req?.socket?.remoteAddress, request.headers.get('x-forwarded-for') ?? undefined, options.trustedProxies) ?? null;
      const result = await services.members.redeem(
        token,
        current?.kind === 'mbr' ? current.keyId : undefined,
        deviceName(request.headers.get('user-agent')),
        ip,
      );
      if (result.state !== 'SIGNED_IN') return render(result, token);
      if (result.token === null) return redirect();
      // The browser keeps it as long as a session can last; the server ends it sooner when idle.
      return redirect(memberCookies(result.token, { secure: options.secureCookies, maxAgeSeconds: MEMBER_SESSION_MAX_MS / 1000 }));
    },
  });
}

/** 303: the browser GETs the dashboard (a reload does not post the form again). */
function redirect(cookies: string[] = []): Response {
  const headers = new Headers({ location: '/dashboard/', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(null, { status: 303, headers });
}
