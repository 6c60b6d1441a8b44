// The dashboard's logs page in Chromium (issue 16): the request logs of the partner's integration
// (members' own requests on request), and the audit log, each with its filters and pages, in two
// tabs that work from the keyboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../src/domain/api-key/key-format.ts';
import { asPartner, checkAccessibility, type DashboardWorld, misconduct, openDashboard, signIn } from './dashboard-helpers.ts';

let world: DashboardWorld;
let partnerKeyId: string;
let createdKeyId: string;
const OWNER = 'owner@logs.test';
const page = () => world.page;
const panel = (name: string) => page().getByRole('tabpanel', { name });
const rows = (name: string) =>
  panel(name)
    .getByRole('table')
    .getByRole('row')
    .filter({ has: page().getByRole('cell') });
/** Twenty requests fill a page: these make a second one. */
const PINGS = 22;

beforeAll(async () => {
  world = await openDashboard({ ownerEmail: OWNER });
  partnerKeyId = parseKey(world.secret)!.keyId;
  await signIn(world, OWNER);
  // The partner's integration at work: requests that went well, one refused with VALIDATION_FAILED, one that made a key.
  for (let i = 0; i < PINGS; i++) await asPartner(world, 'query PartnerPing { viewer { kind } }');
  await asPartner(world, 'mutation BadKey { createPartnerKey(input: { name: "x", permissions: [KEYS_READ] }) { __typename } }');
  const made = await asPartner(
    world,
    'mutation MadeKey { createPartnerKey(input: { name: "Made by the integration", permissions: [KEYS_READ] }) { ... on CreatePartnerKeySuccess { key { keyId } } } }',
  );
  const key = made.data?.createPartnerKey?.key as { keyId: string } | undefined;
  if (!key) throw new Error(`createPartnerKey failed: ${JSON.stringify(made)}`);
  createdKeyId = key.keyId;
  await world.server.services.requestLogs.flush();
});

afterAll(() => world?.close());

/** Fills the fields of a panel's filter form and applies them. */
async function filter(name: string, fields: Record<string, string>): Promise<void> {
  for (const [label, value] of Object.entries(fields)) {
    const field = panel(name).getByLabel(label, { exact: true });
    if ((await field.evaluate((element) => element.tagName)) === 'SELECT') await field.selectOption({ label: value });
    else await field.fill(value);
  }
  await panel(name).getByRole('button', { name: 'Apply filters' }).click();
}

describe('the logs page in Chromium', { timeout: 60_000 }, () => {
  it("lists the partner's requests, newest first, in pages, without the members' own", async () => {
    await page().getByRole('link', { name: 'Logs' }).click();
    await page().getByRole('heading', { name: 'Logs' }).waitFor();
    expect(await page().getByRole('tab', { name: 'Request logs' }).getAttribute('aria-selected')).toBe('true');
    const requests = rows('Request logs');
    await expect.poll(() => requests.count()).toBe(20);
    expect(await requests.first().textContent()).toMatch(new RegExp(`${partnerKeyId}MadeKey\\s*mutationOK200`));
    expect(await requests.filter({ hasText: '(member)' }).count()).toBe(0);
    await panel('Request logs')
      .getByText(`${PINGS + 2} requests, newest first`)
      .waitFor();
    await checkAccessibility(world, 'request logs');

    await panel('Request logs').getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => requests.count()).toBe(PINGS + 2 - 20);
    await panel('Request logs').getByText('Page 2').waitFor();
    await panel('Request logs').getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => requests.count()).toBe(20);
  });

  it('filters the request logs by outcome, key and time', async () => {
    const requests = rows('Request logs');
    await filter('Request logs', { Outcome: 'VALIDATION_FAILED' });
    await expect.poll(() => requests.count()).toBe(1);
    expect(await requests.first().textContent()).toMatch(/BadKey\s*mutationVALIDATION_FAILED200/);

    await panel('Request logs').getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => requests.count()).toBe(20);
    await filter('Request logs', { 'Key ID': 'nobody42' });
    await panel('Request logs').getByText('No requests match these filters.').waitFor();
    await checkAccessibility(world, 'request logs (none match)');

    await panel('Request logs').getByRole('button', { name: 'Clear' }).click();
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await filter('Request logs', { From: local });
    await panel('Request logs').getByText('No requests match these filters.').waitFor();
    await panel('Request logs').getByRole('button', { name: 'Clear' }).click();
    await filter('Request logs', { Until: local, 'Key ID': partnerKeyId });
    await expect.poll(() => requests.count()).toBe(20);
  });

  it("shows the members' own requests on request", async () => {
    await world.server.services.requestLogs.flush();
    await panel('Request logs').getByRole('button', { name: 'Clear' }).click();
    await panel('Request logs').getByLabel("Include members' requests").check();
    await expect.poll(() => rows('Request logs').filter({ hasText: '(member)' }).count()).toBeGreaterThan(0);
    await panel('Request logs').getByLabel("Include members' requests").uncheck();
    await expect.poll(() => rows('Request logs').filter({ hasText: '(member)' }).count()).toBe(0);
  });

  it('switches to the audit log from the keyboard: arrows, Home and End move between the tabs', async () => {
    const requestsTab = page().getByRole('tab', { name: 'Request logs' });
    const auditTab = page().getByRole('tab', { name: 'Audit log' });
    await requestsTab.focus();
    await page().keyboard.press('ArrowRight');
    expect(await auditTab.getAttribute('aria-selected')).toBe('true');
    expect(await auditTab.evaluate((tab) => tab === document.activeElement)).toBe(true);
    await expect.poll(() => panel('Request logs').count()).toBe(0);
    await page().keyboard.press('Home');
    expect(await requestsTab.getAttribute('aria-selected')).toBe('true');
    await page().keyboard.press('End');
    expect(await auditTab.getAttribute('aria-selected')).toBe('true');
    // Only the selected tab is in the tab order.
    expect(await requestsTab.getAttribute('tabindex')).toBe('-1');

    const events = rows('Audit log');
    await events.filter({ hasText: 'member.signed_in' }).first().waitFor();
    expect(await events.filter({ hasText: 'organization.created' }).first().textContent()).toMatch(/Operator/);
    expect(await events.filter({ hasText: 'api_key.created' }).first().textContent()).toMatch(new RegExp(`Partner key ${partnerKeyId}`));
    await checkAccessibility(world, 'audit log');
  });

  it('filters the audit log by actor, action and key', async () => {
    const events = rows('Audit log');
    await filter('Audit log', { Actor: 'Partner key' });
    await expect.poll(() => events.filter({ hasNotText: 'Partner key' }).count()).toBe(0);
    expect(await events.filter({ hasText: 'api_key.created' }).count()).toBe(1);

    await panel('Audit log').getByRole('button', { name: 'Clear' }).click();
    await filter('Audit log', { Action: 'member.signed_in' });
    await expect.poll(() => events.filter({ hasNotText: 'member.signed_in' }).count()).toBe(0);
    expect(await events.count()).toBeGreaterThan(0);

    await panel('Audit log').getByRole('button', { name: 'Clear' }).click();
    await filter('Audit log', { 'Key ID': createdKeyId });
    await expect.poll(() => events.count()).toBe(1);
    expect(await events.first().textContent()).toMatch(new RegExp(`api_key\\.created.*${createdKeyId}`));
  });

  it('is readable at 390 px wide', async () => {
    await page().setViewportSize({ width: 390, height: 844 });
    await rows('Audit log').first().waitFor();
    expect(await page().evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await checkAccessibility(world, 'audit log (390 px)');
    await page().getByRole('tab', { name: 'Request logs' }).click();
    await rows('Request logs').first().waitFor();
    expect(await page().evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await checkAccessibility(world, 'request logs (390 px)');
    await page().setViewportSize({ width: 1280, height: 800 });
  });

  it('stayed on Keyward: no request elsewhere, no CSP violation, no console error, no serious accessibility violation', () => {
    expect(misconduct(world)).toEqual({ outside: [], trapped: [], cspViolations: [], errors: [], inaccessible: [] });
  });
});
