import type { Logger } from 'pino';
import type { KeyVerifier } from '../domain/auth/key-verifier.ts';
import type { KeyPrincipal } from '../domain/caller.ts';
import type { Permission } from '../generated/prisma/client.ts';
import { ACCESS_MESSAGES, AccessError } from '../domain/errors.ts';
import { budgetOf } from '../domain/rate-limit/rate-limits.ts';
import { MemorySlotStore, type SlotStore } from '../domain/rate-limit/slots.ts';

/** The part of a `ws` WebSocket the registry uses. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
}

/** A stream the registry can end. */
export interface EndableStream {
  fail(error: unknown): void;
  /** The permission the stream needs (checked again whenever the key is). */
  readonly requires?: Permission;
}

export interface SubscriptionLimits {
  /** Subscriptions one graphql-ws socket may hold at once. */
  perSocket: number;
  /**
   * Subscriptions one key and its sessions may hold at once (both transports), on every instance
   * together when the slot store is shared.
   */
  perKey: number;
  /** graphql-ws sockets one key and its sessions may hold open at once, likewise. */
  socketsPerKey: number;
  /**
   * graphql-ws sockets one client IP may hold open on one instance, counted from the upgrade,
   * before any credential (so anonymous and not-yet-initialised sockets count too).
   */
  socketsPerIp: number;
  /** How often every credential in use is read again from the database. */
  checkIntervalMs: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { perSocket: 10, perKey: 100, socketsPerKey: 20, socketsPerIp: 100, checkIntervalMs: 500 };

/** graphql-ws close code for a credential that is no longer accepted. */
const CLOSE_FORBIDDEN = 4403;

/** A credential in use by long-lived streams: one graphql-ws socket, or one SSE subscription. */
export interface Holder {
  readonly keyId: string;
  /** The key whose budget the socket and streams spend: a session's is the key that opened it. */
  readonly budgetKeyId: string;
  readonly organizationId: string;
  readonly ip: string | undefined;
  readonly socket: ClosableSocket | null;
  /** Each stream with its place in its key's pool of subscriptions (PENDING while it is being taken). */
  readonly streams: Map<EndableStream, string>;
  /** The socket's place in its key's pool of sockets (PENDING while it is being taken). */
  socketSlot: string | null;
  /** Set once the credential was refused: no event is sent to its streams any more. */
  refused: boolean;
  /** The key's expiry and permissions as last read (a rotation with grace sets an expiry later). */
  expiresAt: Date | null;
  permissions: Permission[];
}

/** A place being taken: the stream or socket counts on this instance, its key's place is not yet known. */
const PENDING = '';

const socketPool = (holder: Holder) => `sockets:${holder.budgetKeyId}`;
const subscriptionPool = (holder: Holder) => `subscriptions:${holder.budgetKeyId}`;

/**
 * Binds subscriptions to the credential that opened them. graphql-ws checks a credential only
 * when the socket opens, so this registry reads every credential in use again every
 * `checkIntervalMs` (one query for all of them) and at once when this or another instance says a
 * key or organization changed. A refused credential's streams end with UNAUTHENTICATED, its
 * socket is closed with 4403, and until then every event to it is dropped (`refused`).
 *
 * It also caps what a key holds open: its sockets and subscriptions take places in the key's
 * pools of the slot store (per instance, or shared by every instance through Redis). A session
 * takes its places in the pools of the key that opened it, so sessions do not multiply the caps.
 */
export class SubscriptionRegistry {
  private readonly holders = new Set<Holder>();
  private readonly sockets = new WeakMap<ClosableSocket, Holder>();
  /** Sockets that closed while their connection_init was still being checked: never watched. */
  private readonly gone = new WeakSet<ClosableSocket>();
  private open = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly verifier: KeyVerifier,
    private readonly logger: Logger,
    readonly limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS,
    private readonly slots: SlotStore = new MemorySlotStore(),
  ) {}

  /**
   * A graphql-ws socket authenticated with a key: watched from now until it closes. RATE_LIMITED
   * when the key (with its sessions) already holds its number of sockets.
   */
  async watchSocket(socket: ClosableSocket, principal: KeyPrincipal, ip: string | undefined): Promise<void> {
    if (this.sockets.has(socket) || this.gone.has(socket)) return;
    const holder = this.holder(principal, ip, socket);
    holder.socketSlot = PENDING;
    // Known before its place is taken: a socket that closes meanwhile gives the place back.
    this.sockets.set(socket, holder);
    const pool = socketPool(holder);
    let slot: string | null;
    try {
      slot = await this.slots.take(pool, this.limits.socketsPerKey);
    } catch (error) {
      this.sockets.delete(socket);
      throw error;
    }
    if (this.sockets.get(socket) !== holder) {
      if (slot) this.slots.give(pool, slot);
      return;
    }
    if (slot === null) {
      this.sockets.delete(socket);
      throw new AccessError('RATE_LIMITED', `At most ${this.limits.socketsPerKey} open connections per key`);
    }
    holder.socketSlot = slot;
    this.holders.add(holder);
  }

  releaseSocket(socket: ClosableSocket): void {
    const holder = this.sockets.get(socket);
    if (!holder) {
      this.gone.add(socket);
      return;
    }
    this.sockets.delete(socket);
    this.holders.delete(holder);
    if (holder.socketSlot) this.slots.give(socketPool(holder), holder.socketSlot);
    holder.socketSlot = null;
  }

  /**
   * Admits a new stream for a key (on its socket, if any), within the limits; RATE_LIMITED
   * otherwise. The stream holds its place until `release`.
   */
  async admit(principal: KeyPrincipal, ip: string | undefined, socket: ClosableSocket | undefined, stream: EndableStream): Promise<Holder> {
    const keyId = principal.apiKey.keyId;
    const watched = socket ? this.sockets.get(socket) : undefined;
    // graphql-ws: the socket's own credential (connection_init) is the one every operation uses.
    const holder = watched && watched.keyId === keyId ? watched : this.holder(principal, ip, null);
    if (holder.refused) throw new AccessError('UNAUTHENTICATED', ACCESS_MESSAGES.invalidKey);
    if (holder.socket && holder.streams.size >= this.limits.perSocket) {
      throw new AccessError('RATE_LIMITED', `At most ${this.limits.perSocket} subscriptions per connection`);
    }
    // On its socket before the key's place is taken: subscribes racing on one socket see each other.
    holder.streams.set(stream, PENDING);
    this.holders.add(holder);
    const pool = subscriptionPool(holder);
    let slot: string | null;
    try {
      slot = await this.slots.take(pool, this.limits.perKey);
    } catch (error) {
      this.forget(holder, stream);
      throw error;
    }
    if (holder.streams.get(stream) !== PENDING) {
      // Released meanwhile.
      if (slot) this.slots.give(pool, slot);
      return holder;
    }
    if (slot === null) {
      this.forget(holder, stream);
      throw new AccessError('RATE_LIMITED', `At most ${this.limits.perKey} subscriptions per key at once`);
    }
    holder.streams.set(stream, slot);
    this.open++;
    return holder;
  }

  /** A stream admitted by `admit` ended. */
  release(holder: Holder, stream: EndableStream): void {
    const slot = holder.streams.get(stream);
    if (slot === undefined) return;
    this.forget(holder, stream);
    if (slot === PENDING) return;
    this.slots.give(subscriptionPool(holder), slot);
    this.open--;
  }

  private forget(holder: Holder, stream: EndableStream): void {
    holder.streams.delete(stream);
    if (!holder.socket && holder.streams.size === 0) this.holders.delete(holder);
  }

  /** Subscriptions currently open on this instance. */
  get size(): number {
    return this.open;
  }

  /** Reads the credentials in use (all, or those `which` selects) again and refuses the bad ones. */
  async check(which: (holder: Holder) => boolean = () => true): Promise<void> {
    // Every credential in use, every checkIntervalMs: tens of thousands of sockets make this a
    // loop without an allocation per holder.
    const holders: Holder[] = [];
    for (const holder of this.holders) if (!holder.refused && which(holder)) holders.push(holder);
    if (holders.length === 0) return;
    const verdicts = await this.verifier.recheck(holders);
    for (let i = 0; i < holders.length; i++) {
      const holder = holders[i]!;
      const verdict = verdicts[i]!;
      if (verdict.refusal !== null) {
        this.refuse(holder, verdict.refusal);
        continue;
      }
      holder.expiresAt = verdict.expiresAt;
      holder.permissions = verdict.permissions;
      // A permission taken away ends the streams that need it (the others go on; an ended one leaves the map as it is read).
      for (const stream of holder.streams.keys()) {
        if (stream.requires && !verdict.permissions.includes(stream.requires)) {
          stream.fail(new AccessError('FORBIDDEN', `This key no longer has ${stream.requires}`));
        }
      }
    }
  }

  keyChanged(keyId: string): void {
    void this.check((h) => h.keyId === keyId).catch((error) => this.logger.warn({ err: error }, 'subscription credential check failed'));
  }

  organizationChanged(organizationId: string): void {
    void this.check((h) => h.organizationId === organizationId).catch((error) => this.logger.warn({ err: error }, 'subscription credential check failed'));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.checking) return;
      this.checking = this.check()
        .catch((error) => this.logger.warn({ err: error }, 'subscription credential check failed'))
        .finally(() => {
          this.checking = null;
        });
    }, this.limits.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private refuse(holder: Holder, reason: string): void {
    holder.refused = true;
    this.holders.delete(holder);
    this.logger.info({ keyId: holder.keyId, reason, streams: holder.streams.size }, 'ending subscriptions of a refused key');
    const error = new AccessError('UNAUTHENTICATED', ACCESS_MESSAGES.invalidKey);
    for (const stream of [...holder.streams.keys()]) stream.fail(error);
    const { socket } = holder;
    if (socket) {
      // The socket stays known (refused) until it has closed: then its place goes back.
      // Give the error messages a moment to be written before the close frame.
      setTimeout(() => socket.close(CLOSE_FORBIDDEN, 'Forbidden'), 100).unref();
    }
  }

  private holder(principal: KeyPrincipal, ip: string | undefined, socket: ClosableSocket | null): Holder {
    return {
      keyId: principal.apiKey.keyId,
      budgetKeyId: budgetOf(principal).keyId,
      organizationId: principal.organization.id,
      ip,
      socket,
      streams: new Map(),
      socketSlot: null,
      refused: false,
      expiresAt: principal.apiKey.expiresAt,
      permissions: principal.permissions,
    };
  }
}
