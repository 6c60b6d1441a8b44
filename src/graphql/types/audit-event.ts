import type { ActorKind } from '../../generated/prisma/enums.ts';
import type { Context } from '../../context.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { auditEventsWhere } from '../../domain/access/visibility.ts';
import { builder } from '../builder.ts';
import { checkFilterLengths } from '../filters.ts';
import { maxPageSize } from '../pagination.ts';
import { callerOf, createdBetween } from '../resolver-helpers.ts';
import { ActorKindEnum, EnvironmentEnum } from './enums.ts';
import { memberGlobalId } from './member.ts';

builder.prismaObject('AuditEvent', {
  fields: (t) => ({
    id: t.exposeID('id'),
    action: t.exposeString('action', { description: 'e.g. api_key.created, api_key.rotated, organization.updated' }),
    actorKind: t.expose('actorKind', { type: ActorKindEnum }),
    actorKeyId: t.exposeString('actorKeyId', { nullable: true, description: "The public keyId of the key that acted (a member: its session's)" }),
    actorMemberId: t.id({
      nullable: true,
      description: 'The member that acted (actorKind MEMBER), by id: the member may have been removed since',
      resolve: (event) => memberGlobalId(event.actorMemberId),
    }),
    environment: t.expose('environment', { type: EnvironmentEnum, nullable: true }),
    targetType: t.exposeString('targetType'),
    targetId: t.exposeString('targetId', { nullable: true }),
    ip: t.exposeString('ip', { nullable: true }),
    details: t.field({ type: 'JSONObject', resolve: (event) => event.details as Record<string, unknown> }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('auditEvents', (t) =>
  t.prismaConnection({
    type: 'AuditEvent',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'logs.read' },
    args: {
      keyId: t.arg.string({ description: 'Only events by or about this key (its public keyId)' }),
      actorKind: t.arg({ type: ActorKindEnum, description: 'Only events by this kind of actor' }),
      action: t.arg.string({ description: 'Only this action, e.g. api_key.revoked' }),
      from: t.arg({ type: 'DateTime', description: 'At or after this time' }),
      to: t.arg({ type: 'DateTime', description: 'Before this time' }),
    },
    resolve: (query, _root, args, ctx) => ctx.prisma.auditEvent.findMany({ ...query, where: auditEventsFiltered(args, ctx), orderBy: { seq: 'desc' } }),
    totalCount: (_connection, args, ctx) => ctx.prisma.auditEvent.count({ where: auditEventsFiltered(args, ctx) }),
  }),
);

function auditEventsFiltered(
  args: { keyId?: string | null; actorKind?: ActorKind | null; action?: string | null; from?: Date | null; to?: Date | null },
  ctx: Context,
): Prisma.AuditEventWhereInput {
  checkFilterLengths({ keyId: args.keyId, action: args.action });
  return {
    AND: [auditEventsWhere(callerOf(ctx)), ...(args.keyId ? [{ OR: [{ actorKeyId: args.keyId }, { targetType: 'api_key', targetId: args.keyId }] }] : [])],
    ...(args.actorKind && { actorKind: args.actorKind }),
    ...(args.action && { action: args.action }),
    ...createdBetween(args),
  };
}
