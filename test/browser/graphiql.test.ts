// GraphiQL in a real browser (issue 14, items 4 and 5; docs/security.md C-08, C-12): Debian's
// Chromium, headless, driven by playwright-core, against a real Keyward server on 127.0.0.1. Every
// request to any other address fails (aborted by the test, and anything that slips past goes to a
// proxy that refuses it) and is recorded: none may be made. A query, a mutation and a subscription
// run through GraphiQL's own editors and buttons, with the key typed once in its headers.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_CSP } from '../../src/http/graphiql.ts';
import { FROM_START } from '../helpers/subscriber.ts';
import { createOrganization, startTestServer, type TestServer } from '../transport/server.ts';
import { BROWSER_SERVICE, cspSources, openBrowser, type Harness } from './harness.ts';

let server: TestServer;
let secret: string;
let harness: Harness;
let page: Page;
/** The requests GraphiQL sent to /graphql. */
const sent: { method: string; url: string; headers: Record<string, string> }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ secret } = await createOrganization(server.services));
  harness = await openBrowser(server.origin, {
    onRequest: ({ resourceType, ...request }) => {
      if (new URL(request.url).pathname === '/graphql' && resourceType !== 'document') sent.push(request);
    },
  });
  ({ page } = harness);
});

afterAll(async () => {
  await harness?.close();
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
    expect(cspSources(csp!).filter((source) => !["'self'", "'none'", "'unsafe-inline'", 'data:'].includes(source))).toEqual([]);
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
    expect(harness.outside).toEqual([]);
    expect(harness.trapped.filter((line) => !BROWSER_SERVICE.test(line))).toEqual([]);
    expect([...harness.cspViolations, ...harness.errors.filter((error) => error.startsWith('uncaught'))]).toEqual([]);
  });
});
