// What every dashboard browser test needs: a real Keyward (in this process, with its background
// jobs) serving the built dashboard, an organization with an OWNER, Chromium held to Keyward's
// origin, a member signed in through the mail in the outbox, and axe.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import type { Role } from '../helpers/members.ts';
import { mailsTo } from '../helpers/outbox.ts';
import { startTestServer, type TestServer } from '../transport/server.ts';
import { BROWSER_SERVICE, openBrowser, type Harness } from './harness.ts';

export interface DashboardWorld {
  server: TestServer;
  harness: Harness;
  page: Page;
  /** The organization's first partner key (TEST, every permission): the partner's integration. */
  secret: string;
  organizationId: string;
  /** Serious or critical accessibility violations, by page. */
  inaccessible: string[];
  close(): Promise<void>;
}

let counter = 0;

/** A server, an organization whose OWNER is `ownerEmail`, and a browser on the server's origin. */
export async function openDashboard(
  options: { ownerEmail?: string; liveAccess?: 'PENDING' | 'ENABLED'; allowPrivateCallbacks?: boolean } = {},
): Promise<DashboardWorld> {
  const server = await startTestServer({ background: true, allowPrivateCallbacks: options.allowPrivateCallbacks ?? false });
  const created = await server.services.organizations.create(
    { type: 'operator' },
    {
      name: `Dashboard Org ${++counter}`,
      ownerEmail: options.ownerEmail ?? 'owner@dashboard.test',
      inviteOwner: false,
      liveAccess: options.liveAccess ?? 'PENDING',
    },
  );
  const harness = await openBrowser(server.origin);
  return {
    server,
    harness,
    page: harness.page,
    secret: created.secret,
    organizationId: created.organization.id,
    inaccessible: [],
    close: async () => {
      await harness.close();
      await server.stop();
    },
  };
}

/** The newest sign-in link mailed to an address, on this server's origin (not `notThis`). */
export async function signInLink(world: DashboardWorld, email: string, notThis?: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const link = /https?:\/\/[^/\s]+(\/dashboard\/sign-in\/[\w-]+)/.exec(mailsTo(world.server, email).at(-1)?.text ?? '')?.[1];
    if (link && `${world.server.origin}${link}` !== notThis) return `${world.server.origin}${link}`;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no sign-in link mailed to ${email}`);
}

/**
 * Signs a member in as a person does: the sign-in page, the mail, the link's page, its button.
 * A member other than the OWNER is invited first (by the operator).
 */
export async function signIn(world: DashboardWorld, email = 'owner@dashboard.test', role?: Role): Promise<void> {
  const { page, server } = world;
  if (role) await server.services.members.invite({ type: 'operator' }, { organizationId: world.organizationId, email, role });
  const before = mailsTo(server, email).length;
  await page.goto(`${server.origin}/dashboard/sign-in`);
  await page.getByLabel('Work e-mail').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
  for (let i = 0; i < 200 && mailsTo(server, email).length <= before; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  await page.goto(await signInLink(world, email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main h1').first().waitFor();
}

/** Runs axe on the page as it is; serious or critical violations are collected under `name`. */
export async function checkAccessibility(world: DashboardWorld, name: string): Promise<void> {
  const results = await new AxeBuilder({ page: world.page }).analyze();
  for (const violation of results.violations) {
    if (violation.impact === 'serious' || violation.impact === 'critical') {
      world.inaccessible.push(`${name}: ${violation.id} (${violation.impact}) ${violation.nodes.map((n) => n.target.join(' ')).join('; ')}`);
    }
  }
}

/**
 * What the browser did that a dashboard must not: requests to anything but Keyward, connections
 * to the refusing proxy (other than Chromium's own services), CSP violations, console errors, and
 * serious or critical accessibility violations. All empty when it behaved.
 */
export function misconduct(world: DashboardWorld) {
  const { outside, trapped, cspViolations, errors } = world.harness;
  return { outside, trapped: trapped.filter((line) => !BROWSER_SERVICE.test(line)), cspViolations, errors, inaccessible: world.inaccessible };
}

/** A request by the partner's own integration (its first key), beside the page: a second client. */
export async function asPartner(world: DashboardWorld, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(world.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-partner-key': world.secret },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
}
