// `npm run screenshots`: the dashboard's main pages as a member sees them, written to
// docs/screenshots/ (shown in the README). A Keyward in this process on the embedded database,
// an organization with a few keys, connections and an endpoint, Debian's Chromium at 1280 × 800
// (and the keys page at 390 px).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startTestServer } from '../test/transport/server.ts';

const OUT = resolve(import.meta.dirname, '../docs/screenshots');
const OWNER = 'owner@acme.example';

const server = await startTestServer({ background: true });
const { services } = server;
const created = await services.organizations.create(
  { type: 'operator' },
  { name: 'Acme Exchange', ownerEmail: OWNER, inviteOwner: false, liveAccess: 'PENDING' },
);
const partner = async (query: string, variables: Record<string, unknown> = {}) => {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-partner-key': created.secret },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown> };
};
for (const [name, permissions] of [
  ['Trading backend', '[KEYS_READ, CONNECTIONS_READ, CONNECTIONS_WRITE]'],
  ['Reporting', '[LOGS_READ]'],
] as const) {
  await partner(`mutation { createPartnerKey(input: { name: "${name}", permissions: ${permissions}, allowedIps: ["203.0.113.0/24"] }) { __typename } }`);
}
for (const type of ['PERSON', 'BUSINESS', 'PERSON']) await partner(`mutation { createSandboxUser(input: { type: ${type} }) { __typename } }`);
await partner('mutation { connectUser(input: { email: "jane.doe@example.com", ref: "cust-1042" }) { __typename } }');
await partner(
  'mutation { createWebhookEndpoint(input: { url: "https://hooks.acme.example/keyward", eventTypes: [CONNECTION_STATUS_CHANGED, API_KEY_CREATED] }) { __typename } }',
);
const owner = await services.prisma.member.findFirstOrThrow({ where: { email: OWNER } });
const link = await services.work.run({ type: 'system' }, created.organization.id, (w) => services.members.signInLinkFor(w, owner.id));

const browser = await chromium.launch({ executablePath: process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium', headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(link.replace(/^https?:\/\/[^/]+/, server.origin));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('row').filter({ hasText: 'Trading backend' }).waitFor();
  mkdirSync(OUT, { recursive: true });
  const shoot = async (name: string, path: string, ready: string) => {
    await page.goto(`${server.origin}/dashboard${path}`);
    await page.getByText(ready, { exact: false }).first().waitFor();
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  };
  await shoot('keys', '/', 'Trading backend');
  await shoot('connections', '/connections', 'jane.doe@example.com');
  await shoot('webhooks', '/webhooks', 'hooks.acme.example');
  await shoot('team', '/team', OWNER);
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot('keys-390', '/', 'Trading backend');
} finally {
  await browser.close();
  await server.stop();
}
