import type { Services } from './context.ts';

/** The demo organization of a first embedded start, so GraphiQL works at once. */
export function createDemoOrganization(services: Services) {
  return services.organizations.create({ type: 'system' }, { name: 'Demo organization', environment: 'TEST' });
}
