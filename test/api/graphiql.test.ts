// GraphiQL's page and files, served by Keyward alone (issue 14, item 4; docs/security.md C-12).
// test/browser/graphiql.test.ts runs it in Chromium.
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_ASSET_PATH, GRAPHIQL_CSP } from '../../src/http/graphiql.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let production: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  production = await createTestApp({ production: true });
});

const browserGet = (target: TestApp, path: string) => target.yoga.fetch(`http://keyward.test${path}`, { headers: { accept: 'text/html,*/*' } });

/** The files the page loads: from its tags, and the workers its start script names. */
async function pageAndAssets(): Promise<{ html: string; response: Response; assets: string[] }> {
  const response = await browserGet(app, '/graphql');
  const html = await response.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  const folder = assets[0]!.replace(/[^/]*$/, '');
  const workers = ['editor.worker.bundle.js', 'json.worker.bundle.js', 'graphql.worker..bundle.js'].map((name) => folder + name);
  return { html, response, assets: [...assets, ...workers] };
}

describe('GraphiQL page and files', () => {
  it('serves the page at GET /graphql to browsers, with a CSP that allows this origin only', async () => {
    const { html, response, assets } = await pageAndAssets();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(GRAPHIQL_CSP);
    expect(GRAPHIQL_CSP).toContain("default-src 'none'");
    expect(GRAPHIQL_CSP).toContain("script-src 'self';");
    expect(GRAPHIQL_CSP).toContain("connect-src 'self';");
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    // Nothing from another host, and no inline script: every script has a src, the options are data.
    expect(html).not.toMatch(/https?:\/\/|\/\/[a-z]/i);
    expect([...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1])).toEqual([
      ' type="application/json" id="graphiql-options"',
      ` src="${assets.find((path) => path.endsWith('yoga-graphiql.umd.js'))}"`,
      ` src="${assets.find((path) => path.endsWith('start.js'))}"`,
    ]);
    expect(assets.every((path) => path.startsWith(GRAPHIQL_ASSET_PATH))).toBe(true);
    expect(html).toContain('Keyward GraphiQL');
  });

  it('serves every file the page loads, with its type and a long cache (the folder is named after the content)', async () => {
    const { assets } = await pageAndAssets();
    expect(assets).toHaveLength(7);
    for (const path of assets) {
      const response = await browserGet(app, path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(/^(text\/javascript|text\/css|image\/svg\+xml)/);
      expect(response.headers.get('cache-control'), path).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect((await response.arrayBuffer()).byteLength, path).toBeGreaterThan(100);
    }
  });

  it('serves no other file: an unknown name, another folder, a path outside', async () => {
    const { assets } = await pageAndAssets();
    const folder = assets[0]!.replace(/[^/]*$/, '');
    for (const path of [
      `${folder}package.json`,
      `${folder}..%2Fpackage.json`,
      `${folder}../../package.json`,
      `${GRAPHIQL_ASSET_PATH}0000000000000000/start.js`,
      `${folder}toString`,
    ]) {
      const response = await browserGet(app, path);
      expect(response.status, path).toBe(404);
    }
  });

  it('serves neither the page nor its files with NODE_ENV=production', async () => {
    const { assets } = await pageAndAssets();
    const page = await browserGet(production, '/graphql');
    expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
    for (const path of assets) expect((await browserGet(production, path)).status, path).toBe(404);
  });
});
