import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, sharedDatabase } from '../helpers/app.ts';
import { admin, bearer, gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, tampered } from '../helpers/fixtures.ts';
import { CreatePartnerKey, CreateUserKey, PartnerKeys, RotatePartnerKey, UpdatePartnerKey, Viewer } from './operations.ts';
import { connectedUser } from '../helpers/connections.ts';
import { consentToken } from '../helpers/outbox.ts';
import { databaseText, expectNoSecrets } from '../helpers/security.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

describe('secrets never leak', () => {
  // The embedded database starts within the hook's time, not the scan's.
  beforeAll(() => sharedDatabase());

  it('keeps every key out of the logs, the audit trail, error messages, webhooks and every database table', async () => {
    const app = await createTestApp({ allowPrivateCallbacks: true });
    const receiver = await WebhookReceiver.start();
    const org = await newOrganization(app);
    // An endpoint for every event type, and callbacks that fail, so the outbox still holds the sealed key.
    receiver.replyAt('/cb', ...Array.from({ length: 10 }, () => ({ status: 500 })));
    await gql(
      app,
      'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
      { i: { url: `${receiver.url}/all`, eventTypes: ['CONNECTION_STATUS_CHANGED', 'API_KEY_CREATED', 'API_KEY_UPDATED', 'API_KEY_ROTATED', 'API_KEY_REVOKED', 'API_KEY_EXPIRED'] } },
      { headers: partner(org.secret) },
    );
    const created = await newPartnerKey(app, org.secret, { name: 'Canary', permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    const rotated = await gql(app, RotatePartnerKey, { input: { id: created.id, gracePeriodSeconds: 60 } }, { headers: partner(org.secret) });
    if (rotated.data?.rotatePartnerKey.__typename !== 'RotatePartnerKeySuccess') throw new Error('rotate failed');
    const successor = rotated.data.rotatePartnerKey.secret;
    await gql(app, UpdatePartnerKey, { input: { id: created.id, name: 'Canary 2' } }, { headers: partner(successor) });
    await gql(app, PartnerKeys, {}, { headers: bearer(successor) });
    // Failures, with the secrets in the places a careless logger would print them.
    const wrong = tampered(successor);
    const failures = [
      await gql(app, Viewer, {}, { headers: partner(wrong) }),
      await gql(app, Viewer, {}, { headers: { ...partner(successor), 'x-keyward-env': 'live' } }),
      await gql(app, Viewer, {}, { headers: { 'x-admin-token': `${app.adminToken}!` } }),
      await gql(app, CreatePartnerKey, { input: { name: successor, permissions: ['KEYS_READ'] } }, { headers: admin(app) }),
    ];
    // A key where a cursor goes: Pothos quotes it back to the client that sent it (`Invalid cursor: …`),
    // and yoga hands that error to its logger; only the logs and the database are searched for it.
    const quoted = await gql(app, `{ partnerKeys(first: 1, after: "${successor}") { edges { cursor } } }`, {}, { headers: partner(org.secret) });
    expect(quoted.errors?.[0]).toMatchObject({ message: `Invalid cursor: ${successor}`, extensions: { code: 'BAD_USER_INPUT' } });
    // A connected user: its recoverable key is stored encrypted, its consent token only as a keyed hash.
    const user = await connectedUser(app, org, { callback: `${receiver.url}/cb`, direction: 'BUY', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' });
    const consent = consentToken(app, user.email);
    await app.services.webhooks.runOnce();
    // By the organization's key: the successor holds no ORDERS_READ, so it may not give it (key reach).
    const userKey = await gql(app, CreateUserKey, { input: { connectionId: user.connectionId, name: 'Bot', permissions: ['ORDERS_READ'] } }, { headers: partner(org.secret) });
    if (userKey.data?.createUserKey.__typename !== 'CreateUserKeySuccess') throw new Error(`createUserKey failed: ${JSON.stringify(userKey.errors)}`);
    expect(user.apiKey).toMatch(/^kw_usr_/);
    // A signing secret: stored only sealed, shown only by the mutation that makes it.
    const rotatedSigning = await gql(
      app,
      'mutation { rotateSigningSecret(input: {}) { ... on RotateSigningSecretSuccess { signingSecret } } }',
      {},
      { headers: partner(org.secret) },
    );
    const signingSecret = (rotatedSigning.data as { rotateSigningSecret: { signingSecret: string } }).rotateSigningSecret.signingSecret;
    expect(signingSecret).toMatch(/^whsec_/);
    const signingKeyHex = Buffer.from(signingSecret.slice('whsec_'.length), 'base64').toString('hex');
    const secrets = {
      organizationKey: org.secret,
      partnerKey: created.secret,
      rotatedKey: successor,
      wrongKey: wrong,
      adminToken: app.adminToken,
      userKey: user.apiKey!,
      consentToken: consent,
      createdUserKey: userKey.data.createUserKey.secret,
      signingSecret,
      signingKeyHex,
    };

    const database = await databaseText(app.services.prisma);
    await app.services.webhooks.runOnce();
    await receiver.close();
    expect(receiver.received.filter((w) => w.path === '/cb/verification-status')[0]?.json.data.apikey).toBe(user.apiKey);
    expect(await app.services.prisma.webhookDelivery.count({ where: { sealedApiKey: { not: null } } })).toBe(1);
    const haystacks = {
      webhooks: JSON.stringify(receiver.received.filter((w) => w.path !== '/cb/verification-status')),
      logs: app.logs.text,
      database,
      errors: JSON.stringify(failures.map((f) => f.errors ?? f.data)),
    };
    expect(app.logs.lines.length).toBeGreaterThan(5);
    expectNoSecrets(haystacks, secrets);
  });

  it('writes one request line per request with operation, outcome and duration', async () => {
    const app = await createTestApp();
    const org = await newOrganization(app);
    const before = app.logs.lines.length;
    await gql(app, Viewer, {}, { headers: partner(org.secret) });
    await gql(app, Viewer, {}, { headers: partner(tampered(org.secret)) });
    await gql(app, UpdatePartnerKey, { input: { id: org.keyGlobalId } }, { headers: partner(org.secret) });
    const lines = app.logs
      .entries()
      .slice(before)
      .filter((e) => e.msg === 'request');
    expect(lines.map((l) => [l.operation, l.outcome, l.status])).toEqual([
      ['Viewer', 'OK', 200],
      ['Viewer', 'UNAUTHENTICATED', 401],
      ['UpdatePartnerKey', 'VALIDATION_FAILED', 200],
    ]);
    expect(lines[0]).toMatchObject({ keyId: org.keyId, ip: '127.0.0.1' });
    for (const line of lines) expect(typeof line.durationMs).toBe('number');
  });
});
