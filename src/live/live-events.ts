import type { Logger } from 'pino';
import type { Environment, EventType } from '../generated/prisma/client.ts';
import type { EventData, EventLog, EventRecord, EventSink } from '../domain/events/event-log.ts';
import { CHANNELS, type Bus } from './bus.ts';

/** Receives every event of an organization, in position order, once. */
export interface FeedListener {
  receive(record: EventRecord): void;
}

/** An event as it travels between instances (JSON: positions as strings, dates as ISO text). */
interface WireEvent {
  id: string;
  organizationId: string;
  environment: Environment;
  position: string;
  type: EventType;
  connectionId: string | null;
  apiKeyId: string | null;
  data: EventData;
  createdAt: string;
}

const toWire = (r: EventRecord): WireEvent => ({ ...r, position: r.position.toString(), createdAt: r.createdAt.toISOString() });

function fromWire(message: unknown): EventRecord[] {
  if (!Array.isArray(message)) return [];
  return (message as WireEvent[]).flatMap((w) =>
    typeof w?.position === 'string' && /^\d+$/.test(w.position) ? [{ ...w, position: BigInt(w.position), createdAt: new Date(w.createdAt) }] : [],
  );
}

/**
 * One organization's live events on this instance, shared by all its local subscribers. It hands
 * every event to the listeners exactly once and in position order: a notification (local, or
 * from another instance) that is the next position is dispatched as is; one that skips ahead
 * (a Redis message lost or reordered, an instance that died before publishing) makes the feed
 * read the gap from the table first. Work runs one step at a time, in order.
 */
class OrganizationFeed {
  readonly listeners = new Set<FeedListener>();
  private chain: Promise<void> = Promise.resolve();
  unlisten: () => void = () => {};

  constructor(
    private readonly organizationId: string,
    /** Every event up to this position has been dispatched. */
    public last: bigint,
    private readonly log: EventLog,
    private readonly logger: Logger,
  ) {}

  notify(records: EventRecord[]): void {
    this.enqueue(async () => {
      for (const record of [...records].sort((a, b) => (a.position < b.position ? -1 : 1))) {
        if (record.position <= this.last) continue;
        if (record.position === this.last + 1n) this.dispatch(record);
        else await this.fill(record.position);
      }
    });
  }

  /** The table says the organization is at `head`: read whatever this feed has not seen. */
  catchUp(head: bigint): void {
    if (head > this.last) this.enqueue(() => this.fill(head));
  }

  private async fill(upTo: bigint): Promise<void> {
    while (this.last < upTo) {
      const records = await this.log.read(this.organizationId, this.last, { upTo, limit: 500 });
      if (records.length === 0) return;
      for (const record of records) this.dispatch(record);
    }
  }

  private dispatch(record: EventRecord): void {
    this.last = record.position;
    for (const listener of this.listeners) listener.receive(record);
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((error) => {
      this.logger.error({ err: error, organizationId: this.organizationId }, 'live event feed step failed; the next poll retries');
    });
  }
}

/**
 * Live events for subscriptions: after a transaction commits, its events go to this instance's
 * feeds at once and to the other instances over the bus. Every `pollIntervalMs` each feed also
 * compares itself with the table, so events whose message was lost still arrive.
 */
export class LiveEvents implements EventSink {
  private readonly feeds = new Map<string, Promise<OrganizationFeed>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly pollIntervalMs = 1_000,
  ) {}

  published(records: EventRecord[]): void {
    const byOrganization = new Map<string, EventRecord[]>();
    for (const record of records) byOrganization.set(record.organizationId, [...(byOrganization.get(record.organizationId) ?? []), record]);
    for (const [organizationId, group] of byOrganization) {
      // A feed that failed to open has no listeners to tell (its subscribers got the error).
      void this.feeds.get(organizationId)?.then(
        (feed) => feed.notify(group),
        () => undefined,
      );
      this.bus.publish(CHANNELS.events(organizationId), group.map(toWire));
    }
  }

  /**
   * Adds a listener to the organization's feed (created on first use) and returns the feed's
   * position: every event up to it was dispatched before, every later one will reach the listener.
   */
  async attach(organizationId: string, listener: FeedListener): Promise<bigint> {
    let pending: Promise<OrganizationFeed>;
    let feed: OrganizationFeed;
    // A feed closed by its last listener's detach while we waited is not ours to join: take the next one.
    do {
      let current = this.feeds.get(organizationId);
      if (!current) {
        current = this.openFeed(organizationId);
        this.feeds.set(organizationId, current);
        const opening = current;
        opening.catch(() => {
          if (this.feeds.get(organizationId) === opening) this.feeds.delete(organizationId);
        });
      }
      pending = current;
      feed = await pending;
    } while (this.feeds.get(organizationId) !== pending);
    feed.listeners.add(listener);
    return feed.last;
  }

  /** Removes a listener; the feed closes with its last one. */
  detach(organizationId: string, listener: FeedListener): void {
    const pending = this.feeds.get(organizationId);
    void pending?.then(
      (feed) => {
        if (!feed.listeners.delete(listener) || feed.listeners.size > 0 || this.feeds.get(organizationId) !== pending) return;
        this.feeds.delete(organizationId);
        feed.unlisten();
      },
      () => undefined,
    );
  }

  private async openFeed(organizationId: string): Promise<OrganizationFeed> {
    // Listen first, then read the head: a message in between is only a duplicate, never a gap.
    let early: EventRecord[] = [];
    let feed: OrganizationFeed | null = null;
    const unlisten = this.bus.listen(CHANNELS.events(organizationId), (message) => {
      const records = fromWire(message).filter((r) => r.organizationId === organizationId);
      if (feed) feed.notify(records);
      else early.push(...records);
    });
    try {
      const head = (await this.log.heads([organizationId])).get(organizationId) ?? 0n;
      feed = new OrganizationFeed(organizationId, head, this.log, this.logger);
      feed.unlisten = unlisten;
      feed.notify(early);
      early = [];
      return feed;
    } catch (error) {
      unlisten();
      throw error;
    }
  }

  /** What a resuming subscriber missed: the organization's events in (after, upTo], in order. */
  async replay(
    organizationId: string,
    after: bigint,
    upTo: bigint,
    environment: Environment,
    accept: (record: EventRecord) => boolean,
  ): Promise<EventRecord[]> {
    const missed: EventRecord[] = [];
    let from = after;
    while (from < upTo) {
      const page = await this.log.read(organizationId, from, { upTo, environment, limit: 500 });
      if (page.length === 0) break;
      missed.push(...page.filter(accept));
      from = page.at(-1)!.position;
    }
    return missed;
  }

  /** Compares every feed with the table once. */
  async poll(): Promise<void> {
    const feeds = new Map<string, OrganizationFeed>();
    for (const [organizationId, pending] of this.feeds) {
      const feed = await pending.catch(() => null);
      if (feed) feeds.set(organizationId, feed);
    }
    if (feeds.size === 0) return;
    const heads = await this.log.heads([...feeds.keys()]);
    for (const [organizationId, feed] of feeds) feed.catchUp(heads.get(organizationId) ?? 0n);
  }

  start(): void {
    if (this.timer) return;
    let polling = false;
    this.timer = setInterval(() => {
      if (polling) return;
      polling = true;
      this.poll()
        .catch((error) => this.logger.warn({ err: error }, 'polling the event table failed'))
        .finally(() => {
          polling = false;
        });
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
