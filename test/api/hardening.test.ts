// GraphQL hardening (issue 6; docs/security.md A-09, C-01…C-06, C-08): operation limits, no field
// suggestions, the introspection policy, batching off, CSRF prevention, body and page limits.
import { beforeAll, describe, expect, it } from 'vitest';
import { envelop, useEngine, useSchema } from '@envelop/core';
import { buildSchema, execute, parse as graphqlParse, specifiedRules, subscribe, validate as graphqlValidate } from 'graphql';
import { GENERIC_LIMIT_MESSAGE, OPERATION_LIMITS, operationLimitPlugins } from '../../src/graphql/hardening.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, tampered, type OrgFixture } from '../helpers/fixtures.ts';

let app: TestApp;
let production: TestApp;
let org: OrgFixture;
let prodOrg: OrgFixture;

beforeAll(async () => {
  app = await createTestApp();
  production = await createTestApp({ production: true });
  org = await newOrganization(app);
  prodOrg = await newOrganization(production);
});

type Result = Awaited<ReturnType<typeof gql>>;
const messages = (res: Result) => (res.errors ?? []).map((e) => e.message);
const refused = (res: Result) => res.data == null && (res.errors?.length ?? 0) > 0;

/** The deepest shape the schema has: a connection inside a connection's node (depth 7). */
const NESTED_KEYS = '{ connections(first: 1) { edges { node { keys(first: 1) { edges { node { keyId } } } } } } }';
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`;

/** The same plugins over a recursive schema, where any depth can be written. */
function validateWithLimits(query: string): string[] {
  const { parse, validate, schema } = envelop({
    plugins: [
      useEngine({ parse: graphqlParse, validate: graphqlValidate, execute, subscribe, specifiedRules }),
      useSchema(buildSchema('type Query { node: Node } type Node { child: Node, name: String }')),
      ...operationLimitPlugins(true),
    ],
  })();
  try {
    return validate(schema, parse(query)).map((e: Error) => e.message);
  } catch (error) {
    return [(error as Error).message];
  }
}

describe('operation limits (development: the limit is named)', () => {
  it('refuses depth 8 and allows depth 7, also through fragments; the schema’s deepest query passes', async () => {
    const nest = (depth: number) => `{ node { ${'child { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;
    expect(validateWithLimits(nest(OPERATION_LIMITS.depth))).toEqual([]);
    expect(validateWithLimits(nest(OPERATION_LIMITS.depth + 1)).join()).toMatch(/depth limit of 7 exceeded, found 8/);
    expect(validateWithLimits('{ node { node { node { ...F } } } } fragment F on Node { child { child { child { child { name } } } } }').join()).toMatch(
      /depth limit of 7 exceeded/,
    );
    expect(validateWithLimits('{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }').join()).toMatch(
      /Cannot spread fragment "A" within itself/,
    );
    expect(refused(await gql(app, NESTED_KEYS, {}, { headers: partner(org.secret) }))).toBe(false);
  });

  it('refuses more than 15 aliases and accepts 15', async () => {
    expect(refused(await gql(app, aliases(OPERATION_LIMITS.aliases), {}, { headers: partner(org.secret) }))).toBe(false);
    const res = await gql(app, aliases(OPERATION_LIMITS.aliases + 1), {}, { headers: partner(org.secret) });
    expect(refused(res)).toBe(true);
    expect(messages(res).join()).toMatch(/Aliases limit of 15 exceeded/);
  });

  it('costs connections by first: first 100 nested in first 100 is refused, first 10 in first 10 is not', async () => {
    const nested = (n: number) => `{ connections(first: ${n}) { edges { node { keys(first: ${n}) { edges { node { keyId name } } } } } } }`;
    expect(refused(await gql(app, nested(10), {}, { headers: partner(org.secret) }))).toBe(false);
    const res = await gql(app, nested(100), {}, { headers: partner(org.secret) });
    expect(refused(res)).toBe(true);
    expect(messages(res).join()).toMatch(/Query cost limit of 5000 exceeded/);
    // A variable without a default counts as the largest page.
    const viaVariable = await gql(
      app,
      'query ($n: Int) { connections(first: $n) { edges { node { keys(first: $n) { edges { node { keyId name } } } } } } }',
      { n: 1 },
      { headers: partner(org.secret) },
    );
    expect(refused(viaVariable)).toBe(true);
  });

  it('refuses 1001 tokens, 51 directives and a document over 15,000 characters', async () => {
    const tokens = `{ ${Array.from({ length: OPERATION_LIMITS.tokens }, () => '__typename').join(' ')} }`;
    expect(messages(await gql(app, tokens, {}, { headers: partner(org.secret) })).join()).toMatch(/Token limit of 1000 exceeded/);
    const directives = `{ viewer { kind ${Array.from({ length: 51 }, () => '@include(if: true)').join(' ')} } }`;
    expect(messages(await gql(app, directives, {}, { headers: partner(org.secret) })).join()).toMatch(/Directives limit of 50 exceeded/);
    const long = `{ viewer { kind } } # ${'x'.repeat(OPERATION_LIMITS.documentSize)}`;
    expect(messages(await gql(app, long, {}, { headers: partner(org.secret) })).join()).toMatch(/Query size limit of 15000 characters exceeded/);
  });

  it('refuses a field selected more than 5 times in one selection set (graphql-cop field duplication); 5 pass', async () => {
    const repeated = (n: number) => `{ viewer { ${'kind '.repeat(n)}} }`;
    expect(refused(await gql(app, repeated(5), {}, { headers: partner(org.secret) }))).toBe(false);
    const res = await gql(app, repeated(6), {}, { headers: partner(org.secret) });
    expect(messages(res)).toEqual(['Field repeat limit of 5 exceeded, found 6.']);
    // Aliases make different keys; the same field in separate fragments is not one selection set.
    expect(
      refused(
        await gql(
          app,
          '{ viewer { ...A ...B ...C } } fragment A on Viewer { kind kind kind } fragment B on Viewer { kind kind kind } fragment C on Viewer { kind }',
          {},
          { headers: partner(org.secret) },
        ),
      ),
    ).toBe(false);
  });

  it('shows at most 5 validation errors, and one more for the rest', async () => {
    const res = await gql(app, `{ ${Array.from({ length: 12 }, (_, i) => `f${i}`).join(' ')} }`, {}, { headers: partner(org.secret) });
    expect(messages(res)).toHaveLength(6);
    expect(messages(res).at(-1)).toBe('Too many validation errors: 7 more not shown.');
  });

  it('never suggests field names', async () => {
    const res = await gql(app, '{ partnerKeyz { edges { node { id } } } }', {}, { headers: partner(org.secret) });
    expect(refused(res)).toBe(true);
    expect(JSON.stringify(res.errors)).not.toMatch(/Did you mean/i);
    expect(JSON.stringify(res.errors)).not.toContain('partnerKeys');
  });

  it('refuses first over 100 on a connection', async () => {
    const res = await gql(app, '{ partnerKeys(first: 101) { edges { node { id } } } }', {}, { headers: partner(org.secret) });
    expect(res.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });
});

describe('production rules', () => {
  it('answers a limit only with "Query validation error."', async () => {
    const res = await gql(production, aliases(OPERATION_LIMITS.aliases + 1), {}, { headers: partner(prodOrg.secret) });
    expect(messages(res)).toHaveLength(1);
    expect(messages(res)[0]).toMatch(new RegExp(`${GENERIC_LIMIT_MESSAGE.replace('.', '\\.')}$`));
    expect(JSON.stringify(res.errors)).not.toMatch(/15|limit/i);
    const costly = await gql(
      production,
      '{ connections(first: 100) { edges { node { keys(first: 100) { edges { node { keyId } } } } } } }',
      {},
      { headers: partner(prodOrg.secret) },
    );
    expect(messages(costly)).toEqual([GENERIC_LIMIT_MESSAGE]);
  });

  it('refuses introspection without a credential, allows it with one; __typename always works', async () => {
    const INTROSPECT = '{ __schema { types { name } } }';
    const anonymous = await gql(production, INTROSPECT);
    expect(refused(anonymous)).toBe(true);
    expect(messages(anonymous).join()).toMatch(/introspection/i);
    const withKey = await gql(production, INTROSPECT, {}, { headers: partner(prodOrg.secret) });
    expect((withKey.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(10);
    const wrongKey = await gql(production, INTROSPECT, {}, { headers: partner(tampered(prodOrg.secret)) });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.data ?? null).toBeNull();
    expect((await gql(production, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    // Development allows it.
    expect(refused(await gql(app, INTROSPECT))).toBe(false);
  });
});

describe('HTTP rules', () => {
  const post = (body: string, headers: Record<string, string>) =>
    app.yoga.fetch('http://keyward.test/graphql', { method: 'POST', headers, body }, { req: { socket: { remoteAddress: '127.0.0.1' } } as never });
  const get = (query: string, headers: Record<string, string> = {}) =>
    app.yoga.fetch(
      `http://keyward.test/graphql?query=${encodeURIComponent(query)}`,
      { headers: { accept: 'application/json', ...headers } },
      {
        req: { socket: { remoteAddress: '127.0.0.1' } } as never,
      },
    );

  it('refuses batches', async () => {
    const res = await post(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]), {
      'content-type': 'application/json',
      ...partner(org.secret),
    });
    expect(res.status).toBe(400);
  });

  it('CSRF: without a credential header, a text/plain POST and a GET without the CSRF header are refused (403); a GET mutation is 405', async () => {
    const mutation = JSON.stringify({ query: 'mutation { createPartnerKey(input: { name: "csrf", permissions: [KEYS_READ] }) { __typename } }' });
    // Another site's cookie: the member cookie is refused without X-Keyward-CSRF whatever else is sent (test/api/csrf.test.ts).
    const cookie = { cookie: 'session=anything' };
    expect((await post(mutation, { 'content-type': 'text/plain', ...cookie })).status).toBe(403);
    expect((await post(mutation, { 'content-type': 'application/x-www-form-urlencoded', ...cookie })).status).toBe(403);
    expect((await get('{ __typename }', cookie)).status).toBe(403);
    expect((await get('{ __typename }', { ...cookie, 'x-graphql-yoga-csrf': '1' })).status).toBe(200);
    // A key header is never sent by a browser on its own: the same GET with it is answered (test/api/csrf.test.ts).
    expect((await get('{ viewer { kind } }', partner(org.secret))).status).toBe(200);
    const getMutation = await get('mutation { revokePartnerKey(input: { id: "x" }) { __typename } }', { ...partner(org.secret), 'x-graphql-yoga-csrf': '1' });
    expect(getMutation.status).toBe(405);
    expect(getMutation.headers.get('allow')).toContain('POST');
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024) } });
    const res = await post(big, { 'content-type': 'application/json', ...partner(org.secret) });
    expect(res.status).toBe(413);
    // Only node:http's framing is trusted: a Request handed over in-process is counted whatever its header says.
    const forged = await post(big, { 'content-type': 'application/json', 'content-length': '20', ...partner(org.secret) });
    expect(forged.status).toBe(413);
    const invalid = await post(JSON.stringify({ query: '{ __typename }' }), {
      'content-type': 'application/json',
      'content-length': '1,1',
      ...partner(org.secret),
    });
    expect(invalid.status).toBe(400);
  });

  it('marks every response no-store', async () => {
    const res = await post(JSON.stringify({ query: '{ viewer { kind } }' }), { 'content-type': 'application/json', ...partner(org.secret) });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('CORS and HSTS (A-13)', () => {
  const preflight = (target: TestApp, origin: string) =>
    target.yoga.fetch('http://keyward.test/graphql', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-partner-key' },
    });
  const post = (target: TestApp, origin: string) =>
    target.yoga.fetch('http://keyward.test/graphql', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  it('allows no origin by default', async () => {
    expect((await post(app, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(app, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows only the configured origins, never with credentials; production responses carry HSTS', async () => {
    const dashboard = await createTestApp({ corsOrigins: ['https://dashboard.partner.example'], production: true });
    const allowed = await preflight(dashboard, 'https://dashboard.partner.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.partner.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    // Another origin is never named (nor `*`): its browser refuses the response.
    expect((await post(dashboard, 'https://evil.example')).headers.get('access-control-allow-origin')).not.toMatch(/evil|\*/);
    expect((await post(dashboard, 'https://dashboard.partner.example')).headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect((await post(app, 'https://x.example')).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('query deadline (A-09)', () => {
  it('answers a query still running after the deadline with TIMEOUT and 503; a mutation is never cut short', async () => {
    const slow = await createTestApp({ queryTimeoutMs: 200 });
    const owner = await newOrganization(slow);
    const KEYS = 'query Keys { partnerKeys(first: 5) { edges { node { keyId } } } }';
    // The key is verified (and cached) before the database stalls: only the query itself waits.
    expect((await gql(slow, KEYS, {}, { headers: partner(owner.secret) })).errors).toBeUndefined();
    // The embedded database has one connection: a transaction that holds it stalls every other statement.
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    const held = slow.services.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      started();
      await holding;
    });
    await begun;
    const rename = gql(
      slow,
      'mutation Rename($id: ID!) { updatePartnerKey(input: { id: $id, name: "Renamed" }) { __typename } }',
      { id: owner.keyGlobalId },
      { headers: partner(owner.secret) },
    );
    const query = gql(slow, KEYS, {}, { headers: partner(owner.secret) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    release();
    await held;
    const stalled = await query;
    expect(stalled.status).toBe(503);
    expect(stalled.data ?? null).toBeNull();
    expect(stalled.errors).toMatchObject([{ extensions: { code: 'TIMEOUT' } }]);
    // The mutation waited for the database and completed: it was not answered early.
    expect((await rename).data).toEqual({ updatePartnerKey: { __typename: 'UpdatePartnerKeySuccess' } });
    expect((await gql(slow, KEYS, {}, { headers: partner(owner.secret) })).errors).toBeUndefined();
    await slow.services.requestLogs.flush();
    expect(await slow.services.prisma.requestLog.findFirst({ where: { operationName: 'Keys', outcome: 'TIMEOUT' } })).toMatchObject({ httpStatus: 503 });
  });
});
