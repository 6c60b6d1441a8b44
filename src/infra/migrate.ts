// Migrations without the Prisma CLI (which needs a native schema engine that cannot be downloaded
// here): Prisma's own schema engine compiled to WASM, driven over the same driver adapters as the
// application. `applyMigrations` is `prisma migrate deploy` (same `_prisma_migrations` table, so
// hosts with the native CLI can work on the same database); `diffMigrationsToSchema` is the script
// `prisma migrate dev --create-only` would write, and, when empty, the proof that the committed
// migrations match prisma/schema.prisma.

import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { createPGliteAdapterFactory, withScriptRunner } from './pglite-adapter.ts';

export const defaultMigrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
export const defaultSchemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

export type MigrationTarget = { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; url: string };

/** The key of the session-level advisory lock the engine takes around `applyMigrations`. */
const MIGRATION_LOCK_KEY = 72707369;

const noFilters: SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * Applies the committed migrations that the database has not recorded yet, in name order, like
 * `prisma migrate deploy`. Safe to call from several processes at once on one PostgreSQL database:
 * the engine serializes them with `pg_advisory_lock(72707369)` (and gives up after 10 s), and the
 * lock is released when this returns because every connection the engine opened is closed.
 */
export async function applyMigrations(target: MigrationTarget, opts: { migrationsDir?: string } = {}): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir);
  if (target.kind === 'postgres') {
    return withEngine(postgresMigrationFactory(target.url), (engine) => deploy(engine, migrationsList));
  }
  const { pglite } = target;
  return serializePerPGlite(pglite, async () => {
    try {
      return await withEngine(createPGliteAdapterFactory(pglite), (engine) => deploy(engine, migrationsList));
    } finally {
      // The engine's adapter shares the caller's only PGlite session, which outlives the engine:
      // release the lock it took there (unlocking a lock not held just returns false).
      await pglite.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

/**
 * The SQL that would bring a database built by the committed migrations to the datamodel of the
 * Prisma schema: '' when they are in sync, otherwise the script for the next migration.
 * It replays the migrations into a throw-away in-memory PGlite and diffs that against the schema.
 */
export async function diffMigrationsToSchema(opts: { migrationsDir?: string; schemaPath?: string } = {}): Promise<string> {
  const schemaPath = opts.schemaPath ?? defaultSchemaPath;
  const [migrationsList, content] = await Promise.all([readMigrations(opts.migrationsDir ?? defaultMigrationsDir), readFile(schemaPath, 'utf8')]);
  const files = [{ path: schemaPath, content }];
  const pglite = new PGlite();
  try {
    const result = await withEngine(createPGliteAdapterFactory(pglite), async (engine) => {
      await deploy(engine, migrationsList);
      return engine.diff({
        from: { tag: 'schemaDatasource', files, configDir: path.dirname(schemaPath) },
        to: { tag: 'schemaDatamodel', files },
        script: true,
        // exitCode 2 means "non-empty diff"; an empty one still prints a comment we don't want.
        exitCode: true,
        filters: noFilters,
      });
    });
    return result.exitCode === 0 ? '' : (result.stdout ?? '');
  } finally {
    await pglite.close();
  }
}

/** Reads a Prisma migrations directory (`<name>/migration.sql` + `migration_lock.toml`). */
async function readMigrations(dir: string): Promise<MigrationList> {
  const baseDir = path.resolve(dir);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        // A missing file is reported by the engine, with the migration's name, as the CLI does.
        content: await readFile(path.join(baseDir, name, 'migration.sql'), 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        ),
      },
    })),
  );
  const lockfileContent = await readFile(path.join(baseDir, 'migration_lock.toml'), 'utf8').catch(() => null);
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockfileContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

async function deploy(engine: SchemaEngine, migrationsList: MigrationList): Promise<{ applied: string[] }> {
  const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
  return { applied: appliedMigrationNames };
}

/**
 * adapter-pg for the engine, with two changes:
 * - one pooled connection that is never reaped while idle, so the session holding the advisory
 *   lock is the one running the migration, and it lives until the engine's connections are disposed;
 * - `executeScript` sends the script as one message (see `withScriptRunner`).
 */
function postgresMigrationFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  const pg = new PrismaPg({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  return {
    provider: pg.provider,
    adapterName: pg.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await pg.connect();
      const pool = adapter.underlyingDriver();
      return withScriptRunner(adapter, (script) => pool.query(script));
    },
    connectToShadowDb: () => pg.connectToShadowDb(),
  };
}

/**
 * Runs `fn` with a schema engine connected through `factory`, then frees the engine and disposes
 * every connection it opened: `engine.free()` does not, and on PostgreSQL a connection left open
 * keeps the migration advisory lock held, so the next process to migrate times out.
 */
async function withEngine<T>(factory: SqlMigrationAwareDriverAdapterFactory, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const opened: SqlDriverAdapter[] = [];
  const track = async (connect: () => Promise<SqlDriverAdapter>) => {
    const adapter = await connect();
    opened.push(adapter);
    return adapter;
  };
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(() => factory.connect()),
    connectToShadowDb: () => track(() => factory.connectToShadowDb()),
  };
  const { SchemaEngine } = await loadEngineBindings();
  let engine: SchemaEngine | undefined;
  try {
    // Results and errors come back through the promises; the engine's log lines are not needed.
    const adapterFactory = bindMigrationAwareSqlAdapterFactory(tracking);
    engine = await SchemaEngine.new({ datamodels: undefined }, () => {}, adapterFactory);
    return await fn(engine);
  } finally {
    engine?.free();
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}

// The project's libs (es2023, @types/node 20) declare no WebAssembly API: just what is used here.
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, Record<string, unknown>>): Promise<{ exports: Record<string, unknown> }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let bindings: Promise<typeof engineBindings> | undefined;

/**
 * Instantiates the engine's WASM once per process, by hand: the package's entry point imports the
 * `.wasm` file as an ES module, which Node does not support.
 */
function loadEngineBindings(): Promise<typeof engineBindings> {
  bindings ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
    const module = await wasmApi.compile(await readFile(wasmPath));
    const imports: Record<string, unknown> = { ...engineBindings };
    // The engine arms a 10 s timer for its advisory-lock timeout and never clears it. An unref'ed
    // timer still fires, but no longer keeps the process alive for 10 s after the work is done.
    for (const name of Object.keys(imports).filter((key) => key.startsWith('__wbg_setTimeout_'))) {
      imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
    }
    const instance = await wasmApi.instantiate(module, { './schema_engine_bg.js': imports });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return engineBindings;
  })();
  return bindings;
}

const pgliteQueues = new WeakMap<PGlite, Promise<unknown>>();

/**
 * On PGlite the engine's advisory lock protects nothing: every caller shares the one session,
 * where the lock is re-entrant. Migrations of one PGlite are queued here instead.
 */
function serializePerPGlite<T>(pglite: PGlite, fn: () => Promise<T>): Promise<T> {
  const previous = pgliteQueues.get(pglite) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  pgliteQueues.set(
    pglite,
    run.catch(() => {}),
  );
  return run;
}
