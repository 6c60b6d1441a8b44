import {
  CapabilityDisabledError,
  InvalidStateError,
  KeyLimitReachedError,
  LiveAccessPendingError,
  NotFoundError,
  ValidationError,
} from '../../domain/errors.ts';
import { connectionsWhere } from '../../domain/access/visibility.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../ids.ts';
import { callerOf, withoutNulls } from '../resolver-helpers.ts';
import { IssuedKey, KeyResult, RATE_LIMIT_INPUT, rotateAndRevokeMutations } from './api-key.ts';
import { ConnectionRef } from './connection.ts';
import { CURRENCIES_INPUT, CurrencyEnum, PermissionEnum } from './enums.ts';

const USER_KEY_CURRENCIES = `${CURRENCIES_INPUT}. IBANs among allowedRecipients need FIAT, Bitcoin addresses CRYPTO`;

builder.mutationField('createUserKey', (t) =>
  t.fieldWithInput({
    type: IssuedKey('CreateUserKeySuccess'),
    errors: { types: [ValidationError, NotFoundError, KeyLimitReachedError, CapabilityDisabledError, InvalidStateError, LiveAccessPendingError] },
    authScopes: { may: 'userKeys.write' },
    description: 'A key acting for the user of a CONNECTED connection (at most 20 active per connection)',
    input: {
      connectionId: t.input.id({ required: true }),
      name: t.input.string({ required: true }),
      permissions: t.input.field({ type: [PermissionEnum], required: true }),
      currencies: t.input.field({ type: [CurrencyEnum], description: USER_KEY_CURRENCIES }),
      allowedIps: t.input.stringList({ description: 'IPs and CIDRs; empty or omitted = any' }),
      allowedRecipients: t.input.stringList({ description: 'IBANs and Bitcoin addresses funds may go to; empty = any' }),
      expiresAt: t.input.field({ type: 'DateTime' }),
    },
    resolve: (_root, { input }, ctx) => {
      const { connectionId, ...rest } = withoutNulls(input);
      return ctx.services.apiKeys.createUserKey(callerOf(ctx), { ...rest, connectionId: decodeId(connectionId, 'Connection') });
    },
  }),
);

builder.mutationField('updateUserKey', (t) =>
  t.fieldWithInput({
    type: KeyResult('UpdateUserKeySuccess'),
    errors: { types: [ValidationError, NotFoundError, CapabilityDisabledError, InvalidStateError] },
    authScopes: { may: 'userKeys.write' },
    input: {
      id: t.input.id({ required: true }),
      name: t.input.string(),
      allowedIps: t.input.stringList(),
      permissions: t.input.field({ type: [PermissionEnum] }),
      currencies: t.input.field({ type: [CurrencyEnum], description: USER_KEY_CURRENCIES }),
      allowedRecipients: t.input.stringList(),
      rateLimitRequests: t.input.int({ description: RATE_LIMIT_INPUT }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = withoutNulls(input);
      return { key: await ctx.services.apiKeys.updateUserKey(callerOf(ctx), { ...changes, id: decodeId(id, 'ApiKey', 'API key') }) };
    },
  }),
);

rotateAndRevokeMutations({
  kind: 'User',
  action: 'userKeys.write',
  rotate: (ctx, caller, input) => ctx.services.apiKeys.rotateUserKey(caller, input),
  revoke: (ctx, caller, input) => ctx.services.apiKeys.revokeUserKey(caller, input),
  graceNote: 'It stays active meanwhile, so it needs a free slot of the 20.',
});

builder.mutationField('revokeAllUserKeys', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('RevokeAllUserKeysSuccess', {
      fields: (f) => ({
        revokedCount: f.int(),
        connection: f.field({ type: ConnectionRef, nullable: true, description: 'Still CONNECTED; null when this credential may not read connections' }),
      }),
    }),
    errors: { types: [NotFoundError] },
    authScopes: { may: 'userKeys.write' },
    input: { connectionId: t.input.id({ required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const connectionId = decodeId(input.connectionId, 'Connection');
      const caller = callerOf(ctx);
      const revokedCount = await ctx.services.apiKeys.revokeAllUserKeys(caller, { connectionId });
      // Shown under the read rule of connections (CONNECTIONS_READ), as everywhere else.
      const connection = await ctx.prisma.connection.findFirst({ where: { AND: [{ id: connectionId }, connectionsWhere(caller)] } });
      return { revokedCount, connection };
    },
  }),
);
