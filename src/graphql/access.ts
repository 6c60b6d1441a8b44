import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.ts';
import { denial, type Action } from '../domain/access/policy.ts';
import { AccessError, type AccessErrorCode } from '../domain/errors.ts';

const HTTP_STATUS: Record<AccessErrorCode, number> = {
  UNAUTHENTICATED: 401,
  SIGNATURE_REQUIRED: 401,
  SIGNATURE_INVALID: 401,
  IP_NOT_ALLOWED: 403,
  ORG_INACTIVE: 403,
  FORBIDDEN: 403,
  ENV_MISMATCH: 403,
  CSRF_REQUIRED: 403,
  REAUTHENTICATION_REQUIRED: 403,
  RATE_LIMITED: 429,
  TIMEOUT: 503,
  UNAVAILABLE: 503,
};

/** The HTTP status of a top-level error code (docs/api.md), or undefined for a code without one. */
export function httpStatusOf(code: unknown): number | undefined {
  return typeof code === 'string' && Object.hasOwn(HTTP_STATUS, code) ? HTTP_STATUS[code as AccessErrorCode] : undefined;
}

/**
 * An error as clients see it: without `extensions.http`, which tells yoga the response's status
 * and headers and which yoga drops from HTTP and SSE responses. graphql-ws sends errors as they
 * are, so it needs this (issue 13, finding 16).
 */
export function withoutHttp(error: GraphQLError): GraphQLError {
  if (!error.extensions || !('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return withExtensions(error, extensions);
}

/** The same error (message, locations, path, cause) with other extensions. */
export function withExtensions(error: GraphQLError, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}

/** The top-level error channel of docs/api.md: a code in `extensions.code` and the HTTP status. */
export function toGraphQLError(error: AccessError): GraphQLError {
  const retry = error.retryAfterSeconds;
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      ...(retry !== undefined && { retryAfterSeconds: retry }),
      http: { status: HTTP_STATUS[error.code], ...(retry !== undefined && { headers: { 'Retry-After': String(retry) } }) },
    },
  });
}

function accessError(code: AccessErrorCode, message: string): GraphQLError {
  return toGraphQLError(new AccessError(code, message));
}

/** The action a field's scope names (`authScopes: { may }`). */
function actionOf(info: GraphQLResolveInfo): Action | null {
  const field = info.parentType.getFields()[info.fieldName];
  const scopes = (field?.extensions?.pothosOptions as { authScopes?: { may?: Action } } | undefined)?.authScopes;
  return scopes?.may ?? null;
}

/** Scope-auth failures, in the words of the authorization model: no credential is 401, a credential without the right 403. */
export function unauthorizedError(_parent: unknown, ctx: Context, info: GraphQLResolveInfo): GraphQLError {
  const action = actionOf(info);
  const refused = action ? denial(ctx.caller, action) : null;
  if (refused) return toGraphQLError(refused);
  return accessError(ctx.caller == null ? 'UNAUTHENTICATED' : 'FORBIDDEN', `This credential may not use ${info.parentType.name}.${info.fieldName}`);
}
