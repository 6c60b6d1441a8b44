/**
 * `npm run bench:dashboard`: what a member waits for in the dashboard, on the embedded database.
 * Not part of `npm test`.
 *
 * Keyward runs as `npm start` runs it (`node dist/main.js`, built first with `npm run build`; first
 * start on a fresh embedded data dir in a temp folder); Debian's Chromium (playwright-core, headless) signs in with the one-time link the
 * first-start banner prints, then measures:
 *
 *   (a) first render: from the start of a navigation to /dashboard/ until the keys table shows
 *       the demo key, page after page (each a fresh load: the app's files from the browser's
 *       cache, as a returning member has them; the API's answers never cached);
 *       baseline: the same navigation to /readyz, a plain document of the same origin.
 *   (b) a change appearing: from a key created by a second client (the demo partner key, over
 *       HTTP) until its row shows in the open page, which learns of it from the apiKeyEvents
 *       subscription over graphql-ws; baseline: the same event reaching a bare graphql-ws
 *       client in this process (no browser, no cache, no React).
 *   (c) bundle size: the built files of dashboard/dist, raw and gzip.
 *
 * Medians and p95 of BENCH_SAMPLES samples (default 20) and the ratios to the baselines.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createClient } from 'graphql-ws';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { freePort } from '../test/helpers/ports.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const CHROMIUM = process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const summary = (values: number[]) => ({ median: percentile(values, 50), p95: percentile(values, 95) });
const ms = (value: number) => `${value.toFixed(1)} ms`;

function bundle(): { files: { name: string; bytes: number; gzip: number }[]; total: { bytes: number; gzip: number } } {
  const dir = join(ROOT, 'dashboard/dist/assets');
  const files = readdirSync(dir).map((name) => {
    const body = readFileSync(join(dir, name));
    return { name, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  const index = readFileSync(join(ROOT, 'dashboard/dist/index.html'));
  files.push({ name: 'index.html', bytes: index.length, gzip: gzipSync(index, { level: 9 }).length });
  return { files, total: { bytes: files.reduce((s, f) => s + f.bytes, 0), gzip: files.reduce((s, f) => s + f.gzip, 0) } };
}

async function main() {
  statSync(join(ROOT, 'dashboard/dist/index.html'));
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const temp = mkdtempSync(join(os.tmpdir(), 'keyward-bench-dashboard-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'KEYWARD_ADMIN_TOKEN', 'KEYWARD_PEPPER', 'KEYWARD_ENCRYPTION_KEY', 'KEYWARD_PUBLIC_URL', 'HOST'])
    delete env[name];
  Object.assign(env, { KEYWARD_DATA_DIR: join(temp, 'data'), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  let output = '';
  const keyward = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  keyward.stdout.on('data', collect);
  keyward.stderr.on('data', collect);
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu'],
  });
  try {
    let link: string | undefined;
    let key: string | undefined;
    for (let i = 0; i < 1800 && !(link && key); i++) {
      link = /Dashboard sign-in link:\s+(\S+)/.exec(output)?.[1];
      key = /Demo TEST partner key:\s+(kw_ptr_test_\S+)/.exec(output)?.[1];
      if (keyward.exitCode !== null) throw new Error(`Keyward exited: ${output.slice(-2000)}`);
      await sleep(100);
    }
    if (!link || !key) throw new Error('Keyward printed no sign-in link and demo key within 3 minutes');
    for (
      let i = 0;
      i < 600 &&
      !(await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    )
      await sleep(100);
    const page = await browser.newPage();
    await page.goto(link);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const demoRow = page.getByRole('row').filter({ hasText: 'Default partner key' });
    await demoRow.waitFor({ timeout: 60_000 });

    // (a) first render, against a plain document of the same origin; alternating, after one of each to warm up.
    const render: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i <= SAMPLES; i++) {
      let started = performance.now();
      await page.goto(`${base}/readyz`);
      const plainMs = performance.now() - started;
      started = performance.now();
      await page.goto(`${base}/dashboard/`);
      await demoRow.waitFor({ timeout: 60_000 });
      const renderMs = performance.now() - started;
      if (i === 0) continue;
      plain.push(plainMs);
      render.push(renderMs);
    }

    // (b) a change appearing in the open page, against a bare graphql-ws client seeing the same event.
    const ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { 'X-Partner-Key': key } });
    const seen = new Map<string, number>();
    const stop = ws.subscribe(
      { query: 'subscription { apiKeyEvents { type key { name } } }' },
      {
        next: (result) => {
          const name = (result.data as { apiKeyEvents?: { key?: { name?: string } } } | undefined)?.apiKeyEvents?.key?.name;
          if (name) seen.set(name, performance.now());
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await sleep(500);
    const appear: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i <= SAMPLES; i++) {
      const name = `Bench ${i} ${Date.now()}`;
      const started = performance.now();
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-partner-key': key },
        body: JSON.stringify({
          query: 'mutation ($n: String!) { createPartnerKey(input: { name: $n, permissions: [KEYS_READ] }) { __typename } }',
          variables: { n: name },
        }),
      });
      await res.json();
      await page.getByRole('row').filter({ hasText: name }).waitFor({ timeout: 30_000 });
      const pageMs = performance.now() - started;
      for (let w = 0; w < 300 && !seen.has(name); w++) await sleep(10);
      const bareMs = (seen.get(name) ?? Number.NaN) - started;
      // Revoke it again through the page's own list size limit: 5 active keys per organization.
      await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-partner-key': key },
        body: JSON.stringify({
          query: `{ partnerKeys(first: 10) { edges { node { id name } } } }`,
        }),
      })
        .then((r) => r.json() as Promise<{ data: { partnerKeys: { edges: { node: { id: string; name: string } }[] } } }>)
        .then(async ({ data }) => {
          for (const { node } of data.partnerKeys.edges.filter((e) => e.node.name.startsWith('Bench '))) {
            await fetch(`${base}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-partner-key': key },
              body: JSON.stringify({ query: 'mutation ($id: ID!) { revokePartnerKey(input: { id: $id }) { __typename } }', variables: { id: node.id } }),
            });
          }
        });
      if (i === 0) continue;
      appear.push(pageMs);
      bare.push(bareMs);
    }
    stop();
    await ws.dispose();

    const a = summary(render);
    const a0 = summary(plain);
    const b = summary(appear);
    const b0 = summary(bare);
    const size = bundle();
    console.log(`Keyward dashboard, ${SAMPLES} samples each, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
    console.log(
      `(a) first render of the keys page: median ${ms(a.median)}, p95 ${ms(a.p95)}; plain document: median ${ms(a0.median)}, p95 ${ms(a0.p95)}; ratio (median) ${(a.median / a0.median).toFixed(1)}×`,
    );
    console.log(
      `(b) a change appearing in the open page: median ${ms(b.median)}, p95 ${ms(b.p95)}; bare graphql-ws client: median ${ms(b0.median)}, p95 ${ms(b0.p95)}; ratio (median) ${(b.median / b0.median).toFixed(1)}×`,
    );
    console.log(
      `(c) bundle: ${(size.total.gzip / 1024).toFixed(1)} KiB gzip (${(size.total.bytes / 1024).toFixed(1)} KiB raw): ${size.files.map((f) => `${f.name} ${(f.gzip / 1024).toFixed(1)} KiB`).join(', ')}`,
    );
  } finally {
    await browser.close();
    keyward.kill('SIGTERM');
    await new Promise((r) => keyward.once('exit', r));
    rmSync(temp, { recursive: true, force: true });
  }
}

await main();
