import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import { createPGliteAdapterFactory } from '../src/infra/pglite-adapter.ts';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
console.log(wasmPath);
let t = Date.now();
const mod = new WebAssembly.Module(readFileSync(wasmPath));
const inst = new WebAssembly.Instance(mod, { './schema_engine_bg.js': bg as any });
bg.__wbg_set_wasm(inst.exports);
(inst.exports as any).__wbindgen_start();
console.log('wasm ms', Date.now() - t);
const pglite = new PGlite();
const f = createPGliteAdapterFactory(pglite);
const calls: string[] = [];
const tracked = {
  provider: f.provider, adapterName: f.adapterName,
  connect: async () => { calls.push('connect'); const a = await f.connect(); const orig = a.executeScript.bind(a); (a as any).executeScript = async (s: string) => { calls.push('script:' + s.slice(0, 60)); return orig(s); }; const q = a.queryRaw.bind(a); (a as any).queryRaw = async (x: any) => { calls.push('q:' + x.sql.slice(0, 80)); return q(x); }; const e = a.executeRaw.bind(a); (a as any).executeRaw = async (x: any) => { calls.push('e:' + x.sql.slice(0, 80)); return e(x); }; const st = a.startTransaction.bind(a); (a as any).startTransaction = async (x: any) => { calls.push('tx'); return st(x); }; const d = a.dispose.bind(a); (a as any).dispose = async () => { calls.push('dispose'); return d(); }; return a; },
  connectToShadowDb: async () => { calls.push('shadow'); return f.connectToShadowDb(); },
};
const engine = await bg.SchemaEngine.new({ datamodels: undefined }, (log: unknown) => console.log('LOG', typeof log, String(log).slice(0, 300)), bindMigrationAwareSqlAdapterFactory(tracked as any));
const schema = readFileSync('prisma/schema.prisma', 'utf8');
t = Date.now();
const r = await engine.diff({ from: { tag: 'empty' }, to: { tag: 'schemaDatamodel', files: [{ path: 'prisma/schema.prisma', content: schema }] }, script: true, exitCode: null, filters: { externalTables: [], externalEnums: [] } });
console.log('diff ms', Date.now() - t, r.exitCode);
console.log(r.stdout);
console.log(calls);
const migrationsList = (sql: string) => ({ baseDir: '/tmp/m', lockfile: { path: 'migration_lock.toml', content: null }, shadowDbInitScript: '', migrationDirectories: [{ path: '20250101000000_init', migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: sql } } }] });
calls.length = 0;
const out = await engine.applyMigrations({ migrationsList: migrationsList(r.stdout!), filters: { externalTables: [], externalEnums: [] } });
console.log(out, calls);
calls.length = 0;
const r2 = await engine.diff({ from: { tag: 'schemaDatasource', files: [{ path: 'prisma/schema.prisma', content: schema }], configDir: 'prisma' }, to: { tag: 'schemaDatamodel', files: [{ path: 'prisma/schema.prisma', content: schema }] }, script: true, exitCode: null, filters: { externalTables: [], externalEnums: [] } });
console.log(JSON.stringify(r2), calls);
console.log((await pglite.query(`select locktype, objid, granted from pg_locks where locktype='advisory'`)).rows);
engine.free();
console.log('freed');
