// The dashboard's Connections pages in Chromium (issue 16): a member connects a user and creates
// a sandbox user, filters the list, opens a connection, moves it along the sandbox's transitions
// while a second client (the partner's integration) moves it too, seen without a reload; makes a
// user key (its secret shown once), rotates, revokes, revokes all, and disconnects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_STEPS } from '../../dashboard/src/sandbox.ts';
import { sandboxEvent } from '../../src/domain/connection/connection.state.ts';
import type { ConnectionStatus } from '../../src/generated/prisma/enums.ts';
import { asPartner, checkAccessibility, type DashboardWorld, misconduct, openDashboard, signIn } from './dashboard-helpers.ts';

let world: DashboardWorld;
const page = () => world.page;
const dialog = () => page().getByRole('dialog');
const row = (text: string) => page().getByRole('row').filter({ hasText: text });
const status = () => page().locator('.settings dd').first();
const keyRows = () =>
  page()
    .getByRole('region', { name: /^User keys \(/ })
    .locator('tbody tr');
const USER = 'ada.lovelace@example.com';

const ADVANCE = `mutation ($id: ID!, $to: SandboxTarget!) {
  advanceSandboxConnection(input: { connectionId: $id, to: $to }) { __typename ... on AdvanceSandboxConnectionSuccess { connection { status } } }
}`;

beforeAll(async () => {
  world = await openDashboard();
  await signIn(world);
});

afterAll(() => world?.close());

describe('the Connections pages in Chromium', { timeout: 60_000 }, () => {
  it('offers, from each status, exactly the sandbox moves the API accepts', () => {
    const statuses: ConnectionStatus[] = ['ONBOARDING', 'PENDING', 'CONNECTED', 'REJECTED', 'REVOKED'];
    for (const from of statuses) {
      const accepted = statuses.filter((to) => sandboxEvent(from, to) !== undefined);
      expect(SANDBOX_STEPS[from].map((step) => step.to).sort(), from).toEqual(accepted.sort());
    }
  });

  it('lists no connections at first, and connects a user by e-mail (ONBOARDING: KYC first)', async () => {
    await page().getByRole('link', { name: 'Connections' }).click();
    await page().getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    await page().getByText('No connections yet.').waitFor();
    await checkAccessibility(world, 'connections (empty)');
    await page().getByRole('button', { name: 'Connect a user' }).click();
    await dialog().getByLabel("The user's e-mail").fill(USER);
    await dialog().getByLabel('Your ref for the user (optional)').fill('crm-ada');
    await dialog().getByLabel('Direction').selectOption('BUY');
    await dialog().getByLabel("The user's Bitcoin address, where BTC is sent").fill('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
    await checkAccessibility(world, 'connect a user');
    await dialog().getByRole('button', { name: 'Connect user' }).click();
    await dialog().getByText(`${USER} is ONBOARDING (waiting for KYC)`).waitFor();
    await dialog().getByRole('button', { name: 'Done' }).click();
    expect(await row(USER).textContent()).toMatch(/crm-ada[\s\S]*ONBOARDING[\s\S]*BUY/);
  });

  it('creates a sandbox user, connected at once, its user key shown once; a used ref is refused with its code', async () => {
    await page().getByRole('button', { name: 'Create sandbox user' }).click();
    await dialog().getByLabel('Business').check();
    await dialog().getByLabel('Your ref for the user (optional)').fill('crm-sandbox');
    await dialog().getByRole('button', { name: 'Create sandbox user' }).click();
    const secret = await dialog().getByLabel('User key').inputValue();
    expect(secret).toMatch(/^kw_usr_test_/);
    await dialog().getByText('It is shown only this once').waitFor();
    await dialog().getByRole('button', { name: 'I have stored it' }).click();
    await row('crm-sandbox').getByText('CONNECTED').waitFor();
    expect(await page().content()).not.toContain(secret);

    await page().getByRole('button', { name: 'Create sandbox user' }).click();
    await dialog().getByLabel('Your ref for the user (optional)').fill('crm-sandbox');
    await dialog().getByRole('button', { name: 'Create sandbox user' }).click();
    await dialog().getByRole('alert').getByText('VALIDATION_FAILED').waitFor();
    expect(await dialog().getByRole('alert').textContent()).toContain('is already used for another user');
    await checkAccessibility(world, 'create sandbox user (error)');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
  });

  it('filters by status, e-mail and ref, and shows a connection made by another client without a reload', async () => {
    await page().getByLabel('Status').selectOption('CONNECTED');
    await expect.poll(() => row(USER).count()).toBe(0);
    await row('crm-sandbox').waitFor();
    await page().getByLabel('Status').selectOption('');
    await page().getByLabel('E-mail (exact)').fill(USER.toUpperCase());
    await page().getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => row('crm-sandbox').count()).toBe(0);
    await row(USER).waitFor();
    await page().getByLabel('E-mail (exact)').fill('');
    await page().getByLabel('Ref (exact)').fill('crm-');
    await page().getByRole('button', { name: 'Apply filters' }).click();
    await page().getByText('No connection matches these filters.').waitFor();
    await page().getByRole('button', { name: 'Clear' }).click();
    await row(USER).waitFor();
    await row('crm-sandbox').waitFor();

    const made = await asPartner(world, 'mutation { connectUser(input: { email: "grace.hopper@example.com", ref: "crm-grace" }) { __typename } }');
    expect(made.data?.connectUser?.__typename).toBe('ConnectUserSuccess');
    await row('grace.hopper@example.com').getByText('ONBOARDING').waitFor({ timeout: 30_000 });
    await checkAccessibility(world, 'connections');
  });

  it('is readable at 390 px wide', async () => {
    await page().setViewportSize({ width: 390, height: 844 });
    await row(USER).waitFor();
    expect(await page().evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await checkAccessibility(world, 'connections (390 px)');
    await page().setViewportSize({ width: 1280, height: 800 });
  });

  it('opens a connection and advances it in the sandbox, and shows a move by another client without a reload', async () => {
    await row(USER).getByRole('link', { name: USER }).click();
    await page().getByRole('heading', { name: USER, level: 1 }).waitFor();
    // A connection's page is under Connections: the menu says where the member is.
    expect(await page().getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Connections' }).getAttribute('aria-current')).toBe('page');
    expect(await status().textContent()).toContain('ONBOARDING');
    expect(await page().locator('.settings').textContent()).toMatch(/Ref\s*crm-ada[\s\S]*Direction\s*BUY[\s\S]*Deposit IBAN\s*given once connected/);
    // ONBOARDING offers KYC's two answers only.
    const sandbox = page().getByRole('region', { name: 'Sandbox' });
    expect(await sandbox.getByRole('button').allTextContents()).toEqual(['Approve KYC (to PENDING)', 'Reject KYC (to REJECTED)']);
    await checkAccessibility(world, 'connection (ONBOARDING)');
    await sandbox.getByRole('button', { name: 'Approve KYC (to PENDING)' }).click();
    await expect.poll(() => status().textContent()).toContain('PENDING');
    expect(await sandbox.getByRole('button').allTextContents()).toEqual(['User consents (to CONNECTED)', 'User declines (to REJECTED)']);

    // The partner's integration gives the user's consent: the open page follows.
    const id = decodeURIComponent(new URL(page().url()).pathname.split('/').at(-1)!);
    const moved = await asPartner(world, ADVANCE, { id, to: 'CONNECTED' });
    expect(moved.data?.advanceSandboxConnection).toEqual({ __typename: 'AdvanceSandboxConnectionSuccess', connection: { status: 'CONNECTED' } });
    await expect.poll(() => status().textContent(), { timeout: 30_000 }).toContain('CONNECTED');
    // Entering CONNECTED issued the first user key and, for BUY, the IBAN the user pays EUR into.
    await expect.poll(() => keyRows().count()).toBe(1);
    expect(await page().locator('.settings').textContent()).toMatch(/Deposit IBAN\s*[A-Z]{2}\d{2}/);
    await checkAccessibility(world, 'connection (CONNECTED)');
  });

  it('creates a user key with recipients and an expiry, its secret shown once; rotates and revokes keys after confirmation', async () => {
    await page().getByRole('button', { name: 'Create user key' }).click();
    await dialog().getByLabel('Name').fill('Mobile app');
    await dialog().getByLabel('Crypto (Bitcoin)').uncheck();
    await dialog()
      .getByLabel(/Allowed recipients/)
      .fill('DE89 3704 0044 0532 0130 00');
    await dialog().getByLabel('Expires on').check();
    await dialog().getByLabel('Expiry date').fill('2099-12-31T12:00');
    await checkAccessibility(world, 'create user key');
    await dialog().getByRole('button', { name: 'Create key' }).click();
    const secret = await dialog().getByLabel('User key').inputValue();
    expect(secret).toMatch(/^kw_usr_test_/);
    await dialog().getByText('It is shown only this once').waitFor();
    await dialog().getByRole('button', { name: 'I have stored it' }).click();
    const made = row('Mobile app');
    await made.waitFor();
    expect(await made.textContent()).toMatch(/BALANCE_READ, ORDERS_READ[\s\S]*FIAT[\s\S]*DE89370400440532013000[\s\S]*2099[\s\S]*active \(expires\)/);
    expect(await page().content()).not.toContain(secret);

    // Edited in place: the same key (same keyId) with a new name and another recipient.
    const keyId = (await made.locator('code').first().textContent())!;
    await page().getByRole('button', { name: 'Edit Mobile app' }).click();
    await dialog().getByLabel('Name').fill('Mobile app v2');
    await dialog()
      .getByLabel(/Allowed recipients/)
      .fill('DE89 3704 0044 0532 0130 00\nFR14 2004 1010 0505 0001 3M02 606');
    await checkAccessibility(world, 'edit user key');
    await dialog().getByRole('button', { name: 'Save' }).click();
    const edited = row('Mobile app v2');
    await edited.waitFor();
    expect(await edited.textContent()).toMatch(new RegExp(`${keyId}[\\s\\S]*DE89370400440532013000, FR1420041010050500013M02606`));

    await page().getByRole('button', { name: 'Rotate Mobile app v2' }).click();
    await dialog().getByLabel('The old key keeps working for').selectOption('1');
    await dialog().getByRole('button', { name: 'Rotate key' }).click();
    expect(await dialog().getByLabel('User key').inputValue()).toMatch(/^kw_usr_test_/);
    await dialog().getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => row('Mobile app v2').count()).toBe(2);

    const first = keyRows().filter({ hasNotText: 'Mobile app' });
    const name = (await first.locator('td').first().textContent())!;
    await page()
      .getByRole('button', { name: `Revoke ${name}` })
      .click();
    await dialog().getByText('This cannot be undone').waitFor();
    await dialog().getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => first.textContent()).toContain('revoked');
  });

  it('revokes all keys after confirmation, then disconnects the user after confirmation', async () => {
    await page().getByRole('button', { name: 'Revoke all keys' }).click();
    await checkAccessibility(world, 'revoke all keys');
    await dialog().getByRole('button', { name: 'Revoke all keys' }).click();
    await expect
      .poll(() =>
        page()
          .getByRole('button', { name: /^Revoke / })
          .count(),
      )
      .toBe(0);
    expect(await row('Mobile app').allTextContents()).toEqual([expect.stringContaining('revoked'), expect.stringContaining('revoked')]);

    await page().getByRole('button', { name: 'Disconnect', exact: true }).first().click();
    await dialog().getByText('every key of it stops working').waitFor();
    await dialog().getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => status().textContent()).toContain('REVOKED');
    await page().getByText('REVOKED is final here').waitFor();
    expect(await page().getByRole('button', { name: 'Create user key' }).count()).toBe(0);
    await page().getByRole('link', { name: 'All connections' }).click();
    await row(USER).getByText('REVOKED').waitFor();
  });

  it('stayed on Keyward: no request elsewhere, no CSP violation, no console error, no serious accessibility violation', () => {
    expect(misconduct(world)).toEqual({ outside: [], trapped: [], cspViolations: [], errors: [], inaccessible: [] });
  });
});
