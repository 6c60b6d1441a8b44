import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeBtcAddress, normalizeIban } from '../../src/domain/connection/payout.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, setLiveAccess, type OrgFixture } from '../helpers/fixtures.ts';
import { consentPage, consentToken, mailsTo } from '../helpers/outbox.ts';
import { connectedUser as connectedUserOf, newEmail } from '../helpers/connections.ts';
import { expectNotFoundPayload, securityBlock } from '../helpers/security.ts';
import { walkPages } from '../helpers/pages.ts';
import {
  ConnectionQuery,
  Connections,
  ConnectionStatusQuery,
  ConnectUser,
  CreatePartnerKey,
  DecideOnboarding,
  DisconnectUser,
  UpdateOrganization,
  UserViewer,
} from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
const getApp = () => app;

async function connect(org: OrgFixture, input: Record<string, unknown>) {
  const res = await gql(app, ConnectUser, { input: input as never }, { headers: partner(org.secret) });
  return res.data!.connectUser;
}

async function approveKyc(connectionId: string, decision: 'APPROVE' | 'REJECT' = 'APPROVE') {
  const res = await gql(app, DecideOnboarding, { input: { connectionId, decision, reason: 'KYC provider' } }, { headers: admin(app) });
  return res.data!.decideOnboarding;
}

const connectedUser = (org: OrgFixture, input: Record<string, unknown> = {}) => connectedUserOf(app, org, input);

describe('connectUser: a new user', () => {
  it('goes ONBOARDING → (KYC) PENDING → (consent) CONNECTED, with the emails and the key on the way', async () => {
    const org = await newOrganization(app, { name: 'Satoshi Wallet' });
    const email = newEmail();
    const first = await connect(org, { email, ref: 'user-42' });
    if (first.__typename !== 'ConnectUserSuccess') throw new Error(JSON.stringify(first));
    expect(first).toMatchObject({ apiKey: null, connection: { email: email.toLowerCase(), ref: 'user-42', status: 'ONBOARDING', environment: 'TEST' } });
    const signup = mailsTo(app, email);
    expect(signup).toHaveLength(1);
    expect(signup[0]!.text).toContain('https://platform.test/signup?email=');

    expect(await approveKyc(first.connection.id)).toMatchObject({ connection: { status: 'PENDING' } });
    const consentMails = mailsTo(app, email);
    expect(consentMails).toHaveLength(2);
    expect(consentMails[1]!.subject).toContain('Satoshi Wallet');
    const token = consentToken(app, email);
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);

    const shown = await consentPage(app, token);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain('Satoshi Wallet');
    expect(shown.html).toContain('method="post"');
    // Showing the page (a link scanner, a preview) decides nothing.
    const stillPending = await gql(app, ConnectionStatusQuery, { email }, { headers: partner(org.secret) });
    expect(stillPending.data!.connectionStatus).toMatchObject({ status: 'PENDING', apiKey: null });

    const approved = await consentPage(app, token, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.html).toContain('connected');
    const status = await gql(app, ConnectionStatusQuery, { email: email.toUpperCase() }, { headers: partner(org.secret) });
    expect(status.data!.connectionStatus).toMatchObject({ status: 'CONNECTED', connection: { id: first.connection.id } });
    const apiKey = status.data!.connectionStatus.apiKey!;
    expect(apiKey).toMatch(/^kw_usr_test_[0-9A-Za-z]{8}_[0-9A-Za-z]{38}$/);

    // The user key acts as the user of this connection.
    const viewer = await gql(app, UserViewer, {}, { headers: { 'x-api-key': apiKey } });
    expect(viewer.data!.viewer).toMatchObject({ kind: 'USER', environment: 'TEST', connection: { id: first.connection.id, status: 'CONNECTED' } });
    expect(viewer.data!.viewer.permissions).toContain('ORDERS_CREATE');
    expect(viewer.data!.viewer.permissions).not.toContain('KEYS_WRITE');

    // Asking again: CONNECTED at once, the same key, no new email, no new key.
    const mailsBefore = mailsTo(app, email).length;
    const again = await connect(org, { email });
    expect(again).toMatchObject({ apiKey, connection: { status: 'CONNECTED' } });
    expect(mailsTo(app, email)).toHaveLength(mailsBefore);
    const keys = await gql(app, ConnectionQuery, { lookup: { ref: 'user-42' } }, { headers: partner(org.secret) });
    expect(keys.data!.connection!.keys.edges).toHaveLength(1);
  });

  it('takes KYC decisions from the operator only (401 without, 403 for a partner key)', async () => {
    const org = await newOrganization(app);
    const started = await connect(org, { email: newEmail() });
    if (started.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    const input = { connectionId: started.connection.id, decision: 'APPROVE' as const };
    expect((await gql(app, DecideOnboarding, { input })).status).toBe(401);
    const byPartner = await gql(app, DecideOnboarding, { input }, { headers: partner(org.secret) });
    expect(byPartner.status).toBe(403);
    expect(byPartner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('is REJECTED when KYC rejects; a second decision is INVALID_STATE', async () => {
    const org = await newOrganization(app);
    const started = await connect(org, { email: newEmail() });
    if (started.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    expect(await approveKyc(started.connection.id, 'REJECT')).toMatchObject({ connection: { status: 'REJECTED' } });
    expect(await approveKyc(started.connection.id)).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('sends no second email while the first is on its way', async () => {
    const org = await newOrganization(app);
    const email = newEmail();
    await connect(org, { email });
    await connect(org, { email, ref: 'later-ref' });
    expect(mailsTo(app, email)).toHaveLength(1);
  });
});

describe('connectUser: a known user', () => {
  it('goes straight to PENDING at another organization, with a consent email', async () => {
    const orgA = await newOrganization(app);
    const { email } = await connectedUser(orgA);
    const orgB = await newOrganization(app, { name: 'Second App' });
    const res = await connect(orgB, { email });
    expect(res).toMatchObject({ apiKey: null, connection: { status: 'PENDING' } });
    expect(mailsTo(app, email).at(-1)!.subject).toContain('Second App');
  });
});

describe('connectUser in LIVE', () => {
  it("answers LIVE_ACCESS_PENDING until the operator enables the organization's LIVE, writing and mailing nothing; TEST works at once", async () => {
    const org = await newOrganization(app);
    const live: OrgFixture = {
      ...org,
      secret: (
        await app.services.apiKeys.createPartnerKey(
          { type: 'operator' },
          { organizationId: org.organizationUuid, environment: 'LIVE', name: 'Live', permissions: ['CONNECTIONS_WRITE', 'CONNECTIONS_READ'] },
        )
      ).secret,
    };
    const email = newEmail();
    expect(await connect(live, { email })).toEqual({
      __typename: 'LiveAccessPendingError',
      code: 'LIVE_ACCESS_PENDING',
      message: expect.stringContaining('ask the platform operator to enable LIVE access'),
    });
    expect(await app.database.prisma.connection.count({ where: { organizationId: org.organizationUuid } })).toBe(0);
    expect(await app.database.prisma.user.count({ where: { email: email.toLowerCase() } })).toBe(0);
    expect(mailsTo(app, email)).toHaveLength(0);
    // TEST is open from the start, for the same address.
    expect(await connect(org, { email })).toMatchObject({ connection: { status: 'ONBOARDING', environment: 'TEST' } });

    await setLiveAccess(app, org.organizationId, 'ENABLED');
    const { apiKey } = await connectedUser(live, { email });
    expect(apiKey).toMatch(/^kw_usr_live_/);

    // Closed again: connectUser is refused, for the connected user too; its key keeps working.
    await setLiveAccess(app, org.organizationId, 'PENDING');
    expect(await connect(live, { email })).toMatchObject({ code: 'LIVE_ACCESS_PENDING' });
    expect(await connect(live, { email: newEmail() })).toMatchObject({ code: 'LIVE_ACCESS_PENDING' });
    expect((await gql(app, UserViewer, {}, { headers: { 'x-api-key': apiKey! } })).data!.viewer).toMatchObject({ kind: 'USER', environment: 'LIVE' });
  });
});

describe('the consent page', () => {
  it('declines: REJECTED, no key', async () => {
    const org = await newOrganization(app);
    const email = newEmail();
    const started = await connect(org, { email });
    if (started.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    await approveKyc(started.connection.id);
    const declined = await consentPage(app, consentToken(app, email), 'decline');
    expect(declined.html).toContain('declined');
    const status = await gql(app, ConnectionStatusQuery, { email }, { headers: partner(org.secret) });
    expect(status.data!.connectionStatus).toMatchObject({ status: 'REJECTED', apiKey: null });
  });

  it('works once: a reused link gets a clear 410 page and changes nothing', async () => {
    const org = await newOrganization(app);
    const { email } = await connectedUser(org);
    const token = consentToken(app, email);
    for (const decision of [undefined, 'decline'] as const) {
      const reused = await consentPage(app, token, decision);
      expect(reused.status).toBe(410);
      expect(reused.html).toContain('already used');
    }
    const status = await gql(app, ConnectionStatusQuery, { email }, { headers: partner(org.secret) });
    expect(status.data!.connectionStatus.status).toBe('CONNECTED');
  });

  it('expires after 24 hours; asking again mails a fresh link', async () => {
    const org = await newOrganization(app);
    const email = newEmail();
    const started = await connect(org, { email });
    if (started.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    await approveKyc(started.connection.id);
    const token = consentToken(app, email);
    app.clock.advance(24 * 3600_000);
    try {
      const expired = await consentPage(app, token, 'approve');
      expect(expired.status).toBe(410);
      expect(expired.html).toContain('expired');
      await connect(org, { email });
      const fresh = consentToken(app, email);
      expect(fresh).not.toBe(token);
      expect((await consentPage(app, fresh, 'approve')).status).toBe(200);
    } finally {
      app.clock.advance(-24 * 3600_000);
    }
  });

  it('answers an unknown token with 404 and escapes what it shows', async () => {
    expect((await consentPage(app, 'x'.repeat(43))).status).toBe(404);
    expect((await consentPage(app, '<script>')).html).not.toContain('<script>');
  });

  it('lets exactly one of several simultaneous answers through', async () => {
    const org = await newOrganization(app);
    const email = newEmail();
    const started = await connect(org, { email });
    if (started.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    await approveKyc(started.connection.id);
    const token = consentToken(app, email);
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => consentPage(app, token, i % 2 ? 'decline' : 'approve')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const keys = await gql(app, ConnectionQuery, { lookup: { email } }, { headers: partner(org.secret) });
    expect(keys.data!.connection!.keys.edges.length).toBeLessThanOrEqual(1);
  });
});

describe('user key recovery', () => {
  it('with NONE, connectUser and connectionStatus return apiKey null; nothing decryptable is stored', async () => {
    const org = await newOrganization(app);
    await gql(app, UpdateOrganization, { input: { id: org.organizationId, userKeyRecovery: 'NONE' } }, { headers: admin(app) });
    const { email, status, apiKey } = await connectedUser(org);
    expect(status).toBe('CONNECTED');
    expect(apiKey).toBeNull();
    expect(await connect(org, { email })).toMatchObject({ apiKey: null, connection: { status: 'CONNECTED' } });
    const stored = await app.database.prisma.apiKey.findMany({ where: { organization: { id: org.organizationUuid }, kind: 'USER' } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.encryptedSecret).toBeNull();
  });
});

describe('direction and payout details', () => {
  it('SELL (BTC to EUR) needs a valid payout IBAN and gets the testnet address the user sends BTC to when connected', async () => {
    const org = await newOrganization(app);
    const { connection } = await connectedUser(org, { direction: 'SELL', iban: 'de89 3704 0044 0532 0130 00' });
    expect(connection).toMatchObject({ status: 'CONNECTED', depositIban: null });
    expect(connection!.depositAddress).toMatch(/^tb1q/);
    expect(normalizeBtcAddress(connection!.depositAddress!, 'TEST').ok).toBe(true);
    const stored = await app.database.prisma.connection.findUniqueOrThrow({
      where: { id: (await import('@pothos/plugin-relay')).decodeGlobalID(connection!.id).id },
    });
    expect(stored.iban).toBe('DE89370400440532013000');
  });

  it('BUY (EUR to BTC) needs a valid payout address and gets the IBAN the user pays EUR into when connected', async () => {
    const org = await newOrganization(app);
    const { connection } = await connectedUser(org, { direction: 'BUY', address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx' });
    expect(connection).toMatchObject({ status: 'CONNECTED', depositAddress: null });
    expect(normalizeIban(connection!.depositIban!).ok).toBe(true);
  });

  it.each([
    [{ direction: 'SELL', iban: 'DE89370400440532013001' }, ['iban']],
    [{ direction: 'SELL' }, ['iban']],
    [{ direction: 'BUY', address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb' }, ['address']],
    [{ direction: 'BUY' }, ['address']],
    [{ iban: 'DE89370400440532013000' }, ['iban']],
    [{ direction: 'BUY', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', iban: 'DE89370400440532013000' }, ['iban']],
    [{ ref: 'has space' }, ['ref']],
  ])('refuses %j (VALIDATION_FAILED on %j) and writes nothing', async (input, paths) => {
    const org = await newOrganization(app);
    const email = newEmail();
    const res = await connect(org, { email, ...input });
    expect(res).toMatchObject({ code: 'VALIDATION_FAILED' });
    if (res.__typename !== 'ValidationError') throw new Error('expected a ValidationError');
    expect(res.fields.map((f) => f.path.join('.'))).toEqual(paths);
    expect(mailsTo(app, email)).toHaveLength(0);
    expect(await app.database.prisma.user.count({ where: { email: email.toLowerCase() } })).toBe(0);
  });

  it.each([
    [`${'a'.repeat(65)}@example.com`, 'must have at most 64 characters before the @'],
    [`a@${Array.from({ length: 5 }, () => 'b'.repeat(50)).join('.')}.com`, 'must be at most 254 characters'],
  ])('refuses an email the mailer would refuse, %s (issue 13, finding 14)', async (address, message) => {
    const org = await newOrganization(app);
    const res = await connect(org, { email: address });
    expect(res).toMatchObject({ code: 'VALIDATION_FAILED' });
    if (res.__typename !== 'ValidationError') throw new Error('expected a ValidationError');
    expect(res.fields).toContainEqual(expect.objectContaining({ path: ['email'], message: expect.stringContaining(message) }));
    expect(res.fields.every((field) => field.path.join('.') === 'email')).toBe(true);
    expect(mailsTo(app, address)).toHaveLength(0);
    expect(await app.database.prisma.user.count({ where: { email: address } })).toBe(0);
    // 64 characters before the @ are fine.
    expect(await connect(org, { email: `${'a'.repeat(64)}@example.com` })).not.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses an invalid email and a ref already used for another user', async () => {
    const org = await newOrganization(app);
    expect(await connect(org, { email: 'not-an-email' })).toMatchObject({ code: 'VALIDATION_FAILED' });
    await connect(org, { email: newEmail(), ref: 'taken' });
    const clash = await connect(org, { email: newEmail(), ref: 'taken' });
    expect(clash).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: ['ref'] }] });
  });
});

describe('disconnectUser', () => {
  it('moves CONNECTED to REVOKED and revokes every key of the connection at once', async () => {
    const org = await newOrganization(app);
    const { connectionId, apiKey } = await connectedUser(org);
    expect((await gql(app, UserViewer, {}, { headers: { 'x-api-key': apiKey! } })).status).toBe(200);
    const res = await gql(app, DisconnectUser, { input: { id: connectionId } }, { headers: partner(org.secret) });
    expect(res.data!.disconnectUser).toMatchObject({ connection: { status: 'REVOKED' } });
    if (res.data!.disconnectUser.__typename !== 'DisconnectUserSuccess') throw new Error('disconnect failed');
    expect(res.data!.disconnectUser.connection.keys.edges.every((e) => !e.node.active)).toBe(true);
    expect((await gql(app, UserViewer, {}, { headers: { 'x-api-key': apiKey! } })).status).toBe(401);
    const again = await gql(app, DisconnectUser, { input: { id: connectionId } }, { headers: partner(org.secret) });
    expect(again.data!.disconnectUser).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('lets a disconnected user be connected again, through consent', async () => {
    const org = await newOrganization(app);
    const { email, connectionId } = await connectedUser(org);
    await gql(app, DisconnectUser, { input: { id: connectionId } }, { headers: partner(org.secret) });
    expect(await connect(org, { email })).toMatchObject({ apiKey: null, connection: { status: 'PENDING', id: connectionId } });
  });

  describe('security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        const started = await gql(a, ConnectUser, { input: { email: newEmail() } }, { headers: partner(owner.secret) });
        const id = started.data!.connectUser.__typename === 'ConnectUserSuccess' ? started.data!.connectUser.connection.id : '';
        return { owner, call: (headers) => gql(a, DisconnectUser, { input: { id } }, { headers }) };
      },
      { requires: 'CONNECTIONS_WRITE', otherOrganization: expectNotFoundPayload('disconnectUser') },
    );
  });
});

describe('reading connections', () => {
  it('finds a connection by id, email or ref, lists by status, and never shows another org or environment', async () => {
    const org = await newOrganization(app);
    const pending = await connect(org, { email: newEmail(), ref: 'p-1' });
    const { connectionId, email } = await connectedUser(org, { ref: 'c-1' });
    if (pending.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    for (const lookup of [{ id: connectionId }, { email }, { ref: 'c-1' }]) {
      const res = await gql(app, ConnectionQuery, { lookup }, { headers: partner(org.secret) });
      expect(res.data!.connection).toMatchObject({ id: connectionId, status: 'CONNECTED' });
    }
    const connected = await gql(app, Connections, { status: 'CONNECTED' }, { headers: partner(org.secret) });
    expect(connected.data!.connections.edges.map((e) => e.node.id)).toEqual([connectionId]);
    const all = await gql(app, Connections, {}, { headers: partner(org.secret) });
    expect(all.data!.connections.edges).toHaveLength(2);

    const stranger = await newOrganization(app);
    const live = await app.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId: org.organizationUuid, environment: 'LIVE', name: 'Live', permissions: ['CONNECTIONS_READ'] },
    );
    for (const secret of [stranger.secret, live.secret]) {
      for (const lookup of [{ id: connectionId }, { email }, { ref: 'c-1' }]) {
        const res = await gql(app, ConnectionQuery, { lookup }, { headers: partner(secret) });
        expect(res.data!.connection).toBeNull();
      }
      const list = await gql(app, Connections, {}, { headers: partner(secret) });
      expect(list.data!.connections.edges).toHaveLength(0);
      const status = await gql(app, ConnectionStatusQuery, { email }, { headers: partner(secret) });
      expect(status.data!.connectionStatus).toEqual({ status: null, apiKey: null, connection: null });
    }
  });

  it('pages forwards and backwards (last/before), newest first, with and without the status, without a gap or a repeat', async () => {
    const org = await newOrganization(app);
    const refs = ['r-1', 'r-2', 'r-3', 'r-4', 'r-5'];
    for (const ref of refs) await connect(org, { email: newEmail(), ref });
    const newestFirst = [...refs].reverse();
    const walk = (status?: string) =>
      walkPages(app, {
        list: 'connections',
        field: 'ref',
        size: 2,
        headers: partner(org.secret),
        ...(status && { args: { status: ['ConnectionStatus', status] } }),
      });
    expect(await walk()).toEqual({ forwards: newestFirst, backwards: newestFirst });
    expect(await walk('ONBOARDING')).toEqual({ forwards: newestFirst, backwards: newestFirst });
    expect(await walk('PENDING')).toEqual({ forwards: [], backwards: [] });
  });

  it('filters the list by e-mail and by ref, exactly and with the status, and never beyond the read rule', async () => {
    const org = await newOrganization(app);
    const first = await connectedUser(org, { ref: 'crm-1' });
    const second = await connect(org, { email: newEmail(), ref: 'crm-2' });
    if (second.__typename !== 'ConnectUserSuccess') throw new Error('connect failed');
    const ids = async (filter: Record<string, unknown>, secret = org.secret) => {
      const res = await gql(app, Connections, { first: 10, ...filter }, { headers: partner(secret) });
      return { ids: res.data!.connections.edges.map((e) => e.node.id), total: res.data!.connections.totalCount };
    };
    // Addresses match as stored (trimmed, lower case), whatever the case asked with.
    expect(await ids({ email: `  ${first.email.toUpperCase()} ` })).toEqual({ ids: [first.connectionId], total: 1 });
    expect(await ids({ ref: 'crm-2' })).toEqual({ ids: [second.connection.id], total: 1 });
    expect(await ids({ email: first.email, status: 'CONNECTED' })).toEqual({ ids: [first.connectionId], total: 1 });
    expect(await ids({ email: first.email, status: 'ONBOARDING' })).toEqual({ ids: [], total: 0 });
    expect(await ids({ email: first.email, ref: 'crm-2' })).toEqual({ ids: [], total: 0 });
    // Exact, never a pattern.
    for (const ref of ['crm-', 'crm-%', 'crm-_', 'CRM-1']) expect(await ids({ ref })).toEqual({ ids: [], total: 0 });
    expect(await ids({ email: first.email.slice(1) })).toEqual({ ids: [], total: 0 });
    // Another organization finds nothing under the same filters.
    const stranger = await newOrganization(app);
    expect(await ids({ email: first.email }, stranger.secret)).toEqual({ ids: [], total: 0 });
    expect(await ids({ ref: 'crm-1' }, stranger.secret)).toEqual({ ids: [], total: 0 });
  });

  it('lets a user key see its own connection only, and refuses it partner operations (403)', async () => {
    const org = await newOrganization(app);
    const mine = await connectedUser(org);
    const other = await connectedUser(org);
    const headers = { 'x-api-key': mine.apiKey! };
    const own = await gql(app, ConnectionQuery, { lookup: { id: mine.connectionId } }, { headers });
    expect(own.data!.connection).toMatchObject({ id: mine.connectionId });
    const theirs = await gql(app, ConnectionQuery, { lookup: { id: other.connectionId } }, { headers });
    expect(theirs.data!.connection).toBeNull();
    for (const res of [
      await gql(app, Connections, {}, { headers }),
      await gql(app, ConnectUser, { input: { email: newEmail() } }, { headers }),
      await gql(app, CreatePartnerKey, { input: { name: 'Nope', permissions: ['KEYS_READ'] } }, { headers }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  describe('connectionStatus security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        const email = newEmail();
        await gql(a, ConnectUser, { input: { email } }, { headers: partner(owner.secret) });
        return { owner, call: (headers) => gql(a, ConnectionStatusQuery, { email }, { headers }) };
      },
      {
        requires: 'CONNECTIONS_READ',
        otherOrganization: (res) => expect(res.data).toEqual({ connectionStatus: { status: null, apiKey: null, connection: null } }),
      },
    );
  });

  describe('connectUser security', () => {
    securityBlock(
      getApp,
      async (a) => {
        const owner = await newOrganization(a);
        return { owner, call: (headers) => gql(a, ConnectUser, { input: { email: newEmail() } }, { headers }) };
      },
      { requires: 'CONNECTIONS_WRITE', otherOrganization: (res) => expect(res.status).toBe(200) },
    );
  });

  it('keeps partner keys without CONNECTIONS_READ out (403)', async () => {
    const org = await newOrganization(app);
    const keysOnly = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const res = await gql(app, Connections, {}, { headers: partner(keysOnly.secret) });
    expect(res.status).toBe(403);
  });
});
