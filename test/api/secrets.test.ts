import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, sharedDatabase } from '../helpers/app.ts';
import { admin, bearer, gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, tampered } from '../helpers/fixtures.ts';
import {
  AdvanceSandboxConnection,
  AuditEvents,
  ConnectionStatusQuery,
  ConnectUser,
  CreatePartnerKey,
  CreateUserKey,
  PartnerKeys,
  RedeliverWebhook,
  RequestLogs,
  RotatePartnerKey,
  UpdatePartnerKey,
  Viewer,
  WebhookDeliveries,
} from './operations.ts';
import { connectedUser, newEmail } from '../helpers/connections.ts';
import { consentPage, consentToken, mailsTo, sentMails } from '../helpers/outbox.ts';
import { databaseText, expectNoSecrets } from '../helpers/security.ts';
import { awaitSignInToken, memberHeaders, newMemberEmail, signInPage, signInToken } from '../helpers/members.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

/** A sign-in mail, and its page, carry their own link (that is their job): taken out. */
const withoutOwnSignInLink = (text: string) => text.replace(/\/dashboard\/sign-in\/[\w-]+/g, '/dashboard/sign-in/(own link)');

/** A consent mail, and the page asking for consent, carry their own link (that is their job): the first link, taken out. */
const withoutOwnConsentLink = (text: string) => text.replace(/\/consent\/[\w-]+/, '/consent/(own link)');

// The scan over the real server (POST /v1/keys/verify, graphql-ws): test/transport/secrets.test.ts.
describe('secrets never leak', () => {
  // The embedded database starts within the hook's time, not the scan's.
  beforeAll(() => sharedDatabase());

  it('keeps every key out of the logs, the audit trail, error messages, webhooks, mails, pages, /metrics, what partners read and every database table', async () => {
    const app = await createTestApp({ allowPrivateCallbacks: true });
    const receiver = await WebhookReceiver.start();
    const org = await newOrganization(app);
    const asOwner = { headers: partner(org.secret) };
    // An endpoint for every event type, and callbacks that fail, so the outbox still holds the sealed key.
    receiver.replyAt('/cb', ...Array.from({ length: 10 }, () => ({ status: 500 })));
    await gql(
      app,
      'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
      {
        i: {
          url: `${receiver.url}/all`,
          eventTypes: ['CONNECTION_STATUS_CHANGED', 'API_KEY_CREATED', 'API_KEY_UPDATED', 'API_KEY_ROTATED', 'API_KEY_REVOKED', 'API_KEY_EXPIRED'],
        },
      },
      asOwner,
    );
    const created = await newPartnerKey(app, org.secret, { name: 'Canary', permissions: ['KEYS_READ', 'KEYS_WRITE'] });
    const rotated = await gql(app, RotatePartnerKey, { input: { id: created.id, gracePeriodSeconds: 60 } }, asOwner);
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
      // A client error a resolver throws (SIGNATURE_REQUIRED: a callback without a signature), logged by yoga at debug.
      await gql(app, ConnectUser, { input: { email: newEmail(), callback: `${receiver.url}/cb`, ref: successor } }, asOwner),
    ];
    expect(failures.map((f) => f.errors?.[0]?.extensions?.code)).toEqual([
      'UNAUTHENTICATED',
      'ENV_MISMATCH',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'SIGNATURE_REQUIRED',
    ]);
    // A key where a cursor goes: Pothos quotes it back to the client that sent it (`Invalid cursor: …`),
    // and yoga hands that error to its logger; only the logs, /metrics and the database are searched for it.
    const quoted = await gql(app, `{ partnerKeys(first: 1, after: "${successor}") { edges { cursor } } }`, {}, asOwner);
    expect(quoted.errors?.[0]).toMatchObject({ message: `Invalid cursor: ${successor}`, extensions: { code: 'BAD_USER_INPUT' } });
    // A connected user: its recoverable key is stored encrypted, its consent token only as a keyed hash.
    const user = await connectedUser(app, org, { callback: `${receiver.url}/cb`, direction: 'BUY', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' });
    const consent = consentToken(app, user.email);
    await app.services.webhooks.runOnce();
    // By the organization's key: the successor holds no ORDERS_READ, so it may not give it (key reach).
    const userKey = await gql(app, CreateUserKey, { input: { connectionId: user.connectionId, name: 'Bot', permissions: ['ORDERS_READ'] } }, asOwner);
    if (userKey.data?.createUserKey.__typename !== 'CreateUserKeySuccess') throw new Error(`createUserKey failed: ${JSON.stringify(userKey.errors)}`);
    expect(user.apiKey).toMatch(/^kw_usr_/);
    // A sandbox connection: its consent mail (advanceSandboxConnection to PENDING), then its consent page
    // for an unknown and a mangled link, and for its own link shown, answered and spent.
    const sandboxEmail = newEmail();
    const started = await gql(app, ConnectUser, { input: { email: sandboxEmail } }, asOwner);
    if (started.data?.connectUser.__typename !== 'ConnectUserSuccess') throw new Error('connectUser failed');
    await gql(app, AdvanceSandboxConnection, { input: { connectionId: started.data.connectUser.connection.id, to: 'PENDING' } }, asOwner);
    const sandboxConsent = consentToken(app, sandboxEmail);
    const wrongConsent = tampered(sandboxConsent);
    const unknown = [
      await consentPage(app, wrongConsent),
      await consentPage(app, wrongConsent, 'approve'),
      await consentPage(app, `${sandboxConsent}%E0%A4%A`),
    ];
    const asking = await consentPage(app, sandboxConsent);
    expect(asking.html).toContain(`action="/consent/${sandboxConsent}"`);
    const pages = [
      ...unknown,
      { ...asking, html: withoutOwnConsentLink(asking.html) },
      await consentPage(app, sandboxConsent, 'approve'),
      await consentPage(app, sandboxConsent),
    ];
    expect(pages.map((p) => p.status)).toEqual([404, 404, 404, 200, 200, 410]);
    const sandboxUserKey = (await gql(app, ConnectionStatusQuery, { email: sandboxEmail }, asOwner)).data?.connectionStatus.apiKey;
    expect(sandboxUserKey).toMatch(/^kw_usr_test_/);
    // A signing secret: stored only sealed, shown only by the mutation that makes it.
    const rotatedSigning = await gql(app, 'mutation { rotateSigningSecret(input: {}) { ... on RotateSigningSecretSuccess { signingSecret } } }', {}, asOwner);
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
      sandboxConsentToken: sandboxConsent,
      wrongConsentToken: wrongConsent,
      sandboxUserKey: sandboxUserKey!,
      firstSigningSecret: org.signingSecret,
      signingSecret,
      signingKeyHex,
    };

    // The database while the callback's key waits, sealed, for a successful delivery.
    const sealedDatabase = await databaseText(app.services.prisma);
    await app.services.webhooks.runOnce();
    expect(receiver.received.filter((w) => w.path === '/cb/verification-status')[0]?.json.data.apikey).toBe(user.apiKey);
    expect(await app.services.prisma.webhookDelivery.count({ where: { sealedApiKey: { not: null } } })).toBe(1);
    // The callback answers now: a redelivery delivers the key once, the next one carries none (finding 9).
    receiver.clearRepliesAt('/cb');
    const callbacks = await gql(app, WebhookDeliveries, { first: 100 }, asOwner);
    const callback = callbacks.data!.webhookDeliveries.edges.find((e) => e.node.eventType === 'connection.verification_status')!.node;
    const redeliveries = [await gql(app, RedeliverWebhook, { input: { id: callback.id } }, asOwner)];
    const keyDelivered = receiver.received.length;
    expect(receiver.received.at(-1)?.json.data.apikey).toBe(user.apiKey);
    redeliveries.push(await gql(app, RedeliverWebhook, { input: { id: callback.id } }, asOwner));
    expect(redeliveries.map((r) => r.data?.redeliverWebhook)).toMatchObject([{ delivery: { succeeded: true } }, { delivery: { succeeded: true } }]);
    expect(receiver.received.slice(keyDelivered).map((w) => w.json.data)).toMatchObject([{ apikey: null, apikeyAlreadyDelivered: true }]);
    await receiver.close();

    // What a partner reads: its request logs, audit events and webhook deliveries.
    await app.services.requestLogs.flush();
    const reads = [
      await gql(app, RequestLogs, { first: 100 }, asOwner),
      await gql(app, AuditEvents, { first: 100 }, asOwner),
      await gql(app, WebhookDeliveries, { first: 100 }, asOwner),
    ];
    for (const read of reads) expect(Object.values(read.data ?? {})[0]?.edges.length).toBeGreaterThan(5);
    const metrics = await (await app.yoga.fetch('http://keyward.test/metrics')).text();
    expect(metrics).toContain('keyward_graphql_requests_total');
    const mails = sentMails(app);
    // connectedUser and the sandbox connection: a signup mail each, then a consent mail each.
    expect(mails.map((m) => m.text.includes('/consent/'))).toEqual([false, true, false, true]);
    expect(app.logs.lines.length).toBeGreaterThan(5);
    expectNoSecrets(
      {
        // The verification-status callback carries the user key until one delivery succeeded: that is its job.
        webhooks: JSON.stringify(receiver.received.filter((w, i) => w.path !== '/cb/verification-status' || i >= keyDelivered)),
        logs: app.logs.text,
        database: `${sealedDatabase}\n${await databaseText(app.services.prisma)}`,
        errors: JSON.stringify(failures.map((f) => f.errors ?? f.data)),
        redeliveries: JSON.stringify(redeliveries),
        reads: JSON.stringify(reads),
        metrics,
        mails: JSON.stringify(mails.map((m) => ({ ...m, text: withoutOwnConsentLink(m.text) }))),
        pages: JSON.stringify(pages.map(({ html, headers }) => ({ html, headers: Object.fromEntries(headers) }))),
      },
      secrets,
    );
  });

  it("keeps members' cookies and sign-in links out of the logs, the audit trail, events, responses, mails and pages but their own, and every table", async () => {
    const app = await createTestApp();
    const org = await newOrganization(app, { liveAccess: 'ENABLED' });
    const asOwner = { headers: partner(org.secret) };
    const email = newMemberEmail();
    const invited = await gql(
      app,
      `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { __typename } }`,
      {
        i: { email, role: 'OWNER', organizationId: org.organizationId },
      },
      { headers: admin(app) },
    );
    expect(invited.data).toEqual({ inviteMember: { __typename: 'InviteMemberSuccess' } });
    const invitation = signInToken(app, email);
    const shown = await signInPage(app, invitation, { method: 'GET' });
    expect(shown.body).toContain(`/dashboard/sign-in/${invitation}`);
    const signedIn = await signInPage(app, invitation);
    const cookie = signedIn.cookie!;
    expect(cookie).toMatch(/^kw_mbr_dash_/);
    const as = { headers: memberHeaders(cookie) };
    const wrongCookie = tampered(cookie);
    const responses = [
      await gql(
        app,
        '{ viewer { kind key { keyId name } member { email } } sessions { edges { node { keyId name } } } members { edges { node { email } } } }',
        {},
        as,
      ),
      await gql(app, CreatePartnerKey, { input: { name: 'By a member', permissions: ['KEYS_READ'] } }, as),
      await gql(
        app,
        `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { __typename ... on Error { code message } } }`,
        { i: { email: cookie, role: 'VIEWER' } },
        as,
      ),
      await gql(app, '{ viewer { kind } }', {}, { headers: memberHeaders(wrongCookie) }),
      await gql(app, '{ viewer { kind } }', {}, { headers: { cookie: `kw_member=${cookie}` } }),
      await gql(app, `{ partnerKeys(first: 1, after: "${cookie}") { edges { cursor } } }`, {}, as),
      await gql(app, `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }`, { i: { email } }),
    ];
    expect(responses.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK')).toEqual([
      'OK',
      'OK',
      'OK',
      'UNAUTHENTICATED',
      'CSRF_REQUIRED',
      'BAD_USER_INPUT',
      'OK',
    ]);
    const link = await awaitSignInToken(app, email, invitation);
    const pages = [
      signedIn,
      await signInPage(app, link, { cookie, origin: 'https://evil.test' }),
      await signInPage(app, link, { cookie }),
      await signInPage(app, link),
      await signInPage(app, tampered(link), { method: 'GET' }),
      shown,
    ].map(({ status, body, setCookie, location }) => ({
      status,
      body: withoutOwnSignInLink(body),
      setCookie: setCookie === signedIn.setCookie ? '(its own)' : setCookie,
      location,
    }));
    expect(pages.map((p) => p.status)).toEqual([303, 403, 303, 410, 404, 200]);
    const out = await gql(app, 'mutation { signOut { signedOut } }', {}, as);
    expect(out.data).toEqual({ signOut: { signedOut: true } });
    await app.services.requestLogs.flush();
    const reads = [
      await gql(app, '{ requestLogs(first: 100, includeMembers: true) { edges { node { keyId memberId operationName outcome } } } }', {}, asOwner),
      await gql(app, AuditEvents, { first: 100 }, asOwner),
    ];
    expect(reads.map((r) => r.errors)).toEqual([undefined, undefined]);
    const events = await app.services.prisma.event.findMany({ where: { organizationId: org.organizationUuid } });
    expect(events.length).toBeGreaterThan(0);
    const metrics = await (await app.yoga.fetch('http://keyward.test/metrics')).text();
    const mails = mailsTo(app, email);
    expect(mails).toHaveLength(2);
    expectNoSecrets(
      {
        logs: app.logs.text,
        database: await databaseText(app.services.prisma),
        // (The cursor's error quotes it back to the client that sent it: only the logs and the database are searched for that one.)
        responses: JSON.stringify(responses.filter((_r, i) => i !== 5).map((r) => r.errors ?? r.data)),
        signOut: JSON.stringify(out),
        reads: JSON.stringify(reads),
        events: JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
        metrics,
        mails: JSON.stringify(mails.map((m) => ({ ...m, text: withoutOwnSignInLink(m.text) }))),
        pages: JSON.stringify(pages),
      },
      { cookie, wrongCookie, invitation, link, adminToken: app.adminToken, organizationKey: org.secret },
    );
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
