// Members (issue 15): invitations and sign-in links, the kw_member session, roles, step-up,
// the last OWNER, sign-out, and member traffic in the request log. Through yoga.fetch; real
// HTTP, graphql-ws and PostgreSQL are in test/transport/members.test.ts.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { newOrganization, setLiveAccess, type OrgFixture } from '../helpers/fixtures.ts';
import { mailsTo } from '../helpers/outbox.ts';
import { awaitSignInToken, memberHeaders, memberUuid, newMember, newMemberEmail, signInPage, signInToken } from '../helpers/members.ts';

let app: TestApp;
let org: OrgFixture;

beforeAll(async () => {
  app = await createTestApp();
  org = await newOrganization(app, { liveAccess: 'ENABLED' });
});

const VIEWER = '{ viewer { kind environment member { email role } key { kind keyId } } }';
const CREATE_KEY = `mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename ... on CreatePartnerKeySuccess { key { keyId environment } } ... on Error { code message } } }`;

describe('sign-in by e-mail link', () => {
  it('an invitation mails a link; its GET shows a button and uses nothing up; its POST sets the cookie and redirects to the dashboard', async () => {
    const email = newMemberEmail();
    const invited = await gql(
      app,
      `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { __typename } }`,
      {
        i: { email: email.toUpperCase(), role: 'ADMIN', organizationId: org.organizationId },
      },
      { headers: admin(app) },
    );
    expect(invited.data).toEqual({ inviteMember: { __typename: 'InviteMemberSuccess' } });
    const token = signInToken(app, email);
    const shown = await signInPage(app, token, { method: 'GET' });
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('<form method="post"');
    expect(shown.body).toContain(email);
    expect(shown.setCookie).toBeNull();
    // Shown twice: still usable.
    expect((await signInPage(app, token, { method: 'GET' })).status).toBe(200);
    const signedIn = await signInPage(app, token);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/dashboard/');
    // The session cookie, and a hint without a secret the dashboard's script reads (signed in or not).
    expect(signedIn.setCookie).toMatch(
      /^kw_member=kw_mbr_dash_\w{8}_\w{38}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200, kw_signed_in=1; SameSite=Strict; Path=\/; Max-Age=43200$/,
    );
    const me = await gql(app, VIEWER, {}, { headers: memberHeaders(signedIn.cookie!) });
    expect(me.data).toMatchObject({ viewer: { kind: 'MEMBER', environment: 'TEST', member: { email, role: 'ADMIN' }, key: { kind: 'MEMBER' } } });
  });

  it('a link works once: used twice, the second POST signs nobody in (410)', async () => {
    const member = await newMember(app, org.organizationId, 'VIEWER');
    const invitation = signInToken(app, member.email);
    await gql(app, `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }`, { i: { email: member.email } });
    const token = await awaitSignInToken(app, member.email, invitation);
    const [a, b] = await Promise.all([signInPage(app, token), signInPage(app, token)]);
    expect([a.status, b.status].sort()).toEqual([303, 410]);
    expect((await signInPage(app, token)).status).toBe(410);
  });

  it('an expired link signs nobody in', async () => {
    const email = newMemberEmail();
    await newMember(app, org.organizationId, 'VIEWER', email);
    await gql(app, `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }`, { i: { email } });
    const first = signInToken(app, email);
    const token = await awaitSignInToken(app, email, first);
    app.clock.advance(15 * 60 * 1000 + 1000);
    try {
      const page = await signInPage(app, token);
      expect(page.status).toBe(410);
      expect(page.body).toContain('expired');
      expect(page.setCookie).toBeNull();
    } finally {
      app.clock.reset();
    }
  });

  it('requestSignInLink answers the same for a member and for nobody, and mails only the member', async () => {
    const member = await newMember(app, org.organizationId, 'VIEWER');
    const stranger = newMemberEmail();
    const ask = (email: string) =>
      gql(app, `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename ... on RequestSignInLinkSuccess { message } } }`, {
        i: { email },
      });
    const [known, unknown] = [await ask(member.email), await ask(stranger)];
    expect(known.data).toEqual(unknown.data);
    expect(known.status).toBe(unknown.status);
    await awaitSignInToken(app, member.email, signInToken(app, member.email));
    expect(mailsTo(app, stranger)).toEqual([]);
  });

  it('a sign-in POST from another origin is refused', async () => {
    const email = newMemberEmail();
    await gql(
      app,
      `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { __typename } }`,
      { i: { email, role: 'VIEWER', organizationId: org.organizationId } },
      { headers: admin(app) },
    );
    const refused = await signInPage(app, signInToken(app, email), { origin: 'https://evil.test' });
    expect(refused.status).toBe(403);
    expect(refused.setCookie).toBeNull();
    expect((await signInPage(app, signInToken(app, email))).status).toBe(303);
  });
});

describe('the cookie rules', () => {
  it('a cookie-authenticated request without X-Keyward-CSRF: 1 is refused (403 CSRF_REQUIRED); with a key header the cookie is not read', async () => {
    const member = await newMember(app, org.organizationId, 'OWNER');
    const { 'x-keyward-csrf': _csrf, ...withoutCsrf } = memberHeaders(member.cookie);
    const refused = await gql(app, VIEWER, {}, { headers: withoutCsrf });
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions?.code).toBe('CSRF_REQUIRED');
    const keyed = await gql(app, '{ viewer { kind } }', {}, { headers: { ...withoutCsrf, ...partner(org.secret) } });
    expect(keyed.data).toEqual({ viewer: { kind: 'PARTNER' } });
  });

  it('a member token is refused in a key header, and a key in the cookie', async () => {
    const member = await newMember(app, org.organizationId, 'OWNER');
    const asKey = await gql(app, VIEWER, {}, { headers: { authorization: `Bearer ${member.cookie}` } });
    expect(asKey.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const asCookie = await gql(app, VIEWER, {}, { headers: memberHeaders(org.secret) });
    expect(asCookie.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('X-Keyward-Env picks the environment (test by default); anything else is refused', async () => {
    const member = await newMember(app, org.organizationId, 'VIEWER');
    const live = await gql(app, '{ viewer { environment } }', {}, { headers: memberHeaders(member.cookie, 'live') });
    expect(live.data).toEqual({ viewer: { environment: 'LIVE' } });
    const bad = await gql(app, '{ viewer { environment } }', {}, { headers: { ...memberHeaders(member.cookie), 'x-keyward-env': 'prod' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('ENV_MISMATCH');
  });

  it('CORS never allows credentials', async () => {
    const cors = await createTestApp({ corsOrigins: ['https://app.partner.test'] });
    const preflight = await cors.yoga.fetch('http://keyward.test/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.partner.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-keyward-csrf' },
    });
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers') ?? '').not.toContain('x-keyward-csrf');
  });
});

describe('roles', () => {
  it('DEVELOPER changes TEST only; VIEWER reads both environments and changes nothing', async () => {
    const developer = await newMember(app, org.organizationId, 'DEVELOPER');
    const viewer = await newMember(app, org.organizationId, 'VIEWER');
    const inTest = await gql(app, CREATE_KEY, { i: { name: 'By a developer', permissions: ['KEYS_READ'] } }, { headers: memberHeaders(developer.cookie) });
    expect(inTest.data).toMatchObject({ createPartnerKey: { __typename: 'CreatePartnerKeySuccess', key: { environment: 'TEST' } } });
    const inLive = await gql(
      app,
      CREATE_KEY,
      { i: { name: 'By a developer', permissions: ['KEYS_READ'] } },
      { headers: memberHeaders(developer.cookie, 'live') },
    );
    expect(inLive.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const env of ['test', 'live'] as const) {
      const read = await gql(
        app,
        '{ partnerKeys { totalCount } connections { totalCount } auditEvents(first: 1) { totalCount } }',
        {},
        { headers: memberHeaders(viewer.cookie, env) },
      );
      expect(read.errors).toBeUndefined();
      const write = await gql(app, CREATE_KEY, { i: { name: 'By a viewer', permissions: ['KEYS_READ'] } }, { headers: memberHeaders(viewer.cookie, env) });
      expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('what a member does is audited with actor kind MEMBER and its id', async () => {
    const admin_ = await newMember(app, org.organizationId, 'ADMIN');
    const created = await gql(app, CREATE_KEY, { i: { name: 'Audited', permissions: ['KEYS_READ'] } }, { headers: memberHeaders(admin_.cookie) });
    const keyId = (created.data as { createPartnerKey: { key: { keyId: string } } }).createPartnerKey.key.keyId;
    const audit = await gql(
      app,
      `query ($k: String!) { auditEvents(keyId: $k, first: 5) { edges { node { action actorKind actorMemberId } } } }`,
      { k: keyId },
      { headers: partner(org.secret) },
    );
    expect(audit.data).toMatchObject({ auditEvents: { edges: [{ node: { action: 'api_key.created', actorKind: 'MEMBER', actorMemberId: admin_.id } }] } });
  });
});

describe('step-up', () => {
  it('a LIVE key needs a sign-in in the last 15 minutes; a fresh link restores it without ending the session', async () => {
    const owner = await newMember(app, org.organizationId, 'OWNER');
    const create = () =>
      gql(app, CREATE_KEY, { i: { name: 'Live by a member', permissions: ['KEYS_READ'] } }, { headers: memberHeaders(owner.cookie, 'live') });
    app.clock.advance(16 * 60 * 1000);
    try {
      const refused = await create();
      expect(refused.status).toBe(403);
      expect(refused.errors?.[0]?.extensions?.code).toBe('REAUTHENTICATION_REQUIRED');
      // TEST changes need no step-up.
      const test = await gql(app, CREATE_KEY, { i: { name: 'Test by a member', permissions: ['KEYS_READ'] } }, { headers: memberHeaders(owner.cookie) });
      expect(test.data).toMatchObject({ createPartnerKey: { __typename: 'CreatePartnerKeySuccess' } });
      await gql(app, `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }`, { i: { email: owner.email } });
      const token = await awaitSignInToken(app, owner.email, signInToken(app, owner.email));
      const again = await signInPage(app, token, { cookie: owner.cookie });
      expect(again.status).toBe(303);
      // The same session, refreshed: no new cookie.
      expect(again.setCookie).toBeNull();
      expect((await create()).data).toMatchObject({ createPartnerKey: { __typename: 'CreatePartnerKeySuccess', key: { environment: 'LIVE' } } });
    } finally {
      app.clock.reset();
    }
  });
});

describe('the last OWNER', () => {
  it("an organization keeps at least one OWNER; demotion and removal end the member's sessions", async () => {
    const fresh = await newOrganization(app);
    const owner = await newMember(app, fresh.organizationId, 'OWNER');
    const update = (cookie: string, id: string, role: string) =>
      gql(
        app,
        `mutation ($i: UpdateMemberInput!) { updateMember(input: $i) { __typename ... on Error { code } } }`,
        { i: { id, role } },
        { headers: memberHeaders(cookie) },
      );
    expect((await update(owner.cookie, owner.id, 'ADMIN')).data).toEqual({ updateMember: { __typename: 'InvalidStateError', code: 'INVALID_STATE' } });
    const second = await newMember(app, fresh.organizationId, 'OWNER');
    expect((await update(owner.cookie, second.id, 'VIEWER')).data).toEqual({ updateMember: { __typename: 'UpdateMemberSuccess' } });
    // Demoted: signed out at once.
    expect((await gql(app, VIEWER, {}, { headers: memberHeaders(second.cookie) })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const remove = await gql(
      app,
      `mutation ($i: RemoveMemberInput!) { removeMember(input: $i) { __typename ... on Error { code } } }`,
      { i: { id: owner.id } },
      { headers: memberHeaders(owner.cookie) },
    );
    expect(remove.data).toEqual({ removeMember: { __typename: 'InvalidStateError', code: 'INVALID_STATE' } });
  });
});

describe('sign-out and sessions', () => {
  it('signOut ends the session and drops the cookie', async () => {
    const member = await newMember(app, org.organizationId, 'VIEWER');
    const out = await gql(app, 'mutation { signOut { signedOut } }', {}, { headers: memberHeaders(member.cookie) });
    expect(out.errors).toBeUndefined();
    expect(out.data).toEqual({ signOut: { signedOut: true } });
    expect(out.headers.get('set-cookie')).toMatch(
      /^kw_member=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0, kw_signed_in=; SameSite=Strict; Path=\/; Max-Age=0$/,
    );
    expect((await gql(app, VIEWER, {}, { headers: memberHeaders(member.cookie) })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("sessions lists a member's own sessions (an OWNER's, everyone's) beside the devices; an OWNER ends anyone's, others only their own", async () => {
    const world = await newOrganization(app);
    const owner = await newMember(app, world.organizationId, 'OWNER');
    const viewer = await newMember(app, world.organizationId, 'VIEWER');
    const list = (cookie: string) =>
      gql(app, '{ sessions { edges { node { id keyId kind } } } }', {}, { headers: memberHeaders(cookie) }).then((r) =>
        (r.data as { sessions: { edges: { node: { id: string; keyId: string; kind: string } }[] } }).sessions.edges.map((e) => e.node),
      );
    const seenByOwner = await list(owner.cookie);
    const seenByViewer = await list(viewer.cookie);
    expect(seenByOwner.filter((s) => s.kind === 'MEMBER')).toHaveLength(2);
    expect(seenByViewer.filter((s) => s.kind === 'MEMBER')).toHaveLength(1);
    const ownersSession = seenByOwner.find((s) => !seenByViewer.some((v) => v.id === s.id))!;
    const viewersSession = seenByViewer[0]!;
    const revoke = (cookie: string, id: string) =>
      gql(
        app,
        `mutation ($i: RevokeSessionInput!) { revokeSession(input: $i) { __typename ... on Error { code } } }`,
        { i: { id } },
        { headers: memberHeaders(cookie) },
      );
    expect((await revoke(viewer.cookie, ownersSession.id)).data).toEqual({ revokeSession: { __typename: 'NotFoundError', code: 'NOT_FOUND' } });
    expect((await revoke(owner.cookie, viewersSession.id)).data).toEqual({ revokeSession: { __typename: 'RevokeSessionSuccess' } });
    expect((await gql(app, VIEWER, {}, { headers: memberHeaders(viewer.cookie) })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // A partner key never sees members' sessions.
    const byKey = await gql(app, '{ sessions(includeInactive: true) { totalCount } }', {}, { headers: partner(world.secret) });
    expect(byKey.data).toEqual({ sessions: { totalCount: 0 } });
  });

  it("sessions(kind) lists devices' and members' sessions apart, and a member's session names its member", async () => {
    const world = await newOrganization(app);
    const owner = await newMember(app, world.organizationId, 'OWNER');
    const viewer = await newMember(app, world.organizationId, 'VIEWER');
    const device = await gql(
      app,
      'mutation { createSession(input: { description: "Back-office browser" }) { __typename } }',
      {},
      { headers: partner(world.secret), ip: '198.51.100.10' },
    );
    expect(device.data).toEqual({ createSession: { __typename: 'CreateSessionSuccess' } });
    const list = async (kind: string) => {
      const res = await gql(
        app,
        `{ sessions(kind: ${kind}) { totalCount edges { node { kind name member { email role } } } } }`,
        {},
        {
          headers: memberHeaders(owner.cookie),
        },
      );
      return (res.data as { sessions: { totalCount: number; edges: { node: { kind: string; name: string; member: unknown } }[] } }).sessions;
    };
    const devices = await list('SESSION');
    expect(devices.totalCount).toBe(1);
    expect(devices.edges.map((e) => e.node)).toEqual([{ kind: 'SESSION', name: 'Back-office browser', member: null }]);
    const members = await list('MEMBER');
    expect(members.totalCount).toBe(2);
    expect(members.edges.map((e) => e.node.member)).toEqual([
      { email: viewer.email, role: 'VIEWER' },
      { email: owner.email, role: 'OWNER' },
    ]);
    // The other kinds are never sessions.
    expect((await list('PARTNER')).totalCount).toBe(0);
  });

  it('a session ends after the idle timeout and 12 hours after sign-in at the latest', async () => {
    // Every request reads the session's state (no cache), so moving the clock is seen at once.
    const uncached = await createTestApp({ database: app.database, cacheTtlMs: 0 });
    const world = await newOrganization(uncached);
    const member = await newMember(uncached, world.organizationId, 'VIEWER');
    try {
      // Active every 50 minutes (the idle timeout is an hour): alive until 12 h after sign-in, not after.
      for (let minutes = 50; minutes <= 13 * 60; minutes += 50) {
        uncached.clock.advance(50 * 60 * 1000);
        const res = await gql(uncached, '{ viewer { kind } }', {}, { headers: memberHeaders(member.cookie) });
        if (minutes < 12 * 60) expect(res.data, `after ${minutes} min`).toEqual({ viewer: { kind: 'MEMBER' } });
        else expect(res.errors?.[0]?.extensions?.code, `after ${minutes} min`).toBe('UNAUTHENTICATED');
      }
    } finally {
      uncached.clock.reset();
    }
    const idle = await newMember(uncached, world.organizationId, 'VIEWER');
    try {
      uncached.clock.advance(59 * 60 * 1000);
      expect((await gql(uncached, '{ viewer { kind } }', {}, { headers: memberHeaders(idle.cookie) })).data).toEqual({ viewer: { kind: 'MEMBER' } });
      // That request extended it by an hour; an hour and a minute without one ends it.
      uncached.clock.advance(61 * 60 * 1000);
      expect((await gql(uncached, VIEWER, {}, { headers: memberHeaders(idle.cookie) })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      uncached.clock.reset();
    }
  });
});

describe('request logs', () => {
  it("members' requests are kept out of requestLogs unless includeMembers", async () => {
    const member = await newMember(app, org.organizationId, 'VIEWER');
    await gql(app, '{ viewer { kind } }', {}, { headers: memberHeaders(member.cookie) });
    await app.services.requestLogs.flush();
    const logs = (include: boolean) =>
      gql(
        app,
        `query ($i: Boolean) { requestLogs(first: 100, includeMembers: $i) { edges { node { memberId } } } }`,
        { i: include },
        { headers: partner(org.secret) },
      );
    const without = (await logs(false)).data as { requestLogs: { edges: { node: { memberId: string | null } }[] } };
    expect(without.requestLogs.edges.every((e) => e.node.memberId === null)).toBe(true);
    const withMembers = (await logs(true)).data as { requestLogs: { edges: { node: { memberId: string | null } }[] } };
    expect(withMembers.requestLogs.edges.some((e) => e.node.memberId === member.id)).toBe(true);
  });
});

describe('LIVE access', () => {
  it('a member cannot make LIVE keys while LIVE is pending', async () => {
    const pending = await newOrganization(app);
    const owner = await newMember(app, pending.organizationId, 'OWNER');
    const res = await gql(app, CREATE_KEY, { i: { name: 'Live', permissions: ['KEYS_READ'] } }, { headers: memberHeaders(owner.cookie, 'live') });
    expect(res.data).toMatchObject({ createPartnerKey: { code: 'LIVE_ACCESS_PENDING' } });
    await setLiveAccess(app, pending.organizationId, 'ENABLED');
  });
});

describe('rate limits', () => {
  it("a member's sessions spend one budget: the organization's number of requests per window", async () => {
    const limited = await newOrganization(app);
    await gql(
      app,
      `mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename } }`,
      { i: { id: limited.organizationId, rateLimitRequests: 4 } },
      { headers: admin(app) },
    );
    const member = await newMember(app, limited.organizationId, 'VIEWER');
    const invitation = signInToken(app, member.email);
    await gql(app, `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }`, { i: { email: member.email } });
    const second = (await signInPage(app, await awaitSignInToken(app, member.email, invitation))).cookie!;
    expect(second).not.toBe(member.cookie);
    const codes: string[] = [];
    for (const cookie of [member.cookie, second, member.cookie, second, member.cookie, second]) {
      const res = await gql(app, '{ viewer { kind } }', {}, { headers: memberHeaders(cookie) });
      codes.push((res.errors?.[0]?.extensions?.code as string | undefined) ?? 'OK');
    }
    expect(codes).toEqual(['OK', 'OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('sign-in links are limited per address and per client address, for members and strangers alike', async () => {
    const limited = await createTestApp({ database: app.database, signInLimits: { perEmailPerHour: 2, perAddressPerHour: 4 } });
    const world = await newOrganization(limited);
    const member = await newMember(limited, world.organizationId, 'VIEWER');
    const ask = (email: string, ip = '203.0.113.7') =>
      gql(limited, `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }`, { i: { email } }, { ip }).then(
        (r) => (r.errors?.[0]?.extensions?.code as string | undefined) ?? 'OK',
      );
    const stranger = newMemberEmail();
    // Per address: the third for one address is refused, member or not.
    expect([await ask(member.email), await ask(member.email), await ask(member.email, '203.0.113.8')]).toEqual(['OK', 'OK', 'RATE_LIMITED']);
    expect([await ask(stranger), await ask(stranger), await ask(stranger, '203.0.113.8')]).toEqual(['OK', 'OK', 'RATE_LIMITED']);
    // Per client address: 4 an hour from 203.0.113.7, whatever the addresses asked for.
    expect(await ask(newMemberEmail())).toBe('RATE_LIMITED');
    expect(await ask(newMemberEmail(), '203.0.113.9')).toBe('OK');
  });
});

describe('retention', () => {
  it('links and member sessions that ended more than a day ago are deleted; live ones stay', async () => {
    const world = await newOrganization(app);
    const organizationId = decodeGlobalID(world.organizationId).id;
    const ended = await newMember(app, world.organizationId, 'VIEWER');
    await gql(app, 'mutation { signOut { signedOut } }', {}, { headers: memberHeaders(ended.cookie) });
    const sessions = () => app.services.prisma.apiKey.findMany({ where: { kind: 'MEMBER', organizationId }, select: { memberId: true } });
    const links = () => app.services.prisma.signInLink.count({ where: { member: { organizationId } } });
    try {
      app.clock.advance(25 * 3600 * 1000);
      // Signed in a day later: its session and its (used) invitation are recent.
      const live = await newMember(app, world.organizationId, 'VIEWER');
      expect(await sessions()).toHaveLength(2);
      expect(await links()).toBe(2);
      await app.services.members.prune();
      expect(await sessions()).toEqual([{ memberId: memberUuid(live.id) }]);
      expect(await links()).toBe(1);
      expect((await gql(app, '{ viewer { kind } }', {}, { headers: memberHeaders(live.cookie) })).data).toEqual({ viewer: { kind: 'MEMBER' } });
    } finally {
      app.clock.reset();
    }
  });
});
