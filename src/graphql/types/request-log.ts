import type { Context } from '../../context.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { requestLogsWhere } from '../../domain/access/visibility.ts';
import { builder } from '../builder.ts';
import { memberGlobalId } from './member.ts';
import { checkFilterLengths } from '../filters.ts';
import { maxPageSize, newestFirst } from '../pagination.ts';
import { callerOf, createdBetween } from '../resolver-helpers.ts';
import { EnvironmentEnum } from './enums.ts';

builder.prismaObject('RequestLog', {
  description: 'One authenticated request by a key of this organization: never a header, variable or secret',
  fields: (t) => ({
    id: t.exposeID('id'),
    keyId: t.exposeString('keyId', { description: 'The public keyId of the key that made it' }),
    operationName: t.exposeString('operationName', { nullable: true }),
    operationType: t.exposeString('operationType', { nullable: true, description: 'query, mutation or subscription' }),
    outcome: t.exposeString('outcome', { description: 'OK, or the codes it ended with (comma-separated)' }),
    httpStatus: t.exposeInt('httpStatus'),
    ip: t.exposeString('ip', { nullable: true, description: 'The client IP' }),
    durationMs: t.exposeFloat('durationMs'),
    memberId: t.id({
      nullable: true,
      description: "A member's request (the dashboard), by the member's id; listed only with includeMembers",
      resolve: (log) => memberGlobalId(log.memberId),
    }),
    environment: t.expose('environment', { type: EnvironmentEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('requestLogs', (t) =>
  t.prismaConnection({
    type: 'RequestLog',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'logs.read' },
    description: "Every authenticated request of this organization and the key's environment, newest first (by createdAt; kept 30 days by default)",
    args: {
      keyId: t.arg.string({ description: 'Only the requests of one key (its public keyId)' }),
      outcome: t.arg.string({ description: 'Only requests that ended with this code (OK, RATE_LIMITED, VALIDATION_FAILED, …)' }),
      from: t.arg({ type: 'DateTime', description: 'At or after this time' }),
      to: t.arg({ type: 'DateTime', description: 'Before this time' }),
      includeMembers: t.arg.boolean({
        description: "Also the requests of members signed in to the dashboard (default false: the log shows the partner's integration)",
      }),
    },
    resolve: async (query, _root, args, ctx) => {
      const page = await newestFirst<Prisma.RequestLogWhereInput, typeof query>(query, 'seq', (id) =>
        ctx.prisma.requestLog.findUnique({ where: { id }, select: { seq: true, createdAt: true } }),
      );
      return ctx.prisma.requestLog.findMany({
        ...page.query,
        where: { AND: [requestLogsFiltered(args, ctx), page.after] },
        orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }],
      });
    },
    totalCount: (_connection, args, ctx) => ctx.prisma.requestLog.count({ where: requestLogsFiltered(args, ctx) }),
  }),
);

function requestLogsFiltered(
  args: { keyId?: string | null; outcome?: string | null; from?: Date | null; to?: Date | null; includeMembers?: boolean | null },
  ctx: Context,
): Prisma.RequestLogWhereInput {
  checkFilterLengths({ keyId: args.keyId, outcome: args.outcome });
  return {
    ...requestLogsWhere(callerOf(ctx)),
    ...(!args.includeMembers && { memberId: null }),
    ...(args.keyId && { keyId: args.keyId }),
    ...(args.outcome && outcomeWhere(args.outcome)),
    ...createdBetween(args),
  };
}

/**
 * Entries whose outcome has `code` as one of its comma-separated codes, matched literally. Prisma
 * hands `startsWith`/`endsWith`/`contains` to LIKE without escaping `%` and `_` (checked by
 * test/api/filters.test.ts), so: a code is letters, digits and `_` (anything else, `%` or a comma
 * among them, matches nothing), and each `_` is escaped with LIKE's escape character `\`.
 */
function outcomeWhere(code: string): Prisma.RequestLogWhereInput {
  if (!/^[A-Za-z0-9_]+$/.test(code)) return { id: { in: [] } };
  const like = code.replace(/_/g, '\\_');
  return { OR: [{ outcome: code }, { outcome: { startsWith: `${like},` } }, { outcome: { endsWith: `,${like}` } }, { outcome: { contains: `,${like},` } }] };
}
