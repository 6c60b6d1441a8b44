// The dashboard's "Sessions and members" and "Organization" pages in Chromium (issue 16): an
// OWNER sees its own session marked, signs a device out, invites a member (who signs in from the
// mailed invitation in a browser of its own), changes its role and removes it, which signs that
// browser out; the last OWNER cannot be demoted; the organization's settings are shown as the
// operator set them; a VIEWER sees the members read-only. Every page stays on Keyward's origin.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailsTo } from '../helpers/outbox.ts';
import { asPartner, checkAccessibility, type DashboardWorld, openDashboard, signIn, signInLink } from './dashboard-helpers.ts';
import { BROWSER_SERVICE } from './harness.ts';

let world: DashboardWorld;
const OWNER = 'owner@team.test';
const MEMBER = 'member@team.test';
const VIEWER = 'viewer@team.test';
const page = () => world.page;
const row = (name: string) => page().getByRole('row').filter({ hasText: name });
/** The members list, and the list of members' sessions, of a page. */
const members = (on: Page = page()) => on.getByRole('region', { name: /^Members( \(\d+\))?$/ });
const memberSessions = (on: Page = page()) => on.getByRole('region', { name: /^Members signed in/ });
const memberRow = (email: string, on: Page = page()) => members(on).getByRole('row').filter({ hasText: email });
/** Console errors of the other browsers (each its own, kept apart from the OWNER's). */
const otherErrors: Record<string, string[]> = {};

beforeAll(async () => {
  world = await openDashboard({ ownerEmail: OWNER });
  await world.server.services.organizations.update(
    { type: 'operator' },
    {
      id: world.organizationId,
      sessionIdleTimeoutSeconds: 5400,
      rateLimitRequests: 5000,
      rateLimitWindowSeconds: 120,
      disabledPermissions: ['WITHDRAWALS_CREATE'],
    },
  );
});

afterAll(() => world?.close());

describe('sessions, members and the organization in Chromium', { timeout: 120_000 }, () => {
  it('shows the OWNER its own session as "this browser", beside the devices', async () => {
    await signIn(world, OWNER);
    await page().getByRole('link', { name: 'Sessions and members' }).click();
    await page().getByRole('heading', { name: 'Sessions and members' }).waitFor();
    const mine = memberSessions().getByRole('row').filter({ hasText: OWNER });
    await mine.waitFor();
    expect(await mine.textContent()).toMatch(/Chrome on Linux[\s\S]*this browser/);
    await page().getByText('No open sessions.').waitFor();
    await checkAccessibility(world, 'sessions and members');
  });

  it("shows a device's session as it opens, without a reload, and signs it out", async () => {
    const opened = await asPartner(world, 'mutation { createSession(input: { description: "Warehouse tablet" }) { __typename } }');
    expect(opened.data?.createSession?.__typename).toBe('CreateSessionSuccess');
    const tablet = row('Warehouse tablet');
    await tablet.waitFor({ timeout: 30_000 });
    expect(await tablet.textContent()).toContain('opened with Default partner key');
    await tablet.getByRole('button', { name: /^Sign out / }).click();
    await page().getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => tablet.count()).toBe(0);
  });

  it('invites a member, who is mailed an invitation, and changes its role (a demotion says it signs the member out)', async () => {
    await page().getByRole('button', { name: 'Invite member' }).click();
    const dialog = page().getByRole('dialog');
    await dialog.getByLabel('E-mail').fill(MEMBER);
    await dialog.getByLabel('Role').selectOption('DEVELOPER');
    await checkAccessibility(world, 'invite member');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await page().getByText(`Invitation mailed to ${MEMBER}`).waitFor();
    await expect.poll(() => memberRow(MEMBER).textContent()).toMatch(/DEVELOPER[\s\S]*not yet \(invited\)/);
    await expect.poll(() => mailsTo(world.server, MEMBER).length).toBe(1);
    expect(mailsTo(world.server, MEMBER)[0]!.text).toMatch(/\/dashboard\/sign-in\//);

    await page()
      .getByRole('button', { name: `Change role of ${MEMBER}` })
      .click();
    await dialog.getByLabel(/New role/).selectOption('VIEWER');
    await dialog.getByText(`A lower role signs ${MEMBER} out everywhere`).waitFor();
    await dialog.getByLabel(/New role/).selectOption('ADMIN');
    expect(await dialog.getByText('signs').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Change role' }).click();
    await expect.poll(() => memberRow(MEMBER).textContent()).toContain('ADMIN');
  });

  it('signs the member in from the invitation in a browser of its own; removing the member signs that browser out', async () => {
    const other = await world.harness.newPage();
    otherErrors.member = other.errors;
    await other.page.goto(await signInLink(world, MEMBER));
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await other.page.getByRole('heading', { name: 'API keys' }).waitFor();
    await other.page.getByText('ADMIN', { exact: true }).waitFor();

    await page()
      .getByRole('button', { name: `Remove ${MEMBER}` })
      .click();
    await page().getByRole('dialog').getByText('every session of theirs ends now').waitFor();
    await page().getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
    await expect.poll(() => row(MEMBER).count()).toBe(0);

    // The member's next action finds its session ended: the sign-in page.
    await other.page.getByRole('link', { name: 'Organization' }).click();
    await other.page.getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
    await other.page.context().close();
  });

  it('refuses to demote the last OWNER: INVALID_STATE, with its message', async () => {
    await page()
      .getByRole('button', { name: `Change role of ${OWNER}` })
      .click();
    const dialog = page().getByRole('dialog');
    await dialog.getByLabel(/New role/).selectOption('ADMIN');
    await dialog.getByText(`A lower role signs ${OWNER} out everywhere`).waitFor();
    await dialog.getByRole('button', { name: 'Change role' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/INVALID_STATE.*at least one OWNER/);
    await checkAccessibility(world, 'change role: INVALID_STATE');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await memberRow(OWNER).textContent()).toMatch(/you[\s\S]*OWNER/);
  });

  it("shows the organization's settings as the operator set them, read-only", async () => {
    await page().getByRole('link', { name: 'Organization' }).click();
    await page().getByRole('heading', { name: 'Organization' }).waitFor();
    const settings = page().locator('dl.settings');
    await settings.waitFor();
    const text = (await settings.textContent()) ?? '';
    expect(text).toContain('Dashboard Org');
    expect(text).toContain('Active');
    expect(text).toMatch(/Not enabled yet \(PENDING\)[\s\S]*Ask the platform operator/);
    expect(text).toContain('5,000 requests per 2 minutes');
    expect(text).toContain('After 1 hour 30 minutes without a request');
    expect(text).toContain('WITHDRAWALS_CREATE');
    expect(text).toContain('On: user keys are kept encrypted');
    expect(await page().getByRole('main').getByRole('button').count()).toBe(0);
    expect(await page().getByRole('main').getByRole('textbox').count()).toBe(0);
    await checkAccessibility(world, 'organization');
  });

  it('is readable at 390 px wide', async () => {
    await page().setViewportSize({ width: 390, height: 844 });
    const width = () => page().evaluate(() => document.documentElement.scrollWidth);
    expect(await width()).toBeLessThanOrEqual(390);
    await checkAccessibility(world, 'organization (390 px)');
    await page().getByRole('link', { name: 'Sessions and members' }).click();
    await memberSessions().getByText('this browser').waitFor();
    expect(await width()).toBeLessThanOrEqual(390);
    await checkAccessibility(world, 'sessions and members (390 px)');
    await page().setViewportSize({ width: 1280, height: 800 });
  });

  it('shows a VIEWER the members read-only, and only its own session', async () => {
    const other = await world.harness.newPage();
    otherErrors.viewer = other.errors;
    const viewerWorld = { ...world, page: other.page };
    await signIn(viewerWorld, VIEWER, 'VIEWER');
    await other.page.getByRole('link', { name: 'Sessions and members' }).click();
    await memberRow(OWNER, other.page).waitFor();
    await other.page.getByText('Only an OWNER invites, changes or removes members').waitFor();
    expect(await other.page.getByRole('button', { name: 'Invite member' }).count()).toBe(0);
    expect(await other.page.getByRole('button', { name: /^Change role of / }).count()).toBe(0);
    expect(await other.page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await memberRow(VIEWER, other.page).textContent()).toMatch(/you[\s\S]*VIEWER/);
    // Members' sessions: its own only (the OWNER's are not its business).
    const sessions = memberSessions(other.page).getByRole('row');
    await sessions.filter({ hasText: VIEWER }).filter({ hasText: 'this browser' }).waitFor();
    expect(await sessions.filter({ hasText: OWNER }).count()).toBe(0);
    await checkAccessibility(viewerWorld, 'sessions and members (VIEWER)');
    await other.page.context().close();
  });

  it('stayed on Keyward: no request elsewhere, no CSP violation, no console error, no serious accessibility violation', () => {
    expect(world.harness.outside).toEqual([]);
    expect(world.harness.trapped.filter((line) => !BROWSER_SERVICE.test(line))).toEqual([]);
    expect(world.harness.cspViolations).toEqual([]);
    expect(world.harness.errors).toEqual([]);
    expect(otherErrors.viewer).toEqual([]);
    // The removed member's request after its removal was refused (401), and Chromium says so in its console: nothing else did.
    expect(otherErrors.member?.length).toBeGreaterThan(0);
    expect(otherErrors.member?.filter((line) => !/^Failed to load resource: the server responded with a status of 401/.test(line))).toEqual([]);
    expect(world.inaccessible).toEqual([]);
  });
});
