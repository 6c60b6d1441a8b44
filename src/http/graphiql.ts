import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';

/**
 * GraphiQL, served by Keyward itself: the page at `GET /graphql` (a browser's `Accept: text/html`)
 * and every file it loads under `/graphiql/assets/<version>/`, from the `@graphql-yoga/graphiql`
 * package (yoga's own GraphiQL build: React, GraphiQL, its CSS with inlined fonts, Monaco's three
 * workers) pinned in package-lock.json, plus Keyward's start script and favicon. The page's CSP
 * allows no other origin, and no inline script.
 */
export const GRAPHIQL_ASSET_PATH = '/graphiql/assets/';

const require = createRequire(import.meta.url);
const bundleDir = dirname(require.resolve('@graphql-yoga/graphiql/package.json'));
// Through the repository root, so that the same path holds from src/http/ (tsx, tests) and from the
// build's dist/http/ (tsc copies no file but .ts).
const ownDir = fileURLToPath(new URL('../../src/http/graphiql/', import.meta.url));

const JS = 'text/javascript; charset=utf-8';
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  'graphiql.css': { file: join(bundleDir, 'dist/graphiql.css'), type: 'text/css; charset=utf-8' },
  'yoga-graphiql.umd.js': { file: join(bundleDir, 'dist/yoga-graphiql.umd.js'), type: JS },
  'editor.worker.bundle.js': { file: join(bundleDir, 'dist/monacoeditorwork/editor.worker.bundle.js'), type: JS },
  'json.worker.bundle.js': { file: join(bundleDir, 'dist/monacoeditorwork/json.worker.bundle.js'), type: JS },
  'graphql.worker..bundle.js': { file: join(bundleDir, 'dist/monacoeditorwork/graphql.worker..bundle.js'), type: JS },
  'start.js': { file: join(ownDir, 'start.js'), type: JS },
  'favicon.svg': { file: join(ownDir, 'favicon.svg'), type: 'image/svg+xml' },
};

/**
 * What the page may load: its own origin only. GraphiQL's CSS inlines its fonts and a few images as
 * `data:` URLs; Monaco's workers are files of this origin; queries, mutations and subscriptions
 * (Server-Sent Events) go to this origin. Styles need 'unsafe-inline': Monaco and GraphiQL set
 * `style` attributes and add `<style>` elements as they run (over a thousand at load, each refused
 * without it, and a nonce cannot allow a `style` attribute). Scripts need nothing inline.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DEFAULT_QUERY = `# Keyward GraphiQL
#
# Put your key in the Headers tab below, once:
#
#   { "X-Partner-Key": "kw_ptr_test_…" }
#
# It is sent with every query, mutation and subscription (subscriptions
# come over Server-Sent Events, with the same headers), and kept only in
# this page: a reload forgets it.
#
# Run an operation with Ctrl-Enter or the play button.

query Viewer {
  viewer {
    kind
    environment
  }
}
`;

/** The options of yoga's GraphiQL (its `renderYogaGraphiQL`), as the page's JSON data block. */
const OPTIONS = {
  title: 'Keyward GraphiQL',
  endpoint: '/graphql',
  // The first tab's operation (this version of the bundle reads `query`, not `defaultQuery`).
  query: DEFAULT_QUERY,
  // A key typed in the headers stays in this page, not in the browser's storage.
  shouldPersistHeaders: false,
};

/** The folder's version: the package's and Keyward's files', so a new one is never an old cached file. */
function assetVersion(): string {
  const hash = createHash('sha256').update(readFileSync(join(bundleDir, 'package.json')));
  for (const name of ['start.js', 'favicon.svg']) hash.update(readFileSync(ASSETS[name]!.file));
  return hash.digest('hex').slice(0, 16);
}

function page(folder: string): Response {
  // `<` escaped: the data block cannot be closed by what it holds.
  const options = JSON.stringify(OPTIONS).replace(/</g, '\\u003c');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyward GraphiQL</title><link rel="icon" href="${folder}favicon.svg"><link rel="stylesheet" href="${folder}graphiql.css">
<script type="application/json" id="graphiql-options">${options}</script></head>
<body class="no-focus-outline"><div id="root">Loading Keyward GraphiQL…</div>
<script src="${folder}yoga-graphiql.umd.js"></script><script src="${folder}start.js"></script></body></html>`;
  return new Response(html, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': GRAPHIQL_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
  });
}

async function asset(name: string): Promise<Response> {
  const found = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!found) return new Response('Not found', { status: 404 });
  return new Response(await readFile(found.file), {
    headers: {
      'content-type': found.type,
      // The folder's name changes with its content.
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    },
  });
}

/** The GraphiQL page on `graphqlEndpoint` for browsers, and its files. */
export function graphiqlPlugin(graphqlEndpoint: string): Plugin {
  const folder = `${GRAPHIQL_ASSET_PATH}${assetVersion()}/`;
  return {
    onRequest({ request, url, endResponse }) {
      if (request.method !== 'GET') return undefined;
      if (url.pathname.startsWith(GRAPHIQL_ASSET_PATH)) {
        // A folder of another version (a page cached before an upgrade) is not served.
        if (!url.pathname.startsWith(folder)) {
          endResponse(new Response('Not found', { status: 404 }));
          return undefined;
        }
        return asset(url.pathname.slice(folder.length)).then(endResponse);
      }
      if ((url.pathname === graphqlEndpoint || url.pathname === `${graphqlEndpoint}/`) && request.headers.get('accept')?.includes('text/html')) {
        endResponse(page(folder));
      }
      return undefined;
    },
  };
}
