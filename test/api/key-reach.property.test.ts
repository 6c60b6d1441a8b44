/**
 * Key reach, as a property (fast-check, through the real API on the embedded database): random
 * sequences of create / rotate / update / revoke of partner keys and user keys, performed by
 * randomly chosen active keys of one organization (or sessions opened with them), never yield a
 * key stronger than the keys that acted (src/domain/access/reach.ts).
 *
 * Each run: a fresh organization; one or two CONNECTED users; their first user keys (made by
 * Keyward, not by a key) and the organization's first key (every permission) are revoked once the
 * setup is done, so the only active keys left are the ROOTS: two or three partner keys the operator
 * made with random reaches (permissions, currencies, allowedIps, expiresAt, rateLimitRequests). The operator
 * does nothing else. Then N random operations by random active keys, with random inputs; whatever
 * each answers (success, typed error, FORBIDDEN, RATE_LIMITED…), the database is read after it:
 *
 *  1. per operation, against THE key that acted (its reach as stored just before the operation;
 *     a session acts with its key's reach):
 *     - a key the operation created (create, rotation successor) is within the actor's reach on
 *       every dimension: permissions, currencies, allowedIps, allowedRecipients, expiresAt, rateLimitRequests;
 *     - a key the operation changed (update, revoke, rotation of the old key) had its capabilities
 *       (permissions, currencies, IPs, recipients) within the actor's before, has them within the actor's
 *       after, and a key it widened is within the actor's whole reach (expiry and rate limit
 *       included); the old key of a rotation only gets shorter-lived;
 *  2. after every operation, against the ROOTS (their reach as the operator made them; rate
 *     limit: null is the organization's number): every active partner and user key of the
 *     organization is within the WHOLE reach of ONE root: no sequence of operations by keys ever
 *     makes a key that exceeds every key that could have acted on any of them.
 *
 * This property found that an update used to be bounded only on the dimensions it changed, so a
 * key that expires in an hour could make its permissions permanent on a weaker key that never
 * expires; the two "closed gap" tests at the end replay that in two requests.
 *
 * A failure prints fast-check's counterexample and the run's trace (what each key asked and what
 * it got). Replay: FC_SEED=<seed> (and FC_PATH=<path>) npx vitest run test/api/key-reach.property.test.ts.
 * Longer runs: FC_RUNS=200 FC_OPS=30.
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { excess, reachOf, type Dimension, type Reach } from '../../src/domain/access/reach.ts';
import { CURRENCIES, PERMISSIONS } from '../../src/domain/api-key/api-key.schemas.ts';
import { activeWhere } from '../../src/domain/api-key/api-key.service.ts';
import { compileAllowlist } from '../../src/domain/ip/cidr.ts';
import type { ApiKey, Currency, Permission } from '../../src/generated/prisma/client.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { admin, bearer, gql, partner } from '../helpers/client.ts';
import { connectedUser } from '../helpers/connections.ts';
import { newOrganization } from '../helpers/fixtures.ts';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 0x7fffffff);
const PATH = process.env.FC_PATH;
const NUM_RUNS = Number(process.env.FC_RUNS ?? 20);
const OPS = Number(process.env.FC_OPS ?? 12);
/**
 * The whole check, shrinking included, stops after this long: a failure is still reported, with
 * the smallest counterexample found by then (a green run takes 15–30 s).
 */
const SHRINK_LIMIT_MS = Number(process.env.FC_TIME_LIMIT_MS ?? 120_000);

const ALL: readonly Dimension[] = ['permissions', 'currencies', 'allowedIps', 'allowedRecipients', 'expiresAt', 'rateLimitRequests'];
const CAPABILITIES: readonly Dimension[] = ['permissions', 'currencies', 'allowedIps', 'allowedRecipients'];

// ---------------------------------------------------------------------------------------------
// Input pools

/** Nested ranges: /24 ⊃ /25 ⊃ .7, and a disjoint /24. An empty list is "any address". */
const IP_POOL = ['198.51.100.0/24', '198.51.100.0/25', '198.51.100.7', '203.0.113.0/24'] as const;
/** Where a key calls from: the first of these its allowlist admits (127.0.0.1 when it admits any). */
const CALL_FROM = ['198.51.100.7', '203.0.113.9', '127.0.0.1'] as const;
/**
 * Valid TEST recipients (IBANs need FIAT, the testnet Bitcoin address CRYPTO: a key's recipients
 * must fit its currencies, so some draws are refused as VALIDATION_FAILED). An empty list is "any recipient".
 */
const RECIPIENT_POOL = ['DE89370400440532013000', 'GB82WEST12345698765432', 'NL91ABNA0417164300', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'] as const;
/** Rate limits around the organization's default (1000). */
const RATE_POOL = [40, 200, 999, 1000, 5000] as const;
const HOUR = 3_600_000;

// ---------------------------------------------------------------------------------------------
// Operations

const CREATE_PARTNER = `mutation ($i: CreatePartnerKeyInput!) { createPartnerKey(input: $i) {
  __typename ... on CreatePartnerKeySuccess { secret key { id } } ... on Error { code } } }`;
const CREATE_USER = `mutation ($i: CreateUserKeyInput!) { createUserKey(input: $i) {
  __typename ... on CreateUserKeySuccess { secret key { id } } ... on Error { code } } }`;
const ROTATE_PARTNER = `mutation ($i: RotatePartnerKeyInput!) { rotatePartnerKey(input: $i) {
  __typename ... on RotatePartnerKeySuccess { secret key { id } } ... on Error { code } } }`;
const ROTATE_USER = `mutation ($i: RotateUserKeyInput!) { rotateUserKey(input: $i) {
  __typename ... on RotateUserKeySuccess { secret key { id } } ... on Error { code } } }`;
const UPDATE_PARTNER = `mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename ... on Error { code } } }`;
const UPDATE_USER = `mutation ($i: UpdateUserKeyInput!) { updateUserKey(input: $i) { __typename ... on Error { code } } }`;
const REVOKE_PARTNER = `mutation ($i: RevokePartnerKeyInput!) { revokePartnerKey(input: $i) { __typename ... on Error { code } } }`;
const REVOKE_USER = `mutation ($i: RevokeUserKeyInput!) { revokeUserKey(input: $i) { __typename ... on Error { code } } }`;
const REVOKE_ALL_USER = `mutation ($i: RevokeAllUserKeysInput!) { revokeAllUserKeys(input: $i) { __typename ... on Error { code } } }`;
const CREATE_SESSION = `mutation ($i: CreateSessionInput!) { createSession(input: $i) {
  __typename ... on CreateSessionSuccess { token } ... on Error { code } } }`;

type Expiry = 'none' | '1h' | '2h';
interface RootSpec {
  permissions: Permission[];
  currencies: Currency[];
  allowedIps: string[];
  expiry: Expiry;
  rateLimitRequests: number | null;
}
type OpKind = 'createPartner' | 'createUser' | 'rotatePartner' | 'rotateUser' | 'updatePartner' | 'updateUser' | 'revokePartner' | 'revokeUser';
/**
 * A list drawn relative to the acting key's, at run time: what it keeps of the actor's own (a
 * bitmask over them), plus what it adds from the pool (often nothing, so that most requests are
 * within the actor's reach and get past the rules; the additions are the escalation attempts).
 */
interface Drawn<T extends string> {
  keep: number;
  add: T[];
}
interface Op {
  kind: OpKind;
  /** Index into the active keys (mod their number)… */
  actor: number;
  /** …of those that hold KEYS_WRITE, when some do (or of all of them). */
  writer: boolean;
  /** Act through a session opened with the actor key. */
  session: boolean;
  /** Index into the keys of the target kind (mod their number): active ones, or all of them. */
  target: number;
  anyTarget: boolean;
  connection: number;
  permissions: Drawn<Permission>;
  currencies: Drawn<Currency>;
  allowedIps: Drawn<string>;
  allowedRecipients: Drawn<string>;
  expiry: Expiry;
  grace: 0 | 60 | 3600;
  /** Update: which fields to send (the others are left out). */
  change: {
    name?: string;
    permissions?: Drawn<Permission>;
    currencies?: Drawn<Currency>;
    allowedIps?: Drawn<string>;
    allowedRecipients?: Drawn<string>;
    rateLimitRequests?: number;
  };
}

const permissionsArb = fc.subarray([...PERMISSIONS], { minLength: 1 });
/** Most roots may write keys, so that most operations get past the action table to the reach rules. */
const rootPermissionsArb = fc
  .tuple(permissionsArb, fc.nat({ max: 4 }))
  .map(([ps, n]) => [...new Set<Permission>([...ps, ...(n > 0 ? (['KEYS_WRITE'] as const) : [])])]);
const ipsArb = fc.subarray([...IP_POOL], { maxLength: 2 });
const expiryArb = fc.constantFrom<Expiry>('none', '1h', '2h');
function drawnArb<T extends string>(pool: readonly T[]): fc.Arbitrary<Drawn<T>> {
  return fc.record({
    keep: fc.nat({ max: 1023 }),
    add: fc.oneof({ weight: 3, arbitrary: fc.constant([] as T[]) }, { weight: 1, arbitrary: fc.subarray([...pool], { minLength: 1, maxLength: 2 }) }),
  });
}

const rootArb: fc.Arbitrary<RootSpec> = fc.record({
  permissions: rootPermissionsArb,
  currencies: fc.subarray([...CURRENCIES], { minLength: 1 }),
  allowedIps: fc.oneof(fc.constant([] as string[]), ipsArb),
  expiry: expiryArb,
  rateLimitRequests: fc.option(fc.constantFrom(...RATE_POOL), { nil: null }),
});

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<OpKind>('createPartner', 'createUser', 'rotatePartner', 'rotateUser', 'updatePartner', 'updateUser', 'revokePartner', 'revokeUser'),
  actor: fc.nat({ max: 19 }),
  writer: fc.nat({ max: 3 }).map((n) => n > 0),
  session: fc.nat({ max: 3 }).map((n) => n === 0),
  target: fc.nat({ max: 19 }),
  anyTarget: fc.nat({ max: 3 }).map((n) => n === 0),
  connection: fc.nat({ max: 1 }),
  permissions: drawnArb(PERMISSIONS),
  currencies: drawnArb(CURRENCIES),
  allowedIps: drawnArb(IP_POOL),
  allowedRecipients: drawnArb(RECIPIENT_POOL),
  expiry: expiryArb,
  grace: fc.constantFrom<0 | 60 | 3600>(0, 60, 3600),
  change: fc.record(
    {
      name: fc.constantFrom('Renamed', 'Back office'),
      permissions: drawnArb(PERMISSIONS),
      currencies: drawnArb(CURRENCIES),
      allowedIps: drawnArb(IP_POOL),
      allowedRecipients: drawnArb(RECIPIENT_POOL),
      rateLimitRequests: fc.constantFrom(...RATE_POOL),
    },
    { requiredKeys: [] },
  ),
});

/** The list a Drawn stands for, given the actor's own (an empty own list means "any": then only the additions). */
function draw<T extends string>(d: Drawn<T>, own: readonly T[], fallback: readonly T[]): T[] {
  const kept = own.filter((_, i) => (d.keep >> i) & 1);
  const list = [...new Set([...kept, ...d.add])];
  return list.length > 0 ? list : [...fallback];
}

// ---------------------------------------------------------------------------------------------
// Helpers

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

const stats: Record<string, number> = {};
const tally = (what: string) => {
  stats[what] = (stats[what] ?? 0) + 1;
};
afterAll(() => {
  console.log(`key-reach property (seed ${SEED}): ${JSON.stringify(Object.fromEntries(Object.entries(stats).sort()))}`);
});

const globalKeyId = (id: string) => encodeGlobalID('ApiKey', id);
const expiresAtOf = (expiry: Expiry): string | undefined =>
  expiry === 'none' ? undefined : new Date(app.clock.now().getTime() + (expiry === '1h' ? HOUR : 2 * HOUR)).toISOString();

/** An address the key may call from. */
function callFrom(allowedIps: readonly string[]): string {
  if (allowedIps.length === 0) return '127.0.0.1';
  const admits = compileAllowlist(allowedIps);
  const ip = CALL_FROM.find((candidate) => admits(candidate));
  if (!ip) throw new Error(`no address in ${JSON.stringify(CALL_FROM)} is admitted by ${JSON.stringify(allowedIps)}`);
  return ip;
}

/** What a call answered: the payload's __typename, or the top-level error code, or the HTTP status. */
function outcome(res: { status: number; data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] }): {
  answer: string;
  payload: Record<string, unknown> | null;
} {
  const data = res.data as Record<string, Record<string, unknown> | null> | null | undefined;
  const payload = data ? (Object.values(data)[0] ?? null) : null;
  if (payload) return { answer: String(payload.code ?? payload.__typename), payload };
  const code = res.errors?.[0]?.extensions?.code;
  return { answer: typeof code === 'string' ? code : `HTTP ${res.status}`, payload: null };
}

const describeReach = (r: Reach) =>
  `{perms=[${r.permissions.join(',')}] currencies=[${r.currencies.join(',')}] ips=[${r.allowedIps.join(',')}] recipients=[${r.allowedRecipients.join(',')}] ` +
  `expires=${r.expiresAt?.toISOString() ?? 'never'} rate=${r.rateLimitRequests ?? 'org'}}`;

async function orgKeys(organizationId: string): Promise<Map<string, ApiKey>> {
  const rows = await app.services.prisma.apiKey.findMany({ where: { organizationId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return new Map(rows.map((row) => [row.id, row]));
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);
const ms = (d: Date | null) => d?.getTime() ?? null;

/** The reach dimensions an operation changed on a key. */
function changedDimensions(before: ApiKey, after: ApiKey): Dimension[] {
  const changed: Dimension[] = [];
  if (!sameList(before.permissions, after.permissions)) changed.push('permissions');
  if (!sameList(before.currencies, after.currencies)) changed.push('currencies');
  if (!sameList(before.allowedIps, after.allowedIps)) changed.push('allowedIps');
  if (!sameList(before.allowedRecipients, after.allowedRecipients)) changed.push('allowedRecipients');
  if (ms(before.expiresAt) !== ms(after.expiresAt)) changed.push('expiresAt');
  if (before.rateLimitRequests !== after.rateLimitRequests) changed.push('rateLimitRequests');
  return changed;
}

function touched(before: ApiKey, after: ApiKey): boolean {
  return (
    changedDimensions(before, after).length > 0 ||
    before.name !== after.name ||
    ms(before.revokedAt) !== ms(after.revokedAt) ||
    before.successorId !== after.successorId
  );
}

// ---------------------------------------------------------------------------------------------
// One run

interface World {
  organizationId: string;
  organizationLimit: number;
  connectionIds: string[];
  /** Secrets of the keys this run knows (roots, and whatever an operation handed out). */
  secrets: Map<string, string>;
  roots: { id: string; reach: Reach }[];
  trace: string[];
}

async function setUp(rootSpecs: RootSpec[], connections: number): Promise<World> {
  const org = await newOrganization(app);
  const organizationId = org.organizationUuid;
  const trace: string[] = [];
  const connectionIds: string[] = [];
  for (let i = 0; i < connections; i++) {
    const user = await connectedUser(app, org);
    connectionIds.push(user.connectionId);
    // Its first user key was made by Keyward, not by a key: out of the picture.
    const res = await gql(app, REVOKE_ALL_USER, { i: { connectionId: user.connectionId } }, { headers: partner(org.secret) });
    if (outcome(res).answer !== 'RevokeAllUserKeysSuccess') throw new Error(`setup: revokeAllUserKeys: ${JSON.stringify(res)}`);
  }
  const secrets = new Map<string, string>();
  const rootIds: string[] = [];
  for (const [n, spec] of rootSpecs.entries()) {
    const expiresAt = expiresAtOf(spec.expiry);
    const res = await gql(
      app,
      CREATE_PARTNER,
      {
        i: {
          organizationId: org.organizationId,
          name: `Root ${n}`,
          permissions: spec.permissions,
          currencies: spec.currencies,
          allowedIps: spec.allowedIps,
          ...(expiresAt && { expiresAt }),
        },
      },
      { headers: admin(app) },
    );
    const { answer, payload } = outcome(res);
    if (answer !== 'CreatePartnerKeySuccess') throw new Error(`setup: root: ${JSON.stringify(res)}`);
    const { secret, key } = payload as { secret: string; key: { id: string } };
    const id = decodeGlobalID(key.id).id;
    secrets.set(id, secret);
    rootIds.push(id);
    if (spec.rateLimitRequests !== null) {
      const set = await gql(app, UPDATE_PARTNER, { i: { id: key.id, rateLimitRequests: spec.rateLimitRequests } }, { headers: admin(app) });
      if (outcome(set).answer !== 'UpdatePartnerKeySuccess') throw new Error(`setup: root rate limit: ${JSON.stringify(set)}`);
    }
  }
  // The organization's first key (every permission, no bounds) is not a root.
  const revoked = await gql(app, REVOKE_PARTNER, { i: { id: org.keyGlobalId } }, { headers: admin(app) });
  if (outcome(revoked).answer !== 'RevokePartnerKeySuccess') throw new Error(`setup: revoke first key: ${JSON.stringify(revoked)}`);

  const keys = await orgKeys(organizationId);
  const active = [...keys.values()].filter((k) => k.kind !== 'SESSION' && k.revokedAt === null);
  expect(active.map((k) => k.id).sort(), 'after setup only the roots are active').toEqual([...rootIds].sort());
  const roots = rootIds.map((id) => ({ id, reach: reachOf(keys.get(id)!) }));
  const organization = await app.services.prisma.organization.findUniqueOrThrow({ where: { id: organizationId } });
  for (const root of roots) trace.push(`root ${root.id.slice(0, 8)} ${describeReach(root.reach)}`);
  return { organizationId, organizationLimit: organization.rateLimitRequests, connectionIds, secrets, roots, trace };
}

/** Performs one operation; returns the acting key (as stored before) or null when none could act. */
async function perform(w: World, op: Op, before: Map<string, ApiKey>): Promise<ApiKey | null> {
  const now = app.clock.now();
  const isActive = (k: ApiKey) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now);
  const actors = [...before.values()].filter((k) => k.kind !== 'SESSION' && isActive(k) && w.secrets.has(k.id));
  if (actors.length === 0) {
    tally('no active key left');
    return null;
  }
  const writers = actors.filter((k) => k.kind === 'PARTNER' && k.permissions.includes('KEYS_WRITE'));
  const pool = op.writer && writers.length > 0 ? writers : actors;
  const actor = pool[op.actor % pool.length]!;
  const ip = callFrom(actor.allowedIps);
  let token = w.secrets.get(actor.id)!;
  let as = `${actor.kind.toLowerCase()} ${actor.id.slice(0, 8)}`;
  const targetKind = op.kind.endsWith('Partner') ? 'PARTNER' : 'USER';
  const targets = [...before.values()].filter((k) => k.kind === targetKind && (op.anyTarget || isActive(k)));
  const target = targets.length > 0 ? targets[op.target % targets.length]! : null;
  if (!target && !op.kind.startsWith('create')) {
    tally(`${op.kind}: no target`);
    return null;
  }
  if (op.session) {
    const opened = await gql(app, CREATE_SESSION, { i: { permittedIps: [ip] } }, { headers: bearer(token), ip });
    const { answer, payload } = outcome(opened);
    if (answer === 'CreateSessionSuccess') {
      token = (payload as { token: string }).token;
      as = `session of ${as}`;
    } else {
      w.trace.push(`  (session for ${as}: ${answer}; acting with the key)`);
    }
  }
  const connectionId = w.connectionIds[op.connection % w.connectionIds.length]!;
  const expiresAt = expiresAtOf(op.expiry);
  const permissions = (d: Drawn<Permission>) => draw(d, actor.permissions, actor.permissions.slice(0, 1));
  const currencies = (d: Drawn<Currency>) => draw(d, actor.currencies, actor.currencies.slice(0, 1));
  const allowedIps = (d: Drawn<string>) => draw(d, actor.allowedIps, []);
  const allowedRecipients = (d: Drawn<string>) => draw(d, actor.allowedRecipients, []);

  let document: string;
  let input: Record<string, unknown>;
  switch (op.kind) {
    case 'createPartner':
      document = CREATE_PARTNER;
      input = {
        name: 'Made by a key',
        permissions: permissions(op.permissions),
        currencies: currencies(op.currencies),
        allowedIps: allowedIps(op.allowedIps),
        ...(expiresAt && { expiresAt }),
      };
      break;
    case 'createUser':
      document = CREATE_USER;
      input = {
        connectionId,
        name: 'Made by a key',
        permissions: permissions(op.permissions),
        currencies: currencies(op.currencies),
        allowedIps: allowedIps(op.allowedIps),
        allowedRecipients: allowedRecipients(op.allowedRecipients),
        ...(expiresAt && { expiresAt }),
      };
      break;
    case 'rotatePartner':
    case 'rotateUser':
      document = op.kind === 'rotatePartner' ? ROTATE_PARTNER : ROTATE_USER;
      input = { id: globalKeyId(target!.id), gracePeriodSeconds: op.grace, ...(expiresAt && { expiresAt }) };
      break;
    case 'updatePartner':
    case 'updateUser': {
      document = op.kind === 'updatePartner' ? UPDATE_PARTNER : UPDATE_USER;
      const c = op.change;
      const change = {
        ...(c.name !== undefined && { name: c.name }),
        ...(c.permissions !== undefined && { permissions: permissions(c.permissions) }),
        ...(c.currencies !== undefined && { currencies: currencies(c.currencies) }),
        ...(c.allowedIps !== undefined && { allowedIps: allowedIps(c.allowedIps) }),
        ...(c.allowedRecipients !== undefined && op.kind === 'updateUser' && { allowedRecipients: allowedRecipients(c.allowedRecipients) }),
        ...(c.rateLimitRequests !== undefined && { rateLimitRequests: c.rateLimitRequests }),
      };
      input = { id: globalKeyId(target!.id), ...(Object.keys(change).length > 0 ? change : { name: 'Renamed' }) };
      break;
    }
    case 'revokePartner':
    case 'revokeUser':
      document = op.kind === 'revokePartner' ? REVOKE_PARTNER : REVOKE_USER;
      input = { id: globalKeyId(target!.id) };
      break;
  }
  const res = await gql(app, document, { i: input }, { headers: bearer(token), ip });
  const { answer, payload } = outcome(res);
  tally(`${op.kind}: ${answer}`);
  const newKey = (payload?.key as { id?: string } | undefined)?.id;
  if (typeof payload?.secret === 'string' && newKey) {
    w.secrets.set(decodeGlobalID(newKey).id, payload.secret);
  }
  const on = target && !op.kind.startsWith('create') ? ` ${target.kind.toLowerCase()} ${target.id.slice(0, 8)} ${describeReach(reachOf(target))}` : '';
  w.trace.push(`${as} ${describeReach(reachOf(actor))} @${ip}: ${op.kind}${on} ${JSON.stringify(input)} → ${answer}`);
  return actor;
}

/** Invariant 1: what the operation did is within the reach of the key that did it. */
function checkAgainstActor(w: World, actor: ApiKey, before: Map<string, ApiKey>, after: Map<string, ApiKey>): void {
  const own = reachOf(actor);
  const fail = (what: string, key: ApiKey, problems: string[]) => {
    throw new Error(
      `${what} ${key.kind.toLowerCase()} key ${key.id.slice(0, 8)} ${describeReach(reachOf(key))} exceeds the key that acted ` +
        `${actor.id.slice(0, 8)} ${describeReach(own)}: ${problems.join('; ')}\ntrace:\n${w.trace.join('\n')}`,
    );
  };
  for (const [id, key] of after) {
    if (key.kind === 'SESSION') continue;
    const old = before.get(id);
    if (!old) {
      const problems = excess(reachOf(key), own, w.organizationLimit, ALL);
      if (problems.length > 0) fail('created', key, problems);
      continue;
    }
    if (!touched(old, key)) continue;
    const targetProblems = excess(reachOf(old), own, w.organizationLimit, CAPABILITIES);
    if (targetProblems.length > 0) fail('acted on', old, targetProblems);
    const changed = changedDimensions(old, key);
    // A change that widened the key leaves it wholly within the actor's reach; one that only narrowed it (or renamed it) needs nothing more.
    const widened = excess(reachOf(key), reachOf(old), w.organizationLimit, ALL).length > 0;
    const problems = excess(reachOf(key), own, w.organizationLimit, widened ? ALL : CAPABILITIES);
    // An old key's expiry only ever moves earlier (rotation with a grace period).
    const lengthened = changed.includes('expiresAt') && (key.expiresAt === null || (old.expiresAt !== null && key.expiresAt > old.expiresAt));
    if (lengthened) problems.push(`an expiry moved later (${old.expiresAt?.toISOString() ?? 'never'} → ${key.expiresAt?.toISOString() ?? 'never'})`);
    if (problems.length > 0) fail('changed', key, problems);
  }
}

/** Invariant 2: every active partner or user key is within the whole reach of one root. */
async function checkAgainstRoots(w: World): Promise<void> {
  const active = await app.services.prisma.apiKey.findMany({
    where: { organizationId: w.organizationId, kind: { in: ['PARTNER', 'USER'] }, ...activeWhere(app.clock.now()) },
  });
  const groups: readonly (readonly Dimension[])[] = [ALL];
  for (const key of active) {
    const reach = reachOf(key);
    for (const dimensions of groups) {
      const byRoot = w.roots.map((root) => excess(reach, root.reach, w.organizationLimit, dimensions));
      if (byRoot.some((problems) => problems.length === 0)) continue;
      throw new Error(
        `active ${key.kind.toLowerCase()} key ${key.id.slice(0, 8)} ${describeReach(reach)} exceeds every root (${dimensions.join(', ')}):\n` +
          w.roots.map((root, i) => `  root ${root.id.slice(0, 8)}: ${byRoot[i]!.join('; ')}`).join('\n') +
          `\ntrace:\n${w.trace.join('\n')}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('key reach (property)', () => {
  it(
    `no sequence of key operations yields a key stronger than the keys that acted (${NUM_RUNS} runs × ${OPS} operations)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(rootArb, { minLength: 2, maxLength: 3 }),
          fc.integer({ min: 1, max: 2 }),
          fc.array(opArb, { minLength: OPS, maxLength: OPS }),
          async (rootSpecs, connections, ops) => {
            const w = await setUp(rootSpecs, connections);
            for (const op of ops) {
              const before = await orgKeys(w.organizationId);
              const actor = await perform(w, op, before);
              const after = await orgKeys(w.organizationId);
              if (actor) checkAgainstActor(w, actor, before, after);
              else {
                const changed = [...after.values()].filter((k) => k.kind !== 'SESSION' && (!before.has(k.id) || touched(before.get(k.id)!, k)));
                expect(
                  changed.map((k) => k.id),
                  'no key acted, and nothing changed',
                ).toEqual([]);
              }
              await checkAgainstRoots(w);
            }
          },
        ),
        { numRuns: NUM_RUNS, seed: SEED, ...(PATH !== undefined && { path: PATH }), plugins: [fc.interruptAfterTimeLimit(SHRINK_LIMIT_MS)] },
      );
    },
    SHRINK_LIMIT_MS + 60_000,
  );

  /**
   * The gap this property found: an update was bounded only on the dimensions it changed, so a
   * key that expires in an hour (or is held to 40 requests) could give its permissions to a key
   * it reaches that never expires (or has the organization's limit). A widening update must now
   * leave the key within the updater's whole reach (src/domain/access/reach.ts, checkChange).
   */
  async function gapWorld(strong: { expiresAt?: string; rateLimitRequests?: number }) {
    const org = await newOrganization(app);
    const make = async (name: string, permissions: Permission[], expiresAt?: string) => {
      const res = await gql(
        app,
        CREATE_PARTNER,
        { i: { organizationId: org.organizationId, name, permissions, ...(expiresAt && { expiresAt }) } },
        { headers: admin(app) },
      );
      const { secret, key } = outcome(res).payload as { secret: string; key: { id: string } };
      return { secret, id: key.id, uuid: decodeGlobalID(key.id).id };
    };
    const weak = await make('Permanent reader', ['KEYS_READ']);
    const temp = await make('Temporary admin', ['KEYS_READ', 'KEYS_WRITE', 'WITHDRAWALS_CREATE'], strong.expiresAt);
    if (strong.rateLimitRequests !== undefined) {
      await gql(app, UPDATE_PARTNER, { i: { id: temp.id, rateLimitRequests: strong.rateLimitRequests } }, { headers: admin(app) });
    }
    const { prisma } = app.services;
    const roots = [
      reachOf(await prisma.apiKey.findUniqueOrThrow({ where: { id: weak.uuid } })),
      reachOf(await prisma.apiKey.findUniqueOrThrow({ where: { id: temp.uuid } })),
    ];
    const organization = await prisma.organization.findUniqueOrThrow({ where: { id: org.organizationUuid } });
    // The temporary key lends its permissions to the permanent one (its capabilities are within reach).
    const res = await gql(app, UPDATE_PARTNER, { i: { id: weak.id, permissions: ['KEYS_WRITE', 'WITHDRAWALS_CREATE'] } }, { headers: bearer(temp.secret) });
    const after = reachOf(await prisma.apiKey.findUniqueOrThrow({ where: { id: weak.uuid } }));
    const exceeds = roots.map((root) => excess(after, root, organization.rateLimitRequests));
    return { answer: outcome(res).answer, after, exceeds };
  }

  it('closed gap: a key that expires in an hour can no longer makes its permissions permanent on a key it reaches', async () => {
    const { answer, after, exceeds } = await gapWorld({ expiresAt: new Date(app.clock.now().getTime() + HOUR).toISOString() });
    expect(
      exceeds.some((problems) => problems.length === 0),
      `${answer}: ${describeReach(after)} exceeds both keys: ${JSON.stringify(exceeds)}`,
    ).toBe(true);
  });

  it("closed gap: a key held to 40 requests no longer lends its permissions to a key with the organization's limit", async () => {
    const { answer, after, exceeds } = await gapWorld({ rateLimitRequests: 40 });
    expect(
      exceeds.some((problems) => problems.length === 0),
      `${answer}: ${describeReach(after)} exceeds both keys: ${JSON.stringify(exceeds)}`,
    ).toBe(true);
  });
});
