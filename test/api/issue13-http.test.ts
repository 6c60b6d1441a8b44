// Issue 13, findings 11, 16 and 17 (README "Security findings of issue 13"): node(id:) with an id
// that names nothing is null, silently; every error has a documented code; a response with data is
// 2xx whatever its errors.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey } from '../helpers/fixtures.ts';

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
