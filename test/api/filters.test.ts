// Issue 13, finding 12: string filters have a documented length cap (VALIDATION_FAILED over it),
// and match literally: `%` and `_` are no wildcards, a code matches only whole codes.
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILTER_LENGTH } from '../../src/graphql/filters.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner } from '../helpers/client.ts';
import { newOrganization } from '../helpers/fixtures.ts';

let app: TestApp;
let org: Awaited<ReturnType<typeof newOrganization>>;
beforeAll(async () => {
  app = await createTestApp();
  org = await newOrganization(app);
  const outcomes = ['OK', 'RATE_LIMITED', 'RATEXLIMITED', 'FORBIDDEN,RATE_LIMITED', 'A%B', 'VALIDATION_FAILED,TIMEOUT,FORBIDDEN'];
  await app.database.prisma.requestLog.createMany({
    data: outcomes.map((outcome, i) => ({
      organizationId: org.organizationUuid,
      environment: 'TEST' as const,
      keyId: org.keyId,
      outcome,
      httpStatus: 200,
      durationMs: 1,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    })),
  });
});

const LOGS = `query Logs($keyId: String, $outcome: String) {
  requestLogs(first: 50, keyId: $keyId, outcome: $outcome, to: "2026-01-02T00:00:00Z") { edges { node { outcome } } } }`;

async function outcomes(filter: Record<string, unknown>): Promise<string[]> {
  const res = await gql(app, LOGS, filter, { headers: partner(org.secret) });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return (res.data as { requestLogs: { edges: { node: { outcome: string } }[] } }).requestLogs.edges.map((e) => e.node.outcome).sort();
}

describe('request log outcome filter', () => {
  it('matches whole codes only, literally', async () => {
    expect(await outcomes({ outcome: 'RATE_LIMITED' })).toEqual(['FORBIDDEN,RATE_LIMITED', 'RATE_LIMITED']);
    expect(await outcomes({ outcome: 'FORBIDDEN' })).toEqual(['FORBIDDEN,RATE_LIMITED', 'VALIDATION_FAILED,TIMEOUT,FORBIDDEN']);
    expect(await outcomes({ outcome: 'TIMEOUT' })).toEqual(['VALIDATION_FAILED,TIMEOUT,FORBIDDEN']);
    expect(await outcomes({ outcome: 'OK' })).toEqual(['OK']);
  });

  it.each(['%', '_', '%%', 'RATE%', 'RATE_LIMITE_', '_ATE_LIMITED', '%,%', 'A_B', 'FORBIDDEN,RATE_LIMITED', ','])('does not widen on %j', async (outcome) => {
    expect(await outcomes({ outcome })).toEqual([]);
  });

  it('finds an outcome that contains % only when asked for exactly', async () => {
    expect(await outcomes({ outcome: 'A%B' })).toEqual([]);
  });
});

describe('length cap of string filters', () => {
  const tooLong = 'x'.repeat(MAX_FILTER_LENGTH + 1);
  it.each([
    ['requestLogs', `{ requestLogs(first: 1, outcome: "${tooLong}") { edges { cursor } } }`, 'outcome'],
    ['requestLogs', `{ requestLogs(first: 1, keyId: "${tooLong}") { edges { cursor } } }`, 'keyId'],
    ['auditEvents', `{ auditEvents(first: 1, action: "${tooLong}") { edges { cursor } } }`, 'action'],
    ['auditEvents', `{ auditEvents(first: 1, keyId: "${tooLong}") { edges { cursor } } }`, 'keyId'],
    ['sessions', `{ sessions(first: 1, keyId: "${tooLong}") { edges { cursor } } }`, 'keyId'],
    ['webhookDeliveries', `{ webhookDeliveries(first: 1, webhookId: "${tooLong}") { edges { cursor } } }`, 'webhookId'],
    ['webhookDeliveries', `{ webhookDeliveries(first: 1, endpointId: "${tooLong}") { edges { cursor } } }`, 'endpointId'],
    ['connection', `{ connection(lookup: { ref: "${tooLong}" }) { id } }`, 'ref'],
    ['connections', `{ connections(first: 1, email: "${tooLong}") { edges { cursor } } }`, 'email'],
    ['connections', `{ connections(first: 1, ref: "${tooLong}") { edges { cursor } } }`, 'ref'],
  ])('%s refuses %s over the cap with VALIDATION_FAILED', async (_field, query, arg) => {
    const res = await gql(app, query, {}, { headers: partner(org.secret) });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ message: `${arg} must be at most ${MAX_FILTER_LENGTH} characters`, extensions: { code: 'VALIDATION_FAILED' } });
  });

  it('accepts a filter at the cap (it matches nothing)', async () => {
    expect(await outcomes({ outcome: 'x'.repeat(MAX_FILTER_LENGTH) })).toEqual([]);
  });
});
