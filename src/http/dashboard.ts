import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';
import { page } from './pages.ts';

/**
 * The partner dashboard at `/dashboard/`: the single-page app `npm install` builds into
 * dashboard/dist (`npm run build:dashboard`), served by Keyward itself. Every path under
 * /dashboard/ but its files and the sign-in links' pages (src/http/sign-in-page.ts) is the app's
 * page; the app talks to /graphql on this origin with the member's cookie.
 */
const DASHBOARD_PATH = '/dashboard/';
export const DASHBOARD_ASSET_PATH = '/dashboard/assets/';

const distDir = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

/**
 * What the app may load: its own origin only. No inline script or style: React sets styles
 * through the DOM, and dialogs are the browser's own <dialog>. connect-src 'self' covers the
 * graphql-ws socket of this origin.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

interface Built {
  index: string;
  /** Files under assets/, by name: their names carry a hash of their content. */
  assets: Map<string, { body: Buffer; type: string }>;
}

/** The built app, read once at start (its files never change while Keyward runs); null when it was not built. */
function readBuilt(): Built | null {
  if (!existsSync(join(distDir, 'index.html'))) return null;
  const assets = new Map<string, { body: Buffer; type: string }>();
  const assetDir = join(distDir, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type });
  }
  return { index: readFileSync(join(distDir, 'index.html'), 'utf8'), assets };
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

export function dashboardPlugin(): Plugin {
  const built = readBuilt();
  return {
    onRequest({ request, url, endResponse }) {
      if (url.pathname !== '/dashboard' && !url.pathname.startsWith(DASHBOARD_PATH)) return undefined;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new Response('Method not allowed', { status: 405, headers: { allow: 'GET, HEAD' } }));
        return undefined;
      }
      if (!built) {
        endResponse(
          page(503, 'The dashboard is not built', '<p>Run <code>npm run build:dashboard</code> (npm install does it), then start Keyward again.</p>'),
        );
        return undefined;
      }
      if (url.pathname.startsWith(DASHBOARD_ASSET_PATH)) {
        const asset = built.assets.get(url.pathname.slice(DASHBOARD_ASSET_PATH.length));
        endResponse(
          asset
            ? new Response(new Uint8Array(asset.body), {
                headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', ...SECURITY_HEADERS },
              })
            : new Response('Not found', { status: 404 }),
        );
        return undefined;
      }
      endResponse(
        new Response(built.index, {
          headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DASHBOARD_CSP, 'cache-control': 'no-store', ...SECURITY_HEADERS },
        }),
      );
      return undefined;
    },
  };
}
