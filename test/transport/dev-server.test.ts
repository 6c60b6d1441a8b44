// `npm run dev` (scripts/dev.ts): Vite's dev server with hot reload in front of a watched Keyward.
// The page comes with Vite's hot-reload client, whose socket answers; /graphql and the sign-in
// pages pass through to Keyward; and Keyward's links point at the dev server, so a browser signs in
// on the page's own origin, as in production.
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../helpers/ports.ts';
import { killAllKeyward, postGraphQL, removeTempDirs, spawnKeyward, tempDataDir } from '../helpers/process.ts';

afterAll(async () => {
  await killAllKeyward();
  await removeTempDirs();
});

/** Polls until `probe` stops throwing (the watcher starts Keyward after the dev server listens). */
async function eventually<T>(probe: () => Promise<T>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await probe();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${what} within ${timeoutMs} ms: ${String(last)}`);
}

describe('npm run dev', () => {
  it('serves the dashboard with hot reload and passes the API and the sign-in pages on to Keyward', { timeout: 120_000 }, async () => {
    const devPort = await freePort();
    const dev = await spawnKeyward({ KEYWARD_DATA_DIR: await tempDataDir(), DASHBOARD_PORT: String(devPort), LOG_LEVEL: 'info' }, 'scripts/dev.ts');
    const devOrigin = `http://127.0.0.1:${devPort}`;
    // Keyward's first start prints the demo's sign-in link, pointing at the dev server.
    const link = await eventually(async () => {
      const found = new RegExp(`${devOrigin}/dashboard/sign-in/\\S+`).exec(dev.stdout());
      if (!found) throw new Error('no sign-in link on the dev server yet');
      return found[0];
    }, `a sign-in link on ${devOrigin}\n${dev.output()}`);

    const page = await fetch(`${devOrigin}/dashboard/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/dashboard/@vite/client');
    expect(html).toContain('/dashboard/src/main.tsx');

    // The hot-reload channel: Vite's client opens this socket and hears updates on it.
    const hmr = new WebSocket(`ws://127.0.0.1:${devPort}/dashboard/`, 'vite-hmr');
    const greeting = await new Promise<string>((resolve, reject) => {
      hmr.once('message', (data: Buffer) => resolve(data.toString('utf8')));
      hmr.once('error', reject);
    });
    hmr.close();
    expect(JSON.parse(greeting)).toMatchObject({ type: 'connected' });

    // The API through the dev server (Keyward restarts on changes, so it may take a moment).
    const answer = await eventually(async () => {
      const result = await postGraphQL(`${devOrigin}/graphql`, '{ __typename }', {});
      if (result.status !== 200) throw new Error(`status ${result.status}`);
      return result.body;
    }, 'the API through the dev server');
    expect(answer).toEqual({ data: { __typename: 'Query' } });

    // The sign-in link's page comes from Keyward, through the dev server.
    const signIn = await fetch(link);
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain('<form');

    await dev.kill();
  });
});
