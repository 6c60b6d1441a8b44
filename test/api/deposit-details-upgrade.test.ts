// Deposit details stored the wrong way round (issue 14): the previous version gave a BUY
// connection a deposit address and a SELL connection a deposit IBAN. Rows are put in that state
// through Prisma, as the previous version (or the migration) left them; then the start-up step
// runs, and the API, the event log, the subscription and the callbacks show the right kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeData } from '../../src/app.ts';
import { sandboxDepositAddress, sandboxDepositIban, type DepositProvider } from '../../src/domain/connection/deposit-accounts.ts';
import { encodeCursor } from '../../src/domain/events/event-log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { firstSseResult, gql, partner } from '../helpers/client.ts';
import { connectedUser } from '../helpers/connections.ts';
import { newOrganization, type OrgFixture } from '../helpers/fixtures.ts';
import { verifyWebhook, WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { DisconnectUser } from './operations.ts';

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  [app, receiver] = await Promise.all([createTestApp({ allowPrivateCallbacks: true }), WebhookReceiver.start()]);
});
afterAll(() => receiver.close());

/** What the previous version's sandbox gave a SELL connection: an IBAN, never a deposit account of a SELL trade. */
const OLD_SELL_IBAN = 'DE35042997912107130109';
const BUY = { direction: 'BUY', address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx' };
const SELL = { direction: 'SELL', iban: 'DE89370400440532013000' };

const DETAILS = `query ($id: ID!) { node(id: $id) { ... on Connection { status direction depositIban depositAddress } } }`;
const EVENTS = `subscription ($after: String) { connectionEvents(after: $after) { status previousStatus connection { id depositIban depositAddress } } }`;

async function detailsOf(org: OrgFixture, id: string) {
  const res = await gql(app, DETAILS, { id }, { headers: partner(org.secret) });
  return (res.data as { node: { status: string; direction: string; depositIban: string | null; depositAddress: string | null } }).node;
}

/** What a partner can observe of an organization: its events, audit rows and webhook deliveries. */
async function observable(org: OrgFixture) {
  const where = { organizationId: org.organizationUuid };
  const [events, audit, deliveries] = await Promise.all([
    app.services.prisma.event.findMany({ where, orderBy: { position: 'asc' } }),
    app.services.prisma.auditEvent.findMany({ where, orderBy: { seq: 'asc' } }),
    app.services.prisma.webhookDelivery.findMany({ where, orderBy: { createdAt: 'asc' } }),
  ]);
  return { events, audit, deliveries };
}

async function deliverDue(): Promise<void> {
  while ((await app.services.webhooks.runOnce()) > 0);
}

const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

describe('the start-up step: deposit details stored the wrong way round', () => {
  it('gives each connection the right kind from the provider (never the old value moved across), with an audit row, its event and its connection-status callback; a second run changes nothing', async () => {
    const org = await newOrganization(app);
    const path = `/deposits-${org.organizationUuid}`;
    const endpoint = await gql(
      app,
      `mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }`,
      { i: { url: `${receiver.url}${path}/endpoint`, eventTypes: ['CONNECTION_STATUS_CHANGED'] } },
      { headers: partner(org.secret) },
    );
    expect(endpoint.data).toEqual({ createWebhookEndpoint: { __typename: 'CreateWebhookEndpointSuccess' } });
    const callback = `${receiver.url}${path}`;
    const buy = await connectedUser(app, org, { ...BUY, callback, ref: 'buy' });
    const sell = await connectedUser(app, org, { ...SELL, callback, ref: 'sell' });
    const marked = await connectedUser(app, org, { ...SELL, callback, ref: 'marked' });
    const revoked = await connectedUser(app, org, { ...SELL, ref: 'revoked' });
    await gql(app, DisconnectUser, { input: { id: revoked.connectionId } }, { headers: partner(org.secret) });
    const [buyId, sellId, markedId, revokedId] = [buy, sell, marked, revoked].map((c) => uuidOf(c.connectionId)) as [string, string, string, string];

    // As the previous version stored them: BUY with an address, SELL with an IBAN (also once disconnected).
    const { prisma } = app.services;
    await prisma.connection.update({ where: { id: buyId }, data: { depositIban: null, depositAddress: sandboxDepositAddress(buyId) } });
    await prisma.connection.update({ where: { id: sellId }, data: { depositIban: OLD_SELL_IBAN, depositAddress: null } });
    await prisma.connection.update({ where: { id: revokedId }, data: { depositIban: OLD_SELL_IBAN, depositAddress: null } });
    // As the migration leaves a connection whose wrong-kind value it cleared.
    await prisma.connection.update({ where: { id: markedId }, data: { depositIban: null, depositAddress: null, depositDetailsPending: true } });
    expect(await detailsOf(org, sell.connectionId)).toMatchObject({ depositIban: OLD_SELL_IBAN, depositAddress: null });
    await deliverDue();
    receiver.clear();
    const before = await observable(org);

    await upgradeData(app.services);
    expect(app.logs.entries().find((e) => e.msg === 'deposit details stored the wrong way round replaced from the deposit provider')).toMatchObject({
      replaced: 3,
      withdrawn: 1,
    });

    // The API: each direction's kind, from the provider (the sandbox's, derived from the connection id).
    expect(await detailsOf(org, buy.connectionId)).toEqual({
      status: 'CONNECTED',
      direction: 'BUY',
      depositIban: sandboxDepositIban(buyId),
      depositAddress: null,
    });
    expect(await detailsOf(org, sell.connectionId)).toEqual({
      status: 'CONNECTED',
      direction: 'SELL',
      depositIban: null,
      depositAddress: sandboxDepositAddress(sellId),
    });
    expect(await detailsOf(org, marked.connectionId)).toEqual({
      status: 'CONNECTED',
      direction: 'SELL',
      depositIban: null,
      depositAddress: sandboxDepositAddress(markedId),
    });
    expect(await detailsOf(org, revoked.connectionId)).toEqual({ status: 'REVOKED', direction: 'SELL', depositIban: null, depositAddress: null });
    expect(await prisma.connection.count({ where: { organizationId: org.organizationUuid, depositDetailsPending: true } })).toBe(0);

    // One audit row each, by the system; one event per CONNECTED connection, CONNECTED to CONNECTED.
    const after = await observable(org);
    const audit = after.audit.slice(before.audit.length);
    expect(audit.map((a) => [a.action, a.actorKind, a.targetId, (a.details as { assigned: string | null }).assigned]).sort()).toEqual(
      [
        ['connection.deposit_details_replaced', 'SYSTEM', buyId, 'depositIban'],
        ['connection.deposit_details_replaced', 'SYSTEM', sellId, 'depositAddress'],
        ['connection.deposit_details_replaced', 'SYSTEM', markedId, 'depositAddress'],
        ['connection.deposit_details_replaced', 'SYSTEM', revokedId, null],
      ].sort(),
    );
    const events = after.events.slice(before.events.length);
    expect(events.map((e) => [e.type, e.connectionId, e.data]).sort()).toEqual(
      [buyId, sellId, markedId]
        .map((id) => ['CONNECTION_STATUS_CHANGED', id, { status: 'CONNECTED', previousStatus: 'CONNECTED', ref: expect.any(String) }])
        .sort(),
    );

    // A subscriber resuming from before the step sees the connections with their new details.
    const first = await firstSseResult(app, EVENTS, { after: encodeCursor(before.events.at(-1)!.position) }, partner(org.secret));
    const { connectionEvents: seen } = first.data as {
      connectionEvents: { status: string; previousStatus: string; connection: { id: string; depositIban: string | null; depositAddress: string | null } };
    };
    const { depositIban, depositAddress } = await detailsOf(org, seen.connection.id);
    expect(seen).toEqual({ status: 'CONNECTED', previousStatus: 'CONNECTED', connection: { id: seen.connection.id, depositIban, depositAddress } });
    expect(depositIban ?? depositAddress).toEqual(expect.any(String));

    // The callbacks: connection-status only (the key was delivered when it connected), with the direction's field only.
    await deliverDue();
    const callbacks = receiver.received
      .filter((w) => w.path === `${path}/connection-status`)
      .map((w) => verifyWebhook(org.signingSecret, w) as { data: Record<string, unknown> });
    expect(callbacks.map((c) => c.data).sort((a, b) => String(a.ref).localeCompare(String(b.ref)))).toEqual([
      {
        status: 'CONNECTED',
        email: buy.email.toLowerCase(),
        ref: 'buy',
        connectionId: buy.connectionId,
        direction: 'BUY',
        depositIban: sandboxDepositIban(buyId),
      },
      {
        status: 'CONNECTED',
        email: marked.email.toLowerCase(),
        ref: 'marked',
        connectionId: marked.connectionId,
        direction: 'SELL',
        depositAddress: sandboxDepositAddress(markedId),
      },
      {
        status: 'CONNECTED',
        email: sell.email.toLowerCase(),
        ref: 'sell',
        connectionId: sell.connectionId,
        direction: 'SELL',
        depositAddress: sandboxDepositAddress(sellId),
      },
    ]);
    expect(receiver.received.filter((w) => w.path === `${path}/verification-status`)).toEqual([]);
    const endpointBodies = receiver.received
      .filter((w) => w.path === `${path}/endpoint`)
      .map((w) => (verifyWebhook(org.signingSecret, w) as { data: Record<string, unknown> }).data);
    expect(endpointBodies.map((d) => [d.connectionId, d.status, d.previousStatus]).sort()).toEqual(
      [buy, sell, marked].map((c) => [c.connectionId, 'CONNECTED', 'CONNECTED']).sort(),
    );

    // Run again (the next start): nothing to do, nothing written.
    expect(await app.services.connections.replaceDepositDetails()).toEqual({ replaced: 0, waiting: 0, withdrawn: 0 });
    const again = await observable(org);
    expect([again.events.length, again.audit.length, again.deliveries.length]).toEqual([after.events.length, after.audit.length, after.deliveries.length]);
    expect(await detailsOf(org, sell.connectionId)).toMatchObject({ depositIban: null, depositAddress: sandboxDepositAddress(sellId) });
  });

  it('a provider that fails: the wrong value goes at once, the connection waits (and says so), and the next start fills it', async () => {
    const org = await newOrganization(app);
    const sell = await connectedUser(app, org, SELL);
    const id = uuidOf(sell.connectionId);
    await app.services.prisma.connection.update({ where: { id }, data: { depositIban: OLD_SELL_IBAN, depositAddress: null } });
    const away: DepositProvider = {
      fiatDepositAccount: () => Promise.reject(new Error('provider unavailable')),
      cryptoDepositAddress: () => Promise.reject(new Error('provider unavailable')),
    };
    const failing = await createTestApp({ deposits: away });

    await upgradeData(failing.services);
    expect(failing.logs.entries().find((e) => e.msg === 'the deposit provider failed; asked again at the next start')).toMatchObject({ connectionId: id });
    expect(failing.logs.entries().find((e) => e.msg?.toString().startsWith('connected connections still without deposit details'))).toMatchObject({
      waiting: 1,
    });
    expect(await detailsOf(org, sell.connectionId)).toMatchObject({ status: 'CONNECTED', depositIban: null, depositAddress: null });
    expect(await failing.services.connections.replaceDepositDetails()).toEqual({ replaced: 0, waiting: 1, withdrawn: 0 });
    const waiting = await observable(org);

    expect(await app.services.connections.replaceDepositDetails()).toEqual({ replaced: 1, waiting: 0, withdrawn: 0 });
    expect(await detailsOf(org, sell.connectionId)).toMatchObject({ depositIban: null, depositAddress: sandboxDepositAddress(id) });
    const filled = await observable(org);
    expect(filled.events.length).toBe(waiting.events.length + 1);
    expect(await app.services.connections.replaceDepositDetails()).toEqual({ replaced: 0, waiting: 0, withdrawn: 0 });
  });
});
