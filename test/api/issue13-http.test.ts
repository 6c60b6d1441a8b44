// Issue 13, findings 11, 16 and 17 (README "Security findings of issue 13"): node(id:) with an id
// that names nothing is null, silently; every error has a documented code; a response with data is
// 2xx whatever its errors.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PothosValidationError } from '@pothos/core';
import { errorMasker } from '../../src/yoga.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, tampered } from '../helpers/fixtures.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Log lines at warn (40) or above written since `from`. */
function problems(app: TestApp, from: number): string[] {
  return app.logs.lines.slice(from).filter((line) => Number((JSON.parse(line) as { level?: number }).level) >= 40);
}

describe('node(id:) with an id that names nothing (finding 11)', () => {
  it('answers null, with no error and no log line, for garbage, unknown types, non-Node types and bad ids', async () => {
    const app = await createTestApp();
    const org = await newOrganization(app);
    const other = await newOrganization(app);
    const ids = {
      garbage: 'x',
      'not base64 of a typename': '!!!',
      'unknown type': b64('Foo:1'),
      'unknown type with a uuid': b64(`Foo:${randomUUID()}`),
      'a Node type, not a uuid': b64('ApiKey:not-a-uuid'),
      'a Node type, a numeric id': b64('Connection:1'),
      'a type that is not a Node': b64(`FieldError:${randomUUID()}`),
      'the Query type': b64(`Query:${randomUUID()}`),
      'a uuid of nothing': b64(`Organization:${randomUUID()}`),
      "another organization's key": other.keyGlobalId,
      empty: '',
    };
    for (const [kind, id] of Object.entries(ids)) {
      const from = app.logs.lines.length;
      const res = await gql(app, 'query ($id: ID!) { node(id: $id) { id __typename } }', { id }, { headers: partner(org.secret) });
      expect({ kind, status: res.status, data: res.data, errors: res.errors }).toEqual({ kind, status: 200, data: { node: null }, errors: undefined });
      expect({ kind, problems: problems(app, from) }).toEqual({ kind, problems: [] });
    }
    // The organization's own key still resolves.
    const own = await gql(app, 'query ($id: ID!) { node(id: $id) { id } }', { id: org.keyGlobalId }, { headers: partner(org.secret) });
    expect(own.data).toEqual({ node: { id: org.keyGlobalId } });
  });
});

describe('every top-level error has a documented code (finding 16)', () => {
  it('answers a refused cursor or first/last with BAD_USER_INPUT, at its path, logging nothing', async () => {
    const app = await createTestApp();
    const org = await newOrganization(app);
    const from = app.logs.lines.length;
    for (const [query, message] of [
      ['{ connections(first: -1) { edges { cursor } } }', 'Argument "first" must be a non-negative integer'],
      ['{ connections(last: -5) { edges { cursor } } }', 'Argument "last" must be a non-negative integer'],
      ['{ connections(after: "zzz") { edges { cursor } } }', 'Invalid cursor: zzz'],
      ['{ auditEvents(before: "not a cursor") { edges { cursor } } }', 'Invalid cursor: not a cursor'],
    ] as const) {
      const res = await gql(app, query, undefined, { headers: partner(org.secret) });
      expect(res.status).toBe(200);
      expect(res.errors).toEqual([expect.objectContaining({ message, path: [query.slice(2, query.indexOf('('))], extensions: { code: 'BAD_USER_INPUT' } })]);
    }
    expect(problems(app, from)).toEqual([]);
  });

  it('gives an invalid global ID from a relay argument the same code (node(id:) itself answers null)', () => {
    const mask = errorMasker({
      logger: {
        error: () => {
          throw new Error('logged');
        },
      } as never,
      databaseOutage: () => undefined,
    });
    const masked = mask(new PothosValidationError('Invalid global ID: x'), 'Unexpected error.') as unknown as { message: string; extensions: unknown };
    expect({ message: masked.message, extensions: masked.extensions }).toEqual({ message: 'Invalid global ID: x', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('logs SIGNATURE_REQUIRED as the client error it is: the request line only, no error line, no stack', async () => {
    const app = await createTestApp();
    const org = await newOrganization(app);
    const from = app.logs.lines.length;
    const res = await gql(
      app,
      'mutation { connectUser(input: { email: "unsigned@example.com", callback: "https://partner.example/cb" }) { __typename } }',
      undefined,
      {
        headers: partner(org.secret),
      },
    );
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'SIGNATURE_REQUIRED' });
    const lines = app.logs
      .entries()
      .slice(from)
      .filter((entry) => Number(entry.level) >= 30);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', status: 401, outcome: 'SIGNATURE_REQUIRED' });
    expect(app.logs.lines.slice(from).join('\n')).not.toContain('stack');
  });

  it('still logs an unexpected failure once, as the masker does', async () => {
    const app = await createTestApp();
    const mask = errorMasker(app.services);
    const from = app.logs.lines.length;
    mask(new Error('boom'), 'Unexpected error.');
    expect(problems(app, from)).toHaveLength(1);
  });
});

describe('a response with data is 200 whatever its top-level errors (finding 17)', () => {
  it('answers 200 beside data, and keeps 401/403 for responses without data', async () => {
    const app = await createTestApp();
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    const lookup = Buffer.from(`Connection:${randomUUID()}`).toString('base64');
    const partial = await gql(app, `{ viewer { kind } connection(lookup: { id: "${lookup}" }) { id } }`, undefined, { headers: partner(reader.secret) });
    expect(partial.status).toBe(200);
    expect(partial.data).toEqual({ viewer: { kind: 'PARTNER' }, connection: null });
    expect(partial.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    // graphql-response+json: the same.
    const typed = await app.yoga.fetch(
      'http://keyward.test/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...partner(reader.secret) },
        body: JSON.stringify({ query: `{ viewer { kind } connection(lookup: { id: "${lookup}" }) { id } }` }),
      },
      { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
    );
    expect(typed.status).toBe(200);
    // data null (a non-null root field refused): 403; no data at all (a bad credential): 401.
    const refused = await gql(app, '{ connections { edges { cursor } } }', undefined, { headers: partner(reader.secret) });
    expect({ status: refused.status, data: refused.data, code: refused.errors?.[0]?.extensions?.code }).toEqual({ status: 403, data: null, code: 'FORBIDDEN' });
    const unauthenticated = await gql(app, '{ viewer { kind } }', undefined, { headers: partner(tampered(org.secret)) });
    expect(unauthenticated.status).toBe(401);
  });
});
