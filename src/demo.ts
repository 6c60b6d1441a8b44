import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Services } from './context.ts';

/** The demo organization's first OWNER: a placeholder address, since its first link is printed, not mailed. */
const DEMO_OWNER_EMAIL = 'owner@demo.keyward.test';

/**
 * The demo organization of a first embedded start, so GraphiQL and the dashboard work at once. Its
 * first key is TEST, so `signingSecret` is the TEST secret: the banner prints that one only (the
 * LIVE secret, for which no key exists yet, is not shown; a LIVE key can get one with
 * rotateSigningSecret). Its LIVE access is PENDING, like any new organization's: TEST works at
 * once, and the banner says how the operator opens LIVE. Its OWNER gets no invitation mail (the
 * address is nobody's): the banner prints a sign-in link instead (`signInLink`, single use, 15 minutes).
 */
export async function createDemoOrganization(services: Services) {
  const system = { type: 'system' } as const;
  const created = await services.organizations.create(system, {
    name: 'Demo organization',
    environment: 'TEST',
    liveAccess: 'PENDING',
    ownerEmail: DEMO_OWNER_EMAIL,
    inviteOwner: false,
  });
  const owner = created.owner!;
  const signInLink = await services.work.run(system, created.organization.id, (w) => services.members.signInLinkFor(w, owner.id));
  return { ...created, owner, signInLink };
}

/** The banner's line about LIVE: how the operator opens it, with the id the GraphQL API takes. */
export function liveAccessLine(organization: { id: string; liveAccess: string }): string {
  const id = encodeGlobalID('Organization', organization.id);
  return `${organization.liveAccess} (TEST works now; to open LIVE: updateOrganization(input: { id: "${id}", liveAccess: ENABLED }) with X-Admin-Token)`;
}
