// docs/security.md G-04: graphql-cop's checks against the production configuration, with 0 findings.
// graphql-cop (a Python tool) cannot be installed here (no PyPI), so each of its requests is sent
// as it sends it, and judged by its own rule for "vulnerable". Anonymous, as graphql-cop runs by
// default, and again with a partner key where a credential could change the answer.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { partner } from '../helpers/client.ts';
import { newOrganization } from '../helpers/fixtures.ts';

let production: TestApp;
let secret: string;

beforeAll(async () => {
  production = await createTestApp({ production: true });
  ({ secret } = await newOrganization(production));
});

interface Answer {
  status: number;
  text: string;
  json:
    | { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> }
    | unknown[]
    | null;
}

async function send(init: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  const response = await production.yoga.fetch(
    `http://keyward.test${init.path ?? '/graphql'}`,
    {
      method: init.method ?? 'POST',
      headers: init.headers ?? {},
      ...(init.body !== undefined && { body: init.body }),
    },
    { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
  );
  const text = await response.text();
  let json: Answer['json'] = null;
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    json = null;
  }
  return { status: response.status, text, json };
}

const post = (query: string, headers: Record<string, string> = {}) =>
  send({ headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
const data = (answer: Answer) => (answer.json && !Array.isArray(answer.json) ? (answer.json.data ?? null) : null);
const errors = (answer: Answer) => (answer.json && !Array.isArray(answer.json) ? (answer.json.errors ?? []) : []);

const CREDENTIALS: [string, Record<string, string>][] = [
  ['anonymous', {}],
  ['with a partner key', {}],
];

describe('graphql-cop checks (production configuration)', () => {
  beforeAll(() => {
    CREDENTIALS[1]![1] = partner(secret);
  });

  it.each(CREDENTIALS)('alias overloading (101 aliases) is refused, %s', async (_name, headers) => {
    const query = `query cop { ${Array.from({ length: 101 }, (_, i) => `alias${i}:__typename`).join('\n')} }`;
    const answer = await post(query, headers);
    expect(data(answer)?.alias100).toBeUndefined();
  });

  it('batch queries are refused', async () => {
    const batch = JSON.stringify(Array.from({ length: 10 }, () => ({ query: 'query cop { __typename }' })));
    const answer = await send({ headers: { 'content-type': 'application/json' }, body: batch });
    expect(Array.isArray(answer.json) && answer.json.length >= 10).toBe(false);
    expect(answer.status).toBe(400);
  });

  it.each(CREDENTIALS)('field duplication (500 × __typename) is refused, %s', async (_name, headers) => {
    const answer = await post(`query cop { ${'__typename \n'.repeat(500)}}`, headers);
    expect(data(answer)?.__typename).toBeUndefined();
    expect(errors(answer).map((e) => e.message)).toEqual(['Query validation error.']);
  });

  it.each(CREDENTIALS)('directive overloading (10 unknown directives) does not answer once per directive, %s', async (_name, headers) => {
    const answer = await post(`query cop { __typename ${'@aa'.repeat(10)} }`, headers);
    expect(errors(answer).length).not.toBe(10);
    expect(errors(answer).length).toBeLessThanOrEqual(6);
  });

  it('introspection is refused without a credential', async () => {
    const answer = await post('query cop { __schema { types { name fields { name } } } }');
    expect(data(answer)?.__schema).toBeUndefined();
  });

  it.each(CREDENTIALS)('circular introspection is refused, %s', async (_name, headers) => {
    const answer = await post('query cop { __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }', headers);
    expect(data(answer)).toBeNull();
    expect(errors(answer).length).toBeGreaterThan(0);
  });

  it('no GraphiQL or playground page is served', async () => {
    for (const path of ['/graphql', '/graphiql', '/playground', '/']) {
      const answer = await send({ method: 'GET', path, headers: { accept: 'text/html' } });
      expect(answer.text).not.toMatch(/graphiql|graphql-playground|graphql-yoga/i);
    }
  });

  // graphql-cop's CSRF checks send what a cross-site page can make a browser send: no key header,
  // only what the browser adds by itself (cookies). The same requests with a key header are answered:
  // no page can add one cross-site (test/api/csrf.test.ts).
  it.each([
    ['anonymous', {}],
    ['with a cookie', { cookie: 'kw_member=anything' }],
  ])('a query over GET (CSRF) is refused, %s', async (_name, headers: Record<string, string>) => {
    const answer = await send({ method: 'GET', path: `/graphql?query=${encodeURIComponent('query cop { __typename }')}`, headers });
    expect(answer.status).toBe(403);
    expect(data(answer)?.__typename).toBeUndefined();
  });

  it.each([
    ['anonymous', {}],
    ['with a cookie', { cookie: 'kw_member=anything' }],
  ])('a url-encoded POST (CSRF) is refused, %s', async (_name, headers: Record<string, string>) => {
    const answer = await send({
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: `query=${encodeURIComponent('query cop { __typename }')}`,
    });
    expect(answer.status).toBe(403);
    expect(data(answer)?.__typename).toBeUndefined();
  });

  it.each(CREDENTIALS)('a mutation over GET is refused, %s', async (_name, headers) => {
    const answer = await send({
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('mutation cop { __typename }')}`,
      headers: { 'x-graphql-yoga-csrf': '1', ...headers },
    });
    expect(data(answer)?.__typename).toBeUndefined();
    expect(answer.status).toBe(405);
  });

  it.each(CREDENTIALS)('tracing is off and errors carry no exception or stack (debug mode), %s', async (_name, headers) => {
    const traced = await post('query cop { __typename }', headers);
    expect(JSON.stringify(traced.json)).not.toMatch(/tracing|apollo/i);
    const broken = await post('qwerty cop { abc }', headers);
    expect(broken.text).not.toMatch(/exception|stacktrace|"stack"|at .+\.(js|ts):\d+/i);
  });

  it.each(CREDENTIALS)('field suggestions are never shown, %s', async (_name, headers) => {
    const answer = await post('query cop { __schema { directive } viewr { kind } }', headers);
    expect(answer.text).not.toMatch(/did you mean/i);
  });
});
