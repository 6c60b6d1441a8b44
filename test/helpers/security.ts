import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import type { Permission } from '../../src/generated/prisma/enums.ts';
import { UpdateOrganization } from '../api/operations.ts';
import type { TestApp } from './app.ts';
import { admin, gql, partner, type GraphQLResponse } from './client.ts';
import { newOrganization, newPartnerKey, revokeKey, unknownKey, type OrgFixture } from './fixtures.ts';

type Call = (headers: Record<string, string>) => Promise<GraphQLResponse<unknown>>;

export interface Arranged {
  /** The organization that owns the object the operation is aimed at. */
  owner: OrgFixture;
  /** The operation, aimed at the owner's object, sent with the given headers. */
  call: Call;
}

const INVALID = 'The provided API key is invalid or inactive';
const ALL_ADMIN: Permission[] = ['KEYS_READ', 'KEYS_WRITE', 'LOGS_READ', 'CONNECTIONS_READ', 'CONNECTIONS_WRITE'];

function expectTopLevel(res: GraphQLResponse<unknown>, status: number, code: string, message?: string) {
  // The error's status is the response's when there is no data; beside data (a nullable root field
  // such as node(id:) refused, `{ node: null }`) the response is 200, as GraphQL over HTTP requires
  // (issue 13, finding 17): the code says it.
  expect(res.status).toBe(res.data == null ? status : 200);
  expect(res.errors?.[0]?.extensions?.code).toBe(code);
  if (message) expect(res.errors?.[0]?.message).toBe(message);
  // Nothing of the target leaks next to the error.
  expect(JSON.stringify(res.data ?? null)).not.toMatch(/kw_|keyId/);
}

/**
 * The shared security block (docs/architecture.md, "Tests"), run for every partner operation: no key,
 * malformed key, unknown key, wrong secret, revoked key, expired key, a key without the needed
 * permission, an inactive organization, the wrong environment, and another organization's key.
 * `otherOrganization` asserts what a foreign (or wrong-environment) key gets: never the object.
 */
export function securityBlock(
  getApp: () => TestApp,
  arrange: (app: TestApp) => Promise<Arranged>,
  options: {
    /** A permission the operation needs, to check that a key without it is FORBIDDEN. */
    requires?: Permission;
    otherOrganization: (res: GraphQLResponse<unknown>) => void;
  },
) {
  it('refuses a request without a credential (401 UNAUTHENTICATED)', async () => {
    const { call } = await arrange(getApp());
    expectTopLevel(await call({}), 401, 'UNAUTHENTICATED', 'Partner API key required');
  });

  it('answers malformed, unknown, wrong-secret and truncated keys identically (401)', async () => {
    const { owner, call } = await arrange(getApp());
    const wrongSecret = owner.secret.slice(0, 20) + (owner.secret[20] === 'a' ? 'b' : 'a') + owner.secret.slice(21);
    const bodies = new Set<string>();
    for (const headers of [
      partner('not-a-key'),
      partner(unknownKey()),
      partner(wrongSecret),
      partner(owner.secret.slice(0, -1)),
      { authorization: 'Bearer ' },
      { authorization: `Basic ${owner.secret}` },
      partner('x'.repeat(10_000)),
    ]) {
      const res = await call(headers);
      expectTopLevel(res, 401, 'UNAUTHENTICATED', INVALID);
      bodies.add(JSON.stringify(res.errors?.map((e) => [e.message, e.extensions])));
    }
    expect(bodies.size).toBe(1);
  });

  it('refuses a revoked key on the very next request (401)', async () => {
    const app = getApp();
    const { owner, call } = await arrange(app);
    const key = await newPartnerKey(app, owner.secret, { permissions: ALL_ADMIN });
    expect((await call(partner(key.secret))).status).not.toBe(401);
    await revokeKey(app, owner.secret, key.id);
    expectTopLevel(await call(partner(key.secret)), 401, 'UNAUTHENTICATED', INVALID);
  });

  it('refuses an expired key (401)', async () => {
    const app = getApp();
    const { owner, call } = await arrange(app);
    const expiresAt = new Date(app.clock.now().getTime() + 60_000).toISOString();
    const key = await newPartnerKey(app, owner.secret, {
      permissions: ALL_ADMIN,
      expiresAt,
    });
    expect((await call(partner(key.secret))).status).not.toBe(401);
    app.clock.advance(60_000);
    try {
      expectTopLevel(await call(partner(key.secret)), 401, 'UNAUTHENTICATED', INVALID);
    } finally {
      app.clock.advance(-60_000);
    }
  });

  if (options.requires) {
    const needed = options.requires;
    it(`refuses a key without ${needed} (403 FORBIDDEN)`, async () => {
      const app = getApp();
      const { owner, call } = await arrange(app);
      const others = (['KEYS_READ', 'KEYS_WRITE', 'LOGS_READ', 'CONNECTIONS_READ', 'CONNECTIONS_WRITE'] as const).filter((p) => p !== needed);
      const key = await newPartnerKey(app, owner.secret, { permissions: [...others] });
      expectTopLevel(await call(partner(key.secret)), 403, 'FORBIDDEN');
    });
  }

  it('refuses every key of an inactive organization at once (403 ORG_INACTIVE)', async () => {
    const app = getApp();
    const { owner, call } = await arrange(app);
    expect((await call(partner(owner.secret))).status).toBe(200);
    const res = await gql(app, UpdateOrganization, { input: { id: owner.organizationId, status: 'INACTIVE' } }, { headers: admin(app) });
    expect(res.data?.updateOrganization.__typename).toBe('UpdateOrganizationSuccess');
    expectTopLevel(await call(partner(owner.secret)), 403, 'ORG_INACTIVE', 'The organization associated with this key is inactive');
  });

  it('refuses a key whose environment disagrees with X-Keyward-Env (403 ENV_MISMATCH)', async () => {
    const { owner, call } = await arrange(getApp());
    expectTopLevel(await call({ ...partner(owner.secret), 'x-keyward-env': 'live' }), 403, 'ENV_MISMATCH');
  });

  it("never shows or touches another organization's object", async () => {
    const app = getApp();
    const { call } = await arrange(app);
    const stranger = await newOrganization(app);
    const res = await call(partner(stranger.secret));
    options.otherOrganization(res);
  });

  it('keeps TEST objects out of reach of a LIVE key of the same organization', async () => {
    const app = getApp();
    const { owner, call } = await arrange(app);
    const { services } = app;
    const live = await services.apiKeys.createPartnerKey(
      { type: 'operator' },
      {
        organizationId: owner.organizationUuid,
        environment: 'LIVE',
        name: 'Live key',
        permissions: ALL_ADMIN,
      },
    );
    options.otherOrganization(await call(partner(live.secret)));
  });
}

/** What a foreign key must get from a mutation aimed at someone else's object. */
export function expectNotFoundPayload(field: string) {
  return (res: GraphQLResponse<unknown>) => {
    expect(res.status).toBe(200);
    const payload = (res.data as Record<string, { __typename: string; code?: string }>)[field];
    expect(payload?.code).toBe('NOT_FOUND');
  };
}

/** Every form a leaked secret could take: whole, its secret part, and common encodings of both. */
function leakForms(token: string): string[] {
  // The random part of a kw_ key; other tokens (consent links, admin token) are random whole.
  const secretPart = token.startsWith('kw_') ? token.split('_').at(-1)! : token;
  return [token, secretPart].flatMap((s) => [
    s,
    Buffer.from(s).toString('base64'),
    Buffer.from(s).toString('hex'),
    createHash('sha256').update(s).digest('hex'),
  ]);
}

/**
 * The secrets scan (docs/security.md D-02, D-06): no text of any place holds any form of any
 * secret. Places and secrets are named, so a failure says which secret turned up where.
 */
export function expectNoSecrets(places: Record<string, string>, secrets: Record<string, string>): void {
  for (const [name, secret] of Object.entries(secrets)) {
    // An empty or short "secret" would be found everywhere, or by chance: the fixture went wrong.
    expect(secret.length, `secret ${name}`).toBeGreaterThanOrEqual(16);
  }
  for (const [where, text] of Object.entries(places)) {
    for (const [name, secret] of Object.entries(secrets)) {
      for (const form of leakForms(secret)) expect(text.includes(form), `${where} contains a form of ${name}`).toBe(false);
    }
  }
}

/** Every row of every table Keyward has, as JSON text: what someone with a copy of the database reads. */
export async function databaseText(prisma: PrismaClient): Promise<string> {
  const tables = await prisma.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`;
  const rows: string[] = [];
  for (const { table_name } of tables) {
    const dump = await prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    rows.push(...dump.map((d) => d.row));
  }
  return rows.join('\n');
}
