import type { Prisma } from '../../generated/prisma/client.ts';
import { apiKeysWhere } from '../../domain/access/visibility.ts';
import type { Action } from '../../domain/access/policy.ts';
import { activeWhere, isActive } from '../../domain/api-key/api-key.service.ts';
import {
  CapabilityDisabledError,
  InvalidStateError,
  KeyLimitReachedError,
  LiveAccessPendingError,
  NotFoundError,
  ValidationError,
} from '../../domain/errors.ts';
import type { Context } from '../../context.ts';
import type { Caller } from '../../domain/caller.ts';
import { builder } from '../builder.ts';
import { maxPageSize, newestFirst } from '../pagination.ts';
import { decodeId } from '../ids.ts';
import { callerOf, withoutNulls } from '../resolver-helpers.ts';
import { ApiKeyKindEnum, CURRENCIES_INPUT, CurrencyEnum, EnvironmentEnum, PermissionEnum } from './enums.ts';

export const ApiKeyRef = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  // Loaded with findUnique, not findUniqueOrThrow: what the read rule hides is null in node(), never an error.
  nullable: true,
  // node(id): only what the caller may read; anything else resolves to null.
  findUnique: (id, ctx) => ({ id, AND: [apiKeysWhere(callerOf(ctx))] }),
  fields: (t) => ({
    keyId: t.exposeString('keyId'),
    kind: t.expose('kind', { type: ApiKeyKindEnum }),
    name: t.exposeString('name'),
    environment: t.expose('environment', { type: EnvironmentEnum }),
    permissions: t.expose('permissions', { type: [PermissionEnum] }),
    currencies: t.expose('currencies', { type: [CurrencyEnum], description: 'What money the key may move; at least one' }),
    allowedIps: t.exposeStringList('allowedIps'),
    rateLimitRequests: t.exposeInt('rateLimitRequests', {
      nullable: true,
      description: "Requests per window for this key; null: the organization's number",
    }),
    allowedRecipients: t.exposeStringList('allowedRecipients'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      // Usage is written in batches; this instance's newer reading wins.
      resolve: (key, _args, ctx) => ctx.services.verifier.lastUsedAt(key.id) ?? key.lastUsedAt,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    active: t.boolean({ resolve: (key, _args, ctx) => isActive(key, ctx.services.clock.now()) }),
    openedWith: t.prismaField({
      type: 'ApiKey',
      nullable: true,
      description: 'Sessions: the key that opened it (its permissions are the ones the session has); null when this credential may not read it',
      resolve: (query, key, _args, ctx) =>
        key.parentId ? ctx.prisma.apiKey.findFirst({ ...query, where: { AND: [{ id: key.parentId }, apiKeysWhere(callerOf(ctx))] } }) : null,
    }),
  }),
});

builder.queryField('partnerKeys', (t) =>
  t.prismaConnection({
    type: 'ApiKey',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'partnerKeys.read' },
    args: { includeInactive: t.arg.boolean({ required: false }) },
    resolve: async (query, _root, args, ctx) => {
      const page = await newestFirst<Prisma.ApiKeyWhereInput, typeof query>(query, 'id', (id) =>
        ctx.prisma.apiKey.findUnique({ where: { id }, select: { id: true, createdAt: true } }),
      );
      return ctx.prisma.apiKey.findMany({
        ...page.query,
        where: { AND: [partnerKeysWhere(args, ctx), page.after] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
    totalCount: (_connection, args, ctx) => ctx.prisma.apiKey.count({ where: partnerKeysWhere(args, ctx) }),
  }),
);

function partnerKeysWhere(args: { includeInactive?: boolean | null }, ctx: Context): Prisma.ApiKeyWhereInput {
  return { AND: [{ kind: 'PARTNER' }, apiKeysWhere(callerOf(ctx)), args.includeInactive ? {} : activeWhere(ctx.services.clock.now())] };
}

export const IssuedKey = (name: string) =>
  builder.simpleObject(name, {
    fields: (t) => ({
      key: t.field({ type: ApiKeyRef }),
      secret: t.string({ description: 'The whole key. Shown once: store it now.' }),
    }),
  });

export const KeyResult = (name: string) => builder.simpleObject(name, { fields: (t) => ({ key: t.field({ type: ApiKeyRef }) }) });

builder.mutationField('createPartnerKey', (t) =>
  t.fieldWithInput({
    type: IssuedKey('CreatePartnerKeySuccess'),
    errors: { types: [ValidationError, NotFoundError, KeyLimitReachedError, CapabilityDisabledError, LiveAccessPendingError] },
    authScopes: { may: 'partnerKeys.write' },
    input: {
      name: t.input.string({ required: true }),
      environment: t.input.field({ type: EnvironmentEnum, description: "Defaults to the calling key's" }),
      permissions: t.input.field({ type: [PermissionEnum], required: true }),
      currencies: t.input.field({ type: [CurrencyEnum], description: CURRENCIES_INPUT }),
      allowedIps: t.input.stringList({ description: 'IPs and CIDRs; empty or omitted = any' }),
      expiresAt: t.input.field({ type: 'DateTime' }),
      organizationId: t.input.id({ description: 'Operator only: the organization to create the key for' }),
    },
    resolve: (_root, { input }, ctx) => {
      const { organizationId, ...rest } = withoutNulls(input);
      return ctx.services.apiKeys.createPartnerKey(callerOf(ctx), {
        ...rest,
        ...(organizationId !== undefined && { organizationId: decodeId(organizationId, 'Organization') }),
      });
    },
  }),
);

/** What the per-key limit input means, for both kinds of key. */
export const RATE_LIMIT_INPUT =
  "Requests per window for this key; a key may set at most its own number (the organization's unless it has one), the operator any";

builder.mutationField('updatePartnerKey', (t) =>
  t.fieldWithInput({
    type: KeyResult('UpdatePartnerKeySuccess'),
    errors: { types: [ValidationError, NotFoundError, CapabilityDisabledError, InvalidStateError] },
    // The operator too: it may give a key a rate limit above its organization's.
    authScopes: { may: 'partnerKeys.write' },
    input: {
      id: t.input.id({ required: true }),
      name: t.input.string(),
      allowedIps: t.input.stringList(),
      permissions: t.input.field({ type: [PermissionEnum] }),
      currencies: t.input.field({ type: [CurrencyEnum], description: CURRENCIES_INPUT }),
      rateLimitRequests: t.input.int({ description: RATE_LIMIT_INPUT }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = withoutNulls(input);
      const key = await ctx.services.apiKeys.updatePartnerKey(callerOf(ctx), {
        ...changes,
        id: decodeId(id, 'ApiKey', 'API key'),
      });
      return { key };
    },
  }),
);

/**
 * rotate<Kind>Key and revoke<Kind>Key: the same rules for partner and user keys (the service
 * keeps each kind to its own pool); only the names and the kind differ.
 */
export function rotateAndRevokeMutations(options: {
  kind: 'Partner' | 'User';
  action: Action;
  rotate: (ctx: Context, caller: Caller, input: { id: string; gracePeriodSeconds?: number; expiresAt?: Date }) => Promise<unknown>;
  revoke: (ctx: Context, caller: Caller, input: { id: string }) => Promise<unknown>;
  graceNote: string;
}) {
  const { kind } = options;
  builder.mutationField(`rotate${kind}Key`, (t) =>
    t.fieldWithInput({
      type: builder.simpleObject(`Rotate${kind}KeySuccess`, {
        fields: (f) => ({
          key: f.field({ type: ApiKeyRef, description: 'The successor' }),
          secret: f.string({ description: 'The successor key. Shown once: store it now.' }),
          previous: f.field({ type: ApiKeyRef, description: 'The rotated key, revoked or in its grace period' }),
        }),
      }),
      errors: { types: [ValidationError, NotFoundError, InvalidStateError, KeyLimitReachedError, LiveAccessPendingError] },
      authScopes: { may: options.action },
      input: {
        id: t.input.id({ required: true }),
        gracePeriodSeconds: t.input.int({ description: `Keep the old key valid this long (at most 86400); default 0. ${options.graceNote}` }),
        expiresAt: t.input.field({ type: 'DateTime', description: 'Expiry of the successor; default none' }),
      },
      resolve: (_root, { input }, ctx) => {
        const { id, ...rest } = withoutNulls(input);
        return options.rotate(ctx, callerOf(ctx), { ...rest, id: decodeId(id, 'ApiKey', 'API key') }) as never;
      },
    }),
  );
  builder.mutationField(`revoke${kind}Key`, (t) =>
    t.fieldWithInput({
      type: KeyResult(`Revoke${kind}KeySuccess`),
      errors: { types: [NotFoundError, InvalidStateError] },
      authScopes: { may: options.action },
      input: { id: t.input.id({ required: true }) },
      resolve: async (_root, { input }, ctx) => ({
        key: (await options.revoke(ctx, callerOf(ctx), { id: decodeId(input.id, 'ApiKey', 'API key') })) as never,
      }),
    }),
  );
}

rotateAndRevokeMutations({
  kind: 'Partner',
  action: 'partnerKeys.replace',
  rotate: (ctx, caller, input) => ctx.services.apiKeys.rotatePartnerKey(caller, input),
  revoke: (ctx, caller, input) => ctx.services.apiKeys.revokePartnerKey(caller, input),
  graceNote: 'It stays active meanwhile, so it needs a free slot of the 5.',
});
