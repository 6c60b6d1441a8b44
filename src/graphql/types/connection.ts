import { apiKeysWhere, connectionsWhere } from '../../domain/access/visibility.ts';
import { AccessError, InvalidStateError, LiveAccessPendingError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { ConnectionDirection, ConnectionStatus } from '../../generated/prisma/enums.ts';
import type { Context } from '../../context.ts';
import { builder } from '../builder.ts';
import { checkFilterLengths } from '../filters.ts';
import { decodeId } from '../ids.ts';
import { maxPageSize, newestFirst } from '../pagination.ts';
import { callerOf, withoutNulls } from '../resolver-helpers.ts';
import { EnvironmentEnum } from './enums.ts';

export const ConnectionStatusEnum = builder.enumType(ConnectionStatus, { name: 'ConnectionStatus' });
const ConnectionDirectionEnum = builder.enumType(ConnectionDirection, { name: 'ConnectionDirection' });

/** What the caller may read of connections (src/domain/access/visibility.ts). */
const visible = (ctx: Context): Prisma.ConnectionWhereInput => connectionsWhere(callerOf(ctx));

export const ConnectionRef = builder.prismaNode('Connection', {
  id: { field: 'id' },
  // Loaded with findUnique, not findUniqueOrThrow: what the read rule hides is null in node(), never an error.
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [visible(ctx)] }),
  fields: (t) => ({
    email: t.string({ select: { user: { select: { email: true } } }, resolve: (c) => c.user.email }),
    ref: t.exposeString('ref', { nullable: true, description: "The partner's own id for the user" }),
    status: t.expose('status', { type: ConnectionStatusEnum }),
    environment: t.expose('environment', { type: EnvironmentEnum }),
    direction: t.expose('direction', { type: ConnectionDirectionEnum, nullable: true }),
    depositIban: t.exposeString('depositIban', { nullable: true, description: 'BUY connections, once CONNECTED: where the user pays EUR in' }),
    depositAddress: t.exposeString('depositAddress', { nullable: true, description: 'SELL connections, once CONNECTED: where the user sends BTC' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    keys: t.relatedConnection('keys', {
      cursor: 'id',
      maxSize: maxPageSize,
      totalCount: true,
      // The connection's keys under the read rule of keys (KEYS_READ), as through node() or partnerKeys.
      query: (_args, ctx) => ({ where: apiKeysWhere(callerOf(ctx)), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    }),
  }),
});

export const ConnectionLookup = builder.inputType('ConnectionLookup', {
  isOneOf: true,
  fields: (t) => ({ id: t.id(), email: t.string(), ref: t.string() }),
});

/** Users' addresses are stored trimmed and in lower case. */
const byEmail = (email: string): Prisma.ConnectionWhereInput => ({ user: { email: email.trim().toLowerCase() } });

/** The connection a lookup names (by id, email or ref); null for an id that is not a connection's. */
export function connectionLookupWhere(lookup: { id?: string | null; email?: string | null; ref?: string | null }): Prisma.ConnectionWhereInput | null {
  checkFilterLengths({ id: lookup.id, email: lookup.email, ref: lookup.ref });
  if (lookup.id != null) {
    try {
      return { id: decodeId(lookup.id, 'Connection') };
    } catch {
      return null;
    }
  }
  if (lookup.email != null) return byEmail(lookup.email);
  return { ref: lookup.ref ?? '' };
}

builder.queryField('connection', (t) =>
  t.prismaField({
    type: 'Connection',
    nullable: true,
    authScopes: { may: 'connection.read' },
    args: { lookup: t.arg({ type: ConnectionLookup, required: true }) },
    resolve: (query, _root, { lookup }, ctx) => {
      const where = connectionLookupWhere(lookup);
      if (!where) return null;
      return ctx.prisma.connection.findFirst({ ...query, where: { AND: [where, visible(ctx)] } });
    },
  }),
);

builder.queryField('connections', (t) =>
  t.prismaConnection({
    type: 'Connection',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'connections.list' },
    args: {
      status: t.arg({ type: ConnectionStatusEnum }),
      email: t.arg.string({ description: "The user's e-mail, matched exactly (case does not matter)" }),
      ref: t.arg.string({ description: 'Your own id for the user, matched exactly' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const page = await newestFirst<Prisma.ConnectionWhereInput, typeof query>(query, 'id', (id) =>
        ctx.prisma.connection.findUnique({ where: { id }, select: { id: true, createdAt: true } }),
      );
      return ctx.prisma.connection.findMany({
        ...page.query,
        where: { AND: [connectionsFiltered(args, ctx), page.after] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
    totalCount: (_connection, args, ctx) => ctx.prisma.connection.count({ where: connectionsFiltered(args, ctx) }),
  }),
);

type ConnectionFilters = { status?: ConnectionStatus | null; email?: string | null; ref?: string | null };

/** The list's filters, each exact (as a lookup matches them), under the read rule. */
function connectionsFiltered({ status, email, ref }: ConnectionFilters, ctx: Context): Prisma.ConnectionWhereInput {
  checkFilterLengths({ email, ref });
  return {
    AND: [visible(ctx), status ? { status } : {}, email != null ? byEmail(email) : {}, ref != null ? { ref } : {}],
  };
}

const ConnectionStatusResult = builder.simpleObject('ConnectionStatusResult', {
  description: 'The polling answer: all null when the email has no connection here',
  fields: (t) => ({
    status: t.field({ type: ConnectionStatusEnum, nullable: true }),
    apiKey: t.string({ nullable: true, description: 'The whole user key, when connected and the organization keeps keys recoverable' }),
    connection: t.field({ type: ConnectionRef, nullable: true }),
  }),
});

builder.queryField('connectionStatus', (t) =>
  t.field({
    type: ConnectionStatusResult,
    authScopes: { may: 'connections.list' },
    args: { email: t.arg.string({ required: true }) },
    resolve: (_root, { email }, ctx) => {
      const caller = callerOf(ctx);
      return ctx.services.connections.status(caller, email);
    },
  }),
);

builder.mutationField('connectUser', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('ConnectUserSuccess', {
      fields: (f) => ({
        connection: f.field({ type: ConnectionRef }),
        apiKey: f.string({ nullable: true, description: 'The whole user key once CONNECTED (and recoverable)' }),
      }),
    }),
    errors: { types: [ValidationError, InvalidStateError, LiveAccessPendingError] },
    authScopes: { may: 'connections.write' },
    input: {
      email: t.input.string({ required: true }),
      ref: t.input.string({ description: 'Your own id for the user, echoed in events and webhooks' }),
      callback: t.input.string({ description: 'Base URL for verification-status and connection-status callbacks' }),
      direction: t.input.field({ type: ConnectionDirectionEnum }),
      iban: t.input.string({ description: 'SELL: where EUR is paid out' }),
      address: t.input.string({ description: 'BUY: where BTC is sent' }),
    },
    resolve: (_root, { input }, ctx) => {
      requireSignedCallback(ctx, input.callback, 'connectUser');
      return ctx.services.connections.connectUser(callerOf(ctx), withoutNulls(input));
    },
  }),
);

/** Keyward will POST the user's key to a callback: only a request signed by the partner may name one. */
function requireSignedCallback(ctx: Context, callback: string | null | undefined, operation: string): void {
  if (callback != null && !ctx.signed) {
    throw new AccessError('SIGNATURE_REQUIRED', `A ${operation} with a callback must be signed (X-Keyward-Timestamp and X-Keyward-Signature)`);
  }
}

builder.mutationField('disconnectUser', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('DisconnectUserSuccess', { fields: (f) => ({ connection: f.field({ type: ConnectionRef }) }) }),
    errors: { types: [NotFoundError, InvalidStateError] },
    authScopes: { may: 'connections.write' },
    input: { id: t.input.id({ required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const caller = callerOf(ctx);
      return { connection: await ctx.services.connections.disconnect(caller, decodeId(input.id, 'Connection')) };
    },
  }),
);

const OnboardingDecision = builder.enumType('OnboardingDecision', { values: ['APPROVE', 'REJECT'] as const });

builder.mutationField('decideOnboarding', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('DecideOnboardingSuccess', { fields: (f) => ({ connection: f.field({ type: ConnectionRef }) }) }),
    errors: { types: [ValidationError, NotFoundError, InvalidStateError] },
    authScopes: { may: 'onboarding.decide' },
    description: 'Operator (or KYC provider): record the KYC decision for a connection in ONBOARDING',
    input: {
      connectionId: t.input.id({ required: true }),
      decision: t.input.field({ type: OnboardingDecision, required: true }),
      reason: t.input.string(),
    },
    resolve: async (_root, { input }, ctx) => {
      const { connectionId, ...rest } = withoutNulls(input);
      const connection = await ctx.services.connections.decideOnboarding(callerOf(ctx), {
        ...rest,
        connectionId: decodeId(connectionId, 'Connection'),
      });
      return { connection };
    },
  }),
);

const SandboxTarget = builder.enumType('SandboxTarget', {
  values: ['PENDING', 'CONNECTED', 'REJECTED', 'REVOKED'] as const,
  description: 'Where advanceSandboxConnection may move a connection (along the real transitions only)',
});
const SandboxUserType = builder.enumType('SandboxUserType', { values: ['PERSON', 'BUSINESS'] as const });

const SandboxResult = (name: string) =>
  builder.simpleObject(name, {
    fields: (f) => ({
      connection: f.field({ type: ConnectionRef }),
      apiKey: f.string({ nullable: true, description: 'The new user key, when this call connected the user' }),
    }),
  });

builder.mutationField('advanceSandboxConnection', (t) =>
  t.fieldWithInput({
    type: SandboxResult('AdvanceSandboxConnectionSuccess'),
    errors: { types: [ValidationError, NotFoundError, InvalidStateError] },
    authScopes: { may: 'sandbox.write' },
    description: 'TEST only: move a connection along the real transitions, with the same emails, keys and deposit details',
    input: {
      connectionId: t.input.id({ required: true }),
      to: t.input.field({ type: SandboxTarget, required: true }),
    },
    resolve: (_root, { input }, ctx) => {
      const caller = callerOf(ctx);
      return ctx.services.connections.advanceSandbox(caller, { ...input, connectionId: decodeId(input.connectionId, 'Connection') });
    },
  }),
);

builder.mutationField('createSandboxUser', (t) =>
  t.fieldWithInput({
    type: SandboxResult('CreateSandboxUserSuccess'),
    errors: { types: [ValidationError] },
    authScopes: { may: 'sandbox.write' },
    description: 'TEST only: a connected dummy user and its key in one call',
    input: {
      type: t.input.field({ type: SandboxUserType, required: true }),
      ref: t.input.string(),
      direction: t.input.field({ type: ConnectionDirectionEnum }),
      iban: t.input.string(),
      address: t.input.string(),
      callback: t.input.string({ description: 'Base URL for the callbacks, as in connectUser (the request must be signed)' }),
    },
    resolve: (_root, { input }, ctx) => {
      requireSignedCallback(ctx, input.callback, 'createSandboxUser');
      return ctx.services.connections.createSandboxUser(callerOf(ctx), withoutNulls(input));
    },
  }),
);
