import { randomUUID } from 'node:crypto';
import type { Environment, EventType, LiveAccess, Permission, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

type Tx = Prisma.TransactionClient;

/** Non-secret facts about a change: statuses, ref, keyIds, kinds. Never a key, token or secret. */
export type EventData = Record<string, string | number | boolean | null | string[]>;

export interface EventDraft {
  organizationId: string;
  environment: Environment;
  type: EventType;
  connectionId?: string | null;
  apiKeyId?: string | null;
  data: EventData;
}

/** One row of the event log. */
export interface EventRecord {
  id: string;
  organizationId: string;
  environment: Environment;
  /** Per organization, strictly increasing in commit order. */
  position: bigint;
  type: EventType;
  connectionId: string | null;
  apiKeyId: string | null;
  data: EventData;
  createdAt: Date;
}

/** Told after commit about what a transaction appended (live subscribers, other instances). */
export interface EventSink {
  published(records: EventRecord[]): void;
}

/**
 * Writes what events cause in the transaction that appends them (the webhook outbox), and is
 * told after commit that they are there.
 */
export interface AppendObserver {
  appended(tx: Tx, records: EventRecord[]): Promise<void>;
  committed(records: EventRecord[]): void;
}

/** Fault injection for crash tests: where a transaction that appended events may be cut short. */
export interface EventFaults {
  /** Runs at the end of the transaction's work, before it commits. */
  beforeCommit?: () => void;
  /** Runs after commit, before the events are published. */
  afterCommit?: () => void;
}

export interface LockedOrganization {
  status: 'ACTIVE' | 'INACTIVE';
  disabledPermissions: Permission[];
  /** Requests per window of a key without its own number. */
  rateLimitRequests: number;
  /** Whether its keys may make LIVE keys and connections (policy.ts, checkLiveAccess). */
  liveAccess: LiveAccess;
  /** Sessions' auto-logout: how long they last without a request. */
  sessionIdleTimeoutSeconds: number;
}

interface OpenTransaction {
  locked: Set<string>;
  records: EventRecord[];
}

// -- cursors ---------------------------------------------------------------------------------------

const CURSOR_PREFIX = 'ev1:';

/** The opaque resume cursor of an event: its position, encoded. */
export function encodeCursor(position: bigint): string {
  return Buffer.from(`${CURSOR_PREFIX}${position}`).toString('base64url');
}

/** The position a cursor stands for; `ValidationError` for anything that is not one of ours. */
export function decodeCursor(cursor: string): bigint {
  const text = /^[\w-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const digits = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!/^(0|[1-9]\d{0,18})$/.test(digits)) throw ValidationError.field('after', 'is not a cursor of this API');
  return BigInt(digits);
}

// -- the log -----------------------------------------------------------------------------------------

/**
 * The ordered log of connection and key changes. A change and its events commit together:
 * `transaction` opens the transaction, `lockOrganization` serializes the organization's changes
 * (taken first, so every writer locks in the same order: organization, then connection, then
 * keys), `append` numbers the events from the organization's counter under that lock, so
 * positions follow commit order and a reader that saw position n never later finds a new event
 * below n. After commit the events go to the sink; a crash before that loses nothing, because
 * readers catch up from the table.
 */
export class EventLog {
  private readonly open = new WeakMap<Tx, OpenTransaction>();
  private sink: EventSink | null = null;
  private readonly observers: AppendObserver[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly onSinkError: (error: unknown) => void = () => {},
    private readonly faults: EventFaults = {},
  ) {}

  /** Where committed events go next (set once the live side is wired). */
  connect(sink: EventSink): void {
    this.sink = sink;
  }

  /** Adds work to every append, in its transaction (the webhook outbox). */
  observe(observer: AppendObserver): void {
    this.observers.push(observer);
  }

  /** Runs `work` in one transaction; the events it appended are published after commit. */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let state: OpenTransaction | undefined;
    const result = await this.prisma.$transaction(async (tx) => {
      state = { locked: new Set(), records: [] };
      this.open.set(tx, state);
      const value = await work(tx);
      if (state.records.length > 0) this.faults.beforeCommit?.();
      return value;
    });
    if (state && state.records.length > 0) {
      this.faults.afterCommit?.();
      this.publish(state.records);
      for (const observer of this.observers) observer.committed(state.records);
    }
    return result;
  }

  publish(records: EventRecord[]): void {
    try {
      this.sink?.published(records);
    } catch (error) {
      this.onSinkError(error);
    }
  }

  /**
   * Locks the organization's row for the rest of the transaction and returns what changes need
   * from it. Every transaction that appends events takes this lock before any other row lock.
   */
  async lockOrganization(tx: Tx, organizationId: string): Promise<LockedOrganization> {
    const state = this.state(tx);
    const rows = await tx.$queryRaw<LockedOrganization[]>`
      SELECT status, "disabledPermissions", "rateLimitRequests", "liveAccess", "sessionIdleTimeoutSeconds" FROM organizations WHERE id = ${organizationId}::uuid FOR NO KEY UPDATE`;
    if (rows.length === 0) throw new NotFoundError('Organization');
    state.locked.add(organizationId);
    return rows[0]!;
  }

  /** Appends events in order; the caller holds the lock of each organization concerned. */
  async append(tx: Tx, drafts: EventDraft[]): Promise<EventRecord[]> {
    const state = this.state(tx);
    const byOrganization = new Map<string, EventDraft[]>();
    for (const draft of drafts) {
      if (!state.locked.has(draft.organizationId)) {
        throw new Error(`append: organization ${draft.organizationId} is not locked in this transaction`);
      }
      byOrganization.set(draft.organizationId, [...(byOrganization.get(draft.organizationId) ?? []), draft]);
    }
    const createdAt = this.clock.now();
    const records: EventRecord[] = [];
    for (const [organizationId, group] of byOrganization) {
      const [{ eventSeq }] = await tx.$queryRaw<[{ eventSeq: bigint }]>`
        UPDATE organizations SET "eventSeq" = "eventSeq" + ${group.length} WHERE id = ${organizationId}::uuid RETURNING "eventSeq"`;
      const first = BigInt(eventSeq) - BigInt(group.length) + 1n;
      for (const [i, draft] of group.entries()) {
        records.push({
          id: randomUUID(),
          organizationId,
          environment: draft.environment,
          position: first + BigInt(i),
          type: draft.type,
          connectionId: draft.connectionId ?? null,
          apiKeyId: draft.apiKeyId ?? null,
          data: draft.data,
          createdAt,
        });
      }
    }
    await tx.event.createMany({ data: records.map((r) => ({ ...r, data: r.data as Prisma.InputJsonValue })) });
    state.records.push(...records);
    for (const observer of this.observers) await observer.appended(tx, records);
    return records;
  }

  /** Events of an organization after a position, oldest first (optionally one environment). */
  async read(organizationId: string, after: bigint, options: { environment?: Environment; limit?: number; upTo?: bigint } = {}): Promise<EventRecord[]> {
    const rows = await this.prisma.event.findMany({
      where: {
        organizationId,
        position: { gt: after, ...(options.upTo !== undefined && { lte: options.upTo }) },
        ...(options.environment && { environment: options.environment }),
      },
      orderBy: { position: 'asc' },
      take: options.limit ?? 500,
    });
    return rows.map((row) => ({ ...row, data: row.data as EventData }));
  }

  /** The newest position of each organization (0 when it has no events). */
  async heads(organizationIds: string[]): Promise<Map<string, bigint>> {
    const rows = await this.prisma.organization.findMany({
      where: { id: { in: organizationIds } },
      select: { id: true, eventSeq: true },
    });
    return new Map(rows.map((row) => [row.id, row.eventSeq]));
  }

  private state(tx: Tx): OpenTransaction {
    const state = this.open.get(tx);
    if (!state) throw new Error('events must be written in EventLog.transaction');
    return state;
  }
}
