import {
  CapabilityDisabledError,
  type DomainError,
  InvalidStateError,
  KeyLimitReachedError,
  LiveAccessPendingError,
  NotFoundError,
  ValidationError,
  type FieldError,
} from '../../domain/errors.ts';
import type { Context } from '../../context.ts';
import { builder } from '../builder.ts';

/** Every code a client can meet, in either channel (docs/api.md, "Errors"). */
const ErrorCode = builder.enumType('ErrorCode', {
  values: [
    'UNAUTHENTICATED',
    'IP_NOT_ALLOWED',
    'ORG_INACTIVE',
    'FORBIDDEN',
    'ENV_MISMATCH',
    'CSRF_REQUIRED',
    'REAUTHENTICATION_REQUIRED',
    'RATE_LIMITED',
    'SIGNATURE_REQUIRED',
    'SIGNATURE_INVALID',
    'TIMEOUT',
    'UNAVAILABLE',
    'VALIDATION_FAILED',
    'NOT_FOUND',
    'KEY_LIMIT_REACHED',
    'CAPABILITY_DISABLED',
    'INVALID_STATE',
    'LIVE_ACCESS_PENDING',
    'BAD_USER_INPUT',
    'INTERNAL_SERVER_ERROR',
  ] as const,
});

const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  fields: (t) => ({
    code: t.field({ type: ErrorCode, resolve: (error) => error.code }),
    message: t.exposeString('message'),
  }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  fields: (t) => ({
    path: t.exposeStringList('path'),
    message: t.exposeString('message'),
  }),
});

/** Matches the error class, and notes its code for the request log when it does. */
function isError(cls: abstract new (...args: never[]) => DomainError) {
  return (value: unknown, ctx: Context) => {
    if (!(value instanceof cls)) return false;
    ctx.outcomeCodes.add(value.code);
    return true;
  };
}

function errorType<T extends DomainError>(cls: new (...args: never[]) => T, name: string) {
  return builder.objectType(cls as never as new () => DomainError, {
    name,
    interfaces: [ErrorInterface],
    isTypeOf: isError(cls),
    fields: () => ({}),
  });
}

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: isError(ValidationError),
  fields: (t) => ({
    fields: t.field({ type: [FieldErrorRef], resolve: (error) => error.fields }),
  }),
});
errorType(NotFoundError, 'NotFoundError');
errorType(KeyLimitReachedError, 'KeyLimitReachedError');
errorType(CapabilityDisabledError, 'CapabilityDisabledError');
errorType(InvalidStateError, 'InvalidStateError');
errorType(LiveAccessPendingError, 'LiveAccessPendingError');
