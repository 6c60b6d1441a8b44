import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, diffMigrationsToSchema } from '../src/infra/migrate.ts';
const t0 = Date.now();
const d = mkdtempSync(path.join(tmpdir(), 'mig-'));
console.log('empty-dir diff length', (await diffMigrationsToSchema({ migrationsDir: d })).length, Date.now() - t0);
writeFileSync(path.join(d, 'migration_lock.toml'), 'provider = "postgresql"\n');
mkdirSync(path.join(d, '20250101000000_a'));
writeFileSync(path.join(d, '20250101000000_a', 'migration.sql'), 'CREATE TABLE a (id int);');
mkdirSync(path.join(d, '20250101000001_b'));
writeFileSync(path.join(d, '20250101000001_b', 'migration.sql'), 'CREATE TABLE b (id int);\nSELECT * FROM nope;');
const pg = new PGlite();
pg.onNotification?.(() => {});
try { console.log(await applyMigrations({ kind: 'pglite', pglite: pg }, { migrationsDir: d })); } catch (e: any) { console.log('ERR', e.message, e.constructor.name, Object.keys(e), e.stack); }
console.log((await pg.query(`select migration_name, finished_at, rolled_back_at, logs from _prisma_migrations`)).rows);
console.log((await pg.query(`select to_regclass('b') b, to_regclass('a') a`)).rows);
console.log((await pg.query(`select count(*) from pg_locks where locktype='advisory'`)).rows);
try { console.log(await applyMigrations({ kind: 'pglite', pglite: pg }, { migrationsDir: d })); } catch (e: any) { console.log('ERR2', e.message); }
const p2 = new PGlite();
const r = await Promise.all([1,2,3].map(() => applyMigrations({ kind: 'pglite', pglite: p2 }, { migrationsDir: '/work/main/prisma/migrations-none' })));
console.log(r, Date.now() - t0);
await pg.close(); await p2.close();
const h = (process as any)._getActiveHandles();
console.log(h.map((x: any) => x.constructor.name + ' ' + (x._idleTimeout ?? '') + ' ' + (x.hasRef?.() ?? '')));
setTimeout(() => console.log('5s later', (process as any)._getActiveHandles().map((x: any) => x.constructor.name + ' ' + (x._idleTimeout ?? '')+ ' ' + (x.hasRef?.() ?? ''))), 5000).unref();
