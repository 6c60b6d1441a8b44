import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/database.ts';
import { createYogaApp } from '../../src/yoga.ts';
import { createTestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { newOrganization, tampered } from '../helpers/fixtures.ts';

describe('HTTP surface', () => {
  it('serves GraphiQL to browsers, but not with NODE_ENV=production', async () => {
    const app = await createTestApp();
    const browser = { headers: { accept: 'text/html' } };
    const dev = await app.yoga.fetch('http://keyward.test/graphql', browser);
    expect(dev.headers.get('content-type')).toContain('text/html');
    expect(await dev.text()).toContain('GraphiQL');
    const production = createYogaApp({
      services: app.services,
      adminToken: app.adminToken,
      trustedProxies: null,
      graphiql: false,
      ping: app.database.ping,
    });
    const prod = await production.fetch('http://keyward.test/graphql', browser);
    expect(await prod.text()).not.toContain('GraphiQL');
  });

  it('answers /healthz, and /readyz with 503 when the database does not answer', async () => {
    const app = await createTestApp();
    expect((await app.yoga.fetch('http://keyward.test/healthz')).status).toBe(200);
    expect((await app.yoga.fetch('http://keyward.test/readyz')).status).toBe(200);
    const unready = createYogaApp({
      services: app.services,
      adminToken: app.adminToken,
      trustedProxies: null,
      ping: () => Promise.reject(new Error('connection refused')),
    });
    const res = await unready.fetch('http://keyward.test/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
  });

  it('authenticates GraphQL over SSE like plain HTTP', async () => {
    const app = await createTestApp();
    const org = await newOrganization(app);
    const sse = (headers: Record<string, string>) =>
      app.yoga.fetch('http://keyward.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query: '{ viewer { kind } }' }),
      });
    const ok = await sse(partner(org.secret));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('"kind":"PARTNER"');
    const refused = await sse(partner(tampered(org.secret)));
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('UNAUTHENTICATED');
  });

  it('never reads a key from the URL', async () => {
    const app = await createTestApp();
    const org = await newOrganization(app);
    const res = await app.yoga.fetch(`http://keyward.test/graphql?query=${encodeURIComponent('{ viewer { kind } }')}&api_key=${org.secret}`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(res.status).toBe(401);
    expect((await res.json()).errors[0].message).toBe('Partner API key required');
  });

  it('masks unexpected failures: a code, no stack, no database detail', async () => {
    const database = await openDatabase({ kind: 'memory' });
    const app = await createTestApp({ database });
    await database.close();
    const res = await gql(app, 'mutation { createOrganization(input: { name: "Down" }) { __typename } }', undefined, {
      headers: admin(app),
    });
    expect(res.errors?.[0]?.message).toBe('Unexpected error.');
    expect(res.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(res)).not.toMatch(/stack|prisma|PGlite|closed/i);
    expect(app.logs.text).toContain('unexpected error');
  });
});
