import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.ts';
import { ACCESS_MESSAGES, AccessError, type AccessErrorCode } from '../domain/errors.ts';

const HTTP_STATUS: Record<AccessErrorCode, number> = {
  UNAUTHENTICATED: 401,
  SIGNATURE_REQUIRED: 401,
  SIGNATURE_INVALID: 401,
  IP_NOT_ALLOWED: 403,
  ORG_INACTIVE: 403,
  FORBIDDEN: 403,
  ENV_MISMATCH: 403,
  RATE_LIMITED: 429,
  TIMEOUT: 503,
  UNAVAILABLE: 503,
};

/** The top-level error channel of API.md: a code in `extensions.code` and the HTTP status. */
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

export function accessError(code: AccessErrorCode, message: string): GraphQLError {
  return toGraphQLError(new AccessError(code, message));
}

function operatorOnly(info: GraphQLResolveInfo): boolean {
  const field = info.parentType.getFields()[info.fieldName];
  const scopes = (field?.extensions?.pothosOptions as { authScopes?: unknown } | undefined)?.authScopes;
  return typeof scopes === 'object' && scopes !== null && Object.keys(scopes).join() === 'operator';
}

/** Scope-auth failures: no credential is 401, a credential without the right is 403. */
export function unauthorizedError(_parent: unknown, ctx: Context, info: GraphQLResolveInfo): GraphQLError {
  if (ctx.caller == null) {
    return accessError(
      'UNAUTHENTICATED',
      operatorOnly(info) ? ACCESS_MESSAGES.missingAdminToken : ACCESS_MESSAGES.missingCredential,
    );
  }
  return accessError('FORBIDDEN', `This credential may not use ${info.parentType.name}.${info.fieldName}`);
}
