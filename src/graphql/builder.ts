import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import WithInputPlugin from '@pothos/plugin-with-input';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import type { Context } from '../context.ts';
import { allows, type Action } from '../domain/access/policy.ts';
import type PrismaTypes from '../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../generated/pothos-prisma-types.ts';
import { unauthorizedError } from './access.ts';
import { decodeNodeId, namesNode } from './ids.ts';

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  // One scope: the action of the authorization model (src/domain/access/policy.ts) a field takes.
  AuthScopes: { may: Action };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin, WithInputPlugin, SimpleObjectsPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    maxConnectionSize: 100,
    defaultConnectionSize: 20,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // An id that names no object (garbage, an unknown type, a type that is not a Node, not a
    // UUID) is null, silently, like an object the caller may not see (issue 13, finding 11).
    decodeGlobalID: decodeNodeId,
    nodeQueryOptions: {
      nullable: true,
      authScopes: { may: 'node.read' },
      resolve: (_root, args, _ctx, info, resolveNode) => (namesNode(args.id, info.schema) ? resolveNode(args.id) : null),
    },
    nodesQueryOptions: false,
  },
  withInput: {
    typeOptions: { name: ({ fieldName }) => `${upperFirst(fieldName)}Input` },
  },
  errors: {
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${upperFirst(fieldName)}Payload` },
    defaultResultOptions: { name: ({ fieldName }) => `${upperFirst(fieldName)}Success` },
  },
  scopeAuth: {
    authScopes: (ctx) => ({ may: (action: Action) => allows(ctx.caller, action) }),
    unauthorizedError,
    // Scopes also guard subscriptions when they start, not only their events.
    authorizeOnSubscribe: true,
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.queryType({});
builder.mutationType({});
