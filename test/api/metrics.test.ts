// Prometheus metrics at /metrics (issue 6): the output parsed as Prometheus text exposition.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, tampered } from '../helpers/fixtures.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  app = await createTestApp({ allowPrivateCallbacks: true });
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format 0.0.4: `# HELP`/`# TYPE` lines, then `name{label="value",…} number`. */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
    if (!match) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    // Go's ParseFloat, which Prometheus uses, reads NaN in any case.
    const raw = match[3]!;
    samples.push({ name: match[1]!, labels, value: /^nan$/i.test(raw) ? NaN : Number(raw.replace('+Inf', 'Infinity')) });
  }
  return { samples, types };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('/metrics', () => {
  it('serves requests by operation and outcome, latency, subscriptions, webhook queue and failures, and the key cache', async () => {
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    await gql(app, '{ viewer { kind } }', {}, { headers: partner(reader.secret) });
    await gql(app, '{ viewer { kind } }', {}, { headers: partner(reader.secret) });
    await gql(app, 'mutation { createPartnerKey(input: { name: "No", permissions: [KEYS_READ] }) { __typename } }', {}, { headers: partner(reader.secret) });
    await gql(app, '{ viewer { kind } }', {}, { headers: partner(tampered(reader.secret)) });
    await gql(
      app,
      'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename } }',
      { i: { url: `${receiver.url}/m`, eventTypes: ['API_KEY_CREATED'] } },
      { headers: partner(org.secret) },
    );
    receiver.replyAt('/m', { status: 500 });
    await newPartnerKey(app, org.secret);
    await newPartnerKey(app, org.secret);

    const before = await app.yoga.fetch('http://keyward.test/metrics');
    const queued = find(parsePrometheus(await before.text()).samples, 'keyward_webhook_queue_depth')[0]!.value;
    expect(queued).toBeGreaterThanOrEqual(2);
    while ((await app.services.webhooks.runOnce()) > 0);

    const response = await app.yoga.fetch('http://keyward.test/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).not.toMatch(/kw_(ptr|usr|ses)_/);
    const { samples, types } = parsePrometheus(text);

    expect(types.get('keyward_graphql_requests_total')).toBe('counter');
    expect(find(samples, 'keyward_graphql_requests_total', { operation: 'viewer', type: 'query', outcome: 'OK' })[0]!.value).toBeGreaterThanOrEqual(2);
    expect(
      find(samples, 'keyward_graphql_requests_total', { operation: 'createPartnerKey', type: 'mutation', outcome: 'FORBIDDEN' })[0]!.value,
    ).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'keyward_graphql_requests_total', { outcome: 'UNAUTHENTICATED' }).length).toBeGreaterThan(0);

    expect(types.get('keyward_graphql_request_duration_seconds')).toBe('histogram');
    const infBucket = find(samples, 'keyward_graphql_request_duration_seconds_bucket', { type: 'query', le: '+Inf' })[0]!;
    expect(infBucket.value).toBe(find(samples, 'keyward_graphql_request_duration_seconds_count', { type: 'query' })[0]!.value);

    expect(types.get('keyward_active_subscriptions')).toBe('gauge');
    expect(find(samples, 'keyward_active_subscriptions')[0]!.value).toBe(0);
    expect(find(samples, 'keyward_webhook_queue_depth')[0]!.value).toBeLessThan(queued);
    expect(find(samples, 'keyward_webhook_attempts_total', { result: 'failed' })[0]!.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'keyward_webhook_attempts_total', { result: 'succeeded' })[0]!.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'keyward_key_cache_lookups_total', { result: 'hit' })[0]!.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'keyward_key_cache_lookups_total', { result: 'miss' })[0]!.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'keyward_key_cache_entries')[0]!.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'keyward_process_cpu_seconds_total').length).toBe(1);
  });

  it('keeps every label value within a set fixed at start: made-up fields and operation names do not grow /metrics (issue 13, item 2)', async () => {
    const org = await newOrganization(app);
    const made = () => `f${randomBytes(6).toString('hex')}`;
    const types = ['query', 'mutation', 'subscription'];
    // Anonymous and keyed, valid and invalid documents, each with a made-up field and operation name.
    const noise = async (i: number) => {
      const type = types[i % 3]!;
      const name = made();
      const documents = [
        `${type} ${made()} { ${name} }`,
        `${type} ${made()} { ${name}(x: 1) { id } }`,
        `${type} ${made()} { ${name} { `,
        `{ ${name}: viewer { kind } }`,
      ];
      const query = documents[i % documents.length]!;
      const headers = i % 2 === 0 ? {} : partner(org.secret);
      const body = JSON.stringify({ query, operationName: i % 5 === 0 ? made() : undefined });
      await app.yoga.fetch('http://keyward.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body,
      });
    };
    const series = (text: string) => parsePrometheus(text).samples.filter((s) => s.name.startsWith('keyward_graphql_')).length;
    const metrics = async () => (await app.yoga.fetch('http://keyward.test/metrics')).text();
    // Every kind of request once, so that the labels they may have exist before the count starts.
    for (let i = 0; i < 60; i++) await noise(i);
    await gql(app, '{ viewer { kind } }', {}, { headers: partner(org.secret) });
    const before = await metrics();
    for (let i = 0; i < 600; i++) await noise(i);
    const after = await metrics();
    expect(series(after)).toBe(series(before));
    // Only counter values grew (a few digits each).
    expect(after.length - before.length).toBeLessThan(2_000);
    expect(after).not.toMatch(/operation="f[0-9a-f]{12}"/);
    const { samples } = parsePrometheus(after);
    // A field of the schema keeps its own label; any other name is `other`.
    expect(find(samples, 'keyward_graphql_requests_total', { operation: 'viewer', type: 'query', outcome: 'OK' })[0]!.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'keyward_graphql_requests_total', { operation: 'other' }).length).toBeGreaterThan(0);
    for (const sample of find(samples, 'keyward_graphql_requests_total')) {
      expect(['query', 'mutation', 'subscription', 'none', 'other']).toContain(sample.labels.type);
    }
  });
});
