import type { Plugin } from 'graphql-yoga';

/**
 * The small server-rendered pages people reach from Keyward's emails (consent, sign-in): no
 * script, no outside asset, not framed, not cached, no referrer.
 */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

export function page(status: number, title: string, body: string, extraHeaders: Record<string, string> = {}): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}
button{font:inherit;padding:.5rem 1.2rem;margin-right:.5rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return new Response(html, { status, headers: { ...HEADERS, ...extraHeaders } });
}

/** The pages of a link mailed with a token (`<prefix><token>`): its GET shows, its POST answers. */
export interface LinkPages {
  /** `/consent/` or `/dashboard/sign-in/`: the token is the one path segment after it. */
  prefix: string;
  /** For the log line of a failure. */
  name: string;
  unknown: () => Response;
  /** What the GET shows: it uses nothing up (mail scanners and link previews fetch links). */
  show: (token: string) => Promise<Response>;
  /** The POST of the page's form. */
  answer: (token: string, request: Request, serverContext: unknown) => Promise<Response> | Response;
}

/**
 * Serves a link's pages. A link mangled in transit (a broken %-escape) is an unknown link, not a
 * server error; whatever fails, the person sees a page with these pages' headers, never a stack.
 */
export function linkPagesPlugin(logger: { error: (object: object, message: string) => void }, pages: LinkPages): Plugin {
  const path = new RegExp(`^${pages.prefix.replace(/[/.]/g, '\\$&')}([^/]+)$`);
  const failed = (error: unknown): Response => {
    logger.error({ err: error }, `${pages.name} page failed`);
    return page(500, 'Something went wrong', '<p>Please try again in a moment.</p>');
  };
  return {
    onRequest({ request, url, endResponse, serverContext }) {
      const match = path.exec(url.pathname);
      if (!match) return undefined;
      let token: string;
      try {
        token = decodeURIComponent(match[1]!);
      } catch {
        endResponse(pages.unknown());
        return undefined;
      }
      if (request.method === 'GET' || request.method === 'HEAD') return pages.show(token).catch(failed).then(endResponse);
      if (request.method !== 'POST') {
        endResponse(page(405, 'Method not allowed', '<p>Open the link from your email.</p>', { allow: 'GET, POST' }));
        return undefined;
      }
      return Promise.resolve()
        .then(() => pages.answer(token, request, serverContext))
        .catch(failed)
        .then(endResponse);
    },
  };
}
