import type { Connection, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { KeyPrincipal } from '../domain/caller.ts';
import { visibleConnectionsWhere } from '../domain/connection/connection.service.ts';
import { AccessError, NotFoundError } from '../domain/errors.ts';
import { decodeCursor, type EventRecord } from '../domain/events/event-log.ts';
import type { Clock } from '../infra/clock.ts';
import { EventQueue } from './event-queue.ts';
import type { LiveEvents } from './live-events.ts';
import type { ClosableSocket, SubscriptionRegistry } from './subscription-registry.ts';

/** What a subscription yields: an event, the connection's current state (first), or its end. */
export type LiveItem =
  | { kind: 'event'; record: EventRecord }
  | { kind: 'current'; connection: Connection }
  | { kind: 'end'; error: unknown };

export interface Subscriber {
  principal: KeyPrincipal;
  ip: string | undefined;
  /** The graphql-ws socket the subscription runs on; none over SSE. */
  socket: ClosableSocket | undefined;
}

/** Events a client has not read yet, at most; past it the subscription ends and the client resumes. */
const QUEUE_CAPACITY = 1_000;

const KEY_EVENTS = new Set(['API_KEY_CREATED', 'API_KEY_UPDATED', 'API_KEY_ROTATED', 'API_KEY_REVOKED', 'API_KEY_EXPIRED']);

const tooSlow = () => new AccessError('RATE_LIMITED', `More than ${QUEUE_CAPACITY} events were waiting to be read; resume with the last cursor`);

/**
 * The three subscriptions of API.md, over the live feeds: each bound to its credential (the
 * registry), checked against the subscriber's organization, environment and (user keys) own
 * connection before every event.
 */
export class Subscriptions {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly live: LiveEvents,
    readonly registry: SubscriptionRegistry,
    private readonly clock: Clock,
  ) {}

  /** Every connection event of the organization and environment; `after` replays from the table first. */
  connectionEvents(subscriber: Subscriber, after: string | null | undefined): Promise<AsyncIterableIterator<LiveItem>> {
    return this.resumable(subscriber, after, (record) => record.type === 'CONNECTION_STATUS_CHANGED');
  }

  /** Every key lifecycle event of the organization and environment; `after` replays from the table first. */
  apiKeyEvents(subscriber: Subscriber, after: string | null | undefined): Promise<AsyncIterableIterator<LiveItem>> {
    return this.resumable(subscriber, after, (record) => KEY_EVENTS.has(record.type));
  }

  /**
   * One connection: its current state first, then each change after that state. The state and
   * the organization's position are read together, so no change is missed or shown twice.
   */
  async connectionStatus(subscriber: Subscriber, lookup: Prisma.ConnectionWhereInput): Promise<AsyncIterableIterator<LiveItem>> {
    const { principal } = subscriber;
    let connectionId: string | null = null;
    return this.open(subscriber, {
      accept: (record) => record.type === 'CONNECTION_STATUS_CHANGED' && record.connectionId === connectionId,
      begin: async () => {
        const [connection, organization] = await this.prisma.$transaction(
          [
            this.prisma.connection.findFirst({ where: { AND: [lookup, visibleConnectionsWhere(principal)] } }),
            this.prisma.organization.findUniqueOrThrow({ where: { id: principal.organization.id }, select: { eventSeq: true } }),
          ],
          { isolationLevel: 'RepeatableRead' },
        );
        if (!connection) throw new NotFoundError('Connection');
        connectionId = connection.id;
        return { initial: [{ kind: 'current', connection }], after: organization.eventSeq };
      },
    });
  }

  private resumable(subscriber: Subscriber, cursor: string | null | undefined, kind: (record: EventRecord) => boolean) {
    const after = cursor == null ? null : decodeCursor(cursor);
    const { principal } = subscriber;
    const organizationId = principal.organization.id;
    return this.open(subscriber, {
      accept: kind,
      begin: async (attachedAt) => {
        if (after === null || after >= attachedAt) return { initial: [], after: after !== null && after > attachedAt ? after : attachedAt };
        const visible = (record: EventRecord) => kind(record) && this.visibleTo(principal, record);
        const missed = await this.live.replay(organizationId, after, attachedAt, principal.apiKey.environment, visible);
        return { initial: missed.map((record) => ({ kind: 'event', record })), after: attachedAt };
      },
    });
  }

  private async open(
    subscriber: Subscriber,
    options: { accept: (record: EventRecord) => boolean; begin: (attachedAt: bigint) => Promise<{ initial: LiveItem[]; after: bigint }> },
  ): Promise<AsyncIterableIterator<LiveItem>> {
    const { principal } = subscriber;
    const queue = new EventQueue<LiveItem>(QUEUE_CAPACITY, (error) => ({ kind: 'end', error }));
    const holder = this.registry.admit(principal, subscriber.ip, subscriber.socket, queue);
    return this.live.stream({
      organizationId: principal.organization.id,
      queue,
      overflow: tooSlow,
      toItem: (record) => ({ kind: 'event', record }),
      // Checked again for every event: the credential still good, the event this subscriber's to see.
      accept: (record) => {
        if (holder.refused || this.expired(principal)) return false;
        // The subscriber's own key ending: nothing more for it, and the registry ends its streams now
        // (this event can arrive from another instance before the invalidation message does).
        if (record.apiKeyId === principal.apiKey.id && (record.type === 'API_KEY_REVOKED' || record.type === 'API_KEY_EXPIRED')) {
          this.registry.keyChanged(principal.apiKey.keyId);
          return false;
        }
        return this.visibleTo(principal, record) && options.accept(record);
      },
      begin: options.begin,
    });
  }

  /** A key past its expiry gets nothing more, even before the registry's next check ends its streams. */
  private expired(principal: KeyPrincipal): boolean {
    const { expiresAt } = principal.apiKey;
    return expiresAt !== null && expiresAt.getTime() <= this.clock.now().getTime();
  }

  private visibleTo(principal: KeyPrincipal, record: EventRecord): boolean {
    const { apiKey, organization } = principal;
    if (record.organizationId !== organization.id || record.environment !== apiKey.environment) return false;
    // A user key sees its own connection only.
    return apiKey.kind === 'PARTNER' || (record.connectionId !== null && record.connectionId === apiKey.connectionId);
  }
}
