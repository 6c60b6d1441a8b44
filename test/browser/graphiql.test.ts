// GraphiQL in a real browser (issue 14, items 4 and 5; docs/security.md C-08, C-12): Debian's
// Chromium, headless, driven by playwright-core, against a real Keyward server on 127.0.0.1. Every
// request to any other address fails (aborted by the test, and anything that slips past goes to a
// proxy that refuses it) and is recorded: none may be made. A query, a mutation and a subscription
// run through GraphiQL's own editors and buttons, with the key typed once in its headers.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_CSP } from '../../src/http/graphiql.ts';
import { FROM_START } from '../helpers/subscriber.ts';
import { createOrganization, startTestServer, type TestServer } from '../transport/server.ts';

const CHROMIUM = process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium';

let server: TestServer;
let secret: string;
let browser: Browser;
let page: Page;
let trap: Server;
/** Requests to anything but this server's origin (or data:/blob: URLs), by URL. */
const outside: string[] = [];
/** Connections that reached the refusing proxy: the browser's own, or a request past the route below. */
const trapped: string[] = [];
/**
 * Chromium itself calls Google's update, time and account services at start whatever its flags say;
 * they fail at the proxy like anything else, and are the only connections that may reach it.
 */
const BROWSER_SERVICE = /^(CONNECT |[A-Z]+ http:\/\/)([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com)[:/]/;
/** Console lines and security policy violations that name the CSP, and uncaught errors. */
const problems: string[] = [];
/** The requests GraphiQL sent to /graphql. */
const sent: { method: string; url: string; headers: Record<string, string> }[] = [];

const isLocal = (url: string, origin: string) => url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium, as .ci/run does) or set KEYWARD_CHROMIUM`);
  }
  server = await startTestServer();
  ({ secret } = await createOrganization(server.services));
  trap = createServer((socket) => {
    socket.once('data', (chunk) => trapped.push(chunk.toString('latin1').split('\r\n')[0]!));
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 50);
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  const trapPort = (trap.address() as { port: number }).port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Everything but the server's own address goes to the refusing proxy.
    proxy: { server: `http://127.0.0.1:${trapPort}`, bypass: '127.0.0.1' },
    args: [
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
      '--disable-domain-reliability',
      '--disable-client-side-phishing-detection',
      '--disable-default-apps',
      '--no-pings',
      '--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter,CertificateTransparencyComponentUpdater,AccountConsistency,SigninInterception',
    ],
  });
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url, server.origin)) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    if (!isLocal(request.url(), server.origin)) outside.push(request.url());
    if (new URL(request.url()).pathname === '/graphql' && request.resourceType() !== 'document') {
      sent.push({ method: request.method(), url: request.url(), headers: request.headers() });
    }
  });
  // Violations are reported to the page as events too (the console line is Chromium's wording).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  page = await context.newPage();
  const watch = (text: string) => {
    if (/content security policy|content-security-policy/i.test(text)) problems.push(text);
  };
  page.on('console', (message) => watch(message.text()));
  page.on('worker', (worker) => worker.on('console', (message) => watch(message.text())));
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (trap ? trap.close(() => resolve()) : resolve()));
  await server?.stop();
});

/**
 * Replaces an editor's text as a user would: click in it, select all, delete, type. On a busy
 * machine the first click may land before Monaco has focus (the select-all then selects the page
 * and the old text stays), so it clears until the editor is empty before typing.
 */
async function setEditor(selector: string, text: string): Promise<void> {
  const editorText = () => textOf(`${selector} .view-lines`);
  for (let attempt = 0; ; attempt++) {
    await page.locator(`${selector} .monaco-editor`).first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    const cleared = await expect
      .poll(async () => (await editorText()).trim(), { timeout: 2_000 })
      .toBe('')
      .then(
        () => true,
        () => false,
      );
    if (cleared) break;
    if (attempt === 4) throw new Error(`could not clear the editor ${selector}`);
  }
  // One input event: Monaco's auto-closing brackets apply to single typed characters only.
  await page.keyboard.insertText(text);
}

const QUERY_EDITOR = 'section.graphiql-query-editor';
const HEADERS_EDITOR = 'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)';

/** An element's text, with Monaco's non-breaking spaces as spaces. */
const textOf = (selector: string) =>
  page
    .locator(selector)
    .first()
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node: innerText is the text as rendered, which is what the user reads
    .innerText()
    .then((text) => text.replace(/\u00a0/g, ' '));
const result = () => textOf('section.result-window');

/**
 * Types an operation and runs it. GraphiQL picks the operation to run from the editor a moment
 * after the text changes; a click before that runs nothing and shows `Cannot infer operation`
 * (no request is sent), so the click is repeated until GraphiQL has taken the new text.
 */
async function run(operation: string): Promise<void> {
  await setEditor(QUERY_EDITOR, operation);
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.locator('button.graphiql-execute-button').click();
    const picked = await expect
      .poll(result, { timeout: 1_000 })
      .toMatch(/Cannot infer operation/)
      .then(
        () => false,
        () => true,
      );
    if (picked) return;
  }
  throw new Error('GraphiQL never took the operation typed into its editor');
}

// A first load parses 5 MB of script; the machine may be busy with other tests.
describe('GraphiQL in Chromium, served by Keyward alone', { timeout: 120_000 }, () => {
  it('renders from Keyward only, under a CSP that allows no other origin', async () => {
    const response = await page.goto(server.url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'];
    expect(csp).toBe(GRAPHIQL_CSP);
    // Every source is this origin, `data:` or a keyword: no host, scheme-wide or wildcard source.
    const sources = csp!.split(';').flatMap((directive) => directive.trim().split(/\s+/).slice(1));
    expect(sources.filter((source) => !["'self'", "'none'", "'unsafe-inline'", 'data:'].includes(source))).toEqual([]);
    expect(csp).toMatch(/script-src 'self';/);
    await page.locator('button.graphiql-execute-button').waitFor({ state: 'visible', timeout: 60_000 });
    await expect.poll(() => textOf(`${QUERY_EDITOR} .view-lines`), { timeout: 30_000 }).toContain('Put your key in the Headers tab');
  });

  it('runs a query with the key typed once in the headers', async () => {
    await page.getByText('Headers', { exact: true }).click();
    await setEditor(HEADERS_EDITOR, JSON.stringify({ 'X-Partner-Key': secret }));
    await run('query Me { viewer { kind environment } }');
    await expect.poll(result, { timeout: 30_000 }).toMatch(/"kind": "PARTNER"[\s\S]*"environment": "TEST"/);
  });

  it('runs a mutation with the same headers', async () => {
    await run(
      'mutation Make { createPartnerKey(input: { name: "made in graphiql", permissions: [KEYS_READ] }) { __typename ... on CreatePartnerKeySuccess { key { name } } } }',
    );
    await expect.poll(result, { timeout: 30_000 }).toMatch(/"__typename": "CreatePartnerKeySuccess"[\s\S]*"name": "made in graphiql"/);
  });

  it('runs a subscription with the same headers, and shows the event the test causes', async () => {
    const opened = page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/graphql' && (response.headers()['content-type'] ?? '').includes('text/event-stream'),
    );
    // From the start of the organization's events: the test's event arrives whenever the stream opened.
    await run(`subscription Watch { apiKeyEvents(after: "${FROM_START}") { type key { name } } }`);
    expect((await opened).status()).toBe(200);
    const created = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-partner-key': secret },
      body: JSON.stringify({ query: 'mutation { createPartnerKey(input: { name: "made by the test", permissions: [KEYS_READ] }) { __typename } }' }),
    });
    expect(((await created.json()) as { data: { createPartnerKey: { __typename: string } } }).data.createPartnerKey.__typename).toBe('CreatePartnerKeySuccess');
    await expect.poll(result, { timeout: 30_000 }).toMatch(/"type": "CREATED"[\s\S]*"name": "made by the test"/);
  });

  it('sent the key in a header of every operation, never in a URL, and the subscription over SSE', () => {
    const operations = sent.filter((request) => request.headers['x-partner-key'] !== undefined);
    expect(operations.length).toBeGreaterThanOrEqual(3);
    for (const request of operations) expect(request.headers['x-partner-key']).toBe(secret);
    expect(sent.filter((request) => request.url.includes(secret))).toEqual([]);
    const subscription = operations.find((request) => request.url.includes('apiKeyEvents') || request.headers.accept?.includes('text/event-stream'));
    expect(subscription?.headers.accept).toContain('text/event-stream');
    // GraphiQL asks for a subscription with a GET, without a CSRF header: let through for its key header.
    expect(subscription?.method).toBe('GET');
    expect(subscription?.headers['x-graphql-yoga-csrf']).toBeUndefined();
  });

  it('keeps the key in no browser storage', async () => {
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(stored).toContain('apiKeyEvents');
    expect(stored).not.toContain(secret);
  });

  it('made no request outside 127.0.0.1 and no CSP violation', () => {
    expect(outside).toEqual([]);
    expect(trapped.filter((line) => !BROWSER_SERVICE.test(line))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
