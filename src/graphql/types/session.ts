import type { Prisma } from '../../generated/prisma/client.ts';
import type { Context } from '../../context.ts';
import { authorizeTenant } from '../../domain/access/policy.ts';
import { sessionsWhere } from '../../domain/access/visibility.ts';
import { activeWhere } from '../../domain/api-key/api-key.service.ts';
import { InvalidStateError, KeyLimitReachedError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';
import { checkFilterLengths } from '../filters.ts';
import { decodeId } from '../ids.ts';
import { maxPageSize } from '../pagination.ts';
import { callerOf, withoutNulls } from '../resolver-helpers.ts';
import type { ApiKeyKind } from '../../generated/prisma/enums.ts';
import { ApiKeyRef } from './api-key.ts';
import { ApiKeyKindEnum } from './enums.ts';

builder.mutationField('createSession', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('CreateSessionSuccess', {
      fields: (f) => ({
        token: f.string({ description: 'The whole `kw_ses_…` token: shown here only. Send it as `Authorization: Bearer`' }),
        expiresAt: f.field({ type: 'DateTime', description: 'Extended by each request in the last 30 minutes before it' }),
        session: f.field({ type: ApiKeyRef, description: 'The session, as a key of kind SESSION' }),
      }),
    }),
    errors: { types: [ValidationError, KeyLimitReachedError] },
    authScopes: { may: 'sessions.open' },
    description:
      "Exchange a partner or user key for a session token bound to the calling device's IP (or permittedIps): it acts with the key's permissions and ends after the organization's idle timeout, or with the key",
    input: {
      description: t.input.string({ description: 'What the device is (3–64 characters); default "Session"' }),
      permittedIps: t.input.stringList({ description: "IPs and CIDRs the token may be used from; default: the caller's IP" }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { key, secret } = await ctx.services.apiKeys.createSession(callerOf(ctx), withoutNulls(input));
      return { token: secret, expiresAt: key.expiresAt!, session: key };
    },
  }),
);

builder.mutationField('revokeSession', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('RevokeSessionSuccess', { fields: (f) => ({ session: f.field({ type: ApiKeyRef }) }) }),
    errors: { types: [NotFoundError, InvalidStateError] },
    authScopes: { may: 'sessions.end' },
    description:
      'End a session now (log out): a session may end itself and the other sessions of its key; a key the sessions it opened; a partner key with KEYS_WRITE any session of its organization and environment',
    input: { id: t.input.id({ required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      session: await ctx.services.apiKeys.revokeSession(callerOf(ctx), { id: decodeId(input.id, 'ApiKey', 'API key') }),
    }),
  }),
);

builder.queryField('sessions', (t) =>
  t.prismaConnection({
    type: 'ApiKey',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'sessions.read' },
    description:
      'Sessions (registered devices), newest first: a partner key with KEYS_READ sees every session of its organization and environment, any other key (or session) those of its own key',
    args: {
      keyId: t.arg.string({ required: false, description: 'Only the sessions opened with this key' }),
      kind: t.arg({
        type: ApiKeyKindEnum,
        required: false,
        description: "Only devices' sessions (SESSION) or members' (MEMBER); the other kinds are never sessions and match nothing",
      }),
      includeInactive: t.arg.boolean({ required: false, description: 'Also ended and expired sessions' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.apiKey.findMany({ ...query, where: sessionsFiltered(args, ctx), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    totalCount: (_connection, args, ctx) => ctx.prisma.apiKey.count({ where: sessionsFiltered(args, ctx) }),
  }),
);

function sessionsFiltered(args: { keyId?: string | null; kind?: ApiKeyKind | null; includeInactive?: boolean | null }, ctx: Context): Prisma.ApiKeyWhereInput {
  checkFilterLengths({ keyId: args.keyId });
  return {
    AND: [
      sessionsWhere(authorizeTenant(ctx.caller, 'sessions.read'), 'KEYS_READ'),
      args.keyId ? { parent: { keyId: args.keyId } } : {},
      args.kind ? { kind: args.kind } : {},
      args.includeInactive ? {} : activeWhere(ctx.services.clock.now()),
    ],
  };
}
