import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, cookieValue, MEMBER_COOKIE, socketHeaders } from './auth.ts';
import { isTenant } from './domain/access/policy.ts';
import { serveGraphqlWs } from './http/graphql-ws.ts';
import { isOwnOrigin } from './http/origin.ts';
import type { Context, Services } from './context.ts';
import type { DirectSink } from './live/shared-execution.ts';
import { AccessError } from './domain/errors.ts';
import { resolveClientIp } from './domain/ip/client-ip.ts';
import { httpStatusOf, toGraphQLError, withoutHttp } from './graphql/access.ts';
import {
  addErrorCodes,
  createRecordFinisher,
  describeOperation,
  errorMasker,
  sharedSubscribe,
  startRecord,
  type KeywardYoga,
  type RequestRecord,
} from './yoga.ts';
import { handleVerifyRequest, VERIFY_PATH } from './http/verify-endpoint.ts';

/** A subscriber whose socket has this much unsent data is not keeping up: its subscription ends. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const overflowResult: ExecutionResult = {
  errors: [toGraphQLError(new AccessError('RATE_LIMITED', 'The connection is not reading its events fast enough; resume with the last cursor'))],
};

/** graphql-ws subscriptions write shared events straight to their socket (see shared-execution.ts). */
class SocketSink implements DirectSink {
  constructor(
    private readonly socket: WebSocket,
    readonly id: string,
  ) {}

  write(message: string): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return true;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) return false;
    this.socket.send(message);
    return true;
  }

  overflow(): ExecutionResult {
    return overflowResult;
  }
}

function directSink(context: Context): DirectSink | undefined {
  const socket = context.socket as WebSocket | undefined;
  return socket && context.operationId !== undefined ? new SocketSink(socket, context.operationId) : undefined;
}

/**
 * The HTTP status the same outcome has over HTTP: 200 without errors or beside data (issue 13,
 * finding 17), else the highest status of the errors' codes, else `otherwise`.
 */
function statusOf(errors: readonly GraphQLError[], otherwise: number, data?: unknown): number {
  if (errors.length === 0 || data != null) return 200;
  const statuses = errors.map((error) => httpStatusOf(error.extensions?.code)).filter((value) => value !== undefined);
  return statuses.length ? Math.max(...statuses) : otherwise;
}

/** A result as graphql-ws sends it: errors without `extensions.http`, as over HTTP and SSE. */
function clientResult<T extends ExecutionResult>(result: T): T {
  return result.errors?.length ? { ...result, errors: result.errors.map(withoutHttp) } : result;
}

/** A socket whose key (or address) is over its rate limit at connection_init, or over its address's number of open sockets. */
const CLOSE_RATE_LIMITED = 4429;

/** Largest WebSocket message accepted (ws's default is 100 MiB). */
const MAX_WS_PAYLOAD = 64 * 1024;

/** graphql-ws's defaults: connection_init within 3 s; a ping every 12 s, answered before the next. */
const CONNECTION_INIT_WAIT_MS = 3_000;
const KEEP_ALIVE_MS = 12_000;

const CREDENTIAL_PARAMS = /^(key|api[_-]?key|token|access[_-]?token|authorization|x-partner-key|x-api-key|x-admin-token|secret)$/i;

/** A query string that looks like it carries a credential: a credential-named parameter, or a Keyward key anywhere. */
function credentialInUrl(url: string | undefined): boolean {
  const query = url?.split('?')[1];
  if (!query) return false;
  const params = new URLSearchParams(query);
  return [...params].some(([name, value]) => CREDENTIAL_PARAMS.test(name) || /kw_(ptr|usr|ses)_/.test(value) || /kw_(ptr|usr|ses)_/.test(name));
}

/**
 * How long a client may take over its request (docs/security.md A-09; README, "Configuration"):
 * Keyward runs behind a proxy, which holds slow clients itself, so these are short.
 */
export interface HttpTimeouts {
  /** The request line and headers must arrive within this (node's default: 60 s). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (node's default: 300 s). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; longer than the proxy's own idle timeout. */
  keepAliveTimeoutMs: number;
}

const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000 };

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), closes every socket. */
  stop(graceMs?: number): Promise<void>;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * One node:http server for everything on `/graphql`: POST/GET and SSE through yoga, and
 * graphql-ws on the upgrade, run through yoga's envelop so both share context and plugins.
 */
export async function startServer(options: {
  yoga: KeywardYoga;
  services: Services;
  adminToken: string | undefined;
  trustedProxies: ((ip: string) => boolean) | null;
  logger: Logger;
  port: number;
  host: string;
  timeouts?: Partial<HttpTimeouts>;
}): Promise<RunningServer> {
  const { yoga, logger } = options;
  const mask = errorMasker(options.services);
  const finishRecord = createRecordFinisher(options.services);
  // Each operation's record between onSubscribe and onOperation, by the arguments onSubscribe returned.
  const operations = new WeakMap<ExecutionArgs, RequestRecord>();
  const masked = (result: ExecutionResult): ExecutionResult =>
    result.errors?.length ? { ...result, errors: result.errors.map((error) => withoutHttp(mask(error, 'Unexpected error.') as GraphQLError)) } : result;
  const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts };
  const server = createServer(
    {
      headersTimeout: Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs),
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      // node checks the two deadlines above this often (default 30 s): a fraction of the shorter one.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs) / 4))),
    },
    (req, res) => {
      if (req.url?.split('?')[0] === VERIFY_PATH) {
        const ip = resolveClientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']?.toString(), options.trustedProxies);
        handleVerifyRequest(req, res, options.services, options.adminToken, ip);
      } else void yoga(req, res);
    },
  );
  const wss = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: MAX_WS_PAYLOAD,
    // Credentials go in connection_init, never in the URL, which proxies and access logs keep.
    verifyClient: ({ req }, done) => {
      if (credentialInUrl(req.url)) return done(false, 400, 'Send credentials in connection_init, not in the URL');
      // A member's cookie goes with any page's upgrade: only Keyward's own pages may use it (cross-site WebSocket hijacking).
      if (cookieValue(req.headers.cookie, MEMBER_COOKIE) !== undefined && !isOwnOrigin(req.headers.origin, req.headers.host, options.services)) {
        return done(false, 403, "CSRF_REQUIRED: a WebSocket signed in by the member cookie must come from Keyward's own origin");
      }
      return done(true);
    },
  });

  const socketsPerIp = options.services.subscriptions.registry.limits.socketsPerIp;
  serveGraphqlWs<Record<string, unknown>>(
    wss,
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      // Subscriptions skip envelop's per-subscription wrappers (several KB per subscriber) and
      // run the shared execution directly, masking errors as yoga does.
      subscribe: (args) => sharedSubscribe(args, masked, directSink(args.contextValue as Context)) as never,
      // A wrong credential in connection_init closes the socket (4403) before any operation.
      onConnect: async (ctx) => {
        const ip = resolveClientIp(ctx.extra.request.socket.remoteAddress, ctx.extra.request.headers['x-forwarded-for']?.toString(), options.trustedProxies);
        try {
          const caller = await authenticate(options.services, options.adminToken, socketHeaders(ctx.connectionParams, ctx.extra.request.headers.cookie), ip);
          // Without a credential every operation is UNAUTHENTICATED: the socket is refused at once (4403).
          if (caller === null) return false;
          // The socket lives as long as its credential does: the registry closes it (4403) when the key goes.
          if (isTenant(caller)) await options.services.subscriptions.registry.watchSocket(ctx.extra.socket, caller.principal, ip);
          return true;
        } catch (error) {
          if (!(error instanceof AccessError)) throw error;
          // Over its rate limit (or its number of sockets) a socket is told so (graphql-ws closes it 4403 otherwise).
          if (error.code === 'RATE_LIMITED') {
            const reason = error.retryAfterSeconds === undefined ? error.message : `Rate limit reached: retry after ${error.retryAfterSeconds} s`;
            ctx.extra.socket.close(CLOSE_RATE_LIMITED, reason);
          }
          return false;
        }
      },
      onClose: (ctx) => options.services.subscriptions.registry.releaseSocket(ctx.extra.socket),
      onSubscribe: async (ctx, id, params) => {
        // Each operation on a socket is logged as an HTTP request is (log line, metrics, request log).
        const record = startRecord(yoga.graphqlEndpoint);
        record.operationName = params.operationName ?? undefined;
        const refuse = (errors: readonly GraphQLError[], fallback: string) => {
          addErrorCodes(record, errors, fallback);
          finishRecord(record, statusOf(errors, 400), 'WS');
          return errors.map(withoutHttp);
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionParams: ctx.connectionParams ?? {},
          operationRecord: record,
        });
        let document: DocumentNode;
        try {
          document = parse(params.query);
        } catch (error) {
          return refuse([error as GraphQLError], 'GRAPHQL_PARSE_FAILED');
        }
        describeOperation(record, document);
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, document);
        } catch (error) {
          // A validation plugin may throw its refusal rather than report it.
          if (error instanceof GraphQLError) return refuse([error], 'GRAPHQL_VALIDATION_FAILED');
          throw error;
        }
        if (errors.length > 0) return refuse(errors, 'GRAPHQL_VALIDATION_FAILED');
        try {
          const contextValue = { ...(await contextFactory()), operationId: id };
          const args: ExecutionArgs = {
            schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue,
            // A subscription lives long: it keeps no reference to this envelop instance.
            rootValue: record.operationType === 'subscription' ? undefined : ({ execute, subscribe } satisfies EnvelopedRoot),
          };
          operations.set(args, record);
          return args;
        } catch (error) {
          // The context records the code of an access refusal itself.
          if (error instanceof AccessError) return refuse([toGraphQLError(error)], 'ERROR');
          if (error instanceof GraphQLError) return refuse([error], 'ERROR');
          throw error;
        }
      },
      // A query or mutation has its result; a subscription has started, or was refused.
      onOperation: (_ctx, _id, _payload, args, result) => {
        const record = operations.get(args);
        if (!record) return;
        operations.delete(args);
        const errors = Symbol.asyncIterator in Object(result) ? undefined : (result as ExecutionResult).errors;
        addErrorCodes(record, errors);
        finishRecord(record, statusOf(errors ?? [], 200, (result as ExecutionResult).data), 'WS');
      },
      // Queries, mutations and what a subscription yields to graphql-ws: errors as HTTP shows them.
      onNext: (_ctx, _id, _payload, _args, result) => clientResult(result as ExecutionResult) as never,
    },
    {
      logger,
      connectionInitWaitMs: CONNECTION_INIT_WAIT_MS,
      keepAliveMs: KEEP_ALIVE_MS,
      // Sockets open per client IP, on this instance.
      perAddress: {
        max: socketsPerIp,
        addressOf: (request) =>
          resolveClientIp(request.socket.remoteAddress, request.headers['x-forwarded-for']?.toString(), options.trustedProxies) ?? 'unknown',
        refusal: { code: CLOSE_RATE_LIMITED, reason: `At most ${socketsPerIp} open connections per address` },
      },
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/graphql`;

  let stopping: Promise<void> | null = null;
  const stop = (graceMs = 10_000) => {
    stopping ??= (async () => {
      logger.info('shutting down: no new connections');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      const timer = setTimeout(() => {
        logger.warn('grace period over: closing remaining connections');
        server.closeAllConnections();
        for (const client of wss.clients) client.terminate();
      }, graceMs);
      await closed;
      clearTimeout(timer);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    })();
    return stopping;
  };

  return { server, url, port, stop };
}
