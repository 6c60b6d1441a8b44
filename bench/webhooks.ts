// npm run bench:webhooks — what webhooks cost, against baselines measured in the same run.
//
// (a) The outbox's cost per change: the same key update with 0 and with 3 matching endpoints
//     (one delivery row each, written in the change's transaction), interleaved rounds.
// (b) Delivery throughput: N webhooks already in the outbox, delivered by the dispatcher
//     (claim, sign, POST, record each attempt) to a local receiver, against a bare loop POSTing
//     the same bodies to the same receiver with the same concurrency and no database.
//
// In one process on the embedded database (PGlite), as `npm start` runs. Options:
// BENCH_CHANGES (default 300 per round), BENCH_ROUNDS (3), BENCH_WEBHOOKS (2000).
import { once } from 'node:events';
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createServices } from '../src/app.ts';
import { openDatabase } from '../src/infra/database.ts';
import { createLogger } from '../src/infra/logger.ts';
import { createMailer } from '../src/infra/mailer.ts';
import { webhookSignature } from '../src/domain/webhooks/webhook-sender.ts';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 2000);
const CONCURRENCY = 20; // the dispatcher's batch: claimed and sent together

let received = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.end('ok');
  });
});
receiver.listen(0, '127.0.0.1');
await once(receiver, 'listening');
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const database = await openDatabase({ kind: 'memory' });
const logger = createLogger({ level: 'silent' });
const services = createServices({
  database,
  secrets: { pepper: randomBytes(32), encryptionKey: randomBytes(32) },
  logger,
  mailer: createMailer({ outboxDir: '/tmp/keyward-bench-outbox', from: 'bench <bench@keyward.test>', logger }),
  links: { publicUrl: 'http://keyward.test', signupUrl: 'http://keyward.test/signup' },
  allowPrivateCallbacks: true,
});
const operator = { type: 'operator' } as const;

async function organizationWithKey(endpoints: number) {
  const org = await services.organizations.create(operator, { name: `Bench ${randomBytes(3).toString('hex')}`, environment: 'TEST' });
  const caller = { type: 'key', principal: { organization: org.organization, apiKey: org.key } } as never;
  for (let i = 0; i < endpoints; i++) await services.webhookEndpoints.create(caller, { url: `${receiverUrl}/e${i}`, eventTypes: ['API_KEY_UPDATED'] });
  return { org, keyId: org.key.id };
}

async function timeUpdates(keyId: string, count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await services.apiKeys.updatePartnerKey(operator, { id: keyId, name: `Name ${i}` });
  return (performance.now() - started) / count;
}

// (a) The outbox's cost per change.
const plain = await organizationWithKey(0);
const hooked = await organizationWithKey(3);
await timeUpdates(plain.keyId, 50);
await timeUpdates(hooked.keyId, 50);
const without: number[] = [];
const withEndpoints: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  without.push(await timeUpdates(plain.keyId, CHANGES));
  withEndpoints.push(await timeUpdates(hooked.keyId, CHANGES));
}
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const costA = { withoutMs: median(without), withThreeEndpointsMs: median(withEndpoints) };
await services.prisma.webhookDelivery.deleteMany({});
received = 0;

// (b) Delivery throughput: fill the outbox, then let the dispatcher empty it.
const target = await organizationWithKey(1);
for (let i = 0; i < WEBHOOKS; i++) await services.apiKeys.updatePartnerKey(operator, { id: target.keyId, name: `Load ${i}` });
const queued = await services.prisma.webhookDelivery.count({ where: { state: 'PENDING' } });
const dispatchStarted = performance.now();
while ((await services.webhooks.runOnce()) > 0);
const dispatchMs = performance.now() - dispatchStarted;
const delivered = await services.prisma.webhookDelivery.count({ where: { state: 'SUCCEEDED' } });
if (delivered !== queued || received !== queued) throw new Error(`delivered ${delivered} of ${queued}, received ${received}`);

// Baseline: the same bodies, signed the same way, POSTed in batches of the same size, no database.
const samples = await services.prisma.webhookDelivery.findMany({ take: WEBHOOKS, select: { id: true, payload: true } });
const secrets = await services.signing.validSecrets(target.org.organization.id, 'TEST');
function post(body: string, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const req = request(`${receiverUrl}/baseline`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': webhookSignature(secrets, id, timestamp, body),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}
received = 0;
const baselineStarted = performance.now();
for (let i = 0; i < samples.length; i += CONCURRENCY) {
  await Promise.all(samples.slice(i, i + CONCURRENCY).map((s) => post(JSON.stringify(s.payload), `msg_${s.id}`)));
}
const baselineMs = performance.now() - baselineStarted;

const result = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  outbox: { changesPerRound: CHANGES, rounds: ROUNDS, ...costA, ratio: costA.withThreeEndpointsMs / costA.withoutMs },
  delivery: {
    webhooks: queued,
    keywardPerSecond: Math.round((queued / dispatchMs) * 1000),
    baselinePerSecond: Math.round((samples.length / baselineMs) * 1000),
    ratio: samples.length / baselineMs / (queued / dispatchMs),
  },
};
console.log(
  `(a) key update, 0 endpoints: ${costA.withoutMs.toFixed(2)} ms; 3 endpoints: ${costA.withThreeEndpointsMs.toFixed(2)} ms (×${result.outbox.ratio.toFixed(2)})`,
);
console.log(
  `(b) delivery: Keyward ${result.delivery.keywardPerSecond}/s, bare POST loop ${result.delivery.baselinePerSecond}/s (baseline/Keyward ×${result.delivery.ratio.toFixed(2)}) for ${queued} webhooks`,
);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/webhooks-latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
await database.close();
receiver.close();
