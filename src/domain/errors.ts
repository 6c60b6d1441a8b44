/**
 * Expected failures. Services throw these; the GraphQL layer turns `DomainError`s into typed
 * members of a mutation's payload union and `AccessError`s into top-level errors with an HTTP
 * status (docs/api.md, "Errors"). Nothing here knows about GraphQL.
 */

export type DomainErrorCode = 'VALIDATION_FAILED' | 'NOT_FOUND' | 'KEY_LIMIT_REACHED' | 'CAPABILITY_DISABLED' | 'INVALID_STATE' | 'LIVE_ACCESS_PENDING';

export type AccessErrorCode =
  | 'UNAUTHENTICATED'
  | 'IP_NOT_ALLOWED'
  | 'ORG_INACTIVE'
  | 'FORBIDDEN'
  | 'ENV_MISMATCH'
  | 'CSRF_REQUIRED'
  | 'REAUTHENTICATION_REQUIRED'
  | 'RATE_LIMITED'
  | 'SIGNATURE_REQUIRED'
  | 'SIGNATURE_INVALID'
  | 'TIMEOUT'
  | 'UNAVAILABLE';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export interface FieldError {
  path: string[];
  message: string;
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly fields: FieldError[]) {
    super(fields.length === 1 ? `Invalid input: ${fields[0]!.message}` : `Invalid input (${fields.length} problems)`);
  }
  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path: path.split('.'), message }]);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(what = 'Object') {
    super(`${what} not found`);
  }
}

export class KeyLimitReachedError extends DomainError {
  readonly code = 'KEY_LIMIT_REACHED';
  constructor(readonly limit: number) {
    super(`At most ${limit} active keys are allowed`);
  }
}

export class CapabilityDisabledError extends DomainError {
  readonly code = 'CAPABILITY_DISABLED';
  constructor(readonly permissions: string[]) {
    super(`Disabled for this organization: ${permissions.join(', ')}`);
  }
}

export class InvalidStateError extends DomainError {
  readonly code = 'INVALID_STATE';
}

/** The organization's LIVE is not enabled yet: only the platform operator opens it. */
export class LiveAccessPendingError extends DomainError {
  readonly code = 'LIVE_ACCESS_PENDING';
  constructor(what: string) {
    super(`LIVE access is not enabled for this organization yet, so a key cannot ${what}; ask the platform operator to enable LIVE access`);
  }
}

export const ACCESS_MESSAGES = {
  missingCredential: 'Partner API key required',
  invalidKey: 'The provided API key is invalid or inactive',
  ipNotAllowed: 'IP address not allowed for this API key',
  orgInactive: 'The organization associated with this key is inactive',
  envMismatch: 'X-Keyward-Env does not match the environment of the API key',
  missingAdminToken: 'Admin token required',
  invalidAdminToken: 'The provided admin token is invalid',
} as const;

export class AccessError extends Error {
  constructor(
    readonly code: AccessErrorCode,
    message: string,
    /** RATE_LIMITED: when to try again (`Retry-After`, `extensions.retryAfterSeconds`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
