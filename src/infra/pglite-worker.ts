// The embedded database's own thread (see pglite-thread.ts): PGlite, its migrations and Prisma's
// PGlite driver adapter live here, and the main thread sends them the driver adapter's calls.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { DriverAdapterError, SqlDriverAdapter, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { applyMigrations } from './migrate.ts';
import { createPGliteAdapterFactory } from './pglite-adapter.ts';
import type { ThreadRequest, ThreadResponse, WorkerSetup } from './pglite-thread.ts';

const port = parentPort!;
const setup = workerData as WorkerSetup;

/** What an error becomes on the way back: a driver adapter error keeps its cause (kind, code…). */
function serializeError(error: unknown): Extract<ThreadResponse, { ok: false }>['error'] {
  // By shape: the PGlite adapter throws the class of its own copy of driver-adapter-utils.
  if (error instanceof Error && error.name === 'DriverAdapterError' && typeof error.cause === 'object' && error.cause !== null) {
    return { driverAdapter: error.cause as DriverAdapterError['cause'], message: error.message };
  }
  const e = error as { message?: unknown; code?: unknown; severity?: unknown };
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' && { code: e.code }),
    ...(typeof e?.severity === 'string' && { severity: e.severity }),
  };
}

async function main(): Promise<void> {
  const pglite = setup.dataDir === null ? new PGlite() : new PGlite(setup.dataDir);
  await pglite.waitReady;
  await applyMigrations({ kind: 'pglite', pglite });
  const adapter: SqlDriverAdapter = await createPGliteAdapterFactory(pglite).connect();
  const transactions = new Map<number, Transaction>();
  let nextTransaction = 1;
  const on = (tx: number | undefined) => {
    if (tx === undefined) return adapter;
    const transaction = transactions.get(tx);
    if (!transaction) throw new Error(`transaction ${tx} is not open`);
    return transaction;
  };

  const handle = async (request: ThreadRequest): Promise<unknown> => {
    switch (request.op) {
      case 'query':
        return on(request.tx).queryRaw(request.query as SqlQuery);
      case 'execute':
        return on(request.tx).executeRaw(request.query as SqlQuery);
      case 'script':
        return adapter.executeScript(request.script);
      case 'begin': {
        const transaction = await adapter.startTransaction(request.isolationLevel);
        const id = nextTransaction++;
        transactions.set(id, transaction);
        return { tx: id, options: transaction.options };
      }
      case 'commit':
      case 'rollback': {
        const transaction = on(request.tx) as Transaction;
        transactions.delete(request.tx);
        return request.op === 'commit' ? transaction.commit() : transaction.rollback();
      }
      case 'copy':
        await pglite.query(request.sql, [], { blob: new Blob([request.text]) });
        return undefined;
      case 'close':
        await adapter.dispose();
        await pglite.close();
        return undefined;
    }
  };

  port.on('message', (request: ThreadRequest) => {
    handle(request).then(
      (value) => port.postMessage({ id: request.id, ok: true, value } satisfies ThreadResponse),
      (error: unknown) => port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies ThreadResponse),
    );
  });
  port.postMessage({ ready: true });
}

main().catch((error: unknown) => port.postMessage({ ready: false, error: serializeError(error) }));
