import { randomUUID } from 'node:crypto';
import { getOperationAST, type GraphQLEnumType, GraphQLError, Kind, NoSchemaIntrospectionCustomRule, type DocumentNode, type ExecutionResult } from 'graphql';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { PothosValidationError } from '@pothos/core';
import { isTenant, keyScope } from './domain/access/policy.ts';
import { operationLimitPlugins } from './graphql/hardening.ts';
import { createYoga, maskError as defaultMaskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import {
  authenticate,
  cookieValue,
  CREDENTIAL_HEADERS,
  CSRF_HEADER as MEMBER_CSRF_HEADER,
  csrfRequired,
  headersFromObject,
  headersWithRepeats,
  MEMBER_COOKIE,
  socketHeaders,
  type HeaderReader,
} from './auth.ts';
import type { Context, Services } from './context.ts';
import type { Environment } from './generated/prisma/client.ts';
import { AccessError, DomainError, ValidationError } from './domain/errors.ts';
import { resolveClientIp } from './domain/ip/client-ip.ts';
import { databaseUnavailable, isDatabaseUnavailable } from './infra/database.ts';
import { toGraphQLError, withExtensions } from './graphql/access.ts';
import { schema } from './graphql/schema.ts';
import { bodyLimitPlugin } from './http/body-limit.ts';
import { consentPagesPlugin } from './http/consent-page.ts';
import { clearedMemberCookies } from './http/member-cookie.ts';
import { signInPagesPlugin } from './http/sign-in-page.ts';
import { DASHBOARD_ASSET_PATH, dashboardPlugin } from './http/dashboard.ts';
import { GRAPHIQL_ASSET_PATH, graphiqlPlugin } from './http/graphiql.ts';
import { createSharedSubscribe, isAsyncIterable, useSharedSubscriptionExecution } from './live/shared-execution.ts';
import type { ClosableSocket } from './live/subscription-registry.ts';
import type { LiveItem } from './live/subscriptions.ts';

/** What the transport hands yoga: node:http's request, or graphql-ws's upgrade request and init payload. */
interface ServerContext {
  req?: {
    socket: { remoteAddress?: string | undefined };
    headers?: { cookie?: string | undefined; 'x-forwarded-for'?: string | string[] | undefined };
    rawHeaders?: string[];
  };
  connectionParams?: Record<string, unknown>;
  socket?: ClosableSocket;
  /** graphql-ws: the operation's record (HTTP requests have theirs by Request). */
  operationRecord?: RequestRecord;
}

export interface YogaDeps {
  services: Services;
  adminToken: string | undefined;
  trustedProxies: ((ip: string) => boolean) | null;
  graphiql?: boolean;
  /**
   * Production rules: operation limits answer only "Query validation error." without naming the
   * limit, and callers without a credential may not introspect the schema.
   */
  production?: boolean;
  /** Browser origins allowed to call the API (CORS, without credentials); none by default. */
  corsOrigins?: string[];
  /** A query still running after this long is answered with TIMEOUT (503); default 10 s. */
  queryTimeoutMs?: number;
}

export type KeywardYoga = YogaServerInstance<ServerContext, Context>;

/** What is known of one operation while it runs, for its log line, its metrics and the request log. */
export interface RequestRecord {
  /** Codes the operation ended with: top-level error codes and typed payload error codes. */
  codes: Set<string>;
  path: string;
  start: number;
  requestId: string;
  operationName?: string | undefined;
  operationType?: string | undefined;
  /** The first root field the operation asks for: the metrics' bounded operation label. */
  rootField?: string | undefined;
  keyId?: string | undefined;
  /** A member's request: its session's keyId is `keyId`. */
  memberId?: string | undefined;
  /** Requests by a key or member are kept in the organization's request log. */
  scope?: { organizationId: string; environment: Environment } | undefined;
  ip?: string | undefined;
}

export function startRecord(path: string): RequestRecord {
  return { path, start: performance.now(), requestId: randomUUID(), codes: new Set() };
}

/** Names, type and first root field of the operation a document asks for. */
export function describeOperation(record: RequestRecord, document: DocumentNode): void {
  const operation = getOperationAST(document, record.operationName);
  record.operationName ??= operation?.name?.value;
  record.operationType = operation?.operation;
  const first = operation?.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
  record.rootField = first?.kind === Kind.FIELD ? first.name.value : undefined;
}

/** The codes of errors an operation was answered with (a GraphQL error without a code counts as `fallback`). */
export function addErrorCodes(record: RequestRecord, errors: readonly unknown[] | undefined, fallback = 'ERROR'): void {
  for (const error of errors ?? []) record.codes.add(codeOf(error) ?? fallback);
}

/**
 * An error's code: its `extensions.code`, or, before masking gives it one, the code of the
 * Keyward error (or Pothos argument refusal) a resolver threw.
 */
function codeOf(error: unknown): string | undefined {
  const { extensions, originalError } = error as { extensions?: Record<string, unknown>; originalError?: unknown };
  if (extensions?.code !== undefined) return String(extensions.code);
  if (originalError instanceof AccessError || originalError instanceof DomainError) return originalError.code;
  if (originalError instanceof PothosValidationError || error instanceof PothosValidationError) return 'BAD_USER_INPUT';
  return undefined;
}

/**
 * The metrics' label values, each from a set fixed at start (a client must not be able to grow
 * `/metrics`): the schema's root field names (any other name is `other`), the operation types,
 * and the error codes the server itself answers with.
 */
const ROOT_FIELDS: ReadonlySet<string> = new Set([
  ...[schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) => Object.keys(type?.getFields() ?? {})),
  '__typename',
  '__schema',
  '__type',
]);
const OPERATION_TYPES: ReadonlySet<string> = new Set(['query', 'mutation', 'subscription']);
const OUTCOMES: ReadonlySet<string> = new Set([
  ...(schema.getType('ErrorCode') as GraphQLEnumType).getValues().map((value) => value.name),
  'OK',
  'ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
]);

/** The metrics labels of a finished operation: never a value a client chose. */
function metricLabels(record: Pick<RequestRecord, 'rootField' | 'operationType'>, outcome: string): { operation: string; type: string; outcome: string } {
  const field = record.rootField;
  const type = record.operationType;
  return {
    operation: field === undefined ? 'none' : ROOT_FIELDS.has(field) ? field : 'other',
    type: type === undefined ? 'none' : OPERATION_TYPES.has(type) ? type : 'other',
    outcome: OUTCOMES.has(outcome) || /^HTTP_[1-5][0-9]{2}$/.test(outcome) ? outcome : 'other',
  };
}

/**
 * Ends an operation's record: metrics, the organization's request log (requests by a key), and one
 * log line with fixed, non-secret fields. HTTP requests end here from `onResponse`; graphql-ws
 * operations from server.ts, with the status the same outcome has over HTTP.
 */
export function createRecordFinisher(services: Services): (record: RequestRecord, status: number, method: string) => void {
  // The line has fixed, non-secret fields only, so it skips the redaction pass (~20 µs a line).
  const log = services.logger.child({}, { redact: { paths: [] } });
  return (record, status, method) => {
    const durationMs = Math.round((performance.now() - record.start) * 100) / 100;
    // A refusal before any code was known (a body too large, a CSRF refusal, a thrown limit) says its status.
    const first = record.codes.values().next().value ?? (status >= 400 ? `HTTP_${status}` : 'OK');
    const outcome = record.codes.size > 1 ? [...record.codes].join(',') : first;
    const labels = metricLabels(record, first);
    services.metrics.requests.inc(labels);
    services.metrics.duration.observe({ type: labels.type }, durationMs / 1000);
    if (record.scope && record.keyId) {
      services.requestLogs.record({
        organizationId: record.scope.organizationId,
        environment: record.scope.environment,
        keyId: record.keyId,
        memberId: record.memberId ?? null,
        operationName: record.operationName?.slice(0, 100) ?? null,
        operationType: record.operationType ?? null,
        outcome: outcome.slice(0, 200),
        httpStatus: status,
        ip: record.ip ?? null,
        durationMs,
        createdAt: services.clock.now(),
      });
    }
    if (!log.isLevelEnabled('info')) return;
    log.info(
      {
        requestId: record.requestId,
        method,
        operation: record.operationName ?? null,
        outcome,
        status,
        keyId: record.keyId ?? null,
        ip: record.ip ?? null,
        durationMs,
      },
      'request',
    );
  };
}

/** One log line per request: operation, outcome code, duration; never a header or variable. */
function requestLogPlugin(services: Services, records: WeakMap<Request, RequestRecord>): Plugin<Context> {
  const finish = createRecordFinisher(services);
  return {
    onRequest({ request, url }) {
      records.set(request, startRecord(url.pathname));
    },
    onParams({ params, request }) {
      const record = records.get(request);
      if (record) record.operationName = params.operationName ?? undefined;
    },
    // Clients often send no operationName: take the one the document names.
    onParse({ context }) {
      const record = records.get((context as { request: Request }).request);
      return ({ result }) => {
        if (!record) return;
        if (result instanceof Error) addErrorCodes(record, [result], 'GRAPHQL_PARSE_FAILED');
        else if ('kind' in result) describeOperation(record, result);
      };
    },
    onValidate({ context }) {
      const record = records.get((context as { request: Request }).request);
      return ({ result }) => {
        if (record) addErrorCodes(record, result, 'GRAPHQL_VALIDATION_FAILED');
      };
    },
    onExecute({ args }) {
      const record = records.get((args.contextValue as { request: Request }).request);
      return {
        onExecuteDone({ result }) {
          if (record && 'errors' in result) addErrorCodes(record, result.errors);
        },
      };
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (record?.path === '/graphql') finish(record, response.status, request.method);
    },
  };
}

/** `/healthz`: the process answers. `/readyz`: the database answers too. `/metrics`: Prometheus text. */
function healthPlugin(services: Services, ping: () => Promise<void>): Plugin {
  const ready = async (): Promise<Response> => {
    try {
      await ping();
      return Response.json({ status: 'ready' });
    } catch (error) {
      services.logger.warn({ err: error }, 'readiness check failed');
      return Response.json({ status: 'unavailable' }, { status: 503 });
    }
  };
  const metrics = (): Promise<Response> =>
    services.metrics.text().then(
      ({ body, contentType }) => new Response(body, { headers: { 'content-type': contentType } }),
      (error: unknown) => {
        services.logger.error({ err: error }, 'metrics failed');
        return Response.json({ status: 'error' }, { status: 500 });
      },
    );
  return {
    // Synchronous for every other path: this hook runs on each GraphQL request too.
    onRequest({ request, url, endResponse }) {
      if (url.pathname !== '/healthz' && url.pathname !== '/metrics' && url.pathname !== '/readyz') return undefined;
      // Anything but a read is a client's mistake, answered as such (never a stack).
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(Response.json({ status: 'method not allowed' }, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return undefined;
      }
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return undefined;
      }
      return (url.pathname === '/metrics' ? metrics() : ready()).then(endResponse);
    },
  };
}

/**
 * Signed requests (docs/api.md, "Request signing") are verified on their raw body bytes: when a
 * request carries a signature, its body is read once more (a clone) before yoga parses it.
 */
function signedBodyPlugin(rawBodies: WeakMap<Request, Uint8Array>): Plugin {
  return {
    onRequest({ request }) {
      if (request.method !== 'POST' || !request.headers.has('x-keyward-signature')) return undefined;
      // Only a body of a declared size within the limit is copied (a larger one is refused with 413 anyway).
      const length = Number(request.headers.get('content-length') ?? NaN);
      if (!(length <= MAX_REQUEST_BODY_BYTES)) return undefined;
      return request
        .clone()
        .arrayBuffer()
        .then((body) => void rawBodies.set(request, new Uint8Array(body)));
    },
  };
}

/** Request bodies above this are refused with 413 (docs/security.md A-09). */
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * Introspection in production: only for requests that carry a credential. Validation runs
 * before authentication, so a credential is only seen here; a wrong one still ends the request
 * with UNAUTHENTICATED before anything executes (and a graphql-ws socket with one is refused).
 */
function introspectionPolicyPlugin(): Plugin {
  return {
    onValidate({ context, addValidationRule }) {
      const { request, connectionParams } = context as { request?: Request; connectionParams?: Record<string, unknown> };
      const header: HeaderReader = connectionParams ? headersFromObject(connectionParams) : (name) => request?.headers.get(name) ?? null;
      if (!CREDENTIAL_HEADERS.some((name) => header(name))) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/**
 * Responses may carry a key shown once: no cache anywhere may keep them. In production they also
 * tell browsers to use HTTPS only (HSTS; Keyward runs behind a TLS-terminating proxy).
 */
function responseHeadersPlugin(production: boolean): Plugin {
  return {
    onResponse({ request, response }) {
      if (production) response.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
      // GraphiQL's files hold no secret, and their folder is named after their content (http/graphiql.ts).
      const pathname = pathOf(request.url);
      if (pathname.startsWith(GRAPHIQL_ASSET_PATH) || pathname.startsWith(DASHBOARD_ASSET_PATH)) return;
      // delete first: set() on this Headers implementation adds a second line next to SSE's no-cache.
      response.headers.delete('cache-control');
      response.headers.set('cache-control', 'no-store');
    },
  };
}

/** The path of an absolute URL, without parsing all of it (`new URL` costs a few µs on every response). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  let end = url.indexOf('?', start);
  const hash = url.indexOf('#', start);
  if (hash >= 0 && (end < 0 || hash < end)) end = hash;
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/** An error without the HTTP status it asks for (its headers, e.g. Retry-After, stay). */
function withoutStatus(error: GraphQLError): GraphQLError {
  const http = error.extensions?.http as { status?: number; headers?: Record<string, string> } | undefined;
  if (http?.status === undefined) return error;
  const { status: _status, ...rest } = http;
  return withExtensions(error, { ...error.extensions, http: rest });
}

/**
 * The GraphQL-over-HTTP specification: a response whose `data` is not null is 2xx (200 for
 * application/json). A top-level error beside data (one field refused, the others answered)
 * keeps its code but not its status; 401/403/429/503 stay for responses without data (issue 13,
 * finding 17).
 */
function statusBesideDataPlugin(): Plugin {
  return {
    onExecutionResult({ result, setResult }) {
      if (!result || isAsyncIterable(result)) return;
      const single = result as ExecutionResult;
      if (single.data == null || !single.errors?.length) return;
      setResult({ ...single, errors: single.errors.map((error) => withoutStatus(error)) });
    },
  };
}

const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/**
 * A deadline for queries (docs/security.md A-09): a query still running after `timeoutMs` is answered
 * with TIMEOUT and HTTP 503, and its result is dropped when it comes. Mutations are bounded by
 * their transaction's timeout instead (which rolls them back): answering before a write ends
 * would tell the client it failed when it may still commit.
 */
function queryTimeoutPlugin(timeoutMs: number): Plugin {
  const timedOut = (): ExecutionResult => ({
    errors: [toGraphQLError(new AccessError('TIMEOUT', `The query took longer than ${timeoutMs} ms; try again, or ask for less`))],
  });
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      setExecuteFn((execArgs) => {
        const running = executeFn(execArgs);
        // Answered at once (no resolver waited on anything): no deadline to keep.
        if (!isPromiseLike(running)) return running;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<ExecutionResult>((resolve) => {
          timer = setTimeout(() => resolve(timedOut()), timeoutMs);
        });
        return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
      });
    },
  };
}

/** The header that tells a request without a credential header was not sent by a cross-site page (docs/api.md). */
const CSRF_HEADER = 'x-graphql-yoga-csrf';

/**
 * Whether a request carries a credential in a header (a key, a Bearer token, the admin token). A
 * browser never adds one by itself, and a page cannot add one to a cross-site request without a
 * preflight, which CORS refuses: such a request carries no ambient credential, so CSRF does not
 * apply to it. `Authorization: Basic` (which a browser may resend by itself) is not one.
 */
function carriesCredentialHeader(headers: Headers): boolean {
  return CREDENTIAL_HEADERS.some((name) => (name === 'authorization' ? /^bearer\s/i.test(headers.get(name) ?? '') : headers.has(name)));
}

/**
 * CSRF, decided here (docs/security.md C-08): a GET or a form/text POST (what a browser sends
 * cross-site without a preflight, with the site's cookies) needs the CSRF header, unless it carries a
 * credential header. So GET queries (urql's default), GraphiQL's and other clients' SSE subscriptions
 * and Apollo's GETs pass with their key header; a request without one (anonymous, or with cookies, as
 * the dashboard's members will have) keeps yoga's rule.
 */
function csrfPlugin(): Plugin {
  const rule = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      // A member's request says X-Keyward-CSRF: 1 (auth.ts refuses it otherwise): a header no cross-site page sends without a preflight.
      const { headers } = payload.request;
      if (carriesCredentialHeader(headers) || headers.get(MEMBER_CSRF_HEADER) === '1') return undefined;
      // The member cookie without that header gets the code auth.ts gives a JSON POST, not yoga's uncoded 403.
      if (cookieValue(headers.get('cookie'), MEMBER_COOKIE) !== undefined) throw toGraphQLError(csrfRequired());
      return rule.onRequestParse?.(payload);
    },
  };
}

/** Headers a browser client may send: credentials go in headers, never cookies, so CORS never allows credentials. */
const CORS_HEADERS = ['content-type', 'authorization', 'x-api-key', 'x-partner-key', 'x-keyward-env', CSRF_HEADER];

/**
 * Everything a subscription event's result depends on besides the query: subscribers with the
 * same audience get the same result for the same event, so it is computed once for all of them.
 */
function audienceOf(ctx: Context): string | null {
  // Members of one organization, environment and role see the same of every event.
  if (ctx.caller?.type === 'member') {
    const { apiKey, organization, member } = ctx.caller.principal;
    return [organization.id, apiKey.environment, 'MEMBER', member.role].join('|');
  }
  if (ctx.caller?.type !== 'key') return null;
  const { apiKey, organization, permissions } = ctx.caller.principal;
  return [organization.id, apiKey.environment, apiKey.kind, apiKey.connectionId ?? '', [...permissions].sort().join(',')].join('|');
}

/** Subscription events run once per audience and selection, for SSE (plugin) and graphql-ws (server.ts) alike. */
const NO_CODES = new Set<string>();
const SUBSCRIPTION_EVENT = 'subscription-event';

export const sharedSubscribe = createSharedSubscribe<Context>({
  audience: audienceOf,
  // What event fields need (the database, the caller for field scopes); not the request it came in.
  eventContext: (ctx) => ({
    services: ctx.services,
    prisma: ctx.prisma,
    caller: ctx.caller,
    clientIp: ctx.clientIp,
    requestId: SUBSCRIPTION_EVENT,
    outcomeCodes: NO_CODES,
  }),
  // An event (or a delivery change) is one object for all of its subscribers on this instance.
  shareKey: (payload) => {
    const item = payload as LiveItem;
    return item.kind === 'event' ? item.record : item.kind === 'delivery' ? item.change : null;
  },
});

/**
 * What clients may see of an error: access errors top-level with their code and HTTP status,
 * domain errors with their code, GraphQL errors as they are; anything else is a bug, logged and
 * masked.
 */
export function errorMasker({ logger, databaseOutage }: Pick<Services, 'logger' | 'databaseOutage'>) {
  return (error: unknown, message: string, isDev = false): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (original instanceof AccessError) return toGraphQLError(original);
    // The database is away (restarting, unreachable): not a bug, and the client should retry.
    if (isDatabaseUnavailable(original)) {
      databaseOutage(original);
      return toGraphQLError(databaseUnavailable());
    }
    // A domain failure outside a payload union (e.g. a query's bad argument) keeps its code.
    if (original instanceof DomainError) {
      return new GraphQLError(original.message, {
        extensions: { code: original.code, ...(original instanceof ValidationError && { fields: original.fields }) },
      });
    }
    // A relay argument Pothos refused (a cursor, first/last, a global ID): the client's mistake.
    const refused = original instanceof PothosValidationError ? original : error instanceof PothosValidationError ? error : null;
    if (refused) {
      return new GraphQLError(refused.message, {
        nodes: error instanceof GraphQLError ? error.nodes : undefined,
        path: error instanceof GraphQLError ? error.path : undefined,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    // GraphQLErrors are meant for the client; anything else is a bug: logged here, masked there.
    if (!(original instanceof GraphQLError) && !(error instanceof GraphQLError && !error.originalError)) {
      logger.error({ err: original }, 'unexpected error');
    }
    return defaultMaskError(error, message, isDev);
  };
}

/**
 * yoga's own logging, through Keyward's logger. yoga logs at error level every error its masker
 * changed, with its stack: a client's mistake (SIGNATURE_REQUIRED, RATE_LIMITED thrown by a
 * resolver…) would read as a server fault, and a bug would be logged twice. The masker
 * (`errorMasker`) is the one place that logs unexpected errors; yoga's line goes to debug, with
 * the code only. A client error's one info line is the request line (its outcome code).
 */
function yogaLogger(logger: Services['logger']): Record<'debug' | 'info' | 'warn' | 'error', (...args: unknown[]) => void> {
  const text = (args: unknown[]) => args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ');
  return {
    debug: (...args) => logger.debug(text(args)),
    info: (...args) => logger.info(text(args)),
    warn: (...args) => logger.warn(text(args)),
    // The code, never the message: a message may quote what the client sent (Pothos's
    // `Invalid cursor: <cursor>`), and a client may send a key in the wrong field.
    error: (...args) => logger.debug({ code: codeOf(args[0]) ?? null }, 'masked an error'),
  };
}

/** The yoga app: every plugin, never listening. Tests call `yoga.fetch`; server.ts serves it. */
export function createYogaApp(deps: YogaDeps & { ping: () => Promise<void> }): KeywardYoga {
  const { services } = deps;
  const production = deps.production ?? false;
  const records = new WeakMap<Request, RequestRecord>();
  const rawBodies = new WeakMap<Request, Uint8Array>();
  // The member cookie is Secure wherever browsers reach Keyward over https.
  const secureCookies = production || services.publicUrl.startsWith('https:');
  const signedOut = new WeakSet<Request>();
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // yoga's own page loads GraphiQL from a CDN: Keyward serves it itself (graphiqlPlugin).
    graphiql: false,
    logging: yogaLogger(services.logger),
    maskedErrors: { maskError: errorMasker(services) },
    // One operation per request: a JSON array is refused (batching would multiply every limit).
    batching: false,
    // Checked by bodyLimitPlugin instead: yoga's own limit streams every body (http/body-limit.ts).
    maxRequestBodySize: false,
    // yoga's default reflects any origin with credentials: only the configured origins, no credentials.
    cors: deps.corsOrigins?.length ? { origin: deps.corsOrigins, credentials: false, methods: ['GET', 'POST'], allowedHeaders: CORS_HEADERS } : false,
    plugins: [
      healthPlugin(services, deps.ping),
      consentPagesPlugin(services),
      signInPagesPlugin(services, { secureCookies, trustedProxies: deps.trustedProxies }),
      dashboardPlugin(),
      {
        onResponse: ({ request, response }) => {
          if (signedOut.has(request)) for (const cookie of clearedMemberCookies(secureCookies)) response.headers.append('set-cookie', cookie);
        },
      },
      ...((deps.graphiql ?? !production) ? [graphiqlPlugin('/graphql')] : []),
      requestLogPlugin(services, records),
      signedBodyPlugin(rawBodies),
      responseHeadersPlugin(production),
      statusBesideDataPlugin(),
      csrfPlugin(),
      ...operationLimitPlugins(!production),
      queryTimeoutPlugin(deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS),
      ...(production ? [introspectionPolicyPlugin()] : []),
      useSharedSubscriptionExecution(sharedSubscribe),
      bodyLimitPlugin(MAX_REQUEST_BODY_BYTES),
    ],
    context: async ({ request, req, connectionParams, socket, operationRecord }): Promise<Context> => {
      const record = (request && records.get(request)) ?? operationRecord;
      // A credential header sent twice reads as both values (and is refused), never as the first alone.
      const header: HeaderReader = connectionParams
        ? socketHeaders(connectionParams, req?.headers?.cookie)
        : headersWithRepeats((name) => request.headers.get(name), req?.rawHeaders);
      // graphql-ws operations carry no fetch Request: the upgrade request's headers stand in.
      const forwardedFor = request ? request.headers.get('x-forwarded-for') : req?.headers?.['x-forwarded-for']?.toString();
      const clientIp = resolveClientIp(req?.socket?.remoteAddress, forwardedFor, deps.trustedProxies);
      if (record) record.ip = clientIp;
      try {
        const caller = await authenticate(services, deps.adminToken, header, clientIp, (identified) => {
          if (!record || !isTenant(identified)) return;
          record.keyId = identified.principal.apiKey.keyId;
          record.scope = keyScope(identified.principal);
          if (identified.type === 'member') record.memberId = identified.principal.member.id;
        });
        // A signature is verified whenever one is sent, with the signing secrets of the key's organization and environment.
        const signature = header('x-keyward-signature');
        let signed = false;
        if (signature && caller?.type === 'key') {
          const rawBody = request ? rawBodies.get(request) : undefined;
          if (!rawBody) throw new AccessError('SIGNATURE_INVALID', 'Only a POST body can be signed');
          const { organizationId, environment } = keyScope(caller.principal);
          await services.signing.verify(organizationId, environment, header('x-keyward-timestamp') ?? '', signature, rawBody);
          signed = true;
        }
        return {
          services,
          prisma: services.prisma,
          caller,
          clientIp,
          requestId: record?.requestId ?? randomUUID(),
          outcomeCodes: record?.codes ?? new Set(),
          socket,
          signed,
          clearMemberCookie: request ? () => signedOut.add(request) : undefined,
        };
      } catch (error) {
        if (error instanceof AccessError) {
          record?.codes.add(error.code);
          throw toGraphQLError(error);
        }
        throw error;
      }
    },
  });
}
