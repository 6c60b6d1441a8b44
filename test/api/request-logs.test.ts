// Logs for partners (issue 6): requestLogs (every authenticated request, batched, filterable,
// kept for the retention, never a variable or secret) and auditEvents filters.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { RequestLogWriter } from '../../src/domain/audit/request-log.ts';
import { createTestApp, sharedDatabase, type TestApp } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { admin, gql, partner } from '../helpers/client.ts';
import { newOrganization, newPartnerKey, revokeKey, tampered, type OrgFixture } from '../helpers/fixtures.ts';
import { walkPages } from '../helpers/pages.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});

const LOGS = `query Logs($keyId: String, $outcome: String, $from: DateTime, $to: DateTime) {
  requestLogs(first: 50, keyId: $keyId, outcome: $outcome, from: $from, to: $to) { edges { node {
    keyId operationName operationType outcome httpStatus ip durationMs environment createdAt } } } }`;
const AUDIT = `query Audit($keyId: String, $actorKind: ActorKind, $action: String, $from: DateTime, $to: DateTime) {
  auditEvents(first: 50, keyId: $keyId, actorKind: $actorKind, action: $action, from: $from, to: $to) { edges { node { action actorKind actorKeyId targetId } } } }`;

interface Log {
  keyId: string;
  operationName: string | null;
  operationType: string | null;
  outcome: string;
  httpStatus: number;
  ip: string | null;
  durationMs: number;
  environment: string;
  createdAt: string;
}

/** An entry as the request path records it: a TEST query by the organization's first key. */
const logEntry = (org: OrgFixture, operationName: string, createdAt = new Date()) => ({
  organizationId: org.organizationUuid,
  environment: 'TEST' as const,
  keyId: org.keyId,
  operationName,
  operationType: 'query',
  outcome: 'OK',
  httpStatus: 200,
  ip: null,
  durationMs: 1,
  createdAt,
});

async function logs(secret: string, filter: Record<string, unknown> = {}): Promise<Log[]> {
  await app.services.requestLogs.flush();
  const res = await gql(app, LOGS, filter, { headers: partner(secret) });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  // This query's own entry is written later; what is listed is everything before it.
  return (res.data as { requestLogs: { edges: { node: Log }[] } }).requestLogs.edges.map((e) => e.node);
}

describe('requestLogs', () => {
  it('lists every authenticated request of the organization, newest first, without variables or secrets', async () => {
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    await gql(app, 'query Who { viewer { kind } }', {}, { headers: partner(reader.secret), ip: '198.51.100.7' });
    await gql(
      app,
      'mutation Sneaky { createPartnerKey(input: { name: "Nope", permissions: [KEYS_READ] }) { __typename } }',
      {},
      { headers: partner(reader.secret) },
    );
    await gql(app, 'query Bad($first: Int) { partnerKeys(first: $first) { edges { node { id } } } }', { first: 500 }, { headers: partner(reader.secret) });
    // Not logged: no credential, a wrong credential, the operator.
    await gql(app, '{ __typename }');
    await gql(app, '{ viewer { kind } }', {}, { headers: partner(tampered(reader.secret)) });
    await gql(app, '{ __typename }', {}, { headers: admin(app) });

    const entries = await logs(org.secret);
    const byReader = entries.filter((e) => e.keyId === reader.keyId);
    expect(byReader.map((e) => [e.operationName, e.operationType, e.outcome, e.httpStatus])).toEqual([
      ['Bad', 'query', 'VALIDATION_FAILED', 200],
      ['Sneaky', 'mutation', 'FORBIDDEN', 403],
      ['Who', 'query', 'OK', 200],
    ]);
    expect(byReader[2]).toMatchObject({ ip: '198.51.100.7', environment: 'TEST', durationMs: expect.any(Number) });
    // The fixture's createPartnerKey with the first key is there too.
    expect(entries.some((e) => e.keyId === org.keyId && e.operationName === 'CreatePartnerKey')).toBe(true);
    const rows = await app.services.prisma.requestLog.findMany({ where: { organizationId: org.organizationUuid } });
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/kw_(ptr|usr)_|first\W{0,6}500/);

    const stranger = await newOrganization(app);
    expect((await logs(stranger.secret)).filter((e) => e.keyId !== stranger.keyId)).toEqual([]);
  });

  it('filters by key, outcome and time range', async () => {
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    await gql(app, 'query A { viewer { kind } }', {}, { headers: partner(reader.secret) });
    await gql(app, 'mutation B { revokePartnerKey(input: { id: "x" }) { __typename } }', {}, { headers: partner(reader.secret) });
    app.clock.advance(3_600_000);
    try {
      await gql(app, 'query C { viewer { kind } }', {}, { headers: partner(reader.secret) });
      const onlyReader = await logs(org.secret, { keyId: reader.keyId });
      expect(onlyReader.map((e) => e.operationName)).toEqual(['C', 'B', 'A']);
      expect((await logs(org.secret, { keyId: reader.keyId, outcome: 'FORBIDDEN' })).map((e) => e.operationName)).toEqual(['B']);
      const split = new Date(app.clock.now().getTime() - 1_800_000).toISOString();
      expect((await logs(org.secret, { keyId: reader.keyId, from: split })).map((e) => e.operationName)).toEqual(['C']);
      expect((await logs(org.secret, { keyId: reader.keyId, to: split })).map((e) => e.operationName)).toEqual(['B', 'A']);
    } finally {
      app.clock.reset();
    }
  });

  it('logs a request refused by the rate limit, with its key and 429', async () => {
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    await gql(
      app,
      'mutation ($i: UpdatePartnerKeyInput!) { updatePartnerKey(input: $i) { __typename } }',
      { i: { id: reader.id, rateLimitRequests: 1 } },
      { headers: partner(org.secret) },
    );
    await gql(app, 'query One { viewer { kind } }', {}, { headers: partner(reader.secret) });
    expect((await gql(app, 'query Two { viewer { kind } }', {}, { headers: partner(reader.secret) })).status).toBe(429);
    expect((await logs(org.secret, { keyId: reader.keyId })).map((e) => [e.operationName, e.outcome, e.httpStatus])).toEqual([
      ['Two', 'RATE_LIMITED', 429],
      ['One', 'OK', 200],
    ]);
  });

  it('keeps entries for the retention (30 days), then prunes them in statements of at most one batch', async () => {
    const org = await newOrganization(app);
    for (let i = 0; i < 3; i++) await gql(app, 'query Old { viewer { kind } }', {}, { headers: partner(org.secret) });
    await app.services.requestLogs.flush();
    const names = async () =>
      (await app.services.prisma.requestLog.findMany({ where: { organizationId: org.organizationUuid }, select: { operationName: true } })).map(
        (e) => e.operationName,
      );
    const before = await names();
    expect(before.length).toBeGreaterThanOrEqual(3);
    app.clock.advance(29 * 24 * 3_600_000);
    try {
      await app.services.requestLogs.prune();
      expect(await names()).toEqual(before);
      app.clock.advance(2 * 24 * 3_600_000);
      await gql(app, 'query Fresh { viewer { kind } }', {}, { headers: partner(org.secret) });
      await app.services.requestLogs.flush();
      // Batches of 1: every statement but the last deletes one (the last finds none and ends the pass); the fresh entry stays.
      const pruned = await app.services.requestLogs.prune(1);
      expect(pruned.deleted).toBeGreaterThanOrEqual(before.length);
      expect(pruned.statements).toBe(pruned.deleted + 1);
      expect(await names()).toEqual(['Fresh']);
    } finally {
      app.clock.reset();
    }
  });

  it('pages newest first by the time of the request (the same time: the later written first), both ways without a gap or a repeat', async () => {
    const org = await newOrganization(app);
    const writer = new RequestLogWriter(app.services.prisma, app.clock, app.services.logger);
    const base = app.clock.now().getTime() - 60_000;
    const entry = (operationName: string, ms: number) => logEntry(org, operationName, new Date(base + ms));
    // Written in this order: three at the same millisecond, and one that reached the log after the others
    // though it is older than four of them (as another instance's batch can).
    for (const e of [entry('First', 0), entry('TieA', 1000), entry('TieB', 1000), entry('TieC', 1000), entry('Last', 2000), entry('Late', 500)]) {
      writer.record(e);
    }
    await writer.flush();
    // The paging requests' own entries stay in the app's buffer (nothing flushes it here).
    const walked = await walkPages(app, { list: 'requestLogs', field: 'operationName', size: 2, headers: partner(org.secret) });
    const expected = ['Last', 'TieC', 'TieB', 'TieA', 'Late', 'First'];
    expect(walked).toEqual({ forwards: expected, backwards: expected });
  });

  it('goes on writing after a flush with nothing to write, and while a write is under way', async () => {
    const org = await newOrganization(app);
    const writer = new RequestLogWriter(app.services.prisma, app.clock, app.services.logger);
    const entry = (operationName: string) => logEntry(org, operationName);
    await writer.flush();
    await writer.flush();
    writer.record(entry('AfterIdle'));
    const first = writer.flush();
    writer.record(entry('DuringWrite'));
    await Promise.all([first, writer.flush()]);
    const names = (await app.services.prisma.requestLog.findMany({ where: { organizationId: org.organizationUuid } })).map((e) => e.operationName);
    expect(names.sort()).toEqual(['AfterIdle', 'DuringWrite']);
  });

  it('keeps at most its cap waiting, dropping the oldest in bulk and saying how many; a batch under way or refused loses nothing', async () => {
    const org = await newOrganization(app);
    // The real database, reached through a gate: each insert waits for the test to let it go (or fail).
    const gates: { release: () => void; fail: () => void }[] = [];
    const gated = {
      $executeRaw: (...args: Parameters<typeof app.services.prisma.$executeRaw>) =>
        new Promise<void>((resolve, reject) => gates.push({ release: resolve, fail: () => reject(new Error('database away')) })).then(() =>
          app.services.prisma.$executeRaw(...args),
        ),
    } as unknown as typeof app.services.prisma;
    const writer = new RequestLogWriter(gated, app.clock, app.services.logger, 30, { batch: 3, maxPending: 10 });
    const entry = (i: number) => ({
      organizationId: org.organizationUuid,
      environment: 'TEST' as const,
      keyId: org.keyId,
      operationName: `Op${i}`,
      operationType: 'query',
      outcome: 'OK',
      httpStatus: 200,
      ip: null,
      durationMs: i,
      createdAt: new Date(),
    });
    const written = async () =>
      (await app.services.prisma.requestLog.findMany({ where: { organizationId: org.organizationUuid }, orderBy: { seq: 'asc' } })).map(
        (row) => row.operationName,
      );
    const nextGate = async () => {
      while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
      return gates.shift()!;
    };

    for (let i = 0; i < 5; i++) writer.record(entry(i));
    // A write refused: its batch goes back in front, nothing lost.
    let flushing = writer.flush();
    (await nextGate()).fail();
    await flushing;
    expect(writer.waiting).toBe(5);

    // A write under way (Op0–Op2) while ten more arrive: past the cap of 10, the oldest waiting go
    // in one step (a tenth of the cap more than the excess), never an entry of the batch.
    flushing = writer.flush();
    const underWay = await nextGate();
    for (let i = 5; i < 15; i++) writer.record(entry(i));
    expect(writer.waiting).toBe(10); // Op5–Op14: at the 11th waiting, Op3 and Op4 went (1 over, plus a tenth of 10)
    underWay.release();
    // The rest goes in batches of 3, each let through as it comes.
    let settled = false;
    void flushing.then(() => (settled = true));
    while (!settled) {
      gates.shift()?.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await flushing;
    expect(await written()).toEqual(['Op0', 'Op1', 'Op2', ...[5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((i) => `Op${i}`)]);
    expect(
      app.logs.entries().some((line) => line.msg === 'request log entries dropped: the database did not keep up or was unavailable' && line.dropped === 2),
    ).toBe(true);
  });

  // The embedded database appends by COPY (text format, escaped here), PostgreSQL by one JSON parameter.
  it.each(['embedded (COPY)', 'PostgreSQL (INSERT)'])('writes batches on %s: every field as recorded', async (where) => {
    const pg =
      where === 'embedded (COPY)'
        ? app
        : await createTestApp({ database: await sharedDatabase({ kind: 'postgres', url: await createTestDatabase(inject('postgresUrl')) }) });
    expect(pg.database.copyRows !== undefined).toBe(where === 'embedded (COPY)');
    const org = await newOrganization(pg);
    const writer = new RequestLogWriter(pg.services.prisma, pg.clock, pg.services.logger, 30, undefined, pg.database.copyRows);
    const at = new Date('2026-11-25T10:00:00.123Z');
    const base = { organizationId: org.organizationUuid, environment: 'TEST' as const, keyId: org.keyId, createdAt: at };
    writer.record({ ...base, operationName: 'Named', operationType: 'query', outcome: 'OK', httpStatus: 200, ip: '2001:db8::1', durationMs: 1.25 });
    writer.record({ ...base, operationName: null, operationType: null, outcome: 'GRAPHQL_PARSE_FAILED', httpStatus: 400, ip: null, durationMs: 0.5 });
    // What COPY's text format would read as separators, escapes or NULL, stored as it was.
    writer.record({ ...base, operationName: 'Tab\tNew\nline\r\\N\\', operationType: 'query', outcome: 'A,B', httpStatus: 200, ip: null, durationMs: 0 });
    for (let i = 0; i < 1_200; i++)
      writer.record({
        ...base,
        operationName: `Op${i}`,
        operationType: 'mutation',
        outcome: 'RATE_LIMITED',
        httpStatus: 429,
        ip: '198.51.100.1',
        durationMs: i,
      });
    await writer.flush();
    const rows = await pg.services.prisma.requestLog.findMany({ where: { organizationId: org.organizationUuid }, orderBy: { seq: 'asc' } });
    expect(rows).toHaveLength(1_203);
    expect(rows[0]).toMatchObject({
      ...base,
      operationName: 'Named',
      operationType: 'query',
      outcome: 'OK',
      httpStatus: 200,
      ip: '2001:db8::1',
      durationMs: 1.25,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(rows[1]).toMatchObject({ operationName: null, operationType: null, ip: null, outcome: 'GRAPHQL_PARSE_FAILED' });
    expect(rows[2]).toMatchObject({ operationName: 'Tab\tNew\nline\r\\N\\', outcome: 'A,B', ip: null, durationMs: 0 });
    expect(rows.at(-1)).toMatchObject({ operationName: 'Op1199', durationMs: 1199 });
    expect(new Set(rows.map((r) => r.id)).size).toBe(1_203);
  });

  it('needs LOGS_READ', async () => {
    const org = await newOrganization(app);
    const reader = await newPartnerKey(app, org.secret, { permissions: ['KEYS_READ'] });
    expect((await gql(app, LOGS, {}, { headers: partner(reader.secret) })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('auditEvents filters', () => {
  it('by key, actor kind, action and time range', async () => {
    const org = await newOrganization(app);
    const key = await newPartnerKey(app, org.secret, { name: 'Audited' });
    // Audit rows are stamped by the database clock: a real pause separates the two changes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const split = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await revokeKey(app, org.secret, key.id);
    const audit = async (filter: Record<string, unknown>) => {
      const res = await gql(app, AUDIT, filter, { headers: partner(org.secret) });
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return (res.data as { auditEvents: { edges: { node: { action: string; targetId: string } }[] } }).auditEvents.edges.map((e) => e.node);
    };
    expect((await audit({ keyId: key.keyId })).map((e) => e.action)).toEqual(['api_key.revoked', 'api_key.created']);
    expect((await audit({ action: 'api_key.revoked' })).map((e) => e.targetId)).toEqual([key.keyId]);
    expect((await audit({ actorKind: 'OPERATOR' })).map((e) => e.action).sort()).toEqual(['api_key.created', 'organization.created']);
    expect((await audit({ from: split })).map((e) => e.action)).toEqual(['api_key.revoked']);
    expect((await audit({ keyId: key.keyId, to: split })).map((e) => e.action)).toEqual(['api_key.created']);
  });
});
