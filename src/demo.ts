import type { Services } from './context.ts';

/**
 * The demo organization of a first embedded start, so GraphiQL works at once. Its first key is
 * TEST, so `signingSecret` is the TEST secret: the banner prints that one only (the LIVE secret,
 * for which no key exists yet, is not shown; a LIVE key can get one with rotateSigningSecret).
 */
export function createDemoOrganization(services: Services) {
  return services.organizations.create({ type: 'system' }, { name: 'Demo organization', environment: 'TEST' });
}
