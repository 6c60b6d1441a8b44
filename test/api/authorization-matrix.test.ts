// The authorization matrix (issue 12): every root query, mutation and subscription field and every
// Node type, against every kind of caller, with the outcomes of ONE table below. A field or type
// added to the schema without a row here fails the first test. The table is written out by hand,
// not derived from src/domain/access/, so that a change to the model shows here as a failure.
// Members (issue 15) are callers too: each role in each environment, one of another
// organization, one in each environment aimed at the other's objects, and an OWNER whose
// sign-in is older than the step-up allows.
import { randomUUID } from 'node:crypto';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../src/domain/api-key/api-key.schemas.ts';
import { parseKey } from '../../src/domain/api-key/key-format.ts';
import { encodeCursor } from '../../src/domain/events/event-log.ts';
import type { Permission } from '../../src/generated/prisma/enums.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, bearer, firstSseResult, gql, partner, type GraphQLResponse } from '../helpers/client.ts';
import { connectedUser, newEmail } from '../helpers/connections.ts';
import { newOrganization, newPartnerKey, setLiveAccess, type OrgFixture } from '../helpers/fixtures.ts';
import { awaitSignInToken, memberHeaders, newMember, signInPage, signInToken, type MemberFixture, type Role } from '../helpers/members.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

/** `reauth`: admitted but for the step-up (REAUTHENTICATION_REQUIRED, a sign-in in the last 15 minutes). */
type Outcome = 'ok' | 'denied' | 'hidden' | 'reauth';

type Env = 'TEST' | 'LIVE';
type MemberAccess = 'read' | 'write' | 'owner';

/**
 * Who a field admits: the operator, partner keys (with a permission, or any), user keys, members
 * (by what their role may do); sessions act as their key unless said.
 */
interface Who {
  operator?: true;
  partner?: Permission | 'any';
  user?: Permission | 'any';
  /** Members whose role may `read`, `write` (change the environment it acts in) or manage members (`owner`). */
  member?: MemberAccess;
  /** Members also need a sign-in in the last 15 minutes: always, or when acting in LIVE. */
  stepUp?: 'always' | 'LIVE';
  /** Refused to sessions (a session acts as its key otherwise). */
  noSessions?: true;
  /** TEST keys (and members acting in TEST) only. */
  testOnly?: true;
  /** Anyone, with or without a credential. */
  public?: true;
}

/** The role table of docs/api.md ("Members and the dashboard"): what each role may, in each environment. */
const ROLES: Record<Role, Record<Env, readonly MemberAccess[]>> = {
  OWNER: { TEST: ['read', 'write', 'owner'], LIVE: ['read', 'write', 'owner'] },
  ADMIN: { TEST: ['read', 'write'], LIVE: ['read', 'write'] },
  DEVELOPER: { TEST: ['read', 'write'], LIVE: ['read'] },
  VIEWER: { TEST: ['read'], LIVE: ['read'] },
};
const roleMay = (c: Caller, access: MemberAccess) => c.role !== undefined && ROLES[c.role][c.environment].includes(access);

/** The objects a caller's requests are aimed at: its own world's, or another organization's or environment's. */
interface Targets {
  orgId: string;
  partnerVictim: string;
  userVictim: string;
  targetConnection: string;
  targetEmail: string;
  onboarding: string;
  endpoint: string;
  disposableEndpoint: () => Promise<string>;
  attempt: string;
  victimSession: string;
  /** A member of the organization (invited by the operator). */
  member: string;
  disposableMember: () => Promise<string>;
}

interface Caller {
  name: string;
  headers: Record<string, string>;
  kind: 'anonymous' | 'operator' | 'PARTNER' | 'USER' | 'MEMBER';
  permissions: Permission[];
  session: boolean;
  environment: Env;
  /** Members: the role, and whether the session's sign-in is recent enough for the step-up. */
  role?: Role;
  recentSignIn?: boolean;
  /** Members: the headers of another session of the same member, signed in as the caller's was (for a row that ends its session). */
  anotherSession?: () => Promise<Record<string, string>>;
  /** Aimed at objects of another organization or environment: what it reaches must be nothing. */
  foreign: boolean;
  /** Of the organization its targets belong to (a LIVE key aimed at TEST objects is, yet foreign to them). */
  sameOrganization: boolean;
  targets: Targets;
}

interface Row {
  allow: Who;
  /** The operation text; its variables come from `vars`. */
  doc: string;
  vars?: (t: Targets) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Aimed at one object: a caller that may not see it (another organization, environment, or a user key's other connection) gets it hidden. */
  targets?: boolean;
  /** Where the generic rule is not the whole story. */
  expect?: (caller: Caller) => Outcome | undefined;
  /** The answer that means "hidden" when it is not null or NOT_FOUND. */
  hiddenWhen?: (value: Record<string, unknown>) => boolean;
  /** It ends the session it is sent with: a member sends another session of its own, so that its callers' session lives on. */
  endsSession?: true;
}

const ERR = '... on Error { code }';

/** Members belong to the organization, not to an environment: a member of it reaches them from either (objects of the other environment included). */
const ofTheOrganization = (c: Caller): Outcome | undefined => (c.kind === 'MEMBER' && c.sameOrganization ? 'ok' : undefined);

/** The table. Keys: `Type.field` of every root field. */
const ROWS: Record<string, Row> = {
  // -- queries --------------------------------------------------------------------------------------
  'Query.viewer': { allow: { operator: true, partner: 'any', user: 'any', member: 'read' }, doc: '{ viewer { kind } }' },
  'Query.node': {
    allow: { operator: true, partner: 'any', user: 'any', member: 'read' },
    doc: 'query ($id: ID!) { node(id: $id) { id } }',
    vars: (t) => ({ id: t.targetConnection }),
    targets: true,
    // node() itself admits any credential; what it returns follows the read rule of the type (NODES below).
    expect: (c) => (c.kind === 'PARTNER' && !c.foreign ? (c.permissions.includes('CONNECTIONS_READ') ? 'ok' : 'hidden') : undefined),
  },
  'Query.partnerKeys': { allow: { partner: 'KEYS_READ', member: 'read' }, doc: '{ partnerKeys { edges { node { keyId } } } }' },
  'Query.sessions': { allow: { partner: 'any', user: 'any', member: 'read' }, doc: '{ sessions { edges { node { keyId } } } }' },
  'Query.connection': {
    allow: { operator: true, partner: 'CONNECTIONS_READ', user: 'CONNECTIONS_READ', member: 'read' },
    doc: 'query ($id: ID!) { connection(lookup: { id: $id }) { id email } }',
    vars: (t) => ({ id: t.targetConnection }),
    targets: true,
  },
  'Query.connections': { allow: { partner: 'CONNECTIONS_READ', member: 'read' }, doc: '{ connections { edges { node { id email } } } }' },
  'Query.connectionStatus': {
    allow: { partner: 'CONNECTIONS_READ', member: 'read' },
    doc: 'query ($email: String!) { connectionStatus(email: $email) { status apiKey } }',
    vars: (t) => ({ email: t.targetEmail }),
    targets: true,
    hiddenWhen: (v) => v.status === null && v.apiKey === null,
  },
  'Query.verifyKey': {
    allow: { operator: true, partner: 'KEYS_READ' },
    doc: 'query ($key: String!) { verifyKey(key: $key) { code } }',
    vars: () => ({ key: 'kw_ptr_test_notakey' }),
  },
  'Query.auditEvents': { allow: { partner: 'LOGS_READ', member: 'read' }, doc: '{ auditEvents(first: 5) { edges { node { action } } } }' },
  'Query.requestLogs': { allow: { partner: 'LOGS_READ', member: 'read' }, doc: '{ requestLogs(first: 5) { edges { node { keyId } } } }' },
  'Query.webhookEndpoints': { allow: { partner: 'WEBHOOKS_WRITE', member: 'read' }, doc: '{ webhookEndpoints { edges { node { url } } } }' },
  'Query.webhookDeliveries': { allow: { partner: 'WEBHOOKS_WRITE', member: 'read' }, doc: '{ webhookDeliveries { edges { node { url } } } }' },

  // -- partner keys ---------------------------------------------------------------------------------
  'Mutation.createPartnerKey': {
    allow: { operator: true, partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { name: 'Matrix key', permissions: ['KEYS_WRITE'], organizationId: t.orgId } }),
    // The operator names the organization; a key or member may only name its own (another is NOT_FOUND) and creates in its environment.
    targets: true,
    expect: (c) => ((c.kind === 'PARTNER' || c.kind === 'MEMBER') && c.sameOrganization ? 'ok' : undefined),
  },
  'Mutation.updatePartnerKey': {
    allow: { operator: true, partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.partnerVictim, name: `Renamed ${randomUUID().slice(0, 6)}` } }),
    targets: true,
  },
  'Mutation.rotatePartnerKey': {
    allow: { operator: true, partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: RotatePartnerKeyInput!) { rotatePartnerKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.partnerVictim } }),
    targets: true,
  },
  'Mutation.revokePartnerKey': {
    allow: { operator: true, partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: RevokePartnerKeyInput!) { revokePartnerKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.partnerVictim } }),
    targets: true,
  },

  // -- user keys ------------------------------------------------------------------------------------
  'Mutation.createUserKey': {
    allow: { partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: CreateUserKeyInput!) { createUserKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { connectionId: t.targetConnection, name: 'Matrix user key', permissions: ['KEYS_WRITE'] } }),
    targets: true,
  },
  'Mutation.updateUserKey': {
    allow: { partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: UpdateUserKeyInput!) { updateUserKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.userVictim, name: `Renamed ${randomUUID().slice(0, 6)}` } }),
    targets: true,
  },
  'Mutation.rotateUserKey': {
    allow: { partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: RotateUserKeyInput!) { rotateUserKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.userVictim } }),
    targets: true,
  },
  'Mutation.revokeUserKey': {
    allow: { partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: RevokeUserKeyInput!) { revokeUserKey(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.userVictim } }),
    targets: true,
  },
  'Mutation.revokeAllUserKeys': {
    allow: { partner: 'KEYS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: RevokeAllUserKeysInput!) { revokeAllUserKeys(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { connectionId: t.targetConnection } }),
    targets: true,
  },

  // -- sessions -------------------------------------------------------------------------------------
  'Mutation.createSession': {
    allow: { partner: 'any', user: 'any', noSessions: true },
    doc: `mutation { createSession(input: { permittedIps: ["127.0.0.1"] }) { __typename ${ERR} } }`,
  },
  'Mutation.revokeSession': {
    allow: { partner: 'any', user: 'any', member: 'read' },
    doc: `mutation ($i: RevokeSessionInput!) { revokeSession(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.victimSession } }),
    targets: true,
    // The victim is another key's session (a device): only a partner key with KEYS_WRITE, or a
    // member whose role changes the environment, may end it. (Members' own sessions: a test below.)
    expect: (c) => {
      if (c.foreign) return undefined;
      if (c.kind === 'PARTNER' && !c.permissions.includes('KEYS_WRITE')) return 'hidden';
      return c.kind === 'MEMBER' && !roleMay(c, 'write') ? 'hidden' : undefined;
    },
  },

  // -- connections ----------------------------------------------------------------------------------
  'Mutation.connectUser': {
    allow: { partner: 'CONNECTIONS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: ConnectUserInput!) { connectUser(input: $i) { __typename ${ERR} } }`,
    vars: () => ({ i: { email: newEmail() } }),
  },
  'Mutation.disconnectUser': {
    allow: { partner: 'CONNECTIONS_WRITE', member: 'write', stepUp: 'LIVE' },
    doc: `mutation ($i: DisconnectUserInput!) { disconnectUser(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.targetConnection } }),
    targets: true,
  },
  'Mutation.decideOnboarding': {
    allow: { operator: true },
    doc: `mutation ($i: DecideOnboardingInput!) { decideOnboarding(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { connectionId: t.onboarding, decision: 'APPROVE' } }),
  },
  'Mutation.advanceSandboxConnection': {
    allow: { partner: 'CONNECTIONS_WRITE', member: 'write', testOnly: true },
    doc: `mutation ($i: AdvanceSandboxConnectionInput!) { advanceSandboxConnection(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { connectionId: t.onboarding, to: 'PENDING' } }),
    targets: true,
  },
  'Mutation.createSandboxUser': {
    allow: { partner: 'CONNECTIONS_WRITE', member: 'write', testOnly: true },
    doc: `mutation { createSandboxUser(input: { type: PERSON }) { __typename ${ERR} } }`,
  },

  // -- webhooks and signing -------------------------------------------------------------------------
  'Mutation.createWebhookEndpoint': {
    allow: { partner: 'WEBHOOKS_WRITE', member: 'write' },
    doc: `mutation { createWebhookEndpoint(input: { url: "https://hooks.example.com/matrix", eventTypes: [API_KEY_CREATED] }) { __typename ${ERR} } }`,
  },
  'Mutation.updateWebhookEndpoint': {
    allow: { partner: 'WEBHOOKS_WRITE', member: 'write' },
    doc: `mutation ($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.endpoint, eventTypes: ['API_KEY_CREATED', 'API_KEY_REVOKED'] } }),
    targets: true,
  },
  'Mutation.deleteWebhookEndpoint': {
    allow: { partner: 'WEBHOOKS_WRITE', member: 'write' },
    doc: `mutation ($i: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $i) { __typename ${ERR} } }`,
    vars: async (t) => ({ i: { id: await t.disposableEndpoint() } }),
    targets: true,
  },
  'Mutation.redeliverWebhook': {
    allow: { partner: 'WEBHOOKS_WRITE', member: 'write' },
    doc: `mutation ($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.attempt } }),
    targets: true,
  },
  'Mutation.rotateSigningSecret': {
    allow: { partner: 'WEBHOOKS_WRITE', member: 'write', stepUp: 'always' },
    doc: `mutation { rotateSigningSecret(input: { gracePeriodSeconds: 0 }) { __typename ${ERR} } }`,
  },

  // -- members --------------------------------------------------------------------------------------
  // Members belong to the organization, not to an environment: a member acting in either reaches them.
  'Query.members': { allow: { member: 'read' }, doc: '{ members { edges { node { email } } } }' },
  'Mutation.inviteMember': {
    allow: { operator: true, member: 'owner', stepUp: 'always' },
    doc: `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { email: newEmail(), role: 'VIEWER', organizationId: t.orgId } }),
    // An OWNER may name only its own organization: another is NOT_FOUND.
    targets: true,
    expect: ofTheOrganization,
  },
  'Mutation.updateMember': {
    allow: { operator: true, member: 'owner', stepUp: 'always' },
    doc: `mutation ($i: UpdateMemberInput!) { updateMember(input: $i) { __typename ${ERR} } }`,
    // A real change by every caller that may: VIEWER and DEVELOPER in turn (never OWNER, which the organization must keep).
    vars: async (t) => ({ i: { id: t.member, role: (await roleOf(t.member)) === 'VIEWER' ? 'DEVELOPER' : 'VIEWER' } }),
    targets: true,
    expect: ofTheOrganization,
  },
  'Mutation.removeMember': {
    allow: { operator: true, member: 'owner', stepUp: 'always' },
    doc: `mutation ($i: RemoveMemberInput!) { removeMember(input: $i) { __typename ${ERR} } }`,
    vars: async (t) => ({ i: { id: await t.disposableMember() } }),
    targets: true,
    expect: ofTheOrganization,
  },
  'Mutation.requestSignInLink': {
    allow: { public: true },
    doc: `mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename ${ERR} } }`,
    vars: () => ({ i: { email: newEmail() } }),
  },
  'Mutation.signOut': { allow: { member: 'read' }, doc: 'mutation { signOut { signedOut } }', endsSession: true },

  // -- the operator's -------------------------------------------------------------------------------
  'Mutation.createOrganization': {
    allow: { operator: true },
    doc: `mutation { createOrganization(input: { name: "Matrix org" }) { __typename ${ERR} } }`,
  },
  'Mutation.updateOrganization': {
    allow: { operator: true },
    doc: `mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename ${ERR} } }`,
    vars: (t) => ({ i: { id: t.orgId, name: `Org ${randomUUID().slice(0, 6)}` } }),
  },

  // -- subscriptions (over SSE; the first result decides) -------------------------------------------
  'Subscription.connectionEvents': {
    allow: { partner: 'CONNECTIONS_READ', user: 'CONNECTIONS_READ', member: 'read' },
    doc: `subscription ($after: String) { connectionEvents(after: $after) { cursor } }`,
    vars: () => ({ after: encodeCursor(0n) }),
  },
  'Subscription.apiKeyEvents': {
    allow: { partner: 'KEYS_READ', user: 'KEYS_READ', member: 'read' },
    doc: `subscription ($after: String) { apiKeyEvents(after: $after) { cursor } }`,
    vars: () => ({ after: encodeCursor(0n) }),
  },
  'Subscription.connectionStatusChanged': {
    allow: { partner: 'CONNECTIONS_READ', user: 'CONNECTIONS_READ', member: 'read' },
    doc: `subscription ($id: ID!) { connectionStatusChanged(lookup: { id: $id }) { status } }`,
    vars: (t) => ({ id: t.targetConnection }),
    targets: true,
  },
  // LISTENING comes first to whoever is admitted; a stranger's stream carries only its own world's changes (webhook-delivery-events.test.ts).
  'Subscription.webhookDeliveryEvents': {
    allow: { partner: 'WEBHOOKS_WRITE', member: 'read' },
    doc: `subscription { webhookDeliveryEvents { type } }`,
  },
};

/**
 * Every Node type: which callers read the world's object of that type through node(id:). In its
 * own world (organization and environment) a partner key with the permission, and any member
 * (every role reads both environments).
 */
const partnerWith = (permission: Permission) => (c: Caller) =>
  c.kind === 'operator' || (!c.foreign && ((c.kind === 'PARTNER' && c.permissions.includes(permission)) || c.kind === 'MEMBER'));
const NODES: Record<string, { of: (t: Targets) => string; readers: (c: Caller) => boolean }> = {
  ApiKey: { of: (t) => t.partnerVictim, readers: partnerWith('KEYS_READ') },
  Connection: { of: (t) => t.targetConnection, readers: partnerWith('CONNECTIONS_READ') },
  // Any key or member of the organization reads it (viewer.organization), whatever its environment.
  Organization: { of: (t) => t.orgId, readers: (c) => c.kind === 'operator' || c.sameOrganization },
  WebhookEndpoint: { of: (t) => t.endpoint, readers: partnerWith('WEBHOOKS_WRITE') },
  WebhookDelivery: { of: (t) => t.attempt, readers: partnerWith('WEBHOOKS_WRITE') },
  // People are not a key's business: the operator and the organization's members (acting in either environment) read them.
  Member: { of: (t) => t.member, readers: (c) => c.kind === 'operator' || (c.kind === 'MEMBER' && c.sameOrganization) },
};

/** What the table says a caller gets from a row. */
function expected(row: Row, caller: Caller): Outcome {
  const { allow } = row;
  if (allow.public) return 'ok';
  if (caller.kind === 'anonymous') return 'denied';
  if (caller.kind === 'operator') return allow.operator ? 'ok' : 'denied';
  if (caller.kind === 'MEMBER') {
    if (!allow.member || !roleMay(caller, allow.member)) return 'denied';
    if (allow.testOnly && caller.environment !== 'TEST') return 'denied';
    if (allow.stepUp && (allow.stepUp === 'always' || caller.environment === 'LIVE') && !caller.recentSignIn) return 'reauth';
  } else {
    const spec = caller.kind === 'PARTNER' ? allow.partner : allow.user;
    if (!spec || (spec !== 'any' && !caller.permissions.includes(spec))) return 'denied';
    if (caller.session && allow.noSessions) return 'denied';
    if (allow.testOnly && caller.environment !== 'TEST') return 'denied';
  }
  const special = row.expect?.(caller);
  if (special) return special;
  if (row.targets && (caller.foreign || caller.kind === 'USER')) return 'hidden';
  return 'ok';
}

function outcomeOf(
  field: string,
  row: Row,
  res: { errors?: readonly { extensions?: Record<string, unknown>; message: string }[] | undefined; data?: unknown },
): Outcome {
  const code = res.errors?.[0]?.extensions?.code;
  if (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') return 'denied';
  if (code === 'REAUTHENTICATION_REQUIRED') return 'reauth';
  if (code === 'NOT_FOUND') return 'hidden';
  if (res.errors?.length) throw new Error(`${field}: unexpected ${JSON.stringify(res.errors)}`);
  const value = (res.data as Record<string, unknown> | null)?.[field.split('.')[1]!] as Record<string, unknown> | null | undefined;
  if (value === null || value === undefined) return 'hidden';
  if (value.code === 'NOT_FOUND' || (row.hiddenWhen?.(value) ?? false)) return 'hidden';
  return 'ok';
}

// -- the worlds ----------------------------------------------------------------------------------------

let app: TestApp;
let receiver: WebhookReceiver;
const callers: Caller[] = [];
/** A session of a VIEWER of the organization that no caller is: another member's session, for revokeSession. */
let bystanderSession: string;

async function data<T>(res: Promise<GraphQLResponse<unknown>>, path: string): Promise<T> {
  const r = await res;
  let value: unknown = r.data;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | null)?.[part];
  if (value === undefined || value === null) throw new Error(`${path}: ${JSON.stringify(r)}`);
  return value as T;
}

async function sessionOf(headers: Record<string, string>): Promise<string> {
  return data(
    gql(app, `mutation { createSession(input: { permittedIps: ["127.0.0.1"] }) { ... on CreateSessionSuccess { token } } }`, {}, { headers }),
    'createSession.token',
  );
}

/**
 * An organization's objects in one environment, made through the API with `owner` (a key with
 * every permission of that environment): the objects every row is aimed at.
 */
async function targetsIn(org: OrgFixture, owner: string): Promise<Targets> {
  const as = { headers: partner(owner) };
  const connected = await connectedUser(app, { ...org, secret: owner });
  // Its first key has more than a KEYS_WRITE key reaches: revoked, so the rows about a connection's keys measure admission only.
  const keys = await data<{ node: { id: string } }[]>(
    gql(app, `query ($id: ID!) { node(id: $id) { ... on Connection { keys { edges { node { id } } } } } }`, { id: connected.connectionId }, as),
    'node.keys.edges',
  );
  for (const { node } of keys) await gql(app, `mutation ($i: RevokeUserKeyInput!) { revokeUserKey(input: $i) { __typename } }`, { i: { id: node.id } }, as);
  const userVictim = await data<string>(
    gql(
      app,
      `mutation ($i: CreateUserKeyInput!) { createUserKey(input: $i) { ... on CreateUserKeySuccess { key { id } } } }`,
      {
        i: { connectionId: connected.connectionId, name: 'Victim user key', permissions: ['KEYS_WRITE'] },
      },
      as,
    ),
    'createUserKey.key.id',
  );
  const onboarding = await data<string>(
    gql(
      app,
      `mutation ($i: ConnectUserInput!) { connectUser(input: $i) { ... on ConnectUserSuccess { connection { id } } } }`,
      { i: { email: newEmail() } },
      as,
    ),
    'connectUser.connection.id',
  );
  const newEndpoint = () =>
    data<string>(
      gql(
        app,
        `mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { ... on CreateWebhookEndpointSuccess { endpoint { id } } } }`,
        {
          i: { url: `${receiver.url}/matrix/${randomUUID()}`, eventTypes: ['API_KEY_CREATED'] },
        },
        as,
      ),
      'createWebhookEndpoint.endpoint.id',
    );
  const endpoint = await newEndpoint();
  const victim = await data<{ secret: string; key: { id: string } }>(
    gql(
      app,
      `mutation { createPartnerKey(input: { name: "Victim", permissions: [KEYS_WRITE] }) { ... on CreatePartnerKeySuccess { secret key { id } } } }`,
      {},
      as,
    ),
    'createPartnerKey',
  );
  // The key created above made a webhook: one attempt to point at.
  await app.services.webhooks.runOnce();
  const attempt = await data<{ node: { id: string } }[]>(
    gql(app, '{ webhookDeliveries(first: 1) { edges { node { id } } } }', {}, as),
    'webhookDeliveries.edges',
  );
  // A session of the victim key (within a KEYS_WRITE key's reach), for revokeSession.
  const victimSession = await data<string>(
    gql(
      app,
      `mutation { createSession(input: { permittedIps: ["127.0.0.1"] }) { ... on CreateSessionSuccess { session { id } } } }`,
      {},
      { headers: partner(victim.secret) },
    ),
    'createSession.session.id',
  );
  let disposable: string | null = null;
  const newMember = () =>
    data<string>(
      gql(
        app,
        `mutation ($i: InviteMemberInput!) { inviteMember(input: $i) { ... on InviteMemberSuccess { member { id } } } }`,
        { i: { email: newEmail(), role: 'VIEWER', organizationId: org.organizationId } },
        { headers: admin(app) },
      ),
      'inviteMember.member.id',
    );
  const member = await newMember();
  let disposableMember: string | null = null;
  return {
    member,
    disposableMember: async () => {
      const gone = disposableMember === null || !(await app.services.prisma.member.findUnique({ where: { id: decodeGlobalID(disposableMember).id } }));
      if (gone) disposableMember = await newMember();
      return disposableMember!;
    },
    orgId: org.organizationId,
    partnerVictim: victim.key.id,
    userVictim,
    targetConnection: connected.connectionId,
    targetEmail: connected.email,
    onboarding,
    endpoint,
    attempt: attempt[0]!.node.id,
    victimSession,
    disposableEndpoint: async () => {
      const gone = disposable === null || !(await app.services.prisma.webhookEndpoint.findUnique({ where: { id: decodeGlobalID(disposable).id } }));
      if (gone) disposable = await newEndpoint();
      return disposable!;
    },
  };
}

function addCaller(base: Omit<Caller, 'session' | 'name'> & { name: string }, sessionToken?: string) {
  callers.push({ ...base, session: false });
  if (sessionToken) callers.push({ ...base, name: `${base.name} (session)`, headers: bearer(sessionToken), session: true });
}

/** The global ID of the session (kind MEMBER) a member's request is signed in with. */
const sessionIdOf = (headers: Record<string, string>) => data<string>(gql(app, '{ viewer { key { id } } }', {}, { headers }), 'viewer.key.id');

const roleOf = async (memberId: string) => (await app.services.prisma.member.findUniqueOrThrow({ where: { id: decodeGlobalID(memberId).id } })).role;

/**
 * Moves a member session's sign-in 16 minutes back: the step-up's actions are refused to it,
 * nothing else. (The row, not the test clock: moving the clock would age every caller's sessions
 * and the world's links alike, and each of this caller's requests would have to run inside it.)
 */
async function signedInLongAgo(cookie: string): Promise<void> {
  const { keyId } = parseKey(cookie)!;
  await app.services.prisma.apiKey.update({ where: { keyId }, data: { authenticatedAt: new Date(app.clock.now().getTime() - 16 * 60 * 1000) } });
  app.services.verifier.keyChanged(keyId);
}

/** A member signed in (through its invitation), and how it opens another session signed in the same way. */
interface MemberLogin {
  member: MemberFixture;
  cookie: string;
  stale: boolean;
  anotherCookie: () => Promise<string>;
}

async function memberLogin(organizationId: string, role: Role, stale = false): Promise<MemberLogin> {
  const member = await newMember(app, organizationId, role);
  const signedIn = async (cookie: string) => {
    if (stale) await signedInLongAgo(cookie);
    return cookie;
  };
  // Another browser: a sign-in link asked for and used.
  const anotherCookie = async () => {
    const before = signInToken(app, member.email);
    await gql(app, 'mutation ($i: RequestSignInLinkInput!) { requestSignInLink(input: $i) { __typename } }', { i: { email: member.email } });
    const page = await signInPage(app, await awaitSignInToken(app, member.email, before));
    if (!page.cookie) throw new Error(`sign-in failed: ${page.status} ${page.body}`);
    return signedIn(page.cookie);
  };
  return { member, cookie: await signedIn(member.cookie), stale, anotherCookie };
}

/** A member acting in one environment (its request's X-Keyward-Env) on the given objects. */
function addMember(login: MemberLogin, environment: Env, targets: Targets, options: { name?: string; foreign?: boolean; sameOrganization?: boolean } = {}) {
  const env = environment === 'TEST' ? 'test' : 'live';
  callers.push({
    name: options.name ?? `${login.stale ? 'stale ' : ''}${login.member.role} member in ${environment}`,
    headers: memberHeaders(login.cookie, env),
    kind: 'MEMBER',
    role: login.member.role,
    recentSignIn: !login.stale,
    anotherSession: async () => memberHeaders(await login.anotherCookie(), env),
    permissions: [],
    session: false,
    environment,
    foreign: options.foreign ?? false,
    sameOrganization: options.sameOrganization ?? true,
    targets,
  });
}

beforeAll(async () => {
  app = await createTestApp({ allowPrivateCallbacks: true });
  receiver = await WebhookReceiver.start();
  // One world per partner key of exactly one permission: the cap of 5 partner keys per organization forbids one for all.
  for (const permission of PERMISSIONS) {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret, { permissions: [permission], name: `Only ${permission}` });
    const targets = await targetsIn(org, org.secret);
    const base = {
      headers: partner(key.secret),
      kind: 'PARTNER' as const,
      permissions: [permission],
      environment: 'TEST' as const,
      foreign: false,
      sameOrganization: true,
      targets,
    };
    addCaller({ ...base, name: `partner key ${permission}` }, await sessionOf(partner(key.secret)));
  }
  // The full key, its user keys, the operator, strangers and the other environment, around one organization.
  const org = await newOrganization(app);
  const targets = await targetsIn(org, org.secret);
  const full = { kind: 'PARTNER' as const, permissions: [...PERMISSIONS], environment: 'TEST' as const, foreign: false, sameOrganization: true, targets };
  addCaller({ ...full, name: 'partner key with every permission', headers: partner(org.secret) }, await sessionOf(partner(org.secret)));
  const user = await connectedUser(app, org);
  const userPermissions = await data<Permission[]>(
    gql(app, '{ viewer { permissions } }', {}, { headers: { 'x-api-key': user.apiKey! } }),
    'viewer.permissions',
  );
  addCaller(
    {
      name: 'user key',
      headers: { 'x-api-key': user.apiKey! },
      kind: 'USER',
      permissions: userPermissions,
      environment: 'TEST',
      foreign: false,
      sameOrganization: true,
      targets,
    },
    await sessionOf({ 'x-api-key': user.apiKey! }),
  );
  const nobody = { permissions: [], session: false, environment: 'TEST' as const, foreign: false, sameOrganization: false, targets };
  callers.push({ ...nobody, name: 'operator', headers: admin(app), kind: 'operator' });
  callers.push({ ...nobody, name: 'no credential', headers: {}, kind: 'anonymous' });
  const stranger = await newOrganization(app);
  // It has connections of its own, so its event subscriptions have something to replay.
  await connectedUser(app, stranger);
  addCaller(
    { ...full, name: "another organization's full key", headers: partner(stranger.secret), foreign: true, sameOrganization: false },
    await sessionOf(partner(stranger.secret)),
  );
  // LIVE: the operator opens it; a full LIVE key of the same organization, and the organization's LIVE objects.
  await setLiveAccess(app, org.organizationId, 'ENABLED');
  const live = await data<string>(
    gql(
      app,
      `mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) { ... on CreatePartnerKeySuccess { secret } } }`,
      {
        i: { name: 'Live', environment: 'LIVE', permissions: [...PERMISSIONS], organizationId: org.organizationId },
      },
      { headers: admin(app) },
    ),
    'createPartnerKey.secret',
  );
  const liveTargets = await targetsIn(org, live);
  addCaller({ ...full, name: 'TEST full key on LIVE objects', headers: partner(org.secret), foreign: true, targets: liveTargets });
  addCaller({ ...full, name: 'LIVE full key on TEST objects', headers: partner(live), environment: 'LIVE', foreign: true }, await sessionOf(partner(live)));
  // Members of the organization: each role, in TEST on its TEST objects and in LIVE on its LIVE
  // objects, with one session as the dashboard does (the environment is the request's).
  for (const role of ['OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER'] as const) {
    const login = await memberLogin(org.organizationId, role);
    addMember(login, 'TEST', targets);
    addMember(login, 'LIVE', liveTargets);
  }
  // An OWNER in each environment aimed at the other's objects: its organization's, yet foreign to them.
  const crossing = await memberLogin(org.organizationId, 'OWNER');
  addMember(crossing, 'TEST', liveTargets, { name: 'OWNER member in TEST on LIVE objects', foreign: true });
  addMember(crossing, 'LIVE', targets, { name: 'OWNER member in LIVE on TEST objects', foreign: true });
  addMember(await memberLogin(stranger.organizationId, 'OWNER'), 'TEST', targets, {
    name: "another organization's OWNER member",
    foreign: true,
    sameOrganization: false,
  });
  // An OWNER whose sign-in is 16 minutes old: everything but what needs the step-up.
  const stale = await memberLogin(org.organizationId, 'OWNER', true);
  addMember(stale, 'TEST', targets);
  addMember(stale, 'LIVE', liveTargets);
  bystanderSession = await sessionIdOf(memberHeaders((await newMember(app, org.organizationId, 'VIEWER')).cookie));
}, 300_000);

afterAll(() => receiver?.close());

// Hundreds of requests in one test: give it room on a busy machine (16 s alone on 2 cores).
describe('the authorization matrix', { timeout: 120_000 }, () => {
  it('has a row for every root field and every Node type of the schema, and none for anything else', () => {
    const schema: GraphQLSchema = app.yoga.getEnveloped().schema;
    const fields = ['Query', 'Mutation', 'Subscription'].flatMap((type) => {
      const object = schema.getType(type);
      return isObjectType(object) ? Object.keys(object.getFields()).map((field) => `${type}.${field}`) : [];
    });
    expect(Object.keys(ROWS).sort()).toEqual(fields.sort());
    const nodes = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((type) => type.getInterfaces().some((i) => i.name === 'Node'))
      .map((type) => type.name);
    expect(Object.keys(NODES).sort()).toEqual(nodes.sort());
  });

  it('every root field answers every caller as the table says', async () => {
    const mismatches: string[] = [];
    for (const [field, row] of Object.entries(ROWS)) {
      for (const caller of callers) {
        const variables = (await row.vars?.(caller.targets)) ?? {};
        const headers = row.endsSession && caller.anotherSession ? await caller.anotherSession() : caller.headers;
        const res = field.startsWith('Subscription.')
          ? await firstSseResult(app, row.doc, variables, headers)
          : await gql(app, row.doc, variables, { headers });
        const got = outcomeOf(field, row, res);
        const want = expected(row, caller);
        if (got !== want) mismatches.push(`${field} by ${caller.name}: ${got}, expected ${want} (${JSON.stringify(res).slice(0, 300)})`);
        // What a stranger reaches is its own: nothing of the world it aimed at.
        if (caller.foreign) expect(JSON.stringify(res)).not.toContain(caller.targets.targetEmail.toLowerCase());
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("revokeSession of members' sessions: a member ends its own whatever its role, an OWNER any of its organization's, a key none", async () => {
    const row = ROWS['Mutation.revokeSession']!;
    const revoke = async (id: string, headers: Record<string, string>) =>
      outcomeOf('Mutation.revokeSession', row, await gql(app, row.doc, { i: { id } }, { headers }));
    const mismatches: string[] = [];
    for (const caller of callers) {
      const others = await revoke(bystanderSession, caller.headers);
      const admitted = caller.kind !== 'operator' && caller.kind !== 'anonymous';
      const want = !admitted ? 'denied' : caller.kind === 'MEMBER' && caller.role === 'OWNER' && caller.sameOrganization ? 'ok' : 'hidden';
      if (others !== want) mismatches.push(`another member's session by ${caller.name}: ${others}, expected ${want}`);
      if (!caller.anotherSession) continue;
      const another = await caller.anotherSession();
      const own = await revoke(await sessionIdOf(another), caller.headers);
      if (own !== 'ok') mismatches.push(`its own other session by ${caller.name}: ${own}, expected ok`);
      const after = await gql(app, '{ viewer { kind } }', {}, { headers: another });
      if (after.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED')
        mismatches.push(`its own other session by ${caller.name} still works: ${JSON.stringify(after)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('node(id:) answers each type under its read rule: null, never an error, for what a caller may not read', async () => {
    const mismatches: string[] = [];
    for (const [type, { of, readers }] of Object.entries(NODES)) {
      for (const caller of callers) {
        const res = await gql(app, 'query ($id: ID!) { node(id: $id) { __typename id } }', { id: of(caller.targets) }, { headers: caller.headers });
        if (caller.kind === 'anonymous') {
          if (res.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED') mismatches.push(`${type} by ${caller.name}: ${JSON.stringify(res)}`);
          continue;
        }
        if (res.errors) mismatches.push(`${type} by ${caller.name}: an error ${JSON.stringify(res.errors)}`);
        const seen = (res.data as { node: unknown } | null)?.node != null;
        const want = readers(caller);
        if (seen !== want) mismatches.push(`${type} by ${caller.name}: ${seen ? 'read' : 'null'}, expected ${want ? 'read' : 'null'}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
