// The partner dashboard in a real browser (issue 16): Debian's Chromium, headless, against a real
// Keyward on 127.0.0.1 serving the built dashboard (npm install builds it). A member signs in
// through the mail in the outbox, manages keys, and sees another client's change without a
// reload; every request stays on Keyward's origin, the console stays clean, and axe finds no
// serious or critical accessibility violation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../src/http/dashboard.ts';
import { asPartner, checkAccessibility, type DashboardWorld, openDashboard, signInLink } from './dashboard-helpers.ts';
import { BROWSER_SERVICE, cspSources } from './harness.ts';

let world: DashboardWorld;
const OWNER = 'owner@dashboard.test';
const page = () => world.page;
const row = (name: string) => page().getByRole('row').filter({ hasText: name });

beforeAll(async () => {
  world = await openDashboard({ ownerEmail: OWNER });
});

afterAll(() => world?.close());

describe('the dashboard in Chromium', { timeout: 120_000 }, () => {
  it('is served by Keyward under a CSP that allows its own origin only, and asks a visitor to sign in', async () => {
    const response = await page().goto(`${world.server.origin}/dashboard/`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'];
    expect(csp).toBe(DASHBOARD_CSP);
    expect(cspSources(csp!).filter((source) => !["'self'", "'none'", 'data:'].includes(source))).toEqual([]);
    await page().getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
    expect(new URL(page().url()).pathname).toBe('/dashboard/sign-in');
    await checkAccessibility(world, 'sign in');
  });

  it('signs in through the link mailed to the member: e-mail, "check your mail", the link\'s page, in', async () => {
    await page().getByLabel('Work e-mail').fill(OWNER);
    await page().getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page().getByRole('heading', { name: 'Check your mail' }).waitFor();
    await page().goto(await signInLink(world, OWNER));
    await page().getByRole('button', { name: 'Sign in' }).click();
    await page().getByRole('heading', { name: 'API keys' }).waitFor();
    expect(new URL(page().url()).pathname).toBe('/dashboard/');
    await expect.poll(() => page().getByText(OWNER).count()).toBeGreaterThan(0);
    await row('Default partner key').waitFor();
    await checkAccessibility(world, 'API keys');
  });

  it('creates a key and shows its secret once, with a copy button and a warning', async () => {
    await page().getByRole('button', { name: 'Create API key' }).click();
    const dialog = page().getByRole('dialog');
    await dialog.getByLabel('Name').fill('Made in the dashboard');
    await dialog.getByLabel('KEYS_WRITE').check();
    await dialog.getByLabel('Crypto (Bitcoin)').uncheck();
    await dialog.getByLabel(/IP allowlist/).fill('203.0.113.0/24');
    await checkAccessibility(world, 'create key');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = page().getByRole('dialog').getByLabel('API key');
    await shown.waitFor();
    const created = await shown.inputValue();
    expect(created).toMatch(/^kw_ptr_test_/);
    await expect.poll(() => page().getByText('It is shown only this once').count()).toBe(1);
    await page().getByRole('button', { name: 'I have stored it' }).click();
    const made = row('Made in the dashboard');
    await made.waitFor();
    expect(await made.textContent()).toMatch(/KEYS_READ, KEYS_WRITE[\s\S]*FIAT[\s\S]*203\.0\.113\.0\/24[\s\S]*never/);
    // Shown once: nowhere in the page or the browser's storage any more.
    expect(await page().content()).not.toContain(created);
    const stored = await page().evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(stored).not.toContain(created);
  });

  it("shows another client's change without a reload", async () => {
    const made = await asPartner(world, 'mutation { createPartnerKey(input: { name: "Made by the integration", permissions: [KEYS_READ] }) { __typename } }');
    expect(made.data?.createPartnerKey?.__typename).toBe('CreatePartnerKeySuccess');
    await row('Made by the integration').waitFor({ timeout: 30_000 });
  });

  it('edits a key in place, rotates it with a grace period (the new secret shown once) and revokes it after confirmation', async () => {
    await page().getByRole('button', { name: 'Edit Made in the dashboard' }).click();
    await page().getByRole('dialog').getByLabel('Name').fill('Renamed in the dashboard');
    await page().getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await row('Renamed in the dashboard').waitFor();
    await page().getByRole('button', { name: 'Rotate Renamed in the dashboard' }).click();
    await page().getByRole('dialog').getByLabel('The old key keeps working for').selectOption('1');
    await page().getByRole('dialog').getByRole('button', { name: 'Rotate key' }).click();
    const rotated = await page().getByRole('dialog').getByLabel('API key').inputValue();
    expect(rotated).toMatch(/^kw_ptr_test_/);
    await page().getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => row('Renamed in the dashboard').count()).toBe(2);
    await page().getByRole('button', { name: 'Revoke Made by the integration' }).click();
    await page().getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row('Made by the integration').count(), { timeout: 30_000 }).toBe(0);
  });

  it('switches to LIVE, which says it is not enabled yet and what to do', async () => {
    await page().getByText('LIVE', { exact: true }).click();
    await page().getByText('LIVE is not enabled yet').waitFor();
    await expect.poll(() => page().getByText('No keys yet.').count()).toBe(1);
    await checkAccessibility(world, 'API keys (LIVE)');
    await page().getByText('TEST', { exact: true }).click();
    await row('Default partner key').waitFor();
  });

  it('is readable at 390 px wide', async () => {
    await page().setViewportSize({ width: 390, height: 844 });
    await row('Default partner key').waitFor();
    // The page itself never scrolls sideways (the table scrolls in its own box).
    expect(await page().evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await checkAccessibility(world, 'API keys (390 px)');
    await page().setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out: the session ends and the dashboard asks to sign in again', async () => {
    await page().getByRole('button', { name: 'Sign out' }).click();
    await page().getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
    await page().goto(`${world.server.origin}/dashboard/`);
    await page().getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
  });

  it('stayed on Keyward: no request elsewhere, no CSP violation, no console error, no serious accessibility violation', () => {
    expect(world.harness.outside).toEqual([]);
    expect(world.harness.trapped.filter((line) => !BROWSER_SERVICE.test(line))).toEqual([]);
    expect(world.harness.cspViolations).toEqual([]);
    expect(world.harness.errors).toEqual([]);
    expect(world.inaccessible).toEqual([]);
  });
});
