// Signing secrets and signed requests (issue 5, docs/api.md "Request signing"): a connectUser with a
// callback must be signed; a signature is verified whenever sent; stale, future, replayed, wrong
// and tampered requests are refused; a rotated-out secret verifies during its grace period only.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, sharedDatabase, type TestApp } from '../helpers/app.ts';
import { newOrganization } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { admin, partner, signRequest } from '../helpers/client.ts';
import { newEmail } from '../helpers/connections.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ allowPrivateCallbacks: true });
});

const CONNECT =
  'mutation ($i: ConnectUserInput!) { connectUser(input: $i) { __typename ... on ConnectUserSuccess { connection { status } } ... on Error { code } } }';
const ROTATE =
  'mutation ($i: RotateSigningSecretInput!) { rotateSigningSecret(input: $i) { __typename ... on RotateSigningSecretSuccess { environment signingSecret previousValidUntil } ... on Error { code } } }';

const nowSeconds = () => Math.floor(app.clock.now().getTime() / 1000);

/** POST /graphql with an exact body (the signature covers its bytes) and optional signing headers. */
async function post(body: string, headers: Record<string, string>) {
  const response = await app.yoga.fetch(
    'http://keyward.test/graphql',
    { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
    { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
  );
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] } };
}

interface CreatedOrganization {
  organization: { id: string };
  secret: string;
  signingSecret: string;
  signingSecrets: { environment: 'TEST' | 'LIVE'; signingSecret: string }[];
}

async function organization(environment: 'TEST' | 'LIVE' = 'TEST') {
  const res = await post(
    JSON.stringify({
      query: `mutation ($i: CreateOrganizationInput!) { createOrganization(input: $i) { ... on CreateOrganizationSuccess {
        organization { id } secret signingSecret signingSecrets { environment signingSecret } } } }`,
      variables: { i: { name: `Signing ${Math.random().toString(36).slice(2, 8)}`, environment } },
    }),
    admin(app),
  );
  return res.body.data!.createOrganization as CreatedOrganization;
}

const connectBody = (callback = 'http://127.0.0.1:9/hooks') => JSON.stringify({ query: CONNECT, variables: { i: { email: newEmail(), callback } } });
const signed = (secret: string, body: string, timestamp = nowSeconds()) => signRequest(secret, timestamp, body);
const codeOf = (res: Awaited<ReturnType<typeof post>>) => res.body.errors?.[0]?.extensions?.code;

describe('signing secrets', () => {
  it('are created with the organization, one per environment (shown once, whsec_ + 32 bytes) and stored only sealed', async () => {
    const org = await organization();
    expect(org.signingSecrets.map((s) => s.environment)).toEqual(['TEST', 'LIVE']);
    for (const { signingSecret } of org.signingSecrets) {
      expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(signingSecret.slice(6), 'base64')).toHaveLength(32);
    }
    const rows = await app.services.prisma.signingSecret.findMany();
    const dump = JSON.stringify(rows, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
    for (const { signingSecret } of org.signingSecrets) expect(dump).not.toContain(signingSecret.slice(6, 30));
  });

  it('rotate: a new secret, the previous one valid until the grace period ends', async () => {
    const org = await organization();
    const rotated = await post(JSON.stringify({ query: ROTATE, variables: { i: { gracePeriodSeconds: 3600 } } }), partner(org.secret));
    const payload = rotated.body.data!.rotateSigningSecret as { environment: string; signingSecret: string; previousValidUntil: string };
    expect(payload.environment).toBe('TEST');
    expect(payload.signingSecret).toMatch(/^whsec_/);
    expect(payload.signingSecret).not.toBe(org.signingSecret);
    expect(new Date(payload.previousValidUntil).getTime() - app.clock.now().getTime()).toBeGreaterThan(3_590_000);
    const invalid = await post(JSON.stringify({ query: ROTATE, variables: { i: { gracePeriodSeconds: -1 } } }), partner(org.secret));
    expect(invalid.body.data!.rotateSigningSecret).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('signed requests', () => {
  it('requires a signature for connectUser with a callback (SIGNATURE_REQUIRED, 401), not without one', async () => {
    const org = await organization();
    const unsigned = await post(connectBody(), partner(org.secret));
    expect(unsigned.status).toBe(401);
    expect(codeOf(unsigned)).toBe('SIGNATURE_REQUIRED');
    const noCallback = await post(JSON.stringify({ query: CONNECT, variables: { i: { email: newEmail() } } }), partner(org.secret));
    expect(noCallback.body.data!.connectUser).toMatchObject({ __typename: 'ConnectUserSuccess' });
  });

  it('accepts a correctly signed request once, and refuses stale, future, replayed, wrong and tampered ones', async () => {
    const org = await organization();
    const body = connectBody();
    const headers = { ...partner(org.secret), ...signed(org.signingSecret, body) };
    const ok = await post(body, headers);
    expect(ok.body.data!.connectUser).toMatchObject({ __typename: 'ConnectUserSuccess', connection: { status: 'ONBOARDING' } });

    const cases: [string, string, Record<string, string>][] = [
      ['replayed', body, headers],
      ['stale', connectBody(), {}],
      ['future', connectBody(), {}],
      ['wrong secret', connectBody(), {}],
      ['tampered body', connectBody(), {}],
      ['malformed', connectBody(), {}],
    ];
    cases[1]![2] = signed(org.signingSecret, cases[1]![1], nowSeconds() - 301);
    cases[2]![2] = signed(org.signingSecret, cases[2]![1], nowSeconds() + 301);
    cases[3]![2] = signed(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, cases[3]![1]);
    cases[4]![2] = signed(org.signingSecret, cases[4]![1]);
    cases[4]![1] = cases[4]![1].replace('127.0.0.1:9', '127.0.0.1:10');
    cases[5]![2] = { 'x-keyward-timestamp': String(nowSeconds()), 'x-keyward-signature': 'sha256=abc' };
    for (const [name, caseBody, caseHeaders] of cases) {
      const res = await post(caseBody, { ...partner(org.secret), ...caseHeaders });
      expect({ name, status: res.status, code: codeOf(res) }).toEqual({ name, status: 401, code: 'SIGNATURE_INVALID' });
    }
    // Within the window on either side is fine.
    const early = connectBody();
    expect((await post(early, { ...partner(org.secret), ...signed(org.signingSecret, early, nowSeconds() - 290) })).body.data?.connectUser).toMatchObject({
      __typename: 'ConnectUserSuccess',
    });
  });

  it('checks the callback of a signed request like any input (VALIDATION_FAILED, nothing written)', async () => {
    const org = await organization();
    for (const callback of ['http://169.254.169.254/latest', 'ftp://example.com/hooks', 'https://user:pass@example.com/hooks']) {
      const email = newEmail();
      const body = JSON.stringify({
        query: 'mutation ($i: ConnectUserInput!) { connectUser(input: $i) { ... on ValidationError { code fields { path } } } }',
        variables: { i: { email, callback } },
      });
      const res = await post(body, { ...partner(org.secret), ...signed(org.signingSecret, body) });
      expect(res.body.data!.connectUser).toEqual({ code: 'VALIDATION_FAILED', fields: [{ path: ['callback'] }] });
      expect(await app.services.prisma.user.count({ where: { email: email.toLowerCase() } })).toBe(0);
    }
  });

  it('verifies a signature whenever one is sent, on any operation', async () => {
    const org = await organization();
    const body = JSON.stringify({ query: '{ viewer { kind } }' });
    const good = await post(body, { ...partner(org.secret), ...signed(org.signingSecret, body) });
    expect(good.body.data).toEqual({ viewer: { kind: 'PARTNER' } });
    const bad = await post(body, { ...partner(org.secret), 'x-keyward-timestamp': String(nowSeconds()), 'x-keyward-signature': `v1=${'0'.repeat(64)}` });
    expect(codeOf(bad)).toBe('SIGNATURE_INVALID');
  });

  it("never accepts another organization's secret", async () => {
    const [a, b] = [await organization(), await organization()];
    const body = connectBody();
    const res = await post(body, { ...partner(a.secret), ...signed(b.signingSecret, body) });
    expect(codeOf(res)).toBe('SIGNATURE_INVALID');
  });

  it('accepts the previous secret during the grace period after a rotation, and not after', async () => {
    const org = await organization();
    await post(JSON.stringify({ query: ROTATE, variables: { i: { gracePeriodSeconds: 600 } } }), partner(org.secret));
    const during = connectBody();
    expect((await post(during, { ...partner(org.secret), ...signed(org.signingSecret, during) })).body.data?.connectUser).toMatchObject({
      __typename: 'ConnectUserSuccess',
    });
    app.clock.advance(601_000);
    try {
      const after = connectBody();
      expect(codeOf(await post(after, { ...partner(org.secret), ...signed(org.signingSecret, after) }))).toBe('SIGNATURE_INVALID');
    } finally {
      app.clock.reset();
    }
  });

  it('accepts exactly one of 50 identical signed requests sent at once, on PostgreSQL (E-03)', async () => {
    const pg = await createTestApp({ database: await sharedDatabase({ kind: 'postgres', url: await createTestDatabase(inject('postgresUrl')) }) });
    const org = await newOrganization(pg);
    const body = JSON.stringify({ query: '{ viewer { kind } }' });
    const headers = { ...partner(org.secret), ...signRequest(org.signingSecret, Math.floor(Date.now() / 1000), body) };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        pg.yoga.fetch(
          'http://keyward.test/graphql',
          { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
          { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
        ),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(49);
  });

  it('forgets seen signatures only after the replay window (600 s), in statements of at most one batch', async () => {
    const org = await organization();
    for (const kind of ['viewer { kind }', 'viewer { environment }', 'viewer { permissions }']) {
      const body = JSON.stringify({ query: `{ ${kind} }` });
      expect((await post(body, { ...partner(org.secret), ...signed(org.signingSecret, body) })).status).toBe(200);
    }
    expect((await app.services.signing.pruneSeen()).deleted).toBe(0);
    app.clock.advance(601_000);
    try {
      // Batches of 1: every statement but the last deletes one (the last finds none and ends the pass).
      const pruned = await app.services.signing.pruneSeen(1);
      expect(pruned.deleted).toBeGreaterThanOrEqual(3);
      expect(pruned.statements).toBe(pruned.deleted + 1);
      expect((await app.services.signing.pruneSeen()).deleted).toBe(0);
    } finally {
      app.clock.reset();
    }
  });

  it('writes the rotation to the audit trail, with its environment, without the secret', async () => {
    const org = await organization('LIVE');
    const rotated = await post(JSON.stringify({ query: ROTATE, variables: { i: {} } }), partner(org.secret));
    const secret = (rotated.body.data!.rotateSigningSecret as { signingSecret: string }).signingSecret;
    const organizationId = Buffer.from(org.organization.id, 'base64').toString().split(':')[1]!;
    expect(await app.services.prisma.auditEvent.findMany({ where: { organizationId, action: 'signing_secret.rotated' } })).toEqual([
      expect.objectContaining({ environment: 'LIVE', actorKind: 'PARTNER_KEY', details: { gracePeriodSeconds: 86_400 } }),
    ]);
    const audit = await app.services.prisma.auditEvent.findMany({ where: { action: 'signing_secret.rotated' } });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(secret.slice(6, 30));
    expect(app.logs.text).not.toContain(secret.slice(6, 30));
  });
});

describe('TEST and LIVE signing secrets', () => {
  /** An organization whose first key is LIVE (so `signingSecret` is the LIVE secret), plus a TEST partner key. */
  async function liveOrganization() {
    const created = await organization('LIVE');
    const organizationId = Buffer.from(created.organization.id, 'base64').toString().split(':')[1]!;
    const testKey = await app.services.apiKeys.createPartnerKey(
      { type: 'operator' },
      { organizationId, environment: 'TEST', name: 'Sandbox', permissions: ['WEBHOOKS_WRITE', 'KEYS_READ'] },
    );
    const secretOf = (environment: string) => created.signingSecrets.find((s) => s.environment === environment)!.signingSecret;
    return {
      liveKey: created.secret,
      liveSigningSecret: created.signingSecret,
      testKey: testKey.secret,
      testSigningSecret: secretOf('TEST'),
      liveFromList: secretOf('LIVE'),
    };
  }

  const viewer = () => JSON.stringify({ query: `{ viewer { kind } } # ${Math.random()}` });
  const kindOf = async (key: string, secret: string) => {
    const body = viewer();
    const res = await post(body, { ...partner(key), ...signed(secret, body) });
    return res.body.data?.viewer ? 'verified' : codeOf(res);
  };

  it("each of createOrganization's two secrets verifies its own environment's requests only", async () => {
    const org = await liveOrganization();
    expect(org.liveFromList).toBe(org.liveSigningSecret);
    expect(org.testSigningSecret).not.toBe(org.liveSigningSecret);
    expect(await kindOf(org.liveKey, org.liveSigningSecret)).toBe('verified');
    expect(await kindOf(org.testKey, org.testSigningSecret)).toBe('verified');
    expect(await kindOf(org.liveKey, org.testSigningSecret)).toBe('SIGNATURE_INVALID');
    expect(await kindOf(org.testKey, org.liveSigningSecret)).toBe('SIGNATURE_INVALID');
  });

  it('a TEST key rotating its secret changes nothing for LIVE: the LIVE secret still verifies, the new TEST one does not', async () => {
    const org = await liveOrganization();
    const rotated = await post(JSON.stringify({ query: ROTATE, variables: { i: { gracePeriodSeconds: 0 } } }), partner(org.testKey));
    const { environment, signingSecret: testSecret } = rotated.body.data!.rotateSigningSecret as { environment: string; signingSecret: string };
    expect(testSecret).toMatch(/^whsec_/);
    expect(environment).toBe('TEST');
    // The TEST secret it replaced retired at once (no grace period); the LIVE one is as it was.
    expect(await kindOf(org.testKey, org.testSigningSecret)).toBe('SIGNATURE_INVALID');

    const live = viewer();
    expect((await post(live, { ...partner(org.liveKey), ...signed(org.liveSigningSecret, live) })).body.data).toEqual({ viewer: { kind: 'PARTNER' } });
    const liveWithTestSecret = viewer();
    expect(codeOf(await post(liveWithTestSecret, { ...partner(org.liveKey), ...signed(testSecret, liveWithTestSecret) }))).toBe('SIGNATURE_INVALID');
    // And the other way round: the TEST key verifies with its new secret only, never with LIVE's.
    const test = viewer();
    expect((await post(test, { ...partner(org.testKey), ...signed(testSecret, test) })).body.data).toEqual({ viewer: { kind: 'PARTNER' } });
    const testWithLiveSecret = viewer();
    expect(codeOf(await post(testWithLiveSecret, { ...partner(org.testKey), ...signed(org.liveSigningSecret, testWithLiveSecret) }))).toBe('SIGNATURE_INVALID');
  });
});

describe('who may rotate', () => {
  it('needs a partner key with WEBHOOKS_WRITE', async () => {
    const res = await post(JSON.stringify({ query: ROTATE, variables: { i: {} } }), admin(app));
    expect(codeOf(res)).toBe('FORBIDDEN');
    const anonymous = await post(JSON.stringify({ query: ROTATE, variables: { i: {} } }), {});
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
  });
});
