import type { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { maxPageSize } from '../pagination.ts';
import { callerOf } from '../resolver-helpers.ts';
import { ActorKindEnum, EnvironmentEnum } from './enums.ts';

builder.prismaObject('AuditEvent', {
  fields: (t) => ({
    id: t.exposeID('id'),
    action: t.exposeString('action', { description: 'e.g. api_key.created, api_key.rotated, organization.updated' }),
    actorKind: t.expose('actorKind', { type: ActorKindEnum }),
    actorKeyId: t.exposeString('actorKeyId', { nullable: true, description: 'The public keyId of the key that acted' }),
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
    authScopes: { $all: { partner: true, permission: 'LOGS_READ' } },
    resolve: (query, _root, _args, ctx) => {
      const caller = callerOf(ctx);
      if (caller.type !== 'key') return [];
      // The organization's own trail; a key sees its environment's events and organization-wide ones.
      const where: Prisma.AuditEventWhereInput = {
        organizationId: caller.principal.organization.id,
        OR: [{ environment: caller.principal.apiKey.environment }, { environment: null }],
      };
      return ctx.prisma.auditEvent.findMany({ ...query, where, orderBy: { seq: 'desc' } });
    },
  }),
);
