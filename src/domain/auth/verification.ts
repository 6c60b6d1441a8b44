import { authorize, scopeOf } from '../access/policy.ts';
import { z } from 'zod';
import type { ApiKeyKind, Currency, Environment, Permission } from '../../generated/prisma/enums.ts';
import { CURRENCIES, PERMISSIONS } from '../api-key/api-key.schemas.ts';
import type { Caller } from '../caller.ts';
import { parseInput } from '../validation.ts';
import type { KeyVerifier } from './key-verifier.ts';

type VerificationCode =
  | 'VALID'
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'EXPIRED'
  | 'IP_NOT_ALLOWED'
  | 'INSUFFICIENT_PERMISSIONS'
  | 'CURRENCY_NOT_ALLOWED'
  | 'ORG_INACTIVE';

export interface KeyVerification {
  valid: boolean;
  code: VerificationCode;
  keyId: string | null;
  kind: ApiKeyKind | null;
  environment: Environment | null;
  permissions: Permission[];
  /** What money the key may move (a session: the key that opened it). */
  currencies: Currency[];
  allowedRecipients: string[];
  /** User keys: the partner's ref of the connected user. */
  ref: string | null;
  expiresAt: Date | null;
}

const verifyKeyInput = z.object({
  key: z.string().max(512, 'must be at most 512 characters'),
  ip: z.string().max(64).optional(),
  requiredPermissions: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length).default([]),
  requiredCurrencies: z.array(z.enum(CURRENCIES)).max(CURRENCIES.length).default([]),
});

const nothing = (code: VerificationCode): KeyVerification => ({
  valid: false,
  code,
  keyId: null,
  kind: null,
  environment: null,
  permissions: [],
  currencies: [],
  allowedRecipients: [],
  ref: null,
  expiresAt: null,
});

/**
 * verifyKey for the platform's other services: may this key do this, from this IP? The operator
 * may verify any key; a partner key only keys of its own organization and environment — any
 * other key is NOT_FOUND, whatever state it is in. A key with an IP allowlist fails closed
 * when no IP is given. A session token answers with the reach of the key that opened it.
 */
export async function verifyKey(verifier: KeyVerifier, caller: Caller, rawInput: unknown): Promise<KeyVerification> {
  authorize(caller, 'keys.verify');
  const input = parseInput(verifyKeyInput, rawInput);
  const result = await verifier.check(input.key, input.ip);
  if (!result.ok && (result.reason === 'MALFORMED' || result.reason === 'NOT_FOUND')) return nothing(result.reason);
  const principal = result.principal;
  if (!principal) return nothing('NOT_FOUND');
  const { apiKey, organization } = principal;
  // A partner key verifies keys of its own organization and environment only; the operator any.
  const scope = scopeOf(caller);
  if (scope && (organization.id !== scope.organizationId || apiKey.environment !== scope.environment)) return nothing('NOT_FOUND');
  // A session acts with its key's currencies and recipients (src/domain/access/reach.ts).
  const { currencies, allowedRecipients } = principal.sessionOf ?? apiKey;
  const code: VerificationCode = !result.ok
    ? result.reason
    : input.requiredPermissions.some((p) => !principal.permissions.includes(p))
      ? 'INSUFFICIENT_PERMISSIONS'
      : input.requiredCurrencies.some((c) => !currencies.includes(c))
        ? 'CURRENCY_NOT_ALLOWED'
        : 'VALID';
  return {
    valid: code === 'VALID',
    code,
    keyId: apiKey.keyId,
    kind: apiKey.kind,
    environment: apiKey.environment,
    permissions: principal.permissions,
    currencies,
    allowedRecipients,
    ref: principal.connectionRef,
    expiresAt: apiKey.expiresAt,
  };
}
