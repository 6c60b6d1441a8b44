// CSRF (issue 14, item 5; docs/security.md C-08): a request with a credential header carries no
// ambient credential, so it passes as urql, Apollo and GraphiQL send it (GET queries, GET SSE
// subscriptions); a GET or form POST without one (anonymous, or with cookies) still needs the CSRF header.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, bearer, firstSseResult, partner } from '../helpers/client.ts';
import { newOrganization, tampered, type OrgFixture } from '../helpers/fixtures.ts';
import { FROM_START } from '../helpers/subscriber.ts';

let app: TestApp;
let org: OrgFixture;

beforeAll(async () => {
  app = await createTestApp();
  org = await newOrganization(app);
});

/** The accept header urql sends by default (its queries are GETs: `preferGetMethod`). */
const URQL_ACCEPT = 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';

async function get(
  query: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const response = await app.yoga.fetch(
    `http://keyward.test/graphql?query=${encodeURIComponent(query)}`,
    { headers: { accept: URQL_ACCEPT, ...headers } },
    {
      req: { socket: { remoteAddress: '127.0.0.1' } } as never,
    },
  );
  return { status: response.status, body: (await response.json()) as never };
}

const CSRF_REFUSAL = 'Required CSRF header(s) not present';

describe('CSRF rule', () => {
  it("answers urql's default request (a GET without the CSRF header) that carries a key", async () => {
    const answer = await get('query Me { viewer { kind } }', partner(org.secret));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ viewer: { kind: 'PARTNER' } });
  });

  it('answers the same GET with the key as a Bearer token, and with the admin token', async () => {
    expect((await get('{ viewer { kind } }', bearer(org.secret))).body.data).toEqual({ viewer: { kind: 'PARTNER' } });
    expect((await get('{ viewer { kind } }', admin(app))).body.data).toEqual({ viewer: { kind: 'OPERATOR' } });
  });

  it("answers GraphiQL's subscription (a GET over SSE, without the CSRF header) that carries a key", async () => {
    const first = await firstSseResult(
      app,
      'subscription ($after: String) { apiKeyEvents(after: $after) { type } }',
      { after: FROM_START },
      partner(org.secret),
      'GET',
    );
    expect(first.errors).toBeUndefined();
    expect(first.data).toEqual({ apiKeyEvents: { type: 'CREATED' } });
  });

  it('leaves a request with a wrong key to authentication (401), not to the CSRF rule', async () => {
    const answer = await get('{ viewer { kind } }', { 'x-api-key': tampered(org.secret) });
    expect(answer.status).toBe(401);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a GET that carries cookies but no key and no CSRF header (403); with the member cookie as CSRF_REQUIRED', async () => {
    const answer = await get('{ __typename }', { cookie: 'session=anything' });
    expect(answer.status).toBe(403);
    expect(answer.body.errors?.[0]?.message).toBe(CSRF_REFUSAL);
    expect(answer.body.data ?? null).toBeNull();
    // The member cookie without X-Keyward-CSRF: 1 is refused with the code a JSON POST gets from authentication.
    const member = await get('{ __typename }', { cookie: 'kw_member=anything' });
    expect(member.status).toBe(403);
    expect(member.body.errors?.map((e) => e.extensions?.code)).toEqual(['CSRF_REQUIRED']);
    expect(member.body.data ?? null).toBeNull();
  });

  it('refuses an anonymous GET without the CSRF header (403), and answers it with the header', async () => {
    const refused = await get('{ __typename }', {});
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.message).toBe(CSRF_REFUSAL);
    expect((await get('{ __typename }', { 'x-graphql-yoga-csrf': '1' })).body.data).toEqual({ __typename: 'Query' });
  });

  it('refuses a GET whose Authorization is not a Bearer token (a browser resends Basic credentials by itself)', async () => {
    const answer = await get('{ __typename }', { authorization: `Basic ${Buffer.from('user:password').toString('base64')}` });
    expect(answer.status).toBe(403);
    expect(answer.body.errors?.[0]?.message).toBe(CSRF_REFUSAL);
  });

  it('refuses a cookie-carrying SSE subscription by GET without a key (403)', async () => {
    const refused = await firstSseResult(app, 'subscription { apiKeyEvents { type } }', {}, { cookie: 'session=anything' }, 'GET');
    expect(refused.errors?.[0]?.message).toBe(CSRF_REFUSAL);
    const member = await firstSseResult(app, 'subscription { apiKeyEvents { type } }', {}, { cookie: 'kw_member=anything' }, 'GET');
    expect(member.errors?.[0]?.extensions?.code).toBe('CSRF_REQUIRED');
  });
});
