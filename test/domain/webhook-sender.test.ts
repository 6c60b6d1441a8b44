import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningSecret } from '../../src/domain/signing/signing.service.ts';
import { WebhookSender, type OutgoingWebhook } from '../../src/domain/webhooks/webhook-sender.ts';
import { verifyWebhook, WebhookReceiver } from '../helpers/webhook-receiver.ts';

// The sender against a real HTTP receiver on 127.0.0.1 (docs/security.md, E-05).

let receiver: WebhookReceiver;
const secret = generateSigningSecret();

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.clear());

const webhook = (overrides: Partial<OutgoingWebhook> = {}): OutgoingWebhook => ({
  url: `${receiver.url}/hooks`,
  id: 'msg_2b8c4f3e9a1d4e6f8a0b1c2d3e4f5a6b',
  timestamp: Math.floor(Date.now() / 1000),
  body: JSON.stringify({ type: 'api_key.created', timestamp: new Date().toISOString(), data: { keyId: 'Ab12Cd34', note: 'ünïcode ✓' } }),
  secrets: [secret],
  ...overrides,
});
const devSender = (options: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) => new WebhookSender({ allowPrivate: true, ...options });

describe('WebhookSender', () => {
  it('POSTs a Standard Webhooks request that the standardwebhooks package verifies', async () => {
    const sent = webhook();
    const outcome = await devSender().send(sent);
    expect(outcome).toMatchObject({ succeeded: true, statusCode: 200, error: null });
    const [received] = receiver.received;
    expect(received!.path).toBe('/hooks');
    expect(received!.headers['content-type']).toBe('application/json');
    expect(received!.headers['webhook-id']).toBe('msg_2b8c4f3e9a1d4e6f8a0b1c2d3e4f5a6b');
    expect(received!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyWebhook(secret, received!)).toEqual(JSON.parse(sent.body));
  });

  it('signs with every secret still valid (rotation grace): both verify, and a stranger does not', async () => {
    const next = generateSigningSecret();
    await devSender().send(webhook({ secrets: [next, secret] }));
    const [received] = receiver.received;
    expect(String(received!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => verifyWebhook(next, received!)).not.toThrow();
    expect(() => verifyWebhook(secret, received!)).not.toThrow();
    expect(() => verifyWebhook(generateSigningSecret(), received!)).toThrow();
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    receiver.reply({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } });
    const outcome = await devSender().send(webhook());
    expect(outcome).toMatchObject({ succeeded: false, statusCode: 302, error: 'redirect (302) not followed' });
    expect(receiver.received).toHaveLength(1);
  });

  it('reports 410 as gone and Retry-After of a 429 or 503', async () => {
    receiver.reply({ status: 410 }, { status: 429, headers: { 'retry-after': '120' } }, { status: 503, headers: { 'retry-after': 'soon' } }, { status: 500 });
    expect(await devSender().send(webhook())).toMatchObject({ succeeded: false, statusCode: 410, gone: true });
    expect(await devSender().send(webhook())).toMatchObject({ statusCode: 429, retryAfterSeconds: 120, gone: false });
    expect(await devSender().send(webhook())).toMatchObject({ statusCode: 503, retryAfterSeconds: null });
    expect(await devSender().send(webhook())).toMatchObject({ statusCode: 500, error: 'HTTP 500', retryAfterSeconds: null });
  });

  it('gives up on a receiver that never answers, at the deadline', async () => {
    receiver.reply({ hang: true });
    const outcome = await devSender({ timeoutMs: 300 }).send(webhook());
    expect(outcome).toMatchObject({ succeeded: false, statusCode: null, error: 'timed out after 0.3 s' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('reads at most 64 KiB of a huge response and keeps none of it', async () => {
    receiver.reply({ bytes: 10 * 1024 * 1024 });
    const outcome = await devSender().send(webhook());
    expect(outcome).toEqual({ succeeded: true, statusCode: 200, error: null, gone: false, retryAfterSeconds: null, durationMs: expect.any(Number) });
  });

  it('treats a receiver that drops the connection without answering as a failure (it will be sent again)', async () => {
    receiver.reply({ ackThenDrop: true });
    expect(await devSender().send(webhook())).toMatchObject({ succeeded: false, statusCode: null, error: 'connection reset' });
    expect(receiver.received).toHaveLength(1);
  });

  it('reports a refused connection', async () => {
    const closed = await WebhookReceiver.start();
    const url = `${closed.url}/hooks`;
    await closed.close();
    expect(await devSender().send(webhook({ url }))).toMatchObject({ succeeded: false, error: 'connection refused' });
  });
});

describe('WebhookSender: connections kept for the next webhook to the same origin', () => {
  it('sends the next webhook over the connection the partner answered in full', async () => {
    const sender = devSender();
    await sender.send(webhook());
    await sender.send(webhook());
    const [first, second] = receiver.received;
    expect(second!.remotePort).toBe(first!.remotePort);
    sender.close();
  });

  it('never reuses a connection cut off at 64 KiB or at the deadline', async () => {
    const sender = devSender({ timeoutMs: 300 });
    receiver.reply({ bytes: 10 * 1024 * 1024 }, { status: 200 }, { hang: true }, { status: 200 });
    for (let i = 0; i < 4; i++) await sender.send(webhook());
    const ports = receiver.received.map((r) => r.remotePort);
    expect(ports).toHaveLength(4);
    expect(ports[1]).not.toBe(ports[0]);
    expect(ports[3]).not.toBe(ports[2]);
    sender.close();
  });

  it('sends again on a new connection when a kept one turns out closed, without counting a failure', async () => {
    const sender = devSender();
    await sender.send(webhook());
    // The kept connection fails under the next request (as when the partner closed it just then).
    receiver.reply({ ackThenDrop: true });
    const outcome = await sender.send(webhook());
    expect(outcome).toMatchObject({ succeeded: true, statusCode: 200 });
    const [first, dropped, again] = receiver.received;
    expect(dropped!.remotePort).toBe(first!.remotePort);
    expect(again!.remotePort).not.toBe(first!.remotePort);
    expect(again!.headers['webhook-id']).toBe(dropped!.headers['webhook-id']);
    sender.close();
  });

  it('counts a dropped connection as a failure when it was a new one', async () => {
    const sender = devSender();
    receiver.reply({ ackThenDrop: true });
    expect(await sender.send(webhook())).toMatchObject({ succeeded: false, error: 'connection reset' });
    expect(receiver.received).toHaveLength(1);
    sender.close();
  });
});

describe('WebhookSender: targets checked at connect time (A-12)', () => {
  const port = () => new URL(receiver.url).port;

  it('refuses a name that resolves to loopback in production, without connecting (DNS rebinding)', async () => {
    const sender = new WebhookSender({ allowPrivate: false, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const outcome = await sender.send(webhook({ url: `https://rebind.partner.example:${port()}/hooks` }));
    expect(outcome).toMatchObject({ succeeded: false, error: 'refused: rebind.partner.example resolves to 127.0.0.1, which is a loopback address' });
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a name with any disallowed address among its A and AAAA records', async () => {
    const sender = new WebhookSender({
      allowPrivate: false,
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '::ffff:10.0.0.1', family: 6 },
      ],
    });
    expect((await sender.send(webhook({ url: 'https://mixed.partner.example/hooks' }))).error).toBe(
      'refused: mixed.partner.example resolves to ::ffff:10.0.0.1, which embeds 10.0.0.1, which is a private address',
    );
  });

  it('refuses metadata addresses even in development, by name or literal', async () => {
    const sender = devSender({ resolve: async () => [{ address: '169.254.169.254', family: 4 }] });
    expect((await sender.send(webhook({ url: `http://metadata.test:${port()}/` }))).error).toBe(
      'refused: metadata.test resolves to 169.254.169.254, which is a cloud metadata address',
    );
    expect((await sender.send(webhook({ url: 'http://[::ffff:a9fe:a9fe]/' }))).error).toMatch(/^refused: ::ffff:a9fe:a9fe embeds 169.254.169.254/);
    // Issue 13, finding 8: IPv4-compatible IPv6 and hex spellings in host names, at connect time too.
    expect((await sender.send(webhook({ url: 'http://[::a9fe:a9fe]/' }))).error).toMatch(/^refused: ::a9fe:a9fe embeds 169.254.169.254/);
    expect((await sender.send(webhook({ url: 'http://a9fea9fe.nip.io/' }))).error).toMatch(/^refused: a9fea9fe.nip.io spells 169.254.169.254/);
    expect((await new WebhookSender({ allowPrivate: false }).send(webhook({ url: 'https://0x7f000001.nip.io/' }))).error).toMatch(
      /^refused: 0x7f000001.nip.io spells 127.0.0.1, which is a loopback address/,
    );
    expect((await new WebhookSender({ allowPrivate: false }).send(webhook({ url: 'https://[::7f00:1]/' }))).error).toMatch(
      /^refused: ::7f00:1 embeds 127.0.0.1/,
    );
    expect((await new WebhookSender({ allowPrivate: false }).send(webhook())).error).toMatch(/^refused: http: is not allowed/);
    expect(receiver.received).toHaveLength(0);
  });

  it('connects to the address it checked', async () => {
    const sender = devSender({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const outcome = await sender.send(webhook({ url: `http://partner.test:${port()}/named` }));
    expect(outcome).toMatchObject({ succeeded: true, statusCode: 200 });
    expect(receiver.received[0]!.headers.host).toBe(`partner.test:${port()}`);
  });
});
