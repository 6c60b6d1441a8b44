import type { Caller } from '../../domain/caller.ts';
import { isTenant } from '../../domain/access/policy.ts';
import { connectionsWhere, membersWhere } from '../../domain/access/visibility.ts';
import { builder } from '../builder.ts';
import { callerOf } from '../resolver-helpers.ts';
import { ApiKeyRef } from './api-key.ts';
import { EnvironmentEnum, PermissionEnum } from './enums.ts';
import { MemberRef } from './member.ts';
import { OrganizationRef } from './organization.ts';
import './connection.ts';

const ViewerKind = builder.enumType('ViewerKind', { values: ['OPERATOR', 'PARTNER', 'USER', 'SESSION', 'MEMBER'] as const });

const principalOf = (caller: Caller) => (isTenant(caller) ? caller.principal : null);

/** Who the credential is. Answered from the verified key alone: no database read. */
const Viewer = builder.objectRef<Caller>('Viewer').implement({
  fields: (t) => ({
    kind: t.field({
      type: ViewerKind,
      resolve: (caller) => principalOf(caller)?.apiKey.kind ?? 'OPERATOR',
    }),
    environment: t.field({
      type: EnvironmentEnum,
      nullable: true,
      resolve: (caller) => principalOf(caller)?.apiKey.environment ?? null,
    }),
    permissions: t.field({
      type: [PermissionEnum],
      description: "The key's permissions that its organization has not disabled",
      resolve: (caller) => principalOf(caller)?.permissions ?? [],
    }),
    organization: t.field({
      type: OrganizationRef,
      nullable: true,
      resolve: (caller) => principalOf(caller)?.organization ?? null,
    }),
    key: t.field({
      type: ApiKeyRef,
      nullable: true,
      description: "The key, or the session (a member's: kind MEMBER, in the environment the request names)",
      resolve: (caller) => principalOf(caller)?.apiKey ?? null,
    }),
    member: t.field({
      type: MemberRef,
      nullable: true,
      description: 'A member signed in to the dashboard: who, with which role',
      resolve: (caller, _args, ctx) =>
        caller.type === 'member' ? ctx.prisma.member.findFirst({ where: { id: caller.principal.member.id, ...membersWhere(caller) } }) : null,
    }),
    connection: t.prismaField({
      type: 'Connection',
      nullable: true,
      description: 'User keys: the connection whose user the key acts for (with CONNECTIONS_READ)',
      resolve: (query, caller, _args, ctx) => {
        const connectionId = principalOf(caller)?.apiKey.connectionId;
        return connectionId ? ctx.prisma.connection.findFirst({ ...query, where: { AND: [{ id: connectionId }, connectionsWhere(caller)] } }) : null;
      },
    }),
    clientIp: t.string({
      nullable: true,
      description: 'The address Keyward sees this request from (what IP allowlists are matched against)',
      resolve: (caller) => (caller.type === 'system' ? null : (caller.ip ?? null)),
    }),
  }),
});

builder.queryField('viewer', (t) => t.field({ type: Viewer, authScopes: { may: 'viewer.read' }, resolve: (_root, _args, ctx) => callerOf(ctx) }));
