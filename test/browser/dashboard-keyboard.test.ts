// The partner dashboard with the keyboard alone (issue 16), in Chromium against a real Keyward:
// from the sign-in link to signing out, every control is reached with Tab, Shift+Tab and the arrow
// keys and pressed with Enter or Space, focus is always seen and on screen, and after a dialog or
// a removed row it lands somewhere sensible. And a live list whose WebSocket drops resumes its
// subscription from the last cursor it received: a change made while it was down is replayed.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Locator, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPartner, checkAccessibility, type DashboardWorld, misconduct, openDashboard, signIn, signInLink } from './dashboard-helpers.ts';

let world: DashboardWorld;
const OWNER = 'owner@keyboard.test';
const page = () => world.page;
const keyboard = () => world.page.keyboard;
const row = (name: string) => page().getByRole('row').filter({ hasText: name });
const dialog = () => page().getByRole('dialog');
const behaved = { outside: [], trapped: [], cspViolations: [], errors: [], inaccessible: [] };

beforeAll(async () => {
  world = await openDashboard({ ownerEmail: OWNER });
});

afterAll(() => world?.close());

/** Focus stops where a sighted keyboard user could not see it: no focus ring, hidden, off screen, or lost to the page's body. */
const unseen: string[] = [];

/** Checks that the focused element shows it has focus (an outline or a shadow) and is on screen. */
async function noteFocus(after: string): Promise<void> {
  const focus = await page().evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return { where: 'the body (focus lost)', seen: false, onScreen: false };
    // The environment switch's radios are drawn by their labels (the input is transparent): its label shows the focus.
    const drawnByLabel = element.getBoundingClientRect().width <= 1 || getComputedStyle(element).opacity === '0';
    const box = (drawnByLabel ? element.closest('label') : element) ?? element;
    const style = getComputedStyle(box);
    const ring = (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    const rect = box.getBoundingClientRect();
    const onScreen =
      rect.width > 1 &&
      rect.height > 1 &&
      rect.bottom > 0 &&
      rect.right > 0 &&
      rect.top < innerHeight &&
      rect.left < innerWidth &&
      box.checkVisibility({ opacityProperty: true, visibilityProperty: true });
    const name = element.getAttribute('aria-label') ?? (element as HTMLInputElement).labels?.[0]?.textContent ?? element.textContent ?? '';
    return {
      where: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''} "${name.trim().slice(0, 40)}"`,
      seen: element.matches(':focus-visible') && ring,
      onScreen,
    };
  });
  if (!focus.seen || !focus.onScreen)
    unseen.push(`${after}: ${focus.where}${focus.seen ? '' : ', no visible focus'}${focus.onScreen ? '' : ', hidden or off screen'}`);
}

const hasFocus = (target: Locator) => target.evaluateAll((elements) => elements.some((element) => element === document.activeElement));

/** Tabs (Shift+Tabs with `back`) until `target` has focus, checking focus at each stop; the number of presses it took. */
async function tabTo(target: Locator, options: { back?: boolean } = {}): Promise<number> {
  const key = options.back ? 'Shift+Tab' : 'Tab';
  for (let presses = 1; presses <= 30; presses++) {
    await keyboard().press(key);
    await noteFocus(key);
    if (await hasFocus(target)) return presses;
  }
  throw new Error(`${key} never reached ${target}`);
}

/** Focus arrives on `target` (a dialog opened or closed, a row went away), and is seen there. */
async function focusLandsOn(target: Locator, after: string): Promise<void> {
  await expect.poll(() => hasFocus(target), { message: `focus on ${target} after ${after}` }).toBe(true);
  await noteFocus(after);
}

describe('the dashboard with the keyboard alone, and its live lists after a dropped connection', { timeout: 60_000 }, () => {
  it('signs in, manages keys, switches environment, opens a connection and signs out with the keyboard alone, focus always seen', async () => {
    const origin = world.server.origin;
    // Copy writes to the clipboard; the test reads it back.
    await world.harness.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    let revocations = 0;
    page().on('request', (request) => {
      if (request.postData()?.includes('mutation RevokePartnerKey')) revocations++;
    });
    const sandbox = await asPartner(
      world,
      'mutation { createSandboxUser(input: { type: PERSON }) { __typename ... on CreateSandboxUserSuccess { connection { email } } } }',
    );
    const sandboxEmail = (sandbox.data?.createSandboxUser?.connection as { email?: string } | undefined)?.email;
    expect(sandboxEmail).toMatch(/@/);

    // Sign in: the address typed and sent with Enter; the mailed link's page, its button pressed with Enter.
    await page().goto(`${origin}/dashboard/sign-in`);
    await page().getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
    expect(await tabTo(page().getByLabel('Work e-mail'))).toBe(1);
    await keyboard().type(OWNER);
    await keyboard().press('Enter');
    await page().getByRole('heading', { name: 'Check your mail' }).waitFor();
    await page().goto(await signInLink(world, OWNER));
    await tabTo(page().getByRole('button', { name: 'Sign in' }));
    await keyboard().press('Enter');
    await page().getByRole('heading', { name: 'API keys' }).waitFor();

    // The first Tab shows the skip link; it leads past the environment switch and the menu to the page.
    const skip = page().getByRole('link', { name: 'Skip to content' });
    expect(await tabTo(skip)).toBe(1);
    await checkAccessibility(world, 'skip link (focused)');
    await keyboard().press('Enter');
    await focusLandsOn(page().locator('main'), 'the skip link');
    await checkAccessibility(world, 'API keys (focus on the page)');
    expect(await tabTo(page().getByRole('button', { name: 'Create API key' }))).toBe(1);

    // The menu: to Connections and back to API keys.
    await tabTo(page().getByRole('link', { name: 'Connections', exact: true }), { back: true });
    await keyboard().press('Enter');
    await page().getByRole('heading', { name: 'Connections' }).waitFor();
    await tabTo(page().getByRole('link', { name: 'API keys' }), { back: true });
    await keyboard().press('Enter');
    await page().getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await page().getByRole('link', { name: 'API keys' }).getAttribute('aria-current')).toBe('page');

    // Create a key: the dialog opens on its first field; checkboxes with Space; submitted with Enter.
    await tabTo(page().getByRole('button', { name: 'Create API key' }));
    await keyboard().press('Enter');
    await focusLandsOn(dialog().getByLabel('Name'), 'opening "Create API key"');
    await keyboard().type('Typed by keyboard');
    await tabTo(dialog().getByLabel('KEYS_WRITE'));
    await keyboard().press('Space');
    expect(await dialog().getByLabel('KEYS_WRITE').isChecked()).toBe(true);
    await tabTo(dialog().getByLabel(/IP allowlist/));
    await keyboard().type('203.0.113.0/24');
    await tabTo(dialog().getByRole('button', { name: 'Create key' }));
    await keyboard().press('Enter');

    // The secret, shown once: focus on it, Copy with Enter, closed with Enter; focus back on the opener.
    const shown = dialog().getByLabel('API key');
    await focusLandsOn(shown, 'creating the key');
    const created = await shown.inputValue();
    expect(created).toMatch(/^kw_ptr_test_/);
    expect(await tabTo(dialog().getByRole('button', { name: 'Copy' }))).toBe(1);
    await keyboard().press('Enter');
    await dialog().getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page().evaluate(() => navigator.clipboard.readText())).toBe(created);
    await tabTo(dialog().getByRole('button', { name: 'I have stored it' }));
    await keyboard().press('Enter');
    await focusLandsOn(page().getByRole('button', { name: 'Create API key' }), 'closing the secret');
    expect(await dialog().count()).toBe(0);
    expect(await row('Typed by keyboard').textContent()).toMatch(/KEYS_READ, KEYS_WRITE[\s\S]*203\.0\.113\.0\/24/);

    // Rotate: the grace period chosen with an arrow key; the new secret closed with Space; focus back on the row's Rotate.
    const rotate = page().getByRole('button', { name: 'Rotate Typed by keyboard' });
    await tabTo(rotate);
    await keyboard().press('Enter');
    const grace = dialog().getByLabel('The old key keeps working for');
    await focusLandsOn(grace, 'opening "Rotate"');
    await keyboard().press('ArrowDown');
    expect(await grace.inputValue()).toBe('1');
    await tabTo(dialog().getByRole('button', { name: 'Rotate key' }));
    await keyboard().press('Enter');
    await focusLandsOn(dialog().getByLabel('API key'), 'rotating the key');
    expect(await dialog().getByLabel('API key').inputValue()).not.toBe(created);
    await tabTo(dialog().getByRole('button', { name: 'I have stored it' }));
    await keyboard().press('Space');
    await focusLandsOn(rotate, 'closing the rotated secret');
    await expect.poll(() => row('Typed by keyboard').count()).toBe(2);

    // Revoke (the old key, still working for its grace hour): Escape leaves the confirmation without acting.
    const revoke = page().getByRole('button', { name: 'Revoke Typed by keyboard' });
    expect(await tabTo(revoke)).toBe(1);
    await keyboard().press('Enter');
    await dialog().getByRole('heading', { name: 'Revoke Typed by keyboard?' }).waitFor();
    await focusLandsOn(dialog().getByRole('button', { name: 'Cancel' }), 'opening "Revoke"');
    await keyboard().press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
    await focusLandsOn(revoke, 'Escape');
    expect(revocations).toBe(0);
    expect(await row('Typed by keyboard').count()).toBe(2);
    // Confirmed with Space: the row goes, and focus with it to the page (not to the document's start).
    await keyboard().press('Enter');
    await focusLandsOn(dialog().getByRole('button', { name: 'Cancel' }), 'opening "Revoke" again');
    await tabTo(dialog().getByRole('button', { name: 'Revoke key' }));
    await keyboard().press('Space');
    await expect.poll(() => row('Typed by keyboard').count()).toBe(1);
    expect(revocations).toBe(1);
    await focusLandsOn(page().locator('main'), 'the revoked key left the list');
    expect(await tabTo(page().getByRole('button', { name: 'Create API key' }))).toBe(1);

    // The environment: one stop in the tab order, switched with the arrow keys; focus stays on the switch.
    await tabTo(page().getByRole('radio', { name: 'TEST' }), { back: true });
    await keyboard().press('ArrowRight');
    await page().getByText('LIVE is not enabled yet').waitFor();
    expect(await page().getByRole('radio', { name: 'LIVE' }).isChecked()).toBe(true);
    await focusLandsOn(page().getByRole('radio', { name: 'LIVE' }), 'switching to LIVE');
    await expect.poll(() => page().getByText('No keys yet.').count()).toBe(1);
    await keyboard().press('ArrowLeft');
    await row('Default partner key').waitFor();
    await focusLandsOn(page().getByRole('radio', { name: 'TEST' }), 'switching back to TEST');

    // Connections, and a connection's page opened with Enter: focus goes to the new page.
    await tabTo(page().getByRole('link', { name: 'Connections', exact: true }));
    await keyboard().press('Enter');
    await page().getByRole('heading', { name: 'Connections' }).waitFor();
    await tabTo(page().getByRole('link', { name: sandboxEmail! }));
    await keyboard().press('Enter');
    await page().getByRole('heading', { name: sandboxEmail! }).waitFor();
    await focusLandsOn(page().locator('main'), "opening the connection's page");

    // Sign out.
    await tabTo(page().getByRole('button', { name: 'Sign out' }), { back: true });
    await keyboard().press('Enter');
    await page().getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();

    expect(unseen).toEqual([]);
    expect(misconduct(world)).toEqual(behaved);
  });

  it('resumes the live list from its last cursor after the WebSocket drops: the change made meanwhile arrives as a replayed event', async () => {
    const http = world.server.running.server;
    const upgraded = new Set<Duplex>();
    const track = (_request: IncomingMessage, socket: Duplex) => upgraded.add(socket);
    http.on('upgrade', track);
    // The page's sockets, and the graphql-ws messages each sent and received.
    const sockets: { socket: WebSocket; sent: Message[]; received: Message[] }[] = [];
    page().on('websocket', (socket) => {
      const seen = { socket, sent: [] as Message[], received: [] as Message[] };
      sockets.push(seen);
      socket.on('framesent', (frame) => seen.sent.push(JSON.parse(String(frame.payload))));
      socket.on('framereceived', (frame) => seen.received.push(JSON.parse(String(frame.payload))));
    });
    const subscribes = (n: number) => sockets[n]?.sent.filter((m) => m.type === 'subscribe' && m.payload?.query?.includes('apiKeyEvents')) ?? [];
    const events = (n: number) =>
      (sockets[n]?.received.filter((m) => m.type === 'next' && m.payload?.data?.apiKeyEvents) ?? []).map((m) => m.payload!.data!.apiKeyEvents!);
    const createKey = async (name: string) => {
      const made = await asPartner(world, 'mutation ($name: String!) { createPartnerKey(input: { name: $name, permissions: [KEYS_READ] }) { __typename } }', {
        name,
      });
      expect(made.data?.createPartnerKey?.__typename).toBe('CreatePartnerKeySuccess');
    };

    await signIn(world, OWNER);
    await row('Default partner key').waitFor();
    await expect.poll(() => subscribes(0).length).toBe(1);
    expect(subscribes(0)[0]!.payload!.variables).toEqual({});
    // A first event gives the page a cursor.
    await createKey('Made before the drop');
    await expect.poll(() => events(0).length, { timeout: 10_000 }).toBe(1);
    const lastCursor = events(0)[0]!.cursor;
    expect(events(0)[0]!.type).toBe('CREATED');
    await row('Made before the drop').waitFor();
    await page().evaluate(() => Object.assign(window, { notReloaded: true }));

    // The connection drops and the server cannot be reached; the partner's integration changes something meanwhile.
    const outage = cutWebSockets(http, upgraded);
    await expect.poll(() => sockets[0]!.socket.isClosed()).toBe(true);
    await createKey('Made while the socket was down');
    // The page tries to reconnect (graphql-ws waits a second or few first) while the change is made.
    await expect.poll(() => outage.waiting.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await row('Made while the socket was down').count()).toBe(0);
    outage.restore();

    // The new socket subscribes again after the last cursor, and the missed event comes first, as a `next`.
    await expect.poll(() => subscribes(1).length, { timeout: 10_000 }).toBe(1);
    expect(subscribes(1)[0]!.payload!.variables).toEqual({ after: lastCursor });
    await expect.poll(() => events(1).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(events(1)[0]!.type).toBe('CREATED');
    expect(events(1)[0]!.cursor).not.toBe(lastCursor);
    // The list shows it, without a reload.
    await row('Made while the socket was down').waitFor({ timeout: 10_000 });
    expect(await page().evaluate(() => (window as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await checkAccessibility(world, 'API keys (after a reconnect)');

    http.off('upgrade', track);
    expect(misconduct(world)).toEqual(behaved);
  });
});

/** A graphql-ws message, as far as this test reads it. */
interface Message {
  type: string;
  payload?: { query?: string; variables?: Record<string, unknown>; data?: { apiKeyEvents?: { cursor: string; type: string } } };
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The network between the page and Keyward fails: every WebSocket upgraded so far (`upgraded`) is
 * cut, and new upgrade requests wait unanswered, as behind a dead link, until `restore()` hands
 * them to the server's own handlers.
 */
function cutWebSockets(http: Server, upgraded: Set<Duplex>) {
  const handlers = http.listeners('upgrade') as UpgradeListener[];
  const waiting: Parameters<UpgradeListener>[] = [];
  http.removeAllListeners('upgrade');
  http.on('upgrade', (...request: Parameters<UpgradeListener>) => waiting.push(request));
  for (const socket of upgraded) socket.destroy();
  upgraded.clear();
  return {
    waiting,
    restore() {
      http.removeAllListeners('upgrade');
      for (const handler of handlers) http.on('upgrade', handler);
      for (const request of waiting) http.emit('upgrade', ...request);
    },
  };
}
