import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { encodeGlobalID } from '@pothos/plugin-relay';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, seal } from '../../src/domain/crypto/secret-box.ts';
import { sandboxDepositAddress, sandboxDepositIban } from '../../src/domain/connection/deposit-accounts.ts';
import { generateSigningSecret } from '../../src/domain/signing/signing.service.ts';
import { PrismaClient } from '../../src/generated/prisma/client.ts';
import { openDatabase, type Database } from '../../src/infra/database.ts';
import { applyMigrations, defaultMigrationsDir, defaultSchemaPath, diffMigrationsToSchema } from '../../src/infra/migrate.ts';
import { createPGliteAdapterFactory } from '../../src/infra/pglite-adapter.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { gql, partner, signRequest } from '../helpers/client.ts';
import { postgresAvailable, startPostgres, type PostgresServer } from '../helpers/postgres.ts';

const APP_TABLES = [
  'api_keys',
  'audit_events',
  'connections',
  'consent_tokens',
  'events',
  'kyc_approvals',
  'members',
  'organizations',
  'request_logs',
  'seen_signatures',
  'sign_in_links',
  'signing_secrets',
  'users',
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_endpoints',
];
const MIGRATION_LOCK_KEY = 72707369;

const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'keyward-migrations-'));
  tempDirs.push(dir);
  return dir;
}

/** A migrations directory holding copies of the committed migrations (those before `before`, if given) followed by `extra`. */
async function migrationsDirWith(extra: Record<string, string>, before?: string): Promise<string> {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const name of await committedMigrations()) {
    if (before !== undefined && name >= before) continue;
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'migration.sql'), await readFile(path.join(defaultMigrationsDir, name, 'migration.sql')));
  }
  for (const [name, sql] of Object.entries(extra)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function committedMigrations(): Promise<string[]> {
  const entries = await readdir(defaultMigrationsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

// -- signing secrets from before they were per environment ------------------------------------------

/** The app's database over a PGlite the test migrated itself. */
function databaseOn(pglite: PGlite): { prisma: PrismaClient; database: Database } {
  const prisma = new PrismaClient({ adapter: createPGliteAdapterFactory(pglite), transactionOptions: { maxWait: 30_000, timeout: 15_000 } });
  return { prisma, database: { prisma, kind: 'memory', ping: async () => void (await prisma.$queryRaw`SELECT 1`), close: () => prisma.$disconnect() } };
}

/** The migration that made signing secrets per environment: databases older than it hold one secret per organization. */
async function perEnvironmentMigration(): Promise<string> {
  const name = (await committedMigrations()).find((m) => m.endsWith('_signing_secrets_per_environment'));
  if (!name) throw new Error('no signing_secrets_per_environment migration');
  return name;
}

type Query = (sql: string, params: unknown[]) => Promise<unknown>;

/** Databases of the upgrade tests, closed when the file is done. */
const upgraded: PGlite[] = [];
afterAll(async () => {
  await Promise.all(upgraded.map((pglite) => pglite.close()));
});

/** A fresh PGlite with the committed migrations before the one whose name ends with `suffix`: a database to upgrade. */
async function migratedBefore(suffix: string): Promise<{ pglite: PGlite; name: string; query: Query }> {
  const pglite = new PGlite();
  upgraded.push(pglite);
  const name = (await committedMigrations()).find((m) => m.endsWith(suffix));
  if (!name) throw new Error(`no ${suffix} migration`);
  await applyMigrations({ kind: 'pglite', pglite }, { migrationsDir: await migrationsDirWith({}, name) });
  return { pglite, name, query: (sql, params) => pglite.query(sql, params) };
}

interface LegacyRow {
  id: string;
  secret: string;
  retiresAt: Date | null;
  createdAt: Date;
}

/** An organization as the code before environments stored it: one row per secret, sealed with the row id, no environment. */
async function insertLegacyOrganization(
  query: Query,
  encryptionKey: Buffer,
  secrets: { retiresAt: Date | null; ageMs: number }[],
): Promise<{ organizationId: string; rows: LegacyRow[] }> {
  const organizationId = randomUUID();
  await query(`INSERT INTO organizations (id, name, "updatedAt") VALUES ($1, $2, now())`, [organizationId, `Legacy ${organizationId.slice(0, 8)}`]);
  const rows: LegacyRow[] = [];
  for (const { retiresAt, ageMs } of secrets) {
    const row = { id: randomUUID(), secret: generateSigningSecret(), retiresAt, createdAt: new Date(Date.now() - ageMs) };
    await query(`INSERT INTO signing_secrets (id, "organizationId", sealed, "retiresAt", "createdAt") VALUES ($1, $2, $3, $4, $5)`, [
      row.id,
      organizationId,
      seal(encryptionKey, row.secret, row.id),
      row.retiresAt,
      row.createdAt,
    ]);
    rows.push(row);
  }
  return { organizationId, rows };
}

/** Whether a signed `{ viewer }` request of this key verifies with this secret ('verified'), or its error code. */
async function signedAs(app: TestApp, key: string, secret: string): Promise<string | undefined> {
  // A body of its own each time: the same signature twice would be refused as a replay.
  const body = JSON.stringify({ query: `{ viewer { kind } } # ${randomUUID()}` });
  const response = await app.yoga.fetch(
    'http://keyward.test/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...partner(key), ...signRequest(secret, Math.floor(app.clock.now().getTime() / 1000), body) },
      body,
    },
    { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
  );
  const result = (await response.json()) as { data?: { viewer?: unknown }; errors?: { extensions?: { code?: string } }[] };
  return result.data?.viewer ? 'verified' : result.errors?.[0]?.extensions?.code;
}

async function rotate(app: TestApp, key: string): Promise<{ environment: string; signingSecret: string }> {
  const body = JSON.stringify({
    query: 'mutation { rotateSigningSecret(input: { gracePeriodSeconds: 0 }) { ... on RotateSigningSecretSuccess { environment signingSecret } } }',
  });
  const response = await app.yoga.fetch(
    'http://keyward.test/graphql',
    { method: 'POST', headers: { 'content-type': 'application/json', ...partner(key) }, body },
    { req: { socket: { remoteAddress: '127.0.0.1' } } as never },
  );
  return ((await response.json()) as { data: { rotateSigningSecret: { environment: string; signingSecret: string } } }).data.rotateSigningSecret;
}

describe('signing secrets stored before they were per environment', () => {
  const pglites: PGlite[] = [];
  afterAll(async () => {
    await Promise.all(pglites.map((pglite) => pglite.close()));
  });

  it('keep verifying TEST and LIVE with the same secret after the upgrade step; a TEST rotation then leaves LIVE working, and the other way round', async () => {
    const encryptionKey = randomBytes(32);
    const pglite = new PGlite();
    pglites.push(pglite);
    const migration = await perEnvironmentMigration();
    // The database as the previous version left it: every migration before this one, and an
    // organization with a current secret and a rotated-out one still in its grace period.
    await applyMigrations({ kind: 'pglite', pglite }, { migrationsDir: await migrationsDirWith({}, migration) });
    const query: Query = (sql, params) => pglite.query(sql, params);
    const { organizationId, rows } = await insertLegacyOrganization(query, encryptionKey, [
      { retiresAt: new Date(Date.now() + 3_600_000), ageMs: 86_400_000 },
      { retiresAt: null, ageMs: 60_000 },
    ]);
    const [retiring, current] = rows as [LegacyRow, LegacyRow];
    // And one sealed under another encryption key (a misconfigured start): left alone, never lost.
    const stranger = await insertLegacyOrganization(query, randomBytes(32), [{ retiresAt: null, ageMs: 0 }]);

    expect(await applyMigrations({ kind: 'pglite', pglite })).toEqual({ applied: (await committedMigrations()).filter((name) => name >= migration) });
    const { prisma, database } = databaseOn(pglite);
    const app = await createTestApp({ database, encryptionKey });
    try {
      expect(await prisma.signingSecret.count({ where: { organizationId, environment: null } })).toBe(2);
      const operator = { type: 'operator' } as const;
      const keyOf = async (environment: 'TEST' | 'LIVE') =>
        (
          await app.services.apiKeys.createPartnerKey(operator, {
            organizationId,
            environment,
            name: `${environment} key`,
            permissions: ['WEBHOOKS_WRITE', 'KEYS_READ'],
          })
        ).secret;
      const [testKey, liveKey] = [await keyOf('TEST'), await keyOf('LIVE')];

      // Until the step runs (and for rows an instance of the previous version still writes), a row without environment serves both.
      expect(await signedAs(app, testKey, current.secret)).toBe('verified');
      expect(await signedAs(app, liveKey, current.secret)).toBe('verified');

      // The start-up step, on two instances at once: each legacy row split exactly once.
      const results = await Promise.all([app.services.signing.upgradeLegacySecrets(), app.services.signing.upgradeLegacySecrets()]);
      expect(results.reduce((sum, r) => sum + r.split, 0)).toBe(2);
      expect(await app.services.signing.upgradeLegacySecrets()).toEqual({ split: 0, undecryptable: 1 });
      const split = await prisma.signingSecret.findMany({ where: { organizationId }, orderBy: [{ createdAt: 'asc' }, { environment: 'asc' }] });
      expect(
        split.map((r) => ({ environment: r.environment, legacyId: rows.some((l) => l.id === r.id), retiresAt: r.retiresAt, createdAt: r.createdAt })),
      ).toEqual([
        { environment: 'TEST', legacyId: true, retiresAt: retiring.retiresAt, createdAt: retiring.createdAt },
        { environment: 'LIVE', legacyId: false, retiresAt: retiring.retiresAt, createdAt: retiring.createdAt },
        { environment: 'TEST', legacyId: true, retiresAt: null, createdAt: current.createdAt },
        { environment: 'LIVE', legacyId: false, retiresAt: null, createdAt: current.createdAt },
      ]);
      // The LIVE copies are the same secrets, sealed anew for their own row ids.
      expect(split.map((r) => open(encryptionKey, r.sealed, r.id))).toEqual([retiring.secret, retiring.secret, current.secret, current.secret]);
      expect(await prisma.signingSecret.findMany({ where: { organizationId: stranger.organizationId } })).toEqual([
        expect.objectContaining({ id: stranger.rows[0]!.id, environment: null }),
      ]);

      // The running integration goes on with the secrets it has, in both environments: requests and webhooks.
      for (const key of [testKey, liveKey]) {
        expect(await signedAs(app, key, current.secret)).toBe('verified');
        expect(await signedAs(app, key, retiring.secret)).toBe('verified');
      }
      expect(await app.services.signing.validSecrets(organizationId, 'TEST')).toEqual([current.secret, retiring.secret]);
      expect(await app.services.signing.validSecrets(organizationId, 'LIVE')).toEqual([current.secret, retiring.secret]);

      // The TEST key rotates (no grace period): TEST moves on, LIVE keeps the shared secret.
      const test = await rotate(app, testKey);
      expect(test.environment).toBe('TEST');
      expect(await signedAs(app, testKey, current.secret)).toBe('SIGNATURE_INVALID');
      expect(await signedAs(app, testKey, test.signingSecret)).toBe('verified');
      expect(await signedAs(app, liveKey, current.secret)).toBe('verified');
      expect(await signedAs(app, liveKey, test.signingSecret)).toBe('SIGNATURE_INVALID');
      expect(await app.services.signing.validSecrets(organizationId, 'LIVE')).toEqual([current.secret, retiring.secret]);

      // Then LIVE rotates: TEST's new secret is untouched.
      const live = await rotate(app, liveKey);
      expect(live.environment).toBe('LIVE');
      expect(await signedAs(app, liveKey, current.secret)).toBe('SIGNATURE_INVALID');
      expect(await signedAs(app, liveKey, live.signingSecret)).toBe('verified');
      expect(await signedAs(app, testKey, test.signingSecret)).toBe('verified');
      expect(await app.services.signing.validSecrets(organizationId, 'TEST')).toEqual([test.signingSecret]);
      expect(await app.services.signing.validSecrets(organizationId, 'LIVE')).toEqual([live.signingSecret]);
    } finally {
      await prisma.$disconnect();
    }
    // Replays every migration into a fresh PGlite: slow on a loaded machine.
  }, 120_000);
});

// -- KYC approvals from before they were per environment (issue 13, finding 1) ---------------------

describe('KYC approvals stored before they were per environment', () => {
  it('count for LIVE only with evidence of a LIVE approval in the audit trail; every other approval counts for TEST only', async () => {
    const { pglite, name, query } = await migratedBefore('_kyc_approvals_per_environment');
    const organizationId = randomUUID();
    await query(`INSERT INTO organizations (id, name, "updatedAt") VALUES ($1, 'Legacy KYC', now())`, [organizationId]);
    const approvedAt = new Date('2026-11-30T10:00:00.000Z');
    const auditAt = new Date('2026-11-30T09:00:00.000Z');
    /** A user as the previous version stored it, with its connections and their ONBOARDING → PENDING (or other) audit rows. */
    const user = async (label: string, approved: boolean, transitions: { environment: 'TEST' | 'LIVE'; from: string | null; to: string; actor: string }[]) => {
      const id = randomUUID();
      const email = `${label}-${id.slice(0, 8)}@example.com`;
      await query(`INSERT INTO users (id, email, "kycApprovedAt", "updatedAt") VALUES ($1, $2, $3, now())`, [id, email, approved ? approvedAt : null]);
      for (const environment of new Set(transitions.map((t) => t.environment))) {
        const connectionId = randomUUID();
        await query(`INSERT INTO connections (id, "organizationId", "userId", environment, status, "updatedAt") VALUES ($1, $2, $3, $4, 'PENDING', now())`, [
          connectionId,
          organizationId,
          id,
          environment,
        ]);
        for (const t of transitions.filter((x) => x.environment === environment)) {
          await query(
            `INSERT INTO audit_events (id, "organizationId", environment, "actorKind", action, "targetType", "targetId", details, "createdAt") VALUES ($1, $2, $3, $4, 'connection.status_changed', 'connection', $5, $6, $7)`,
            [randomUUID(), organizationId, environment, t.actor, connectionId, JSON.stringify({ from: t.from, to: t.to, ref: null }), auditAt],
          );
        }
      }
      return { id, email };
    };
    const sandboxApproved = await user('sandbox', true, [{ environment: 'TEST', from: 'ONBOARDING', to: 'PENDING', actor: 'PARTNER_KEY' }]);
    const liveApproved = await user('live', true, [{ environment: 'LIVE', from: 'ONBOARDING', to: 'PENDING', actor: 'OPERATOR' }]);
    const both = await user('both', true, [
      { environment: 'TEST', from: 'ONBOARDING', to: 'PENDING', actor: 'OPERATOR' },
      { environment: 'LIVE', from: 'ONBOARDING', to: 'PENDING', actor: 'OPERATOR' },
    ]);
    const sandboxUser = await user('sandbox-user', true, [{ environment: 'TEST', from: null, to: 'PENDING', actor: 'PARTNER_KEY' }]);
    const noEvidence = await user('no-evidence', true, []);
    // A LIVE reconnection of a known user (REJECTED → PENDING) is no evidence of a LIVE approval.
    const reconnected = await user('reconnected', true, [{ environment: 'LIVE', from: 'REJECTED', to: 'PENDING', actor: 'PARTNER_KEY' }]);
    const never = await user('never', false, [{ environment: 'LIVE', from: null, to: 'ONBOARDING', actor: 'PARTNER_KEY' }]);

    expect(await applyMigrations({ kind: 'pglite', pglite })).toEqual({ applied: (await committedMigrations()).filter((m) => m >= name) });
    const { rows } = await pglite.query<{ userId: string; environment: string; approvedAt: Date }>(
      `SELECT "userId", environment::text AS environment, "approvedAt" FROM kyc_approvals`,
    );
    const approvals = (u: { id: string }) =>
      rows
        .filter((r) => r.userId === u.id)
        .map((r) => `${r.environment}@${r.approvedAt.toISOString()}`)
        .sort();
    expect(approvals(sandboxApproved)).toEqual([`TEST@${auditAt.toISOString()}`]);
    expect(approvals(liveApproved)).toEqual([`LIVE@${auditAt.toISOString()}`]);
    expect(approvals(both)).toEqual([`LIVE@${auditAt.toISOString()}`, `TEST@${auditAt.toISOString()}`]);
    expect(approvals(sandboxUser)).toEqual([`TEST@${approvedAt.toISOString()}`]);
    expect(approvals(noEvidence)).toEqual([`TEST@${approvedAt.toISOString()}`]);
    expect(approvals(reconnected)).toEqual([`TEST@${approvedAt.toISOString()}`]);
    expect(approvals(never)).toEqual([]);
    const columns = await pglite.query<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'users'`);
    expect(columns.rows.map((r) => r.name)).not.toContain('kycApprovedAt');

    // Through the API on the migrated database: a LIVE connection skips onboarding only for the LIVE-approved.
    const { prisma, database } = databaseOn(pglite);
    const app = await createTestApp({ database });
    try {
      const liveOrg = randomUUID();
      await query(`INSERT INTO organizations (id, name, "liveAccess", "updatedAt") VALUES ($1, 'Another LIVE org', 'ENABLED', now())`, [liveOrg]);
      const { secret } = await app.services.apiKeys.createPartnerKey(
        { type: 'operator' },
        { organizationId: liveOrg, environment: 'LIVE', name: 'LIVE key', permissions: ['CONNECTIONS_WRITE'] },
      );
      const connect = async (email: string) => {
        const res = await gql(
          app,
          'mutation ($i: ConnectUserInput!) { connectUser(input: $i) { ... on ConnectUserSuccess { connection { status } } ... on Error { code } } }',
          { i: { email } },
          { headers: partner(secret) },
        );
        return (res.data as { connectUser: { connection?: { status: string } } }).connectUser.connection?.status;
      };
      expect(await connect(sandboxApproved.email)).toBe('ONBOARDING');
      expect(await connect(sandboxUser.email)).toBe('ONBOARDING');
      expect(await connect(noEvidence.email)).toBe('ONBOARDING');
      expect(await connect(liveApproved.email)).toBe('PENDING');
      expect(await connect(both.email)).toBe('PENDING');
    } finally {
      await prisma.$disconnect();
    }
    // Replays every migration into a fresh PGlite: slow on a loaded machine.
  }, 120_000);
});

describe('API keys stored before they had currencies', () => {
  it('may move both currencies after the upgrade; a key with none cannot be stored', async () => {
    const pglite = new PGlite();
    try {
      const name = (await committedMigrations()).find((m) => m.endsWith('_api_key_currencies'));
      if (!name) throw new Error('no api_key_currencies migration');
      await applyMigrations({ kind: 'pglite', pglite }, { migrationsDir: await migrationsDirWith({}, name) });
      const organizationId = randomUUID();
      await pglite.query(`INSERT INTO organizations (id, name, "updatedAt") VALUES ($1, 'Legacy keys', now())`, [organizationId]);
      const insertKey = (keyId: string, extra = '', values: unknown[] = []) =>
        pglite.query(
          `INSERT INTO api_keys (id, "keyId", kind, "organizationId", environment, name, permissions, "secretHash", "updatedAt"${extra ? `, ${extra}` : ''})
           VALUES ($1, $2, 'PARTNER', $3, 'TEST', 'Legacy', ARRAY['KEYS_READ']::"Permission"[], $4, now()${values.map((_, i) => `, $${i + 5}`).join('')})`,
          [randomUUID(), keyId, organizationId, randomBytes(32), ...values],
        );
      await insertKey('Legacy01');
      await applyMigrations({ kind: 'pglite', pglite });
      const { rows } = await pglite.query<{ currencies: string }>(`SELECT currencies::text AS currencies FROM api_keys WHERE "keyId" = 'Legacy01'`);
      expect(rows).toEqual([{ currencies: '{FIAT,CRYPTO}' }]);
      await expect(insertKey('Legacy02', 'currencies', ['{}'])).rejects.toThrow(/api_keys_currencies_not_empty/);
      await expect(insertKey('Legacy03', 'currencies', [null])).rejects.toThrow(/null value/);
    } finally {
      await pglite.close();
    }
    // Replays every migration into a fresh PGlite: slow on a loaded machine.
  }, 120_000);
});

// -- deposit details stored the wrong way round (issue 14) --------------------------------------------

describe('deposit details stored the wrong way round', () => {
  it('are cleared by the migration (never moved across) and replaced from the provider by the start-up step; stored callbacks never send them again', async () => {
    const { pglite, name, query } = await migratedBefore('_deposit_details_by_direction');
    const organizationId = randomUUID();
    await query(`INSERT INTO organizations (id, name, "updatedAt") VALUES ($1, 'Deposits', now())`, [organizationId]);
    const OLD_IBAN = 'DE35042997912107130109';
    const OLD_ADDRESS = 'tb1qxewvswxnhft4dpjf4dtz2tkvemtzhsak7vy930';
    const LIVE_ADDRESS = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
    /** A connection as the previous version stored it. */
    const connection = async (environment: 'TEST' | 'LIVE', status: string, direction: 'BUY' | 'SELL' | null, deposit: { iban?: string; address?: string }) => {
      const [id, userId] = [randomUUID(), randomUUID()];
      await query(`INSERT INTO users (id, email, "updatedAt") VALUES ($1, $2, now())`, [userId, `${userId}@example.com`]);
      await query(
        `INSERT INTO connections (id, "organizationId", "userId", environment, status, direction, "callbackUrl", "depositIban", "depositAddress", "updatedAt")
         VALUES ($1, $2, $3, $4, $5, $6, 'https://partner.example/kw', $7, $8, now())`,
        [id, organizationId, userId, environment, status, direction, deposit.iban ?? null, deposit.address ?? null],
      );
      return id;
    };
    const buy = await connection('TEST', 'CONNECTED', 'BUY', { address: OLD_ADDRESS });
    const sell = await connection('TEST', 'CONNECTED', 'SELL', { iban: OLD_IBAN });
    const revoked = await connection('TEST', 'REVOKED', 'SELL', { iban: OLD_IBAN });
    const liveBuy = await connection('LIVE', 'CONNECTED', 'BUY', { address: LIVE_ADDRESS });
    const pending = await connection('TEST', 'PENDING', 'BUY', {});
    const undirected = await connection('TEST', 'CONNECTED', null, {});
    /** A stored callback delivery of the previous version. */
    const delivery = async (connectionId: string, type: string, state: string, data: Record<string, unknown>) => {
      const id = randomUUID();
      await query(
        `INSERT INTO webhook_deliveries (id, "organizationId", environment, "callbackUrl", type, payload, state, "nextAttemptAt", "createdAt", "updatedAt")
         VALUES ($1, $2, 'TEST', 'https://partner.example/kw/x', $3, $4, $5, $6, now(), now())`,
        [
          id,
          organizationId,
          type,
          JSON.stringify({ type, timestamp: new Date().toISOString(), data: { status: 'CONNECTED', connectionId, ...data } }),
          state,
          state === 'PENDING' ? new Date() : null,
        ],
      );
      return id;
    };
    const retrying = await delivery(buy, 'connection.connection_status', 'PENDING', { direction: 'BUY', depositAddress: OLD_ADDRESS });
    const sent = await delivery(sell, 'connection.connection_status', 'SUCCEEDED', { direction: 'SELL', depositIban: OLD_IBAN });
    const verification = await delivery(buy, 'connection.verification_status', 'PENDING', { keyId: 'abcd1234' });

    expect(await applyMigrations({ kind: 'pglite', pglite })).toEqual({ applied: (await committedMigrations()).filter((m) => m >= name) });
    const stored = async () => {
      const { rows } = await pglite.query<{ id: string; depositIban: string | null; depositAddress: string | null; depositDetailsPending: boolean }>(
        `SELECT id, "depositIban", "depositAddress", "depositDetailsPending" FROM connections WHERE "organizationId" = $1`,
        [organizationId],
      );
      return Object.fromEntries(rows.map(({ id, ...row }) => [id, row]));
    };
    const none = { depositIban: null, depositAddress: null };
    expect(await stored()).toEqual({
      [buy]: { ...none, depositDetailsPending: true },
      [sell]: { ...none, depositDetailsPending: true },
      [revoked]: { ...none, depositDetailsPending: false }, // disconnected: nothing to ask for
      [liveBuy]: { ...none, depositDetailsPending: true },
      [pending]: { ...none, depositDetailsPending: false },
      [undirected]: { ...none, depositDetailsPending: false },
    });
    const deliveries = async () => {
      const { rows } = await pglite.query<{ id: string; state: string; nextAttemptAt: Date | null; payload: { data: Record<string, unknown> } }>(
        `SELECT id, state::text AS state, "nextAttemptAt", payload FROM webhook_deliveries WHERE "organizationId" = $1`,
        [organizationId],
      );
      return Object.fromEntries(rows.map(({ id, ...row }) => [id, row]));
    };
    const after = await deliveries();
    // The retry would have sent the old address again: cancelled, and the address is gone from it.
    expect(after[retrying]).toMatchObject({ state: 'CANCELLED', nextAttemptAt: null });
    expect(after[retrying]!.payload.data).toEqual({ status: 'CONNECTED', connectionId: buy, direction: 'BUY' });
    // A sent one stays as it was, without the IBAN, so redeliverWebhook cannot send it again.
    expect(after[sent]).toMatchObject({ state: 'SUCCEEDED', payload: { data: { status: 'CONNECTED', connectionId: sell, direction: 'SELL' } } });
    expect(after[sent]!.payload.data).not.toHaveProperty('depositIban');
    expect(after[verification]).toMatchObject({ state: 'PENDING', payload: { data: { keyId: 'abcd1234' } } });

    // The start-up step, on two instances at once (the sandbox provider: nothing in LIVE).
    const { prisma, database } = databaseOn(pglite);
    const app = await createTestApp({ database });
    const withProvider = await createTestApp({
      database,
      deposits: { fiatDepositAccount: async () => 'DE89370400440532013000', cryptoDepositAddress: async () => LIVE_ADDRESS },
    });
    try {
      const results = await Promise.all([app.services.connections.replaceDepositDetails(), app.services.connections.replaceDepositDetails()]);
      expect(results.reduce((sum, r) => sum + r.replaced, 0)).toBe(2);
      expect(await app.services.connections.replaceDepositDetails()).toEqual({ replaced: 0, waiting: 1, withdrawn: 0 });

      const { secret } = await app.services.apiKeys.createPartnerKey(
        { type: 'operator' },
        { organizationId, environment: 'TEST', name: 'TEST key', permissions: ['CONNECTIONS_READ'] },
      );
      const read = async (id: string) => {
        const res = await gql(
          app,
          'query ($id: ID!) { node(id: $id) { ... on Connection { direction depositIban depositAddress } } }',
          { id: encodeGlobalID('Connection', id) },
          { headers: partner(secret) },
        );
        return (res.data as { node: unknown }).node;
      };
      expect(await read(buy)).toEqual({ direction: 'BUY', depositIban: sandboxDepositIban(buy), depositAddress: null });
      expect(await read(sell)).toEqual({ direction: 'SELL', depositIban: null, depositAddress: sandboxDepositAddress(sell) });
      expect(await read(revoked)).toEqual({ direction: 'SELL', ...none });
      expect(await read(pending)).toEqual({ direction: 'BUY', ...none });
      expect(await prisma.event.count({ where: { organizationId, type: 'CONNECTION_STATUS_CHANGED' } })).toBe(2);
      expect(await prisma.auditEvent.count({ where: { organizationId, action: 'connection.deposit_details_replaced' } })).toBe(2);
      // Each got its connection-status callback with the new detail.
      const callbacks = await prisma.webhookDelivery.findMany({ where: { organizationId, type: 'connection.connection_status', state: 'PENDING' } });
      expect(
        callbacks.map((c) => (c.payload as { data: Record<string, unknown> }).data).sort((a, b) => String(a.direction).localeCompare(String(b.direction))),
      ).toEqual([
        expect.objectContaining({ direction: 'BUY', depositIban: sandboxDepositIban(buy) }),
        expect.objectContaining({ direction: 'SELL', depositAddress: sandboxDepositAddress(sell) }),
      ]);

      // LIVE waits for a provider; a start with one gives it its IBAN, and the next start does nothing.
      expect((await stored())[liveBuy]).toEqual({ ...none, depositDetailsPending: true });
      expect(await withProvider.services.connections.replaceDepositDetails()).toEqual({ replaced: 1, waiting: 0, withdrawn: 0 });
      expect((await stored())[liveBuy]).toEqual({ depositIban: 'DE89370400440532013000', depositAddress: null, depositDetailsPending: false });
      expect(await withProvider.services.connections.replaceDepositDetails()).toEqual({ replaced: 0, waiting: 0, withdrawn: 0 });
      expect(await prisma.event.count({ where: { organizationId, type: 'CONNECTION_STATUS_CHANGED' } })).toBe(3);
    } finally {
      await prisma.$disconnect();
    }
    // Replays every migration into a fresh PGlite: slow on a loaded machine.
  }, 120_000);
});

// -- LIVE access (issue 14) --------------------------------------------------------------------------

describe('organizations from before LIVE access was gated', () => {
  it('are ENABLED when they ever had a LIVE key or a LIVE connection, PENDING otherwise; new ones start PENDING', async () => {
    const { pglite, name, query } = await migratedBefore('_live_access');
    const organization = async (label: string) => {
      const id = randomUUID();
      await query(`INSERT INTO organizations (id, name, "updatedAt") VALUES ($1, $2, now())`, [id, label]);
      return id;
    };
    const key = (organizationId: string, environment: 'TEST' | 'LIVE', revoked: boolean) =>
      query(
        `INSERT INTO api_keys (id, "keyId", kind, "organizationId", environment, name, permissions, "secretHash", "revokedAt", "updatedAt")
         VALUES ($1, $2, 'PARTNER', $3, $4, 'Old key', ARRAY['KEYS_READ']::"Permission"[], $5, $6, now())`,
        [randomUUID(), randomBytes(6).toString('base64url').slice(0, 8), organizationId, environment, randomBytes(32), revoked ? new Date() : null],
      );
    const liveKey = await organization('LIVE key');
    await key(liveKey, 'LIVE', false);
    const revokedLiveKey = await organization('Revoked LIVE key');
    await key(revokedLiveKey, 'TEST', false);
    await key(revokedLiveKey, 'LIVE', true);
    const liveConnection = await organization('LIVE connection only');
    const userId = randomUUID();
    await query(`INSERT INTO users (id, email, "updatedAt") VALUES ($1, $2, now())`, [userId, `${userId}@example.com`]);
    await query(`INSERT INTO connections (id, "organizationId", "userId", environment, status, "updatedAt") VALUES ($1, $2, $3, 'LIVE', 'REJECTED', now())`, [
      randomUUID(),
      liveConnection,
      userId,
    ]);
    const testOnly = await organization('TEST only');
    await key(testOnly, 'TEST', false);
    const nothing = await organization('Nothing yet');

    expect(await applyMigrations({ kind: 'pglite', pglite })).toEqual({ applied: (await committedMigrations()).filter((m) => m >= name) });
    const fresh = await organization('Created after');
    const { rows } = await pglite.query<{ id: string; liveAccess: string }>(`SELECT id, "liveAccess"::text AS "liveAccess" FROM organizations`);
    const access = Object.fromEntries(rows.map((r) => [r.id, r.liveAccess]));
    expect([liveKey, revokedLiveKey, liveConnection, testOnly, nothing, fresh].map((id) => access[id])).toEqual([
      'ENABLED',
      'ENABLED',
      'ENABLED',
      'PENDING',
      'PENDING',
      'PENDING',
    ]);
    // Replaying every migration into a fresh PGlite takes seconds, more on a busy machine.
  }, 120_000);
});

describe('migrations on PGlite', () => {
  const pglites: PGlite[] = [];
  const freshPGlite = () => {
    const pglite = new PGlite();
    pglites.push(pglite);
    return pglite;
  };

  afterAll(async () => {
    await Promise.all(pglites.map((pglite) => pglite.close()));
  });

  async function tables(pglite: PGlite): Promise<string[]> {
    const { rows } = await pglite.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    return rows.map((row) => row.name);
  }

  it('applies the committed migrations once, then nothing', async () => {
    const pglite = freshPGlite();
    const committed = await committedMigrations();
    expect(committed.length).toBeGreaterThan(0);

    expect(await applyMigrations({ kind: 'pglite', pglite })).toEqual({ applied: committed });
    expect(await tables(pglite)).toEqual(['_prisma_migrations', ...APP_TABLES]);
    expect(await applyMigrations({ kind: 'pglite', pglite })).toEqual({ applied: [] });

    const { rows } = await pglite.query<{ migration_name: string; finished: boolean }>(
      'SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual(committed.map((migration_name) => ({ migration_name, finished: true })));
    // The engine's advisory lock is not left behind on the shared session.
    const locks = await pglite.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory'`);
    expect(locks.rows).toEqual([]);
  });

  it('serves PrismaClient through the same adapter factory', async () => {
    const pglite = freshPGlite();
    await applyMigrations({ kind: 'pglite', pglite });
    const prisma = new PrismaClient({ adapter: createPGliteAdapterFactory(pglite) });
    try {
      const created = await prisma.organization.create({ data: { name: 'Acme' } });
      expect(await prisma.organization.findUnique({ where: { id: created.id } })).toMatchObject({ name: 'Acme' });
    } finally {
      await prisma.$disconnect();
    }
  });

  it('queues concurrent migrations of one PGlite', async () => {
    const pglite = freshPGlite();
    const results = await Promise.all([1, 2, 3].map(() => applyMigrations({ kind: 'pglite', pglite })));
    expect(results.flatMap((result) => result.applied)).toEqual(await committedMigrations());
  });

  it('fails on a broken migration instead of recording it as applied', async () => {
    const pglite = freshPGlite();
    const broken = '29990101000000_broken';
    const migrationsDir = await migrationsDirWith({
      [broken]: 'CREATE TABLE half_done (id INT);\nSELECT * FROM no_such_table;\n',
    });

    await expect(applyMigrations({ kind: 'pglite', pglite }, { migrationsDir })).rejects.toThrow(/no_such_table/);

    const { rows } = await pglite.query<{ finished: boolean; logs: string | null }>(
      'SELECT finished_at IS NOT NULL AS finished, logs FROM _prisma_migrations WHERE migration_name = $1',
      [broken],
    );
    expect(rows).toEqual([{ finished: false, logs: expect.stringContaining('no_such_table') }]);
    // The script ran as one implicit transaction: its first statement was rolled back too.
    expect(await tables(pglite)).not.toContain('half_done');
    // Like `migrate deploy`, a failed migration blocks the next runs until resolved.
    await expect(applyMigrations({ kind: 'pglite', pglite }, { migrationsDir })).rejects.toThrow(/failed/);
  });
});

describe('migration check', () => {
  it('finds the committed migrations in sync with prisma/schema.prisma', async () => {
    expect(await diffMigrationsToSchema()).toBe('');
  });

  it('returns the SQL a schema change needs', async () => {
    const schemaPath = path.join(await tempDir(), 'schema.prisma');
    const schema = await readFile(defaultSchemaPath, 'utf8');
    await writeFile(schemaPath, `${schema}\nmodel Probe {\n  id Int @id\n  @@map("probes")\n}\n`);

    const sql = await diffMigrationsToSchema({ schemaPath });
    expect(sql).toContain('CREATE TABLE "probes"');
    expect(sql).not.toContain('"organizations"');
  });
});

// Skipped only on a dev machine without PostgreSQL; in CI missing binaries fail the run.
describe.skipIf(!postgresAvailable() && !process.env.CI)('migrations on PostgreSQL', () => {
  let server: PostgresServer;
  const clients: pg.Client[] = [];

  async function connect(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    server = await startPostgres();
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await server?.stop();
  });

  it('applies each migration exactly once when four processes start together', async () => {
    const url = await server.createDatabase();
    const committed = await committedMigrations();

    const results = await Promise.all([1, 2, 3, 4].map(() => applyMigrations({ kind: 'postgres', url })));

    expect(results.flatMap((result) => result.applied)).toEqual(committed);
    const client = await connect(url);
    const { rows } = await client.query<{ migration_name: string; finished: boolean }>(
      'SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual(committed.map((migration_name) => ({ migration_name, finished: true })));
    const tables = await client.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(tables.rows.map((row) => row.name)).toEqual(['_prisma_migrations', ...APP_TABLES]);

    // Every engine connection was closed, so no session still holds the advisory lock…
    const leftovers = await client.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    expect(leftovers.rows).toEqual([]);
    expect((await client.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory'`)).rows).toEqual([]);
    // …and the next start gets it (a held lock would make it give up after 10 s and throw).
    expect(await applyMigrations({ kind: 'postgres', url })).toEqual({ applied: [] });
  });

  it('waits for the advisory lock another session holds', async () => {
    const url = await server.createDatabase();
    const holder = await connect(url);
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);

    let settled = false;
    const migrating = applyMigrations({ kind: 'postgres', url }).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(settled).toBe(false);

    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    expect(await migrating).toEqual({ applied: await committedMigrations() });
  });

  it('splits each legacy signing secret exactly once when four instances start together', async () => {
    const url = await server.createDatabase();
    const encryptionKey = randomBytes(32);
    await applyMigrations({ kind: 'postgres', url }, { migrationsDir: await migrationsDirWith({}, await perEnvironmentMigration()) });
    const client = await connect(url);
    const query: Query = (sql, params) => client.query(sql, params);
    const legacy = [];
    for (let i = 0; i < 6; i++) legacy.push(await insertLegacyOrganization(query, encryptionKey, [{ retiresAt: null, ageMs: 0 }]));

    // Four processes: each applies the migrations, then runs the upgrade step.
    const databases = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ kind: 'postgres', url })));
    try {
      const apps = await Promise.all(databases.map((database) => createTestApp({ database, encryptionKey })));
      const results = await Promise.all(apps.map((app) => app.services.signing.upgradeLegacySecrets()));
      expect(results.reduce((sum, r) => sum + r.split, 0)).toBe(legacy.length);

      const { rows } = await client.query<{ organizationId: string; environment: string | null; id: string; sealed: Buffer }>(
        `SELECT "organizationId", environment::text AS environment, id, sealed FROM signing_secrets ORDER BY "organizationId", signing_secrets.environment`,
      );
      expect(rows).toHaveLength(legacy.length * 2);
      for (const {
        organizationId,
        rows: [row],
      } of legacy) {
        const mine = rows.filter((r) => r.organizationId === organizationId);
        expect(mine.map((r) => [r.environment, r.id === row!.id])).toEqual([
          ['TEST', true],
          ['LIVE', false],
        ]);
        expect(mine.map((r) => open(encryptionKey, r.sealed, r.id))).toEqual([row!.secret, row!.secret]);
      }
    } finally {
      await Promise.all(databases.map((database) => database.close()));
    }
  });

  it('runs each script whole and atomically', async () => {
    const url = await server.createDatabase();
    const migrationsDir = await migrationsDirWith({
      // adapter-pg alone would split this on every `;`, inside the literal and the function body.
      '29990101000000_function': `
        CREATE TABLE notes (body TEXT NOT NULL DEFAULT 'a; b');
        CREATE FUNCTION note_count() RETURNS BIGINT LANGUAGE plpgsql AS $$
        BEGIN
          RETURN (SELECT count(*) FROM notes);
        END;
        $$;
      `,
      '29990101000001_broken': 'CREATE TABLE half_done (id INT);\nSELECT * FROM no_such_table;\n',
    });

    await expect(applyMigrations({ kind: 'postgres', url }, { migrationsDir })).rejects.toThrow(/no_such_table/);

    const client = await connect(url);
    await client.query('INSERT INTO notes DEFAULT VALUES');
    const { rows } = await client.query('SELECT body, note_count() AS count FROM notes');
    expect(rows).toEqual([{ body: 'a; b', count: '1' }]);
    expect((await client.query(`SELECT to_regclass('half_done') AS t`)).rows).toEqual([{ t: null }]);
  });
});
