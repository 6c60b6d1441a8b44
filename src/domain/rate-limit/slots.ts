import { randomBytes } from 'node:crypto';

/**
 * Places a key may hold at once (open graphql-ws sockets, subscriptions): unlike a request
 * counter, a place is held until it is given back, however long that takes.
 */
export interface SlotStore {
  /** Takes one of `limit` places of `pool`: its id, or null when all are held. */
  take(pool: string, limit: number): Promise<string | null>;
  /** Gives a place back; a place given back twice, or never taken, is ignored. */
  give(pool: string, slot: string): void;
}

/**
 * The places this process holds. It is what a single instance counts with, and (inside the Redis
 * store) the list of what this instance holds, which it keeps alive in Redis and counts with by
 * itself while Redis is away.
 */
export class MemorySlotStore implements SlotStore {
  private readonly pools = new Map<string, Set<string>>();
  /** Slot ids are unique across instances: they name this instance's members in a shared pool. */
  readonly instanceId = randomBytes(8).toString('hex');
  private next = 0;

  newSlot(): string {
    return `${this.instanceId}:${(this.next++).toString(36)}`;
  }

  async take(pool: string, limit: number): Promise<string | null> {
    if ((this.pools.get(pool)?.size ?? 0) >= limit) return null;
    const slot = this.newSlot();
    this.hold(pool, slot);
    return slot;
  }

  /** Records a place taken elsewhere (in Redis) as held by this process, whatever the count. */
  hold(pool: string, slot: string): void {
    let held = this.pools.get(pool);
    if (!held) {
      held = new Set();
      this.pools.set(pool, held);
    }
    held.add(slot);
  }

  give(pool: string, slot: string): void {
    const held = this.pools.get(pool);
    if (!held?.delete(slot)) return;
    if (held.size === 0) this.pools.delete(pool);
  }

  /** The places held, by pool. */
  held(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.pools;
  }
}
