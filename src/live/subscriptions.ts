import type { TenantCaller } from '../domain/access/policy.ts';
import type { Connection, Permission, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { KeyPrincipal } from '../domain/caller.ts';
import { RULES, type Action } from '../domain/access/policy.ts';
import { connectionsWhere, eventVisibleTo } from '../domain/access/visibility.ts';
import { AccessError, NotFoundError } from '../domain/errors.ts';
import { decodeCursor, type EventRecord } from '../domain/events/event-log.ts';
import type { DeliveryChange } from '../domain/webhooks/webhook-delivery.service.ts';
import type { Clock } from '../infra/clock.ts';
import type { DeliveryChangeReceiver, DeliveryChanges } from './delivery-changes.ts';
import { EventQueue } from './event-queue.ts';
import type { FeedListener, LiveEvents } from './live-events.ts';
import type { ClosableSocket, Holder, SubscriptionRegistry } from './subscription-registry.ts';

/**
 * What a subscription yields: an event, the connection's current state (first), a webhook
 * delivery change, the moment a delivery subscription is listening (first), or its end.
 */
export type LiveItem =
  | { kind: 'event'; record: EventRecord }
  | { kind: 'current'; connection: Connection }
  | { kind: 'delivery'; change: DeliveryChange }
  | { kind: 'listening'; at: Date }
  | { kind: 'end'; error: unknown };

export interface Subscriber {
  /** The key (or session) or member subscribing; `principal` is its principal. */
  caller: TenantCaller;
  principal: KeyPrincipal;
  ip: string | undefined;
  /** The graphql-ws socket the subscription runs on; none over SSE. */
  socket: ClosableSocket | undefined;
}

/** Events a client has not read yet, at most; past it the subscription ends and the client resumes. */
const QUEUE_CAPACITY = 1_000;

const KEY_EVENTS = new Set(['API_KEY_CREATED', 'API_KEY_UPDATED', 'API_KEY_ROTATED', 'API_KEY_REVOKED', 'API_KEY_EXPIRED']);

const tooSlow = () => new AccessError('RATE_LIMITED', `More than ${QUEUE_CAPACITY} events were waiting to be read; resume with the last cursor`);
const deliveriesTooSlow = () =>
  new AccessError('RATE_LIMITED', `More than ${QUEUE_CAPACITY} delivery changes were waiting to be read; subscribe again and read the lists`);
const endItem = (error: unknown): LiveItem => ({ kind: 'end', error });

/** Which events a subscription wants: one kind for the whole organization, or one connection's changes. */
type Filter = 'connections' | 'keys' | 'status';

/** The action of the authorization model each kind of subscription is (its permission is checked again whenever the key changes). */
const ACTIONS: Record<Filter, Extract<Action, 'connectionEvents.read' | 'keyEvents.read'>> = {
  connections: 'connectionEvents.read',
  keys: 'keyEvents.read',
  status: 'connectionEvents.read',
};

/**
 * The permission a subscription was admitted with: the registry ends it when the key loses it.
 * None for a member: every role reads, and a demotion or removal ends its sessions (and sockets).
 */
const requiredFor = (principal: KeyPrincipal, action: Action): Permission | undefined =>
  principal.apiKey.kind === 'MEMBER' ? undefined : (RULES[action] as { permission?: Permission }).permission;

/**
 * One subscriber's stream, attached to its organization's feed. Events that arrive before
 * `begin` has produced what comes first are buffered, then delivered if they come after it.
 * One object per subscriber (no closures): 10,000 subscribers are 10,000 of these.
 */
class LiveSubscription extends EventQueue<LiveItem> implements FeedListener {
  holder: Holder | null = null;
  attached = false;
  /** Status subscriptions: the connection, once found. */
  connectionId: string | null = null;
  /** Events up to this position are already covered by what was sent first. */
  after = 0n;
  private buffer: EventRecord[] | null = [];

  constructor(
    private readonly owner: Subscriptions,
    readonly principal: KeyPrincipal,
    readonly filter: Filter,
  ) {
    super(QUEUE_CAPACITY, endItem);
  }

  get requires(): Permission | undefined {
    return requiredFor(this.principal, ACTIONS[this.filter]);
  }

  receive(record: EventRecord): void {
    if (this.buffer) this.buffer.push(record);
    else this.deliver(record);
  }

  /** What `begin` produced goes first, then the buffered events it does not cover; then live. */
  start(initial: LiveItem[]): void {
    for (const item of initial) this.push(item, tooSlow);
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const record of buffered) this.deliver(record);
  }

  private deliver(record: EventRecord): void {
    if (record.position > this.after && this.owner.accepts(this, record)) this.push({ kind: 'event', record }, tooSlow);
  }

  protected override onClosed(): void {
    this.owner.release(this);
  }
}

/**
 * One subscriber's webhook delivery changes: "listening" first, then every change of its
 * organization and environment made on any instance, from the moment it attached.
 */
class DeliverySubscription extends EventQueue<LiveItem> implements DeliveryChangeReceiver {
  holder: Holder | null = null;
  attached = false;

  constructor(
    private readonly owner: Subscriptions,
    readonly principal: KeyPrincipal,
  ) {
    super(QUEUE_CAPACITY, endItem);
  }

  get requires(): Permission | undefined {
    return requiredFor(this.principal, 'webhooks.read');
  }

  receive(change: DeliveryChange): void {
    if (this.owner.acceptsDelivery(this, change)) this.push({ kind: 'delivery', change }, deliveriesTooSlow);
  }

  protected override onClosed(): void {
    this.owner.releaseDeliveries(this);
  }
}

/**
 * The subscriptions of docs/api.md, over the live feeds: each bound to its credential (the
 * registry), checked against the subscriber's organization, environment and (user keys) own
 * connection before every event.
 */
export class Subscriptions {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly live: LiveEvents,
    readonly registry: SubscriptionRegistry,
    private readonly clock: Clock,
    private readonly deliveries: DeliveryChanges,
  ) {}

  /** Every connection event of the organization and environment; `after` replays from the table first. */
  connectionEvents(subscriber: Subscriber, after: string | null | undefined): Promise<AsyncIterableIterator<LiveItem>> {
    return this.resumable(subscriber, after, 'connections');
  }

  /** Every key lifecycle event of the organization and environment; `after` replays from the table first. */
  apiKeyEvents(subscriber: Subscriber, after: string | null | undefined): Promise<AsyncIterableIterator<LiveItem>> {
    return this.resumable(subscriber, after, 'keys');
  }

  /**
   * One connection: its current state first, then each change after that state. The state and
   * the organization's position are read together, so no change is missed or shown twice.
   */
  connectionStatus(subscriber: Subscriber, lookup: Prisma.ConnectionWhereInput): Promise<AsyncIterableIterator<LiveItem>> {
    const { principal } = subscriber;
    return this.open(subscriber, 'status', async (subscription) => {
      const [connection, organization] = await this.prisma.$transaction(
        [
          this.prisma.connection.findFirst({ where: { AND: [lookup, connectionsWhere(subscriber.caller)] } }),
          this.prisma.organization.findUniqueOrThrow({ where: { id: principal.organization.id }, select: { eventSeq: true } }),
        ],
        { isolationLevel: 'RepeatableRead' },
      );
      if (!connection) throw new NotFoundError('Connection');
      subscription.connectionId = connection.id;
      subscription.after = organization.eventSeq;
      return [{ kind: 'current', connection }];
    });
  }

  /**
   * Every webhook delivery change of the organization and environment, from now on: first a
   * "listening" item, after which a client reads the lists (nothing is replayed: deliveries are
   * not in the event log), then each change.
   */
  async webhookDeliveryEvents(subscriber: Subscriber): Promise<AsyncIterableIterator<LiveItem>> {
    const { principal } = subscriber;
    const subscription = new DeliverySubscription(this, principal);
    subscription.holder = await this.registry.admit(principal, subscriber.ip, subscriber.socket, subscription);
    if (subscription.closed) {
      this.releaseDeliveries(subscription);
      return subscription;
    }
    this.deliveries.attach(principal.organization.id, subscription);
    subscription.attached = true;
    subscription.push({ kind: 'listening', at: this.clock.now() }, deliveriesTooSlow);
    return subscription;
  }

  private resumable(subscriber: Subscriber, cursor: string | null | undefined, filter: Filter) {
    const after = cursor == null ? null : decodeCursor(cursor);
    const { principal } = subscriber;
    return this.open(subscriber, filter, async (subscription, attachedAt) => {
      subscription.after = after !== null && after > attachedAt ? after : attachedAt;
      if (after === null || after >= attachedAt) return [];
      const visible = (record: EventRecord) => eventVisibleTo(principal, record) && this.wanted(subscription, record);
      const missed = await this.live.replay(principal.organization.id, after, attachedAt, principal.apiKey.environment, visible);
      return missed.map((record) => ({ kind: 'event', record }));
    });
  }

  private async open(
    subscriber: Subscriber,
    filter: Filter,
    begin: (subscription: LiveSubscription, attachedAt: bigint) => Promise<LiveItem[]>,
  ): Promise<AsyncIterableIterator<LiveItem>> {
    const { principal } = subscriber;
    const subscription = new LiveSubscription(this, principal, filter);
    subscription.holder = await this.registry.admit(principal, subscriber.ip, subscriber.socket, subscription);
    try {
      const attachedAt = await this.live.attach(principal.organization.id, subscription);
      subscription.attached = true;
      // The client may have gone while we attached.
      if (subscription.closed) {
        this.release(subscription);
        return subscription;
      }
      subscription.start(await begin(subscription, attachedAt));
      return subscription;
    } catch (error) {
      void subscription.return();
      throw error;
    }
  }

  /** Whether an event goes to a subscription: checked again for every event. */
  accepts(subscription: LiveSubscription, record: EventRecord): boolean {
    const { principal } = subscription;
    if (!this.admits(subscription.holder, subscription.requires)) return false;
    // The subscriber's own key ending: nothing more for it, and the registry ends its streams now
    // (this event can arrive from another instance before the invalidation message does).
    if (record.apiKeyId === principal.apiKey.id && (record.type === 'API_KEY_REVOKED' || record.type === 'API_KEY_EXPIRED')) {
      this.registry.keyChanged(principal.apiKey.keyId);
      return false;
    }
    return eventVisibleTo(principal, record) && this.wanted(subscription, record);
  }

  /** Whether a delivery change goes to a subscription: its organization's (the feed's), and its environment's. */
  acceptsDelivery(subscription: DeliverySubscription, change: DeliveryChange): boolean {
    const { principal } = subscription;
    return (
      this.admits(subscription.holder, subscription.requires) &&
      change.organizationId === principal.organization.id &&
      change.environment === principal.apiKey.environment
    );
  }

  releaseDeliveries(subscription: DeliverySubscription): void {
    if (subscription.attached) {
      subscription.attached = false;
      this.deliveries.detach(subscription.principal.organization.id, subscription);
    }
    if (subscription.holder) this.registry.release(subscription.holder, subscription);
  }

  /** The credential is still accepted, with the permission the subscription needs (as the registry last read them). */
  private admits(holder: Holder | null, requires: Permission | undefined): boolean {
    return !!holder && !holder.refused && !this.expired(holder.expiresAt) && !(requires && !holder.permissions.includes(requires));
  }

  /** A subscription ended: off its feed, and its slot back to its key. */
  release(subscription: LiveSubscription): void {
    if (subscription.attached) {
      subscription.attached = false;
      this.live.detach(subscription.principal.organization.id, subscription);
    }
    if (subscription.holder) this.registry.release(subscription.holder, subscription);
  }

  private wanted(subscription: LiveSubscription, record: EventRecord): boolean {
    switch (subscription.filter) {
      case 'connections':
        return record.type === 'CONNECTION_STATUS_CHANGED';
      case 'keys':
        return KEY_EVENTS.has(record.type);
      case 'status':
        return record.type === 'CONNECTION_STATUS_CHANGED' && record.connectionId === subscription.connectionId;
    }
  }

  /**
   * A key past its expiry (as the registry last read it: a rotation with grace sets one later)
   * gets nothing more, even before the registry's next check ends its streams.
   */
  private expired(expiresAt: Date | null): boolean {
    return expiresAt !== null && expiresAt.getTime() <= this.clock.now().getTime();
  }
}
