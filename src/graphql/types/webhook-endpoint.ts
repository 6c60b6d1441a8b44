import { webhookEndpointsWhere } from '../../domain/access/visibility.ts';
import { InvalidStateError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { WebhookEventType } from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../ids.ts';
import { maxPageSize } from '../pagination.ts';
import { callerOf, withoutNulls } from '../resolver-helpers.ts';
import { EnvironmentEnum } from './enums.ts';

const WebhookEventTypeEnum = builder.enumType(WebhookEventType, { name: 'WebhookEventType' });

/** Webhooks belong to the partner's organization and the key's environment. */
export const webhookScopes = { may: 'webhooks.manage' } as const;

export const WebhookEndpointRef = builder.prismaNode('WebhookEndpoint', {
  id: { field: 'id' },
  // Loaded with findUnique, not findUniqueOrThrow: what the read rule hides is null in node(), never an error.
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [webhookEndpointsWhere(callerOf(ctx))] }),
  fields: (t) => ({
    url: t.exposeString('url'),
    eventTypes: t.expose('eventTypes', { type: [WebhookEventTypeEnum] }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.exposeString('disabledReason', { nullable: true, description: 'Why Keyward disabled it (410 Gone, or failing for 5 days)' }),
    environment: t.expose('environment', { type: EnvironmentEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('webhookEndpoints', (t) =>
  t.prismaConnection({
    type: 'WebhookEndpoint',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'webhooks.read' },
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.webhookEndpoint.findMany({ ...query, where: webhookEndpointsWhere(callerOf(ctx)), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    totalCount: (_connection, _args, ctx) => ctx.prisma.webhookEndpoint.count({ where: webhookEndpointsWhere(callerOf(ctx)) }),
  }),
);

const EndpointResult = (name: string) => builder.simpleObject(name, { fields: (f) => ({ endpoint: f.field({ type: WebhookEndpointRef }) }) });

builder.mutationField('createWebhookEndpoint', (t) =>
  t.fieldWithInput({
    type: EndpointResult('CreateWebhookEndpointSuccess'),
    errors: { types: [ValidationError, InvalidStateError] },
    authScopes: webhookScopes,
    description: 'An https URL that receives the selected event types of this organization and environment (at most 20)',
    input: {
      url: t.input.string({ required: true }),
      eventTypes: t.input.field({ type: [WebhookEventTypeEnum], required: true }),
    },
    resolve: async (_root, { input }, ctx) => ({ endpoint: await ctx.services.webhookEndpoints.create(callerOf(ctx), input) }),
  }),
);

builder.mutationField('updateWebhookEndpoint', (t) =>
  t.fieldWithInput({
    type: EndpointResult('UpdateWebhookEndpointSuccess'),
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: webhookScopes,
    description: 'Change the URL, the event types, or enable/disable an endpoint (enabling clears a disabledReason)',
    input: {
      id: t.input.id({ required: true }),
      url: t.input.string(),
      eventTypes: t.input.field({ type: [WebhookEventTypeEnum] }),
      enabled: t.input.boolean(),
    },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = withoutNulls(input);
      return { endpoint: await ctx.services.webhookEndpoints.update(callerOf(ctx), { ...changes, id: decodeId(id, 'WebhookEndpoint') }) };
    },
  }),
);

builder.mutationField('deleteWebhookEndpoint', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('DeleteWebhookEndpointSuccess', { fields: (f) => ({ deletedId: f.id() }) }),
    errors: { types: [NotFoundError] },
    authScopes: webhookScopes,
    input: { id: t.input.id({ required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.webhookEndpoints.delete(callerOf(ctx), decodeId(input.id, 'WebhookEndpoint'));
      return { deletedId: input.id };
    },
  }),
);
