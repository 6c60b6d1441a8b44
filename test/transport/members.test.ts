// Members over real HTTP and graphql-ws, against a keyward process on PostgreSQL (its embedded
// database when the PostgreSQL binaries are missing): the sign-in from the mail in the process's
// outbox, the cookie's CSRF rule, the WebSocket Origin rule, sessions and sockets ended by removal
// and demotion, and the last OWNER under concurrent changes. docs/api.md, "Members and the
// dashboard"; what yoga.fetch shows of the same is in test/api/members.test.ts.
//
// KEYWARD_PUBLIC_URL is http://localhost:PORT while the process listens on 127.0.0.1:PORT, as
// behind a proxy: the Origin that counts is the public URL's, never the address a request reached.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { awaitSignInToken, memberHeaders, newMemberEmail, type Role } from '../helpers/members.ts';
import { mailsTo, type Outbox } from '../helpers/outbox.ts';
import { freePort } from '../helpers/ports.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { killAllKeyward, postGraphQL, removeTempDirs, spawnKeyward, tempDataDir, type KeywardProcess } from '../helpers/process.ts';
import { FROM_START, wsSubscribe, type Subscriber, type SubscriptionResult } from '../helpers/subscriber.ts';

const VIEWER = '{ viewer { kind member { email role } } }';
const KEY_EVENTS = 'subscription ($after: String) { apiKeyEvents(after: $after) { cursor type key { keyId } } }';
const EVIL = 'https://evil.test';

const postgresUrl = inject('postgresUrl');
const adminToken = `kw-admin-${randomBytes(16).toString('hex')}`;
let keyward: KeywardProcess;
let outbox: Outbox;
/** KEYWARD_PUBLIC_URL of the process, and the Origin of its own pages. */
let publicOrigin: string;
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  const dataDir = await tempDataDir();
  const port = await freePort();
  publicOrigin = `http://localhost:${port}`;
  outbox = { outboxDir: join(dataDir, 'outbox') };
  keyward = await spawnKeyward({
    PORT: String(port),
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_PUBLIC_URL: publicOrigin,
    KEYWARD_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    ...(postgresUrl && {
      DATABASE_URL: await createTestDatabase(postgresUrl),
      KEYWARD_PEPPER: randomBytes(24).toString('base64url'),
      KEYWARD_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    }),
  });
  await keyward.ready();
});

afterEach(async () => {
  await Promise.all(subscribers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  await killAllKeyward();
  await removeTempDirs();
});

// -- helpers ------------------------------------------------------------------------------------

const graphql = (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postGraphQL(keyward.url, query, headers, variables);
const asOperator = (query: string, variables?: Record<string, unknown>) => graphql(query, variables, { 'x-admin-token': adminToken });

/** The typename of a mutation's payload, with the code when it is an error. */
function outcome(body: Awaited<ReturnType<typeof graphql>>['body'], field: string): string {
  const payload = body.data?.[field] as { __typename: string; code?: string } | undefined;
  if (!payload) throw new Error(`${field} failed: ${JSON.stringify(body)}`);
  return payload.code ? `${payload.__typename} ${payload.code}` : payload.__typename;
}

/** An organization made by the operator, its first OWNER invited by mail (ownerEmail). */
async function newOrganization(ownerEmail: string): Promise<{ id: string; secret: string; ownerId: string }> {
  const { body } = await asOperator(
    `mutation ($i: CreateOrganizationInput!) { createOrganization(input: $i) {
      ... on CreateOrganizationSuccess { secret organization { id } owner { id } } ... on Error { code message } } }`,
    { i: { name: `Members ${randomBytes(3).toString('hex')}`, ownerEmail } },
  );
  const created = body.data?.createOrganization as { secret?: string; organization?: { id: string }; owner?: { id: string } } | undefined;
  if (!created?.secret || !created.organization || !created.owner) throw new Error(`createOrganization failed: ${JSON.stringify(body)}`);
  return { id: created.organization.id, secret: created.secret, ownerId: created.owner.id };
}

async function invite(organizationId: string, role: Role, email = newMemberEmail()): Promise<{ id: string; email: string }> {
  const { body } = await asOperator(
    `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { ... on InviteMemberSuccess { member { id } } ... on Error { code message } } }`,
    { i: { organizationId, email, role } },
  );
  const id = (body.data?.inviteMember as { member?: { id: string } } | undefined)?.member?.id;
  if (!id) throw new Error(`inviteMember failed: ${JSON.stringify(body)}`);
  return { id, email };
}

/** The sign-in page as a browser uses it: GET shows it; POST is the button (its Origin: Keyward's own unless told). */
async function signInPage(token: string, options: { method?: 'GET' | 'POST'; origin?: string; cookie?: string } = {}) {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = {};
  if (method === 'POST') {
    headers.origin = options.origin ?? publicOrigin;
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (options.cookie) headers.cookie = `kw_member=${options.cookie}`;
  const response = await fetch(`${keyward.origin}/dashboard/sign-in/${token}`, {
    method,
    headers,
    redirect: 'manual',
    ...(method === 'POST' && { body: '' }),
    signal: AbortSignal.timeout(10_000),
  });
  const setCookie = response.headers.get('set-cookie');
  return {
    status: response.status,
    body: await response.text(),
    location: response.headers.get('location'),
    setCookie,
    cookie: setCookie ? /kw_member=([^;]*)/.exec(setCookie)?.[1] : undefined,
  };
}

/** Invited by the operator and signed in through the invitation mail: the member's cookie. */
async function signedInMember(organizationId: string, role: Role) {
  const member = await invite(organizationId, role);
  return { ...member, cookie: await signInFromMail(member.email) };
}

async function signInFromMail(email: string, notThis?: string): Promise<string> {
  const signedIn = await signInPage(await awaitSignInToken(outbox, email, notThis));
  if (!signedIn.cookie) throw new Error(`sign-in failed: ${signedIn.status} ${signedIn.body}`);
  return signedIn.cookie;
}

async function viewerOf(cookie: string) {
  const { status, body } = await graphql(VIEWER, undefined, memberHeaders(cookie));
  return { status, viewer: body.data?.viewer, code: body.errors?.[0]?.extensions?.code };
}

/** A member's subscription as the dashboard opens it: the cookie and an Origin on the upgrade, nothing in connection_init. */
function memberSubscription(cookie: string, origin = publicOrigin) {
  return track(wsSubscribe(keyward.wsUrl, {}, KEY_EVENTS, { after: FROM_START }, { cookie: `kw_member=${cookie}`, origin }));
}

function track<T extends Subscriber>(subscriber: T): T {
  subscribers.push(subscriber);
  return subscriber;
}

/** The HTTP status a WebSocket upgrade gets (101 when accepted), and the body of a refusal. */
function upgrade(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(keyward.wsUrl, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

async function createKey(secret: string): Promise<string> {
  const { body } = await graphql(
    'mutation { createPartnerKey(input: { name: "Made while watched", permissions: [KEYS_READ] }) { ... on CreatePartnerKeySuccess { key { keyId } } ... on Error { code } } }',
    undefined,
    { 'x-partner-key': secret },
  );
  const keyId = (body.data?.createPartnerKey as { key?: { keyId: string } } | undefined)?.key?.keyId;
  if (!keyId) throw new Error(`createPartnerKey failed: ${JSON.stringify(body)}`);
  return keyId;
}

const keyIdOf = (result: SubscriptionResult) => (result.data?.apiKeyEvents as { key?: { keyId: string } } | undefined)?.key?.keyId;

/** Waits until the subscription has the CREATED event of this key. */
async function sees(subscriber: Subscriber, keyId: string): Promise<void> {
  for (let n = 1; !subscriber.results.some((r) => keyIdOf(r) === keyId); n++) await subscriber.waitFor(n);
}

// -- tests --------------------------------------------------------------------------------------

describe('sign-in over HTTP, from the mail in the outbox', () => {
  it('invitation → page with a button → same-origin POST sets kw_member → the cookie signs requests in; a requested link opens a second session', async () => {
    const email = newMemberEmail();
    await newOrganization(email);
    const invitation = await awaitSignInToken(outbox, email);
    // The mailed link points at KEYWARD_PUBLIC_URL.
    expect(mailsTo(outbox, email).at(-1)!.text).toContain(`${publicOrigin}/dashboard/sign-in/${invitation}`);

    // GET (a mail scanner, then the person) shows one button and sets nothing.
    for (let i = 0; i < 2; i++) {
      const shown = await signInPage(invitation, { method: 'GET' });
      expect(shown.status).toBe(200);
      expect(shown.body).toContain(`<form method="post" action="/dashboard/sign-in/${invitation}"><button type="submit">`);
      expect(shown.setCookie).toBeNull();
    }
    // The address the request reached is not Keyward's public origin: that POST signs nobody in.
    const elsewhere = await signInPage(invitation, { origin: keyward.origin });
    expect([elsewhere.status, elsewhere.setCookie]).toEqual([403, null]);

    const signedIn = await signInPage(invitation);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/dashboard/');
    // Not Secure: the public URL is http.
    expect(signedIn.setCookie).toMatch(
      /^kw_member=kw_mbr_\w+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200, kw_signed_in=1; SameSite=Strict; Path=\/; Max-Age=43200$/,
    );
    const first = signedIn.cookie!;
    expect(await viewerOf(first)).toEqual({ status: 200, viewer: { kind: 'MEMBER', member: { email, role: 'OWNER' } }, code: undefined });

    // Used twice: the second POST signs nobody in.
    const again = await signInPage(invitation);
    expect([again.status, again.setCookie]).toEqual([410, null]);

    const asked = await graphql('mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }', { i: { email } });
    expect(asked.body).toEqual({ data: { requestSignInLink: { __typename: 'RequestSignInLinkSuccess' } } });
    const link = await awaitSignInToken(outbox, email, invitation);
    // Prefetched by GET, it stays usable.
    expect((await signInPage(link, { method: 'GET' })).status).toBe(200);
    const second = await signInPage(link);
    expect(second.status).toBe(303);
    expect(second.cookie).toMatch(/^kw_mbr_/);
    expect(second.cookie).not.toBe(first);
    expect((await signInPage(link)).status).toBe(410);
    // Two sessions of one member, both live.
    for (const cookie of [first, second.cookie!]) expect((await viewerOf(cookie)).viewer).toEqual({ kind: 'MEMBER', member: { email, role: 'OWNER' } });
  });
});

describe('the CSRF header', () => {
  it('refuses the cookie without X-Keyward-CSRF: 1 (403 CSRF_REQUIRED), over POST and GET', async () => {
    const org = await newOrganization(newMemberEmail());
    const member = await signedInMember(org.id, 'VIEWER');
    const cookie = `kw_member=${member.cookie}`;

    const posted = await graphql(VIEWER, undefined, { cookie });
    expect(posted.status).toBe(403);
    expect(posted.body.data ?? null).toBeNull();
    expect(posted.body.errors?.map((e) => e.extensions?.code)).toEqual(['CSRF_REQUIRED']);

    const get = (headers: Record<string, string>) =>
      fetch(`${keyward.url}?query=${encodeURIComponent(VIEWER)}`, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) });
    const refused = await get({ cookie });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)).toEqual(['CSRF_REQUIRED']);
    // The same GET with the header is answered.
    const answered = await get({ cookie, 'x-keyward-csrf': '1' });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ data: { viewer: { kind: 'MEMBER', member: { email: member.email, role: 'VIEWER' } } } });
  });
});

describe('graphql-ws and the member cookie', () => {
  it('refuses an upgrade with the cookie from any Origin but KEYWARD_PUBLIC_URL’s (403); from that one the member subscribes', async () => {
    const org = await newOrganization(newMemberEmail());
    const member = await signedInMember(org.id, 'DEVELOPER');
    const cookie = `kw_member=${member.cookie}`;
    for (const origin of [EVIL, keyward.origin, undefined]) {
      const refused = await upgrade({ cookie, ...(origin && { origin }) });
      expect(refused.status, `Origin ${origin}`).toBe(403);
      expect(refused.body).toContain('CSRF_REQUIRED');
    }
    expect((await upgrade({ cookie, origin: publicOrigin })).status).toBe(101);

    const events = memberSubscription(member.cookie);
    // The replay from the start: the organization's first key.
    await events.waitFor(1);
    const keyId = await createKey(org.secret);
    await sees(events, keyId);
    expect(events.results.find((r) => keyIdOf(r) === keyId)?.data?.apiKeyEvents).toMatchObject({ type: 'CREATED' });
    expect(events.closeCode()).toBeNull();
  });

  it('lets a key in connection_init through whatever the Origin (no cookie)', async () => {
    const org = await newOrganization(newMemberEmail());
    expect((await upgrade({ origin: EVIL })).status).toBe(101);
    const events = track(wsSubscribe(keyward.wsUrl, { 'x-partner-key': org.secret }, KEY_EVENTS, { after: FROM_START }, { origin: EVIL }));
    await events.waitFor(1);
    const keyId = await createKey(org.secret);
    await sees(events, keyId);
  });
});

describe("a member's sessions and sockets end", () => {
  const removeMember = (cookie: string, id: string) =>
    graphql('mutation ($i: RemoveMemberInput!) { removeMember(input: $i) { __typename ... on Error { code } } }', { i: { id } }, memberHeaders(cookie));
  const updateMember = (cookie: string, id: string, role: Role) =>
    graphql('mutation ($i: UpdateMemberInput!) { updateMember(input: $i) { __typename ... on Error { code } } }', { i: { id, role } }, memberHeaders(cookie));

  it.each([
    ['removed', (owner: string, id: string) => removeMember(owner, id), 'removeMember', 'RemoveMemberSuccess'],
    ['demoted', (owner: string, id: string) => updateMember(owner, id, 'VIEWER'), 'updateMember', 'UpdateMemberSuccess'],
  ] as const)(
    'when an OWNER has it %s: its subscription socket closes 4403, its cookie is UNAUTHENTICATED; the OWNER’s goes on',
    async (_, change, field, success) => {
      const ownerEmail = newMemberEmail();
      const org = await newOrganization(ownerEmail);
      const owner = await signInFromMail(ownerEmail);
      const member = await signedInMember(org.id, 'ADMIN');
      const watched = memberSubscription(member.cookie);
      const ownerWatch = memberSubscription(owner);
      await Promise.all([watched.waitFor(1), ownerWatch.waitFor(1)]);

      const changed = await change(owner, member.id);
      expect(outcome(changed.body, field)).toBe(success);
      expect(await watched.closed).toBe(4403);
      expect(await viewerOf(member.cookie)).toEqual({ status: 401, viewer: undefined, code: 'UNAUTHENTICATED' });

      const keyId = await createKey(org.secret);
      await sees(ownerWatch, keyId);
      expect(ownerWatch.closeCode()).toBeNull();
      expect(watched.results.some((r) => keyIdOf(r) === keyId)).toBe(false);
    },
  );

  it('a demoted member signs in again, as its new role', async () => {
    const ownerEmail = newMemberEmail();
    const org = await newOrganization(ownerEmail);
    const owner = await signInFromMail(ownerEmail);
    const member = await signedInMember(org.id, 'ADMIN');
    const invitation = await awaitSignInToken(outbox, member.email);
    expect(outcome((await updateMember(owner, member.id, 'DEVELOPER')).body, 'updateMember')).toBe('UpdateMemberSuccess');
    expect((await viewerOf(member.cookie)).code).toBe('UNAUTHENTICATED');
    await graphql('mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }', { i: { email: member.email } });
    const cookie = await signInFromMail(member.email, invitation);
    expect((await viewerOf(cookie)).viewer).toEqual({ kind: 'MEMBER', member: { email: member.email, role: 'DEVELOPER' } });
  });
});

describe(`the last OWNER under concurrent changes (${postgresUrl ? 'PostgreSQL' : 'embedded database'})`, () => {
  const ROUNDS = 5;
  const update = (id: string, role: Role) =>
    asOperator('mutation ($i: UpdateMemberInput!) { updateMember(input: $i) { __typename ... on Error { code } } }', { i: { id, role } });
  const remove = (id: string) =>
    asOperator('mutation ($i: RemoveMemberInput!) { removeMember(input: $i) { __typename ... on Error { code } } }', { i: { id } });

  /** The roles of these members as the operator reads them (null: removed). */
  async function roles(ids: string[]): Promise<(string | null)[]> {
    return Promise.all(
      ids.map(async (id) => {
        const { body } = await asOperator('query ($id: ID!) { node(id: $id) { ... on Member { role } } }', { id });
        return (body.data?.node as { role: string } | null)?.role ?? null;
      }),
    );
  }

  /** An organization with exactly two OWNERs: the one of createOrganization, and one the operator invites. */
  async function twoOwners(): Promise<[string, string]> {
    const org = await newOrganization(newMemberEmail());
    const second = await invite(org.id, 'OWNER');
    return [org.ownerId, second.id];
  }

  it('of two OWNERs demoted at once, exactly one is demoted; the other stays OWNER (INVALID_STATE)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await twoOwners();
      const results = await Promise.all([update(a, 'ADMIN'), update(b, 'ADMIN')]);
      expect(results.map((r) => outcome(r.body, 'updateMember')).sort(), `round ${round}`).toEqual(['InvalidStateError INVALID_STATE', 'UpdateMemberSuccess']);
      expect((await roles([a, b])).sort()).toEqual(['ADMIN', 'OWNER']);
    }
  });

  it('of two OWNERs removed at once, exactly one is removed; the other stays OWNER (INVALID_STATE)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await twoOwners();
      const results = await Promise.all([remove(a), remove(b)]);
      expect(results.map((r) => outcome(r.body, 'removeMember')).sort(), `round ${round}`).toEqual(['InvalidStateError INVALID_STATE', 'RemoveMemberSuccess']);
      expect((await roles([a, b])).filter((role) => role !== null)).toEqual(['OWNER']);
    }
  });

  it('of two OWNERs, one demoted and one removed at once, exactly one change passes', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await twoOwners();
      const [demoted, removed] = await Promise.all([update(a, 'VIEWER'), remove(b)]);
      const outcomes = [outcome(demoted.body, 'updateMember'), outcome(removed.body, 'removeMember')];
      expect(
        outcomes.filter((o) => o === 'InvalidStateError INVALID_STATE'),
        `round ${round}: ${outcomes.join(', ')}`,
      ).toHaveLength(1);
      const left = await roles([a, b]);
      expect(
        left.filter((role) => role === 'OWNER'),
        `round ${round}: ${left.join(', ')}`,
      ).toHaveLength(1);
    }
  });
});
