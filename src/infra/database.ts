import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations } from './migrate.ts';
import { createPGliteAdapterFactory } from './pglite-adapter.ts';

export type DatabaseTarget =
  | { kind: 'memory' }
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'postgres'; url: string };

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseTarget['kind'];
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
  const pglite = target.kind === 'memory' ? new PGlite() : new PGlite(`${target.dataDir}/pgdata`);
  await pglite.waitReady;
  await applyMigrations({ kind: 'pglite', pglite });
  const prisma = new PrismaClient({
    adapter: createPGliteAdapterFactory(pglite),
    transactionOptions: { maxWait: 30_000, timeout: 15_000 },
  });
  return wrap(prisma, target.kind, async () => {
    await prisma.$disconnect();
    await pglite.close();
  });
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
