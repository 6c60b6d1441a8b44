import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions, type WebSocket as ProtocolSocket } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * What operations read of the upgrade request later: the member cookie, the forwarded address and
 * the peer. Not the IncomingMessage itself, which with its headers is about 1 KB per socket.
 */
export interface UpgradeRequest {
  readonly headers: { readonly cookie?: string | undefined; readonly 'x-forwarded-for'?: string | undefined };
  readonly socket: { readonly remoteAddress?: string | undefined };
}

/** `ctx.extra` of graphql-ws's hooks on Keyward's server. */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: UpgradeRequest;
}

export interface GraphqlWsSettings {
  logger: Logger;
  /** A connection_init must arrive within this, or the socket closes with 4408. */
  connectionInitWaitMs: number;
  /** Every socket is pinged this often; one that has not answered the previous ping is terminated. */
  keepAliveMs: number;
  /**
   * Sockets one client address may hold open, counted from the upgrade (before any message, so
   * anonymous and not-yet-initialised sockets count too); past it a socket is closed at once.
   */
  perAddress: { max: number; addressOf(request: IncomingMessage): string; refusal: { code: number; reason: string } };
}

/** The keep-alive timer pings a twelfth of the sockets at a time (graphql-ws: one timer per socket). */
const KEEP_ALIVE_TURNS = 12;

/**
 * One socket: graphql-ws's socket and `ctx.extra` in one object, with its methods on the prototype.
 * 20,000 sockets are 20,000 of these, instead of the closures, timers and retained upgrade
 * requests of graphql-ws's own `useServer` (see bench/README.md, "Subscriptions").
 */
class Connection implements ProtocolSocket, SocketExtra {
  /** graphql-ws's message handler. */
  receive: ((data: string) => Promise<void>) | null = null;
  /** Until connection_init arrives. */
  initTimer: NodeJS.Timeout | null = null;
  /** graphql-ws's end of the socket: completes its operations and calls onClose. */
  closed: ((code?: number, reason?: string) => Promise<void>) | null = null;
  /** Pinged, and no pong since. */
  awaitingPong = false;

  constructor(
    readonly socket: WebSocket,
    readonly request: UpgradeRequest,
    /** The client address its socket counts against. */
    readonly address: string,
    /** Which of the keep-alive timer's turns pings this socket. */
    readonly turn: number,
    private readonly logger: Logger,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== this.socket.OPEN) return resolve();
      this.socket.send(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(receive: (data: string) => Promise<void>): void {
    this.receive = receive;
  }

  /**
   * A message to graphql-ws. Its promise settles when the operation ends (a subscription's, when
   * the subscription does): nothing waits on it here, so no frame stays suspended per operation.
   */
  deliver(data: unknown): void {
    this.receive?.(String(data)).catch((error: unknown) => this.fail(error));
  }

  /** An error in handling a message is a bug: logged, and the socket closed as graphql-ws does. */
  private fail(error: unknown): void {
    this.logger.error({ err: error }, 'graphql-ws message handling failed');
    this.socket.close(CloseCode.InternalServerError, 'Internal server error');
  }
}

/**
 * graphql-ws on a `ws` server, as graphql-ws's `useServer` does (the same protocol, hooks, close
 * codes and keep-alive), with little held per socket: one object for the socket, one listener per
 * event, one keep-alive timer for all sockets, and the upgrade request reduced to what operations
 * read. The keep-alive timer stops when the server closes.
 */
export function serveGraphqlWs<P extends Record<string, unknown>>(
  wss: WebSocketServer,
  options: ServerOptions<P, SocketExtra>,
  settings: GraphqlWsSettings,
): void {
  const { logger } = settings;
  const connections = new Map<WebSocket, Connection>();
  const server = makeServer<P, SocketExtra>({
    ...options,
    // Timed here, cleared once connection_init arrives (graphql-ws keeps its timer as long as the socket).
    connectionInitWaitTimeout: 0,
    onConnect: (ctx) => {
      const connection = ctx.extra as Connection;
      if (connection.initTimer) clearTimeout(connection.initTimer);
      connection.initTimer = null;
      return options.onConnect?.(ctx);
    },
  });
  wss.options.handleProtocols = handleProtocols;

  // Listeners shared by every socket (`this` is the socket), instead of closures per socket.
  function onMessage(this: WebSocket, data: unknown): void {
    connections.get(this)?.deliver(data);
  }
  function onError(this: WebSocket, error: Error): void {
    // A client can make its socket error (e.g. an oversized frame: ws closes it with 1009 itself).
    logger.debug({ err: error }, 'websocket error');
  }
  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    const connection = connections.get(this);
    if (!connection) return;
    connections.delete(this);
    if (connection.initTimer) clearTimeout(connection.initTimer);
    const left = (openByAddress.get(connection.address) ?? 1) - 1;
    if (left > 0) openByAddress.set(connection.address, left);
    else openByAddress.delete(connection.address);
    connection.closed?.(code, String(reason)).catch((error: unknown) => logger.error({ err: error }, 'graphql-ws close handling failed'));
  }
  function onPong(this: WebSocket): void {
    const connection = connections.get(this);
    if (connection) connection.awaitingPong = false;
  }

  // Keep-alive: every socket is pinged once per keepAliveMs, and one that has not answered the
  // last ping by the next one is gone. One timer for all, in KEEP_ALIVE_TURNS turns: each socket
  // has its turn, so 20,000 pings do not all go out in one burst (a change then waits behind it).
  let tick = 0;
  let added = 0;
  const keepAlive = setInterval(
    () => {
      const turn = tick++ % KEEP_ALIVE_TURNS;
      for (const connection of connections.values()) {
        const { socket } = connection;
        if (connection.turn !== turn || socket.readyState !== socket.OPEN) continue;
        if (connection.awaitingPong) {
          socket.terminate();
          continue;
        }
        connection.awaitingPong = true;
        socket.ping();
      }
    },
    Math.max(1, Math.floor(settings.keepAliveMs / KEEP_ALIVE_TURNS)),
  );
  keepAlive.unref();
  wss.on('close', () => clearInterval(keepAlive));

  wss.on('error', (error) => {
    logger.error({ err: error }, 'websocket server error');
    for (const socket of wss.clients) socket.close(CloseCode.InternalServerError, 'Internal server error');
  });

  const { perAddress } = settings;
  const openByAddress = new Map<string, number>();
  wss.on('connection', (socket, request) => {
    socket.on('error', onError);
    const address = perAddress.addressOf(request);
    const open = openByAddress.get(address) ?? 0;
    if (open >= perAddress.max) {
      socket.close(perAddress.refusal.code, perAddress.refusal.reason);
      return;
    }
    openByAddress.set(address, open + 1);
    const upgrade: UpgradeRequest = {
      headers: { cookie: request.headers.cookie, 'x-forwarded-for': request.headers['x-forwarded-for']?.toString() },
      socket: request.socket,
    };
    const connection = new Connection(socket, upgrade, address, added++ % KEEP_ALIVE_TURNS, logger);
    connections.set(socket, connection);
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('close', onClose);
    connection.initTimer = setTimeout(() => {
      connection.initTimer = null;
      socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, settings.connectionInitWaitMs);
    connection.closed = server.opened(connection, connection);
  });
}
