// The members' part of the authorization model (issue 15), as pure logic: what each role may in
// each environment, the step-up of the sensitive actions, and what members and keys never may.
// The table is written out from the role table of docs/api.md ("Members and the dashboard"), not
// derived from src/domain/access/policy.ts; the API-level counterpart is test/api/authorization-matrix.test.ts.
import { describe, expect, it } from 'vitest';
import { type Action, denial } from '../../src/domain/access/policy.ts';
import { PERMISSIONS } from '../../src/domain/api-key/api-key.schemas.ts';
import type { Caller, MemberPrincipal } from '../../src/domain/caller.ts';
import type { Environment, MemberRole } from '../../src/generated/prisma/enums.ts';

const ROLES: MemberRole[] = ['OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER'];
const ENVIRONMENTS: Environment[] = ['TEST', 'LIVE'];

/** `ok`: may; `no`: FORBIDDEN; `step-up`: may with a sign-in in the last 15 minutes, else REAUTHENTICATION_REQUIRED. */
type Cell = 'ok' | 'no' | 'step-up';

/** For each action (every one: a new action needs its line), what each role gets acting in TEST and in LIVE. */
const TABLE: Record<Action, Record<MemberRole, [test: Cell, live: Cell]>> = {
  // Every role reads both environments.
  'viewer.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'node.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'partnerKeys.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'keyEvents.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'connections.list': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'connection.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'connectionEvents.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'logs.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'webhooks.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  // Creating, updating, rotating or revoking a LIVE key needs the step-up.
  'partnerKeys.write': { OWNER: ['ok', 'step-up'], ADMIN: ['ok', 'step-up'], DEVELOPER: ['ok', 'no'], VIEWER: ['no', 'no'] },
  'partnerKeys.replace': { OWNER: ['ok', 'step-up'], ADMIN: ['ok', 'step-up'], DEVELOPER: ['ok', 'no'], VIEWER: ['no', 'no'] },
  'userKeys.write': { OWNER: ['ok', 'step-up'], ADMIN: ['ok', 'step-up'], DEVELOPER: ['ok', 'no'], VIEWER: ['no', 'no'] },
  'connections.write': { OWNER: ['ok', 'step-up'], ADMIN: ['ok', 'step-up'], DEVELOPER: ['ok', 'no'], VIEWER: ['no', 'no'] },
  'webhooks.manage': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'no'], VIEWER: ['no', 'no'] },
  'sandbox.write': { OWNER: ['ok', 'no'], ADMIN: ['ok', 'no'], DEVELOPER: ['ok', 'no'], VIEWER: ['no', 'no'] },
  // Rotating a signing secret needs the step-up in either environment.
  'signingSecret.rotate': { OWNER: ['step-up', 'step-up'], ADMIN: ['step-up', 'step-up'], DEVELOPER: ['step-up', 'no'], VIEWER: ['no', 'no'] },
  'sessions.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'sessions.end': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'members.read': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'members.write': { OWNER: ['step-up', 'step-up'], ADMIN: ['no', 'no'], DEVELOPER: ['no', 'no'], VIEWER: ['no', 'no'] },
  'signIn.end': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  'signIn.request': { OWNER: ['ok', 'ok'], ADMIN: ['ok', 'ok'], DEVELOPER: ['ok', 'ok'], VIEWER: ['ok', 'ok'] },
  // Members never: verify keys for other services, open key sessions, decide KYC, change organizations.
  'keys.verify': { OWNER: ['no', 'no'], ADMIN: ['no', 'no'], DEVELOPER: ['no', 'no'], VIEWER: ['no', 'no'] },
  'sessions.open': { OWNER: ['no', 'no'], ADMIN: ['no', 'no'], DEVELOPER: ['no', 'no'], VIEWER: ['no', 'no'] },
  'onboarding.decide': { OWNER: ['no', 'no'], ADMIN: ['no', 'no'], DEVELOPER: ['no', 'no'], VIEWER: ['no', 'no'] },
  'organizations.write': { OWNER: ['no', 'no'], ADMIN: ['no', 'no'], DEVELOPER: ['no', 'no'], VIEWER: ['no', 'no'] },
};

/** A member acting in `environment`, signed in recently or not (only what the policy reads is filled in). */
function member(role: MemberRole, environment: Environment, recentSignIn: boolean): Caller {
  const principal = {
    apiKey: { id: 'session', keyId: 'Session1', kind: 'MEMBER', environment },
    organization: { id: 'org' },
    permissions: [],
    connectionRef: null,
    member: { id: 'member', email: 'member@partner.test', role },
    recentSignIn,
  } as unknown as MemberPrincipal;
  return { type: 'member', principal };
}

/** A partner key with every permission: keys never do what is a member's. */
const fullKey = {
  type: 'key',
  principal: {
    apiKey: { id: 'key', keyId: 'PartnerK', kind: 'PARTNER', environment: 'TEST' },
    organization: { id: 'org' },
    permissions: [...PERMISSIONS],
    connectionRef: null,
  },
} as unknown as Caller;

const cases = Object.entries(TABLE).flatMap(([action, byRole]) =>
  ROLES.flatMap((role) =>
    ENVIRONMENTS.flatMap((environment, i) =>
      [true, false].map((recent) => {
        const cell = byRole[role][i]!;
        const want = cell === 'ok' ? null : cell === 'no' ? 'FORBIDDEN' : recent ? null : 'REAUTHENTICATION_REQUIRED';
        return [action as Action, role, environment, recent ? 'recent' : 'older than 15 min', want] as const;
      }),
    ),
  ),
);

describe('member policy', () => {
  it.each(cases)('%s by %s in %s, signed in %s: %s', (action, role, environment, recent, want) => {
    expect(denial(member(role, environment, recent === 'recent'), action)?.code ?? null).toBe(want);
  });

  it('the role is checked before the step-up: a DEVELOPER in LIVE is told its role may not, whatever its sign-in', () => {
    const refused = denial(member('DEVELOPER', 'LIVE', false), 'partnerKeys.write');
    expect(refused?.code).toBe('FORBIDDEN');
    expect(refused?.message).toContain('DEVELOPER');
    expect(refused?.message).toContain('in LIVE');
  });

  it.each(['members.read', 'members.write', 'signIn.end'] as const)('no key may %s, whatever its permissions', (action) => {
    expect(denial(fullKey, action)?.code).toBe('FORBIDDEN');
  });

  it('anyone may ask for a sign-in link, with no credential at all', () => {
    expect(denial(null, 'signIn.request')).toBeNull();
    expect(denial(fullKey, 'signIn.request')).toBeNull();
  });

  it('the operator manages members (and needs no step-up) but never lists them or signs out', () => {
    expect(denial({ type: 'operator' }, 'members.write')).toBeNull();
    expect(denial({ type: 'operator' }, 'members.read')?.code).toBe('FORBIDDEN');
    expect(denial({ type: 'operator' }, 'signIn.end')?.code).toBe('FORBIDDEN');
  });
});
