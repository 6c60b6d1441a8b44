// A headless Debian Chromium (playwright-core) that may reach one origin only: every request to
// any other address is aborted by the test (and anything that slips past goes to a proxy that
// refuses it) and recorded, as are Content-Security-Policy violations, console errors and
// uncaught errors.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Chromium itself calls Google's update (gvt1.com: component downloads), time and account services at start whatever its flags say;
 * they fail at the proxy like anything else, and are the only connections that may reach it.
 */
export const BROWSER_SERVICE = /^(CONNECT |[A-Z]+ http:\/\/)([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)[:/]/;

export interface Harness {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Requests to anything but the origin (or data:/blob: URLs), by URL. */
  outside: string[];
  /** Connections that reached the refusing proxy: the browser's own, or a request past the route. */
  trapped: string[];
  /** CSP violations (console lines naming the policy, and violation events). */
  cspViolations: string[];
  /** Console errors and uncaught errors. */
  errors: string[];
  /**
   * A page in a context of its own (its own cookies: another person's browser), held to the
   * origin as the first: its requests elsewhere count in `outside`, its CSP violations in
   * `cspViolations`, its console errors in the `errors` it returns.
   */
  newPage(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

const isLocal = (url: string, origin: string) => url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:');

type OnRequest = (request: { method: string; url: string; headers: Record<string, string>; resourceType: string }) => void;

export async function openBrowser(origin: string, options: { onRequest?: OnRequest } = {}): Promise<Harness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium, as .ci/run does) or set KEYWARD_CHROMIUM`);
  }
  const outside: string[] = [];
  const trapped: string[] = [];
  const cspViolations: string[] = [];
  const errors: string[] = [];
  const trap: Server = createServer((socket) => {
    socket.once('data', (chunk) => trapped.push(chunk.toString('latin1').split('\r\n')[0]!));
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 50);
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  const trapPort = (trap.address() as { port: number }).port;
  const browser = await chromium.launch({
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
  await holdToOrigin(context, origin, outside, options.onRequest);
  const page = await context.newPage();
  watchConsole(page, cspViolations, errors);
  return {
    browser,
    context,
    page,
    outside,
    trapped,
    cspViolations,
    errors,
    newPage: async () => {
      const other = await browser.newContext();
      await holdToOrigin(other, origin, outside);
      const otherPage = await other.newPage();
      const otherErrors: string[] = [];
      watchConsole(otherPage, cspViolations, otherErrors);
      return { page: otherPage, errors: otherErrors };
    },
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    },
  };
}

/** Requests to anything but the origin are aborted and recorded; CSP violations reach the console. */
async function holdToOrigin(context: BrowserContext, origin: string, outside: string[], onRequest?: OnRequest): Promise<void> {
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url, origin)) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    if (!isLocal(request.url(), origin)) outside.push(request.url());
    onRequest?.({ method: request.method(), url: request.url(), headers: request.headers(), resourceType: request.resourceType() });
  });
  // Violations are reported to the page as events too (the console line is Chromium's wording).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`),
    );
  });
}

/** CSP violations and console errors (the page's, its workers', and uncaught ones). */
function watchConsole(page: Page, cspViolations: string[], errors: string[]): void {
  const watch = (text: string, type: string) => {
    if (/content security policy|content-security-policy/i.test(text)) cspViolations.push(text);
    else if (type === 'error') errors.push(text);
  };
  page.on('console', (message) => watch(message.text(), message.type()));
  page.on('worker', (worker) => worker.on('console', (message) => watch(message.text(), message.type())));
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
}

/** Every source a CSP names: this origin, `data:` or a keyword, never a host, a scheme or a wildcard. */
export function cspSources(csp: string): string[] {
  return csp.split(';').flatMap((directive) => directive.trim().split(/\s+/).slice(1));
}
