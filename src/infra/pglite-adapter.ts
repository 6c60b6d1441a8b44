// Prisma driver adapter for PGlite: pglite-prisma-adapter with its `executeScript` fixed.
//
// pglite-prisma-adapter 0.7.2 calls `client.exec(script)` without awaiting it, so `executeScript`
// resolves before the script has run: the schema engine records a failing migration as applied,
// and the rejection surfaces later as an unhandled error that crashes the process. The factory
// below wraps every adapter it hands out so `executeScript` awaits the script and rejects with a
// `DriverAdapterError` the engine can report. Everything else is delegated unchanged.

import { PGlite } from '@electric-sql/pglite';
import { DriverAdapterError, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/** Converts a PostgreSQL error (PGlite's or pg's, they carry the same fields) for the engines. */
function toDriverAdapterError(error: unknown): unknown {
  if (!isPostgresError(error)) return error;
  return new DriverAdapterError({
    kind: 'postgres',
    code: error.code,
    severity: error.severity,
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
    originalCode: error.code,
    originalMessage: error.message,
  });
}

interface PostgresError extends Error {
  code: string;
  severity: string;
  detail?: string | undefined;
  column?: string | undefined;
  hint?: string | undefined;
}

// Structural: PGlite's and pg's DatabaseError are different classes. `severity` tells them from
// Node's system errors (ECONNREFUSED, …), which also carry a string `code`.
function isPostgresError(error: unknown): error is PostgresError {
  const e = error as Partial<PostgresError> | null;
  return error instanceof Error && typeof e?.code === 'string' && typeof e.severity === 'string';
}

/**
 * Delegates to `inner`, except that `executeScript` sends the whole script with `runScript` and
 * awaits it. Also used by src/infra/migrate.ts for PostgreSQL, where adapter-pg's own
 * `executeScript` splits scripts on every `;` (breaking `$$` bodies and string literals) and runs
 * the pieces one by one (a failing migration leaves its first statements applied).
 */
export function withScriptRunner(inner: SqlDriverAdapter, runScript: (script: string) => Promise<unknown>, onDispose?: () => Promise<void>): SqlDriverAdapter {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: inner.queryRaw.bind(inner),
    executeRaw: inner.executeRaw.bind(inner),
    startTransaction: inner.startTransaction.bind(inner),
    getConnectionInfo: inner.getConnectionInfo?.bind(inner),
    async executeScript(script: string): Promise<void> {
      try {
        // One simple-protocol message: PostgreSQL runs the statements in one implicit transaction,
        // as the native engine's `simple_query` does, so a failing migration leaves nothing behind.
        await runScript(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
    async dispose(): Promise<void> {
      await inner.dispose();
      await onDispose?.();
    },
  };
}

/**
 * Adapter factory for PrismaClient (`new PrismaClient({ adapter })`) and the schema engine.
 * It never closes the PGlite it was given: that stays the caller's.
 */
export class PGliteAdapterFactory extends PrismaPGlite implements SqlMigrationAwareDriverAdapterFactory {
  constructor(private readonly pglite: PGlite) {
    super(pglite);
  }

  override async connect(): Promise<SqlDriverAdapter> {
    return withScriptRunner(await super.connect(), (script) => this.pglite.exec(script));
  }

  /**
   * The base class opens a `memory://shadow` PGlite here and never closes it; this one is closed
   * when the engine disposes the connection.
   */
  override async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = new PGlite();
    const inner = await new PrismaPGlite(shadow).connect();
    return withScriptRunner(
      inner,
      (script) => shadow.exec(script),
      () => shadow.close(),
    );
  }
}

export function createPGliteAdapterFactory(pglite: PGlite): PGliteAdapterFactory {
  return new PGliteAdapterFactory(pglite);
}
