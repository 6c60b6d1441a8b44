import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeBtcAddress } from '../../src/domain/connection/payout.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newEmail } from '../helpers/connections.ts';
import { newOrganization } from '../helpers/fixtures.ts';
import { consentPage, consentToken, mailsTo } from '../helpers/outbox.ts';
import { AdvanceSandboxConnection, ConnectUser, CreateSandboxUser, UserViewer } from './operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
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
    expect(normalizeBtcAddress(connected.connection.depositAddress!, 'TEST').ok).toBe(true);
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
    const live = await newOrganization(app, { environment: 'LIVE' });
    const liveConnection = await startConnection(live.secret);
    const res = await gql(app, AdvanceSandboxConnection, { input: { connectionId: liveConnection.id, to: 'PENDING' } }, { headers: partner(live.secret) });
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('createSandboxUser', () => {
  it.each(['PERSON', 'BUSINESS'] as const)('returns a connected %s and its working key in one call, with no email', async (type) => {
    const org = await newOrganization(app);
    const res = await gql(app, CreateSandboxUser, { input: { type, ref: `sandbox-${type}`, direction: 'SELL', iban: 'DE89370400440532013000' } }, { headers: partner(org.secret) });
    const payload = res.data!.createSandboxUser;
    if (payload.__typename !== 'CreateSandboxUserSuccess') throw new Error(JSON.stringify(payload));
    expect(payload.connection).toMatchObject({ status: 'CONNECTED', environment: 'TEST', ref: `sandbox-${type}`, direction: 'SELL' });
    expect(payload.connection.email).toContain(`sandbox-${type.toLowerCase()}-`);
    expect(payload.connection.depositIban).toMatch(/^DE\d{20}$/);
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
