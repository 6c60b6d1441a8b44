import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../src/generated/prisma/client.ts';
import { applyMigrations, defaultMigrationsDir, defaultSchemaPath, diffMigrationsToSchema } from '../../src/infra/migrate.ts';
import { createPGliteAdapterFactory } from '../../src/infra/pglite-adapter.ts';
import { postgresAvailable, startPostgres, type PostgresServer } from '../helpers/postgres.ts';

const APP_TABLES = [
  'api_keys',
  'audit_events',
  'connections',
  'consent_tokens',
  'events',
  'organizations',
  'request_logs',
  'seen_signatures',
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

/** A migrations directory holding copies of the committed migrations followed by `extra`. */
async function migrationsDirWith(extra: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const name of await committedMigrations()) {
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
    const { rows } = await pglite.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
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
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.rows.map((row) => row.name)).toEqual(['_prisma_migrations', ...APP_TABLES]);

    // Every engine connection was closed, so no session still holds the advisory lock…
    const leftovers = await client.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(leftovers.rows).toEqual([]);
    expect((await client.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory'`)).rows).toEqual([]);
    // …and the next start gets it at once (a held lock would make it wait 10 s, then fail).
    const started = Date.now();
    expect(await applyMigrations({ kind: 'postgres', url })).toEqual({ applied: [] });
    expect(Date.now() - started).toBeLessThan(5_000);
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
