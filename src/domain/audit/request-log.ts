import type { Logger } from 'pino';
import type { Environment, PrismaClient } from '../../generated/prisma/client.ts';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../infra/clock.ts';
import type { CopyRows } from '../../infra/database.ts';
import { deleteInBatches, type Pruned } from '../retention.ts';

/** What is kept of one authenticated request: no header, no variable, no secret. */
export interface RequestLogEntry {
  organizationId: string;
  environment: Environment;
  keyId: string;
  /** A member's request (the dashboard): listed only when requestLogs asks for members' traffic. */
  memberId?: string | null;
  operationName: string | null;
  operationType: string | null;
  outcome: string;
  httpStatus: number;
  ip: string | null;
  durationMs: number;
  createdAt: Date;
}

const COLUMNS = [
  'id',
  'organizationId',
  'environment',
  'keyId',
  'memberId',
  'operationName',
  'operationType',
  'outcome',
  'httpStatus',
  'ip',
  'durationMs',
  'createdAt',
] as const;

/** Entries written per insert, and the most kept waiting (beyond it the oldest are dropped, and counted). */
const BATCH = 500;
const MAX_PENDING = 20_000;
const DEFAULT_REQUEST_LOG_RETENTION_DAYS = 30;

export interface RequestLogLimits {
  /** Entries per insert. */
  batch: number;
  /** Entries kept waiting at most. */
  maxPending: number;
}

/**
 * The partners' request log. A request only appends to a buffer in memory; a timer writes the
 * buffer in batches (one insert per 500 entries), so logging never adds a database write to a
 * request. A crash loses at most the last interval's entries; an outage of the database keeps
 * at most 20,000 waiting, then drops the oldest (and says how many).
 */
export class RequestLogWriter {
  private pending: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | null = null;
  private dropped = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retentionDays = DEFAULT_REQUEST_LOG_RETENTION_DAYS,
    private readonly limits: RequestLogLimits = { batch: BATCH, maxPending: MAX_PENDING },
    /** The embedded database's bulk append (COPY), cheaper there than the INSERT below. */
    private readonly copyRows?: CopyRows,
  ) {}

  record(entry: RequestLogEntry): void {
    this.pending.push(entry);
    // Past the cap, a tenth of it goes at once: one array move per thousands of requests, not one
    // per request (a full buffer means the database is not keeping up; that is when it matters).
    if (this.pending.length > this.limits.maxPending) this.dropOldest(this.pending.length - this.limits.maxPending + Math.ceil(this.limits.maxPending / 10));
  }

  /** Entries waiting to be written (the one under way excluded). */
  get waiting(): number {
    return this.pending.length;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is waiting. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /**
   * Writes every waiting entry (tests call it instead of waiting for the timer). One write runs at
   * a time; a call during it shares it (the write goes on while entries wait).
   */
  flush(): Promise<void> {
    // `finally` runs after this assignment even when there is nothing to write, so the slot is always freed.
    this.flushing ??= this.writePending().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private dropOldest(count: number): void {
    this.pending.splice(0, count);
    this.dropped += count;
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      // The batch leaves the buffer before it is written, so dropping the oldest while it is under
      // way drops waiting entries only, never one of it (nor, by a shifted index, one after it).
      const batch = this.pending.splice(0, this.limits.batch);
      try {
        await this.insert(batch);
      } catch (error) {
        // Back in front, to be tried again; the cap still holds.
        this.pending = batch.concat(this.pending);
        if (this.pending.length > this.limits.maxPending) this.dropOldest(this.pending.length - this.limits.maxPending);
        this.logger.warn({ err: error, waiting: this.pending.length }, 'writing request logs failed; retrying later');
        return;
      }
    }
    if (this.dropped > 0) {
      this.logger.warn({ dropped: this.dropped }, 'request log entries dropped: the database did not keep up or was unavailable');
      this.dropped = 0;
    }
  }

  /**
   * One statement per batch. On the embedded database a COPY, which PGlite (in this thread) parses
   * in about two thirds of the CPU of the INSERT (20–35 µs a row against 35–60). On PostgreSQL one
   * parameter: the rows travel as a JSON array that PostgreSQL expands itself. (Prisma's createMany
   * binds every value of every row as its own parameter, which cost about a third of a busy
   * embedded server's CPU at 1,700 requests/s.)
   */
  private async insert(batch: RequestLogEntry[]): Promise<void> {
    if (this.copyRows) {
      const rows = batch.map((e) => [
        randomUUID(),
        e.organizationId,
        e.environment,
        e.keyId,
        e.memberId ?? null,
        e.operationName,
        e.operationType,
        e.outcome,
        e.httpStatus,
        e.ip,
        e.durationMs,
        e.createdAt,
      ]);
      await this.copyRows('request_logs', COLUMNS, rows);
      return;
    }
    await this.prisma.$executeRaw`
      INSERT INTO "request_logs" ("id", "organizationId", "environment", "keyId", "memberId", "operationName", "operationType", "outcome", "httpStatus", "ip", "durationMs", "createdAt")
      SELECT gen_random_uuid(), r."organizationId", r."environment", r."keyId", r."memberId", r."operationName", r."operationType", r."outcome", r."httpStatus", r."ip", r."durationMs", r."createdAt"
      FROM json_populate_recordset(NULL::"request_logs", ${JSON.stringify(batch)}::json) AS r`;
  }

  /** Deletes entries older than the retention, oldest first, at most `batch` per statement (through the createdAt index). */
  prune(batch?: number): Promise<Pruned> {
    const before = new Date(this.clock.now().getTime() - this.retentionDays * 24 * 3600 * 1000);
    return deleteInBatches(
      (limit) => this.prisma.$executeRaw`
        DELETE FROM request_logs WHERE seq = ANY (ARRAY(SELECT seq FROM request_logs WHERE "createdAt" < ${before} ORDER BY "createdAt" LIMIT ${limit}))`,
      batch,
    );
  }
}
