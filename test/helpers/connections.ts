import { randomUUID } from 'node:crypto';
import { ConnectionStatusQuery, ConnectUser, DecideOnboarding } from '../api/operations.ts';
import type { TestApp } from './app.ts';
import { admin, gql, partner } from './client.ts';
import type { OrgFixture } from './fixtures.ts';
import { consentPage, consentToken } from './outbox.ts';

export const newEmail = () => `User.${randomUUID().slice(0, 8)}@Example.COM`;

/** A user taken from nothing to CONNECTED through the real flow: KYC, consent email, consent page. */
export async function connectedUser(app: TestApp, org: OrgFixture, input: Record<string, unknown> = {}) {
  const email = (input.email as string | undefined) ?? newEmail();
  // A callback makes request signing mandatory (docs/api.md).
  const signWith = input.callback !== undefined ? org.signingSecret : undefined;
  const started = await gql(app, ConnectUser, { input: { email, ...input } as never }, { headers: partner(org.secret), ...(signWith && { signWith }) });
  const payload = started.data?.connectUser;
  if (payload?.__typename !== 'ConnectUserSuccess') throw new Error(`connectUser failed: ${JSON.stringify(started)}`);
  if (payload.connection.status === 'ONBOARDING') {
    await gql(app, DecideOnboarding, { input: { connectionId: payload.connection.id, decision: 'APPROVE' } }, { headers: admin(app) });
  }
  const answer = await consentPage(app, consentToken(app, email), 'approve');
  if (answer.status !== 200) throw new Error(`consent failed: ${answer.status}`);
  const status = await gql(app, ConnectionStatusQuery, { email }, { headers: partner(org.secret) });
  return { email, connectionId: payload.connection.id, ...status.data!.connectionStatus };
}
