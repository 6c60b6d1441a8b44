// The embedded database runs in a thread of its own.
//
// PGlite is PostgreSQL compiled to WebAssembly: every statement it runs takes CPU from the thread
// that holds it. In the server's own thread that was every request's share of the request log's
// inserts (about 35 µs a request at full load, issue 17), and any long query held up every other
// request, socket and health check until it ended. Here PGlite, its migrations and Prisma's
// PGlite driver adapter live in a worker (pglite-worker.ts); the main thread's Prisma client gets a
// driver adapter that sends each call there and waits for its answer. A transaction stays one
// PGlite transaction in the worker, named by a number across the calls that make it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
  type TransactionOptions,
} from '@prisma/driver-adapter-utils';

export interface WorkerSetup {
  /** PGlite's data directory; null for an in-memory database. */
  dataDir: string | null;
}

type Call =
  | { op: 'query' | 'execute'; tx?: number | undefined; query: SqlQuery }
  | { op: 'script'; script: string }
  | { op: 'begin'; isolationLevel?: IsolationLevel | undefined }
  | { op: 'commit' | 'rollback'; tx: number }
  | { op: 'copy'; sql: string; text: string }
  | { op: 'close' };
export type ThreadRequest = { id: number } & Call;

interface SerializedError {
  message: string;
  /** A driver adapter error's cause: what Prisma maps to its error codes. */
  driverAdapter?: DriverAdapterError['cause'];
  code?: string;
  severity?: string;
}
export type ThreadResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

function deserializeError(error: SerializedError): Error {
  if (error.driverAdapter) return new DriverAdapterError(error.driverAdapter);
  return Object.assign(new Error(error.message), error.code && { code: error.code }, error.severity && { severity: error.severity });
}

/** A worker gone (crashed or closed): what isDatabaseUnavailable reads as "the database is away". */
const threadGone = () => new DriverAdapterError({ kind: 'ConnectionClosed' });

/**
 * The worker's script: the build's JavaScript, or (under tsx and vitest) the TypeScript source,
 * loaded through tsx's loader registered in the worker itself.
 */
function startWorker(setup: WorkerSetup): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./pglite-worker.js', here), { workerData: setup });
  // tsx's ESM entry, as its package's exports name it (require.resolve would give the CommonJS one).
  const tsxPackage = createRequire(here).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const tsx = pathToFileURL(join(dirname(tsxPackage), exports['./esm/api']!.import.default)).href;
  const entry = new URL('./pglite-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: setup });
}

export class PGliteThread {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private gone: Error | null = null;
  private closed = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: ThreadResponse) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      // The worker keeps the process alive only while an answer is awaited (a CLI command ends when its work does).
      if (this.pending.size === 0) worker.unref();
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(deserializeError(message.error));
    });
    const fail = (error: Error) => {
      this.gone ??= error;
      for (const waiting of this.pending.values()) waiting.reject(threadGone());
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the embedded database thread exited')));
  }

  /** Starts the thread: PGlite opened and migrated there. */
  static async start(setup: WorkerSetup): Promise<PGliteThread> {
    const worker = startWorker(setup);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; error?: SerializedError }) => {
        if (message.ready === undefined) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (message.ready) resolve();
        else reject(deserializeError(message.error ?? { message: 'the embedded database did not start' }));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.unref();
    return new PGliteThread(worker);
  }

  private call(call: Call): Promise<unknown> {
    // Closed by us: a bug of the caller (as a closed PGlite said). Crashed: the database is away (503).
    if (this.closed) return Promise.reject(new Error('The embedded database is closed'));
    if (this.gone) return Promise.reject(threadGone());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...call } satisfies ThreadRequest);
    });
  }

  /** Appends rows with one `COPY … FROM '/dev/blob'` of `text` (COPY's text format). */
  async copy(sql: string, text: string): Promise<void> {
    await this.call({ op: 'copy', sql, text });
  }

  /** Prisma's driver adapter factory: every call runs in the thread. */
  adapterFactory(): SqlDriverAdapterFactory {
    const queryable = (tx?: number) => ({
      provider: 'postgres' as const,
      adapterName: '@prisma/adapter-pglite-thread',
      queryRaw: (query: SqlQuery) => this.call({ op: 'query', tx, query }) as Promise<SqlResultSet>,
      executeRaw: (query: SqlQuery) => this.call({ op: 'execute', tx, query }) as Promise<number>,
    });
    const adapter: SqlDriverAdapter = {
      ...queryable(),
      executeScript: async (script) => {
        await this.call({ op: 'script', script });
      },
      startTransaction: async (isolationLevel): Promise<Transaction> => {
        const { tx, options } = (await this.call({ op: 'begin', isolationLevel })) as { tx: number; options: TransactionOptions };
        return {
          ...queryable(tx),
          options,
          commit: async () => {
            await this.call({ op: 'commit', tx });
          },
          rollback: async () => {
            await this.call({ op: 'rollback', tx });
          },
        };
      },
      // As the PGlite adapter says of itself: joins in one query are fine.
      getConnectionInfo: () => ({ supportsRelationJoins: true }),
      // The thread outlives a Prisma client's disconnect: close() ends it.
      dispose: async () => {},
    };
    return { provider: 'postgres', adapterName: adapter.adapterName, connect: async () => adapter };
  }

  /** Closes PGlite (a checkpoint, files closed) and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.gone) await this.call({ op: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }
}
