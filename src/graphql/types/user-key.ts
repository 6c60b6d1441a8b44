import {
  CapabilityDisabledError,
  InvalidStateError,
  KeyLimitReachedError,
  NotFoundError,
  ValidationError,
} from '../../domain/errors.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../ids.ts';
import { keyCallerOf, withoutNulls } from '../resolver-helpers.ts';
import { IssuedKey, KeyResult, keyWriteScopes, RATE_LIMIT_INPUT, rotateAndRevokeMutations } from './api-key.ts';
import { ConnectionRef } from './connection.ts';
import { PermissionEnum } from './enums.ts';


const scopes = keyWriteScopes;

builder.mutationField('createUserKey', (t) =>
  t.fieldWithInput({
    type: IssuedKey('CreateUserKeySuccess'),
    errors: { types: [ValidationError, NotFoundError, KeyLimitReachedError, CapabilityDisabledError, InvalidStateError] },
    authScopes: scopes,
    description: 'A key acting for the user of a CONNECTED connection (at most 20 active per connection)',
    input: {
      connectionId: t.input.id({ required: true }),
      name: t.input.string({ required: true }),
      permissions: t.input.field({ type: [PermissionEnum], required: true }),
      allowedIps: t.input.stringList({ description: 'IPs and CIDRs; empty or omitted = any' }),
      allowedRecipients: t.input.stringList({ description: 'IBANs and Bitcoin addresses funds may go to; empty = any' }),
      expiresAt: t.input.field({ type: 'DateTime' }),
    },
    resolve: (_root, { input }, ctx) => {
      const { connectionId, ...rest } = withoutNulls(input);
      return ctx.services.apiKeys.createUserKey(keyCallerOf(ctx), { ...rest, connectionId: decodeId(connectionId, 'Connection') });
    },
  }),
);

builder.mutationField('updateUserKey', (t) =>
  t.fieldWithInput({
    type: KeyResult('UpdateUserKeySuccess'),
    errors: { types: [ValidationError, NotFoundError, CapabilityDisabledError, InvalidStateError] },
    authScopes: scopes,
    input: {
      id: t.input.id({ required: true }),
      name: t.input.string(),
      allowedIps: t.input.stringList(),
      permissions: t.input.field({ type: [PermissionEnum] }),
      allowedRecipients: t.input.stringList(),
      rateLimitRequests: t.input.int({ description: RATE_LIMIT_INPUT }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = withoutNulls(input);
      return { key: await ctx.services.apiKeys.updateUserKey(keyCallerOf(ctx), { ...changes, id: decodeId(id, 'ApiKey', 'API key') }) };
    },
  }),
);

rotateAndRevokeMutations({
  kind: 'User',
  scopes,
  caller: keyCallerOf,
  rotate: (ctx, caller, input) => ctx.services.apiKeys.rotateUserKey(caller, input),
  revoke: (ctx, caller, input) => ctx.services.apiKeys.revokeUserKey(caller, input),
  graceNote: 'It stays active meanwhile, so it needs a free slot of the 20.',
});

builder.mutationField('revokeAllUserKeys', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('RevokeAllUserKeysSuccess', {
      fields: (f) => ({
        revokedCount: f.int(),
        connection: f.field({ type: ConnectionRef, description: 'Still CONNECTED' }),
      }),
    }),
    errors: { types: [NotFoundError] },
    authScopes: scopes,
    input: { connectionId: t.input.id({ required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const connectionId = decodeId(input.connectionId, 'Connection');
      const revokedCount = await ctx.services.apiKeys.revokeAllUserKeys(keyCallerOf(ctx), { connectionId });
      const connection = await ctx.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } });
      return { revokedCount, connection };
    },
  }),
);
