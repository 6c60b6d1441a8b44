import type { Logger } from 'pino';
import type { KeyVerifier } from '../domain/auth/key-verifier.ts';
import type { KeyPrincipal } from '../domain/caller.ts';
import type { Permission } from '../generated/prisma/client.ts';
import { ACCESS_MESSAGES, AccessError } from '../domain/errors.ts';

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
  /** Subscriptions one key may hold at once on this instance (both transports). */
  perKey: number;
  /** graphql-ws sockets one key may hold open at once on this instance. */
  socketsPerKey: number;
  /** How often every credential in use is read again from the database. */
  checkIntervalMs: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { perSocket: 10, perKey: 100, socketsPerKey: 20, checkIntervalMs: 500 };

/** graphql-ws close code for a credential that is no longer accepted. */
export const CLOSE_FORBIDDEN = 4403;

/** A credential in use by long-lived streams: one graphql-ws socket, or one SSE subscription. */
export interface Holder {
  readonly keyId: string;
  readonly organizationId: string;
  readonly ip: string | undefined;
  readonly socket: ClosableSocket | null;
  readonly streams: Set<EndableStream>;
  /** Set once the credential was refused: no event is sent to its streams any more. */
  refused: boolean;
  /** The key's expiry and permissions as last read (a rotation with grace sets an expiry later). */
  expiresAt: Date | null;
  permissions: Permission[];
}

/**
 * Binds subscriptions to the credential that opened them. graphql-ws checks a credential only
 * when the socket opens, so this registry reads every credential in use again every
 * `checkIntervalMs` (one query for all of them) and at once when this or another instance says a
 * key or organization changed. A refused credential's streams end with UNAUTHENTICATED, its
 * socket is closed with 4403, and until then every event to it is dropped (`refused`).
 */
export class SubscriptionRegistry {
  private readonly holders = new Set<Holder>();
  private readonly sockets = new WeakMap<ClosableSocket, Holder>();
  private readonly perKey = new Map<string, number>();
  private readonly socketsOfKey = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly verifier: KeyVerifier,
    private readonly logger: Logger,
    readonly limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS,
  ) {}

  /**
   * A graphql-ws socket authenticated with a key: watched from now until it closes. RATE_LIMITED
   * when the key already holds its number of sockets on this instance.
   */
  watchSocket(socket: ClosableSocket, principal: KeyPrincipal, ip: string | undefined): void {
    if (this.sockets.has(socket)) return;
    const keyId = principal.apiKey.keyId;
    const open = this.socketsOfKey.get(keyId) ?? 0;
    if (open >= this.limits.socketsPerKey) {
      throw new AccessError('RATE_LIMITED', `At most ${this.limits.socketsPerKey} open connections per key`);
    }
    this.socketsOfKey.set(keyId, open + 1);
    const holder = this.holder(principal, ip, socket);
    this.sockets.set(socket, holder);
    this.holders.add(holder);
  }

  releaseSocket(socket: ClosableSocket): void {
    const holder = this.sockets.get(socket);
    if (!holder) return;
    this.sockets.delete(socket);
    this.holders.delete(holder);
    const left = (this.socketsOfKey.get(holder.keyId) ?? 1) - 1;
    if (left > 0) this.socketsOfKey.set(holder.keyId, left);
    else this.socketsOfKey.delete(holder.keyId);
  }

  /**
   * Admits a new stream for a key (on its socket, if any), within the limits; RATE_LIMITED
   * otherwise. The stream is counted until `release`.
   */
  admit(principal: KeyPrincipal, ip: string | undefined, socket: ClosableSocket | undefined, stream: EndableStream): Holder {
    const keyId = principal.apiKey.keyId;
    const watched = socket ? this.sockets.get(socket) : undefined;
    // graphql-ws: the socket's own credential (connection_init) is the one every operation uses.
    const holder = watched && watched.keyId === keyId ? watched : this.holder(principal, ip, null);
    if (holder.refused) throw new AccessError('UNAUTHENTICATED', ACCESS_MESSAGES.invalidKey);
    if (holder.socket && holder.streams.size >= this.limits.perSocket) {
      throw new AccessError('RATE_LIMITED', `At most ${this.limits.perSocket} subscriptions per connection`);
    }
    const used = this.perKey.get(keyId) ?? 0;
    if (used >= this.limits.perKey) {
      throw new AccessError('RATE_LIMITED', `At most ${this.limits.perKey} subscriptions per key at once`);
    }
    this.perKey.set(keyId, used + 1);
    holder.streams.add(stream);
    this.holders.add(holder);
    return holder;
  }

  /** A stream admitted by `admit` ended. */
  release(holder: Holder, stream: EndableStream): void {
    if (!holder.streams.delete(stream)) return;
    const left = (this.perKey.get(holder.keyId) ?? 1) - 1;
    if (left > 0) this.perKey.set(holder.keyId, left);
    else this.perKey.delete(holder.keyId);
    if (!holder.socket && holder.streams.size === 0) this.holders.delete(holder);
  }

  /** Subscriptions currently open on this instance. */
  get size(): number {
    let count = 0;
    for (const n of this.perKey.values()) count += n;
    return count;
  }

  /** Reads the credentials in use (all, or those `which` selects) again and refuses the bad ones. */
  async check(which: (holder: Holder) => boolean = () => true): Promise<void> {
    const holders = [...this.holders].filter((h) => !h.refused && which(h));
    if (holders.length === 0) return;
    const verdicts = await this.verifier.recheck(holders.map((h) => ({ keyId: h.keyId, ip: h.ip })));
    holders.forEach((holder, i) => {
      const verdict = verdicts[i]!;
      if (verdict.refusal !== null) return this.refuse(holder, verdict.refusal);
      holder.expiresAt = verdict.expiresAt;
      holder.permissions = verdict.permissions;
      // A permission taken away ends the streams that need it (the others go on).
      for (const stream of [...holder.streams]) {
        if (stream.requires && !verdict.permissions.includes(stream.requires)) {
          stream.fail(new AccessError('FORBIDDEN', `This key no longer has ${stream.requires}`));
        }
      }
    });
  }

  keyChanged(keyId: string): void {
    void this.check((h) => h.keyId === keyId).catch((error) => this.logger.warn({ err: error }, 'subscription credential check failed'));
  }

  organizationChanged(organizationId: string): void {
    void this.check((h) => h.organizationId === organizationId).catch((error) =>
      this.logger.warn({ err: error }, 'subscription credential check failed'),
    );
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
    for (const stream of [...holder.streams]) stream.fail(error);
    const { socket } = holder;
    if (socket) {
      this.sockets.delete(socket);
      // Give the error messages a moment to be written before the close frame.
      setTimeout(() => socket.close(CLOSE_FORBIDDEN, 'Forbidden'), 100).unref();
    }
  }

  private holder(principal: KeyPrincipal, ip: string | undefined, socket: ClosableSocket | null): Holder {
    return {
      keyId: principal.apiKey.keyId,
      organizationId: principal.organization.id,
      ip,
      socket,
      streams: new Set(),
      refused: false,
      expiresAt: principal.apiKey.expiresAt,
      permissions: principal.permissions,
    };
  }
}
