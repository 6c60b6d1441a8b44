import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeBtcAddress, normalizeIban } from '../../src/domain/connection/payout.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { newEmail } from '../helpers/connections.ts';
import { newOrganization } from '../helpers/fixtures.ts';
import { consentPage, consentToken, mailsTo } from '../helpers/outbox.ts';
import { AdvanceSandboxConnection, ConnectUser, CreateSandboxUser, DecideOnboarding, UserViewer } from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  // Sandbox mails count against the per-address cap (3 a day by default); some walks here mail one address more often.
  app = await createTestApp({ mailLimits: { perOrganizationPerHour: 500, perRecipientPerDay: 10 } });
});

async function startConnection(secret: string, input: Record<string, unknown> = {}) {
  const email = newEmail();
  const res = await gql(app, ConnectUser, { input: { email, ...input } as never }, { headers: partner(secret) });
  if (res.data?.connectUser.__typename !== 'ConnectUserSuccess') throw new Error(JSON.stringify(res));
  return { email, id: res.data.connectUser.connection.id };
}

const advance = (secret: string, connectionId: string, to: 'PENDING' | 'CONNECTED' | 'REJECTED' | 'REVOKED') =>
  gql(app, AdvanceSandboxConnection, { input: { connectionId, to } }, { headers: partner(secret) }).then((r) => r.data!.advanceSandboxConnection);

describe('advanceSandboxConnection', () => {
  it('walks a TEST connection through the real transitions, with the real side effects', async () => {
    const org = await newOrganization(app);
    const { email, id } = await startConnection(org.secret, { direction: 'BUY', address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx' });
    expect(await advance(org.secret, id, 'PENDING')).toMatchObject({ apiKey: null, connection: { status: 'PENDING' } });
    expect(mailsTo(app, email).at(-1)!.text).toContain('/consent/');
    const connected = await advance(org.secret, id, 'CONNECTED');
    if (connected.__typename !== 'AdvanceSandboxConnectionSuccess') throw new Error(JSON.stringify(connected));
    expect(connected.connection.status).toBe('CONNECTED');
    // BUY: the user pays EUR in, so the deposit detail is an IBAN, never an address.
    expect(connected.connection).toMatchObject({ depositAddress: null });
    expect(normalizeIban(connected.connection.depositIban!).ok).toBe(true);
    expect(connected.apiKey).toMatch(/^kw_usr_test_/);
    expect((await gql(app, UserViewer, {}, { headers: { 'x-api-key': connected.apiKey! } })).status).toBe(200);
    // The consent link mailed on the way is spent: the connection moved on.
    expect((await consentPage(app, consentToken(app, email))).status).toBe(410);
    expect(await advance(org.secret, id, 'REVOKED')).toMatchObject({ connection: { status: 'REVOKED' } });
    expect((await gql(app, UserViewer, {}, { headers: { 'x-api-key': connected.apiKey! } })).status).toBe(401);
  });

  it('refuses a transition that does not exist (INVALID_STATE)', async () => {
    const org = await newOrganization(app);
    const { id } = await startConnection(org.secret);
    expect(await advance(org.secret, id, 'CONNECTED')).toMatchObject({ code: 'INVALID_STATE' });
    expect(await advance(org.secret, id, 'REVOKED')).toMatchObject({ code: 'INVALID_STATE' });
    expect(await advance(org.secret, id, 'REJECTED')).toMatchObject({ connection: { status: 'REJECTED' } });
  });

  it("is refused on LIVE data and never reaches another organization's connection", async () => {
    const org = await newOrganization(app);
    const { id } = await startConnection(org.secret);
    const stranger = await newOrganization(app);
    expect(await advance(stranger.secret, id, 'PENDING')).toMatchObject({ code: 'NOT_FOUND' });
    const live = await newOrganization(app, { environment: 'LIVE', liveAccess: 'ENABLED' });
    const liveConnection = await startConnection(live.secret);
    const res = await gql(app, AdvanceSandboxConnection, { input: { connectionId: liveConnection.id, to: 'PENDING' } }, { headers: partner(live.secret) });
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('createSandboxUser', () => {
  it.each(['PERSON', 'BUSINESS'] as const)('returns a connected %s and its working key in one call, with no email', async (type) => {
    const org = await newOrganization(app);
    const res = await gql(
      app,
      CreateSandboxUser,
      { input: { type, ref: `sandbox-${type}`, direction: 'SELL', iban: 'DE89370400440532013000' } },
      { headers: partner(org.secret) },
    );
    const payload = res.data!.createSandboxUser;
    if (payload.__typename !== 'CreateSandboxUserSuccess') throw new Error(JSON.stringify(payload));
    expect(payload.connection).toMatchObject({ status: 'CONNECTED', environment: 'TEST', ref: `sandbox-${type}`, direction: 'SELL' });
    expect(payload.connection.email).toContain(`sandbox-${type.toLowerCase()}-`);
    // SELL: the user sends BTC, so the deposit detail is a testnet address, never an IBAN.
    expect(payload.connection).toMatchObject({ depositIban: null });
    expect(normalizeBtcAddress(payload.connection.depositAddress!, 'TEST')).toEqual({ ok: true, value: expect.stringMatching(/^tb1q/) });
    expect(mailsTo(app, payload.connection.email)).toHaveLength(0);
    const viewer = await gql(app, UserViewer, {}, { headers: { 'x-api-key': payload.apiKey! } });
    expect(viewer.data!.viewer).toMatchObject({ kind: 'USER', connection: { id: payload.connection.id } });
  });

  it('validates like connectUser and is refused for LIVE keys', async () => {
    const org = await newOrganization(app);
    const bad = await gql(app, CreateSandboxUser, { input: { type: 'PERSON', direction: 'SELL' } }, { headers: partner(org.secret) });
    expect(bad.data!.createSandboxUser).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: ['iban'] }] });
    const live = await newOrganization(app, { environment: 'LIVE' });
    const refused = await gql(app, CreateSandboxUser, { input: { type: 'PERSON' } }, { headers: partner(live.secret) });
    expect(refused.status).toBe(403);
  });
});

// Issue 13, finding 1: a sandbox action approved KYC for the whole platform (users.kycApprovedAt),
// so a LIVE connectUser for that address in any organization skipped onboarding.
describe('KYC is a fact of one environment', () => {
  const connect = async (secret: string, email: string) => {
    const res = await gql(app, ConnectUser, { input: { email } }, { headers: partner(secret) });
    if (res.data?.connectUser.__typename !== 'ConnectUserSuccess') throw new Error(JSON.stringify(res));
    return res.data.connectUser;
  };

  it("a TEST sandbox approval does not let another organization's LIVE connection skip onboarding", async () => {
    const sandboxOrg = await newOrganization(app);
    const { email, id } = await startConnection(sandboxOrg.secret);
    expect(await advance(sandboxOrg.secret, id, 'PENDING')).toMatchObject({ connection: { status: 'PENDING' } });

    const liveOrg = await newOrganization(app, { environment: 'LIVE', liveAccess: 'ENABLED' });
    const live = await connect(liveOrg.secret, email);
    expect(live.connection).toMatchObject({ status: 'ONBOARDING', environment: 'LIVE' });
    expect(live.apiKey).toBeNull();
    // The user got a signup mail, not a consent link for LIVE.
    expect(mailsTo(app, email).at(-1)!.subject).toContain('Finish signing up');
    // Asking again stays in ONBOARDING: only the operator's LIVE decision moves it on.
    expect((await connect(liveOrg.secret, email)).connection.status).toBe('ONBOARDING');
    // In TEST the sandbox approval still counts, in any organization.
    const otherTestOrg = await newOrganization(app);
    expect((await connect(otherTestOrg.secret, email)).connection.status).toBe('PENDING');
  });

  it("createSandboxUser's dummy user is approved for TEST only", async () => {
    const org = await newOrganization(app);
    const res = await gql(app, CreateSandboxUser, { input: { type: 'PERSON' } }, { headers: partner(org.secret) });
    if (res.data?.createSandboxUser.__typename !== 'CreateSandboxUserSuccess') throw new Error(JSON.stringify(res));
    const { email } = res.data.createSandboxUser.connection;
    const liveOrg = await newOrganization(app, { environment: 'LIVE', liveAccess: 'ENABLED' });
    expect((await connect(liveOrg.secret, email!)).connection.status).toBe('ONBOARDING');
  });

  it("the operator's LIVE approval lets the user's LIVE connections in other organizations go straight to PENDING", async () => {
    const email = newEmail();
    const first = await newOrganization(app, { environment: 'LIVE', liveAccess: 'ENABLED' });
    const started = await connect(first.secret, email);
    expect(started.connection.status).toBe('ONBOARDING');
    const decided = await gql(app, DecideOnboarding, { input: { connectionId: started.connection.id, decision: 'APPROVE' } }, { headers: admin(app) });
    expect(decided.data?.decideOnboarding).toMatchObject({ connection: { status: 'PENDING' } });

    const second = await newOrganization(app, { environment: 'LIVE', liveAccess: 'ENABLED' });
    const known = await connect(second.secret, email);
    expect(known.connection).toMatchObject({ status: 'PENDING', environment: 'LIVE' });
    expect(mailsTo(app, email).at(-1)!.text).toContain('/consent/');
    const answer = await consentPage(app, consentToken(app, email), 'approve');
    expect(answer.status).toBe(200);
    const status = await gql(
      app,
      `query ($email: String!) { connectionStatus(email: $email) { status apiKey } }`,
      { email },
      { headers: partner(second.secret) },
    );
    expect(status.data).toMatchObject({ connectionStatus: { status: 'CONNECTED', apiKey: expect.stringMatching(/^kw_usr_live_/) } });
    // A LIVE approval is a LIVE fact: a TEST connection of the same address onboards as usual.
    const testOrg = await newOrganization(app);
    expect((await connect(testOrg.secret, email)).connection.status).toBe('ONBOARDING');
  });
});

describe('sandbox mails (issue 13, finding 15)', () => {
  it('count against the per-address cap like connectUser mails: over it, RATE_LIMITED and nothing written', async () => {
    const capped = await createTestApp({ mailLimits: { perOrganizationPerHour: 500, perRecipientPerDay: 1 } });
    const org = await newOrganization(capped);
    const email = newEmail();
    const started = await gql(capped, ConnectUser, { input: { email } }, { headers: partner(org.secret) });
    if (started.data?.connectUser.__typename !== 'ConnectUserSuccess') throw new Error(JSON.stringify(started));
    expect(mailsTo(capped, email)).toHaveLength(1);
    const res = await gql(
      capped,
      AdvanceSandboxConnection,
      { input: { connectionId: started.data.connectUser.connection.id, to: 'PENDING' } },
      { headers: partner(org.secret) },
    );
    expect(res.status).toBe(429);
    expect(res.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(mailsTo(capped, email)).toHaveLength(1);
    const still = await gql(
      capped,
      `query ($id: ID!) { node(id: $id) { ... on Connection { status } } }`,
      { id: started.data.connectUser.connection.id },
      { headers: partner(org.secret) },
    );
    expect(still.data).toEqual({ node: { status: 'ONBOARDING' } });
  });
});
