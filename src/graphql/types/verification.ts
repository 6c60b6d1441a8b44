import { verifyKey } from '../../domain/auth/verification.ts';
import { builder } from '../builder.ts';
import { callerOf, withoutNulls } from '../resolver-helpers.ts';
import { ApiKeyKindEnum, CurrencyEnum, EnvironmentEnum, PermissionEnum } from './enums.ts';

const VerificationCode = builder.enumType('VerificationCode', {
  values: [
    'VALID',
    'MALFORMED',
    'NOT_FOUND',
    'REVOKED',
    'EXPIRED',
    'IP_NOT_ALLOWED',
    'INSUFFICIENT_PERMISSIONS',
    'CURRENCY_NOT_ALLOWED',
    'ORG_INACTIVE',
  ] as const,
});

const KeyVerification = builder.simpleObject('KeyVerification', {
  fields: (t) => ({
    valid: t.boolean(),
    code: t.field({ type: VerificationCode }),
    keyId: t.string({ nullable: true }),
    kind: t.field({ type: ApiKeyKindEnum, nullable: true }),
    environment: t.field({ type: EnvironmentEnum, nullable: true }),
    permissions: t.field({ type: [PermissionEnum] }),
    currencies: t.field({ type: [CurrencyEnum], description: 'What money the key may move (a session: the key that opened it)' }),
    allowedRecipients: t.stringList(),
    ref: t.string({ nullable: true, description: "User keys: the partner's ref of the connected user" }),
    expiresAt: t.field({ type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('verifyKey', (t) =>
  t.field({
    type: KeyVerification,
    description:
      "For the platform's other services: may this key act, from this IP, with these permissions and currencies? A partner key verifies its own organization's keys; the admin token any key",
    authScopes: { may: 'keys.verify' },
    args: {
      key: t.arg.string({ required: true }),
      ip: t.arg.string({ description: 'The client address the key was presented from; keys with an IP allowlist fail without it' }),
      requiredPermissions: t.arg({ type: [PermissionEnum] }),
      requiredCurrencies: t.arg({ type: [CurrencyEnum], description: 'The money the request moves; a key without one of them is CURRENCY_NOT_ALLOWED' }),
    },
    resolve: (_root, args, ctx) => verifyKey(ctx.services.verifier, callerOf(ctx), withoutNulls(args)),
  }),
);
