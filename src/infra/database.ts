import type { Logger } from 'pino';
import { AccessError } from '../domain/errors.ts';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations } from './migrate.ts';
import { PGliteThread } from './pglite-thread.ts';

export type DatabaseTarget = { kind: 'memory' } | { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string };

/** Appends rows to a table in one statement (`COPY … FROM`): values in `columns` order, null for NULL. */
export type CopyRows = (table: string, columns: readonly string[], rows: readonly (readonly CopyValue[])[]) => Promise<void>;
type CopyValue = string | number | Date | null;

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseTarget['kind'];
  /**
   * The embedded database only: bulk appends by `COPY`, which PGlite parses in about two thirds of
   * the CPU of the equivalent INSERT (issue 17, the request log).
   */
  copyRows?: CopyRows;
  /** Throws when the database cannot answer (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the database and brings its schema up to date with the committed migrations.
 * PGlite is a single connection, so its transactions queue: allow them a long wait.
 */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    await applyMigrations({ kind: 'postgres', url: target.url });
    const prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: target.url }),
      transactionOptions: { maxWait: 5_000, timeout: 10_000 },
    });
    return wrap(prisma, target.kind, () => prisma.$disconnect());
  }
  // PGlite runs (and is migrated) in a thread of its own: pglite-thread.ts says why.
  const thread = await PGliteThread.start({ dataDir: target.kind === 'memory' ? null : `${target.dataDir}/pgdata` });
  const prisma = new PrismaClient({
    adapter: thread.adapterFactory(),
    transactionOptions: { maxWait: 30_000, timeout: 15_000 },
  });
  const database = wrap(prisma, target.kind, async () => {
    await prisma.$disconnect();
    await thread.close();
  });
  return { ...database, copyRows: (table, columns, rows) => copyIntoPGlite(thread, table, columns, rows) };
}

/** COPY's text format: tab between values, newline after each row, `\N` for NULL, backslash escapes. */
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\uFFFD' };
const COPY_SPECIAL = /[\\\t\n\r\0]/g;
const HAS_COPY_SPECIAL = /[\\\t\n\r\0]/;

function copyText(value: CopyValue): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return String(value);
  // A NUL cannot be stored in text at all: it becomes U+FFFD, as an invalid byte would.
  // Most values have nothing to escape: testing first is much cheaper than replacing.
  return HAS_COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL, (special) => COPY_ESCAPES[special]!) : value;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function copyIntoPGlite(thread: PGliteThread, table: string, columns: readonly string[], rows: readonly (readonly CopyValue[])[]): Promise<void> {
  if (rows.length === 0) return;
  let text = '';
  for (const row of rows) text += `${row.map(copyText).join('\t')}\n`;
  await thread.copy(`COPY ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) FROM '/dev/blob'`, text);
}

function wrap(prisma: PrismaClient, kind: DatabaseTarget['kind'], close: () => Promise<void>): Database {
  return {
    prisma,
    kind,
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    close,
  };
}

/** Prisma codes for "the database cannot be reached or dropped the connection". */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Driver adapter error kinds with the same meaning. */
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** PostgreSQL SQLSTATEs: connection exceptions (08…), shutting down or starting up (57P01–57P03), too many connections (53300). */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;
/** What node-postgres says when the server goes away under a connection. */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|connect ECONNREFUSED|Client has encountered a connection error)/;

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/**
 * Whether an error means the database is away (down, restarting, unreachable, out of
 * connections) rather than that the request was wrong: such failures are answered with
 * UNAVAILABLE and 503, so clients retry. Follows `cause` and Prisma's wrapped adapter error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, kind, message, cause, meta } = current as ErrorLike;
    if (typeof code === 'string' && (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    pending.push(cause, meta?.driverAdapterError);
  }
  return false;
}

export function databaseUnavailable(): AccessError {
  return new AccessError('UNAVAILABLE', 'The service is temporarily unavailable; try again shortly', 1);
}

/** One warning per 10 s while the database is away (not one error with a stack per request). */
export function databaseOutageLog(logger: Logger): (error: unknown) => void {
  let loggedAt = -Infinity;
  let since = 0;
  return (error) => {
    since++;
    const now = performance.now();
    if (now - loggedAt < 10_000) return;
    loggedAt = now;
    logger.warn({ err: error instanceof Error ? error.message : String(error), failedRequests: since }, 'database unavailable: answering UNAVAILABLE (503)');
    since = 0;
  };
}
