import { decodeGlobalID } from '@pothos/plugin-relay';
import type { TestApp } from './app.ts';
import { admin, gql } from './client.ts';
import { mailsTo, type Outbox } from './outbox.ts';

export type Role = 'OWNER' | 'ADMIN' | 'DEVELOPER' | 'VIEWER';

export interface MemberFixture {
  /** The global ID, as clients see it. */
  id: string;
  email: string;
  role: Role;
  /** The `kw_member` cookie's value. */
  cookie: string;
}

let counter = 0;
export const newMemberEmail = () => `member-${Date.now().toString(36)}-${++counter}@partner.test`;

/** The headers of a dashboard request: the cookie, the CSRF header, and the environment it acts in. */
export function memberHeaders(cookie: string, env: 'test' | 'live' = 'test'): Record<string, string> {
  return { cookie: `kw_member=${cookie}`, 'x-keyward-csrf': '1', 'x-keyward-env': env };
}

/** The token of the newest sign-in link (or invitation) mailed to this address. */
export function signInToken(app: Outbox, email: string): string {
  const mails = mailsTo(app, email).filter((m) => m.text.includes('/dashboard/sign-in/'));
  const token = /\/dashboard\/sign-in\/([\w-]+)/.exec(mails.at(-1)?.text ?? '')?.[1];
  if (!token) throw new Error(`no sign-in link mailed to ${email}`);
  return token;
}

/** Waits for the sign-in link mailed in the background of requestSignInLink (polls the outbox). */
export async function awaitSignInToken(app: Outbox, email: string, notThis?: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    try {
      const token = signInToken(app, email);
      if (token !== notThis) return token;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no sign-in link mailed to ${email}`);
}

/** The sign-in page as a browser uses it: GET shows, POST (same origin) signs in. */
export async function signInPage(
  app: TestApp,
  token: string,
  options: { method?: 'GET' | 'POST'; cookie?: string; origin?: string | null } = {},
): Promise<{ status: number; body: string; cookie: string | undefined; setCookie: string | null; location: string | null }> {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = {};
  if (method === 'POST' && options.origin !== null) headers.origin = options.origin ?? 'http://keyward.test';
  if (options.cookie) headers.cookie = `kw_member=${options.cookie}`;
  const response = await app.yoga.fetch(`http://keyward.test/dashboard/sign-in/${token}`, { method, headers, redirect: 'manual' });
  const setCookie = response.headers.get('set-cookie');
  const cookie = setCookie ? /kw_member=([^;]*)/.exec(setCookie)?.[1] : undefined;
  return { status: response.status, body: await response.text(), cookie, setCookie, location: response.headers.get('location') };
}

/** A member invited by the operator, signed in through its invitation: its cookie. */
export async function newMember(app: TestApp, organizationId: string, role: Role, email = newMemberEmail()): Promise<MemberFixture> {
  const res = await gql<{ inviteMember: { __typename: string; member?: { id: string } } }, unknown>(
    app,
    `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { __typename ... on InviteMemberSuccess { member { id } } ... on Error { code message } } }`,
    { i: { email, role, organizationId } },
    { headers: admin(app) },
  );
  const id = res.data?.inviteMember.member?.id;
  if (!id) throw new Error(`inviteMember failed: ${JSON.stringify(res)}`);
  const signedIn = await signInPage(app, signInToken(app, email));
  if (!signedIn.cookie) throw new Error(`sign-in failed: ${signedIn.status} ${signedIn.body}`);
  return { id, email, role, cookie: signedIn.cookie };
}

/** The database id of a member's global ID. */
export const memberUuid = (id: string) => decodeGlobalID(id).id;
