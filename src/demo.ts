import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Services } from './context.ts';

/**
 * The demo organization of a first embedded start, so GraphiQL works at once. Its first key is
 * TEST, so `signingSecret` is the TEST secret: the banner prints that one only (the LIVE secret,
 * for which no key exists yet, is not shown; a LIVE key can get one with rotateSigningSecret).
 * Its LIVE access is PENDING, like any new organization's: TEST works at once, and the banner
 * says how the operator opens LIVE.
 */
export function createDemoOrganization(services: Services) {
  return services.organizations.create({ type: 'system' }, { name: 'Demo organization', environment: 'TEST', liveAccess: 'PENDING' });
}

/** The banner's line about LIVE: how the operator opens it, with the id the GraphQL API takes. */
export function liveAccessLine(organization: { id: string; liveAccess: string }): string {
  const id = encodeGlobalID('Organization', organization.id);
  return `${organization.liveAccess} (TEST works now; to open LIVE: updateOrganization(input: { id: "${id}", liveAccess: ENABLED }) with X-Admin-Token)`;
}
