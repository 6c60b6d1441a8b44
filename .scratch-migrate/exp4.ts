import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations, diffMigrationsToSchema } from '../src/infra/migrate.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
const server = await startPostgres();
try {
  const d = mkdtempSync(path.join(tmpdir(), 'mig-'));
  writeFileSync(path.join(d, 'migration_lock.toml'), 'provider = "postgresql"\n');
  mkdirSync(path.join(d, '20250101000000_init'));
  const sql = await diffMigrationsToSchema({ migrationsDir: '/nonexistent' });
  writeFileSync(path.join(d, '20250101000000_init', 'migration.sql'), sql + `\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN 1; END $$;\n-- a comment; with semicolon\nSELECT pg_sleep(0.5);`);
  const url = await server.createDatabase();
  let t = Date.now();
  const res = await Promise.allSettled([1, 2, 3, 4].map(() => applyMigrations({ kind: 'postgres', url }, { migrationsDir: d })));
  console.log(JSON.stringify(res.map(r => r.status === 'fulfilled' ? r.value : String(r.reason).slice(0, 300))), Date.now() - t);
  const c = new pg.Client(url); await c.connect();
  console.log((await c.query(`select migration_name, finished_at is not null done, applied_steps_count from _prisma_migrations`)).rows);
  console.log((await c.query(`select locktype, objid, pid from pg_locks where locktype='advisory'`)).rows);
  console.log((await c.query(`select count(*) from pg_stat_activity where datname = current_database()`)).rows);
  t = Date.now();
  console.log(await applyMigrations({ kind: 'postgres', url }, { migrationsDir: d }), Date.now() - t);
  await c.end();
} finally { await server.stop(); }
