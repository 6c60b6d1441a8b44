// `npm run smoke`: starts the build as `npm start` does (`node dist/main.js`, on the Node.js that
// runs this script) on a fresh embedded data dir, and checks what a first start must give: /readyz,
// the banner's demo key answering GraphQL, the files the build finds relative to itself (GraphiQL's
// page and start script, the dashboard, the migrations), then a clean exit 0 on SIGTERM.
// .ci/run calls it on the machine's Node.js after the tests have run on the newer one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/helpers/ports.ts';

const ROOT = resolve(import.meta.dirname, '..');
const READY_TIMEOUT_MS = 120_000;
const EXIT_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function check(condition: boolean, what: string, output: () => string): asserts condition {
  if (!condition) throw new Error(`smoke: ${what}\n--- output ---\n${output()}`);
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

const temp = mkdtempSync(join(os.tmpdir(), 'keyward-smoke-'));
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const env: NodeJS.ProcessEnv = {};
for (const [name, value] of Object.entries(process.env)) {
  if (/^(KEYWARD_|PG|DATABASE_URL$|REDIS_URL$|LOG_LEVEL$|NODE_OPTIONS$|NODE_ENV$|HOST$)/.test(name)) continue;
  env[name] = value;
}
const started = performance.now();
const child = spawn(process.execPath, ['dist/main.js'], {
  cwd: ROOT,
  env: { ...env, KEYWARD_DATA_DIR: join(temp, 'data'), PORT: String(port), HOST: '127.0.0.1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
const out = () => output;

try {
  let readyMs: number | undefined;
  while (readyMs === undefined) {
    check(child.exitCode === null, `exited (${child.exitCode}) before /readyz answered`, out);
    check(performance.now() - started < READY_TIMEOUT_MS, `/readyz did not answer 200 within ${READY_TIMEOUT_MS} ms`, out);
    const ready = await get(`${origin}/readyz`).catch(() => undefined);
    if (ready?.status === 200) readyMs = performance.now() - started;
    else await sleep(50);
  }

  check(output.includes('Keyward: first start.'), 'no first-start banner', out);
  const key = /Demo TEST partner key:\s+(kw_ptr_test_\S+)/.exec(output)?.[1];
  check(key !== undefined, 'no demo key in the banner', out);

  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-partner-key': key },
    body: JSON.stringify({ query: '{ viewer { kind environment } }' }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await response.text();
  check(
    response.status === 200 && answer === '{"data":{"viewer":{"kind":"PARTNER","environment":"TEST"}}}',
    `the demo key's viewer query answered ${response.status} ${answer}`,
    out,
  );

  const graphiql = await get(`${origin}/graphql`, { accept: 'text/html' });
  const startScript = /src="(\/graphiql\/assets\/[^"]+\/start\.js)"/.exec(graphiql.body)?.[1];
  check(graphiql.status === 200 && startScript !== undefined, `GraphiQL's page answered ${graphiql.status}`, out);
  const script = await get(`${origin}${startScript}`);
  check(script.status === 200 && script.body.length > 0, `GraphiQL's start script answered ${script.status}`, out);
  const dashboard = await get(`${origin}/dashboard/`);
  check(dashboard.status === 200, `/dashboard/ answered ${dashboard.status} (is dashboard/dist built?)`, out);

  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  const exit = await exited;
  clearTimeout(timer);
  check(exit.code === 0, `SIGTERM ended it with ${JSON.stringify(exit)}, not exit 0`, out);
  console.log(
    `smoke: node dist/main.js on Node ${process.version}: /readyz after ${(readyMs / 1000).toFixed(1)} s (first start), the demo key's query, GraphiQL, the dashboard, SIGTERM → exit 0`,
  );
} finally {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(temp, { recursive: true, force: true });
}
