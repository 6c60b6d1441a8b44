// Webhook delivery across processes on one PostgreSQL database (issue 5, docs/security.md E-07):
// kill -9 right after a change commits → delivered once after restart; kill -9 just before it
// commits → never delivered; two instances' dispatchers share the outbox without sending any
// delivery twice (FOR UPDATE SKIP LOCKED and a lease).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../helpers/postgres.ts';
import { KeywardCluster, postGraphQL, type KeywardProcess } from '../helpers/process.ts';
import { signRequest } from '../helpers/client.ts';
import { verifyWebhook, WebhookReceiver } from '../helpers/webhook-receiver.ts';

let cluster: KeywardCluster;
let receiver: WebhookReceiver;

beforeAll(async () => {
  cluster = new KeywardCluster(await createTestDatabase(inject('postgresUrl')));
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await cluster.killAll();
  await receiver.close();
});

const instance = (extra: Record<string, string> = {}) => cluster.start(extra);

async function call(via: KeywardProcess, query: string, headers: Record<string, string>, variables?: Record<string, unknown>) {
  const { body } = await postGraphQL(via.url, query, headers, variables);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

/** An organization with one endpoint (API_KEY_CREATED and API_KEY_UPDATED) on its own receiver path. */
async function organization(via: KeywardProcess, path: string): Promise<{ key: string; signingSecret: string }> {
  const created = await call(
    via,
    'mutation ($i: CreateOrganizationInput!) { createOrganization(input: $i) { ... on CreateOrganizationSuccess { secret signingSecret } } }',
    { 'x-admin-token': cluster.adminToken },
    { i: { name: `Webhooks ${randomBytes(3).toString('hex')}` } },
  );
  const { secret, signingSecret } = created.createOrganization as { secret: string; signingSecret: string };
  await call(
    via,
    'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
    { 'x-partner-key': secret },
    { i: { url: `${receiver.url}${path}`, eventTypes: ['API_KEY_CREATED', 'API_KEY_UPDATED'] } },
  );
  return { key: secret, signingSecret };
}

const CREATE_KEY = 'mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { ... on CreatePartnerKeySuccess { key { id keyId } } } }';
const KEY_NAMES = '{ partnerKeys(first: 50) { edges { node { keyId name } } } }';
const at = (path: string) => receiver.received.filter((w) => w.path === path);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('webhooks across crashes and instances', () => {
  it('kill -9 after the change commits: after restart the webhook is delivered exactly once', async () => {
    const setup = await instance();
    const path = '/after-commit';
    const org = await organization(setup, path);
    await setup.kill();

    const doomed = await instance({ KEYWARD_FAULT: 'kill-after-commit' });
    await expect(call(doomed, CREATE_KEY, { 'x-partner-key': org.key }, { i: { name: 'Committed', permissions: ['KEYS_READ'] } })).rejects.toThrow();
    expect((await doomed.waitForExit(10_000)).signal).toBe('SIGKILL');
    expect(at(path)).toHaveLength(0);

    const restarted = await instance();
    const keys = await call(restarted, KEY_NAMES, { 'x-partner-key': org.key });
    const committed = (keys.partnerKeys as { edges: { node: { keyId: string; name: string } }[] }).edges.find((e) => e.node.name === 'Committed');
    expect(committed).toBeDefined();
    await waitUntil(() => at(path).length >= 1, 15_000, 'the webhook of the committed change');
    await sleep(2_500);
    const [webhook, ...more] = at(path);
    expect(more).toEqual([]);
    expect(verifyWebhook(org.signingSecret, webhook!)).toMatchObject({ type: 'api_key.created', data: { keyId: committed!.node.keyId } });
  });

  it('kill -9 before the change commits: nothing is written and nothing is ever delivered', async () => {
    const path = '/before-commit';
    const running = await instance();
    const org = await organization(running, path);
    const doomed = await instance({ KEYWARD_FAULT: 'kill-before-commit' });
    await expect(call(doomed, CREATE_KEY, { 'x-partner-key': org.key }, { i: { name: 'Never', permissions: ['KEYS_READ'] } })).rejects.toThrow();
    expect((await doomed.waitForExit(10_000)).signal).toBe('SIGKILL');
    // The instance still running polls the outbox every second: give it several rounds.
    await sleep(3_000);
    expect(at(path)).toHaveLength(0);
    const keys = await call(running, KEY_NAMES, { 'x-partner-key': org.key });
    expect((keys.partnerKeys as { edges: { node: { name: string } }[] }).edges.map((e) => e.node.name)).not.toContain('Never');
    await running.kill();
  });

  it('sends the verification-status callback with the user key over real HTTP, on PostgreSQL', async () => {
    const via = await instance();
    const path = '/callback';
    const org = await organization(via, '/callback-endpoint');
    const body = JSON.stringify({
      query: 'mutation ($i: CreateSandboxUserInput!) { createSandboxUser(input: $i) { ... on CreateSandboxUserSuccess { apiKey } ... on Error { code } } }',
      variables: { i: { type: 'PERSON', callback: `${receiver.url}${path}` } },
    });
    const response = await fetch(via.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-partner-key': org.key, ...signRequest(org.signingSecret, Math.floor(Date.now() / 1000), body) },
      body,
    });
    const { data } = (await response.json()) as { data: { createSandboxUser: { apiKey: string } } };
    expect(data.createSandboxUser.apiKey).toMatch(/^kw_usr_test_/);
    await waitUntil(() => receiver.received.some((w) => w.path === `${path}/verification-status`), 10_000, 'the callback');
    const callback = receiver.received.find((w) => w.path === `${path}/verification-status`)!;
    expect(verifyWebhook(org.signingSecret, callback)).toMatchObject({ data: { status: 'CONNECTED', apikey: data.createSandboxUser.apiKey } });
  });

  it('two instances share the outbox: every delivery sent once, none twice', async () => {
    const [a, b] = [await instance(), await instance()];
    const path = '/shared';
    const org = await organization(a, path);
    const created = await call(a, CREATE_KEY, { 'x-partner-key': org.key }, { i: { name: 'Renamed often', permissions: ['KEYS_READ'] } });
    const keyId = (created.createPartnerKey as { key: { id: string } }).key.id;
    // 40 changes through both instances at once; both dispatchers wake on their own commits and poll for the other's.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(
          i % 2 === 0 ? a : b,
          'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
          { 'x-partner-key': org.key },
          {
            i: { id: keyId, name: `Name ${i}` },
          },
        ),
      ),
    );
    await waitUntil(() => at(path).length >= 41, 20_000, '41 webhooks');
    await sleep(2_500);
    const ids = at(path).map((w) => String(w.headers['webhook-id']));
    expect(ids).toHaveLength(41);
    expect(new Set(ids).size).toBe(41);
  });
});
