import type { Context } from '../../context.ts';
import { InvalidStateError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { WebhookEventType } from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../ids.ts';
import { maxPageSize } from '../pagination.ts';
import { keyCallerOf, withoutNulls } from '../resolver-helpers.ts';
import { EnvironmentEnum } from './enums.ts';

const WebhookEventTypeEnum = builder.enumType(WebhookEventType, { name: 'WebhookEventType' });

/** Webhooks belong to the partner's organization and the key's environment. */
export const webhookScopes = { $all: { partner: true, permission: 'WEBHOOKS_WRITE' } } as const;

export const visible = (ctx: Context) => {
  const { principal } = keyCallerOf(ctx);
  return { organizationId: principal.organization.id, environment: principal.apiKey.environment };
};

export const WebhookEndpointRef = builder.prismaNode('WebhookEndpoint', {
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, ...(ctx.caller?.type === 'key' ? visible(ctx) : { organizationId: '00000000-0000-0000-0000-000000000000' }) }),
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
    authScopes: webhookScopes,
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.webhookEndpoint.findMany({ ...query, where: visible(ctx), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
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
    resolve: async (_root, { input }, ctx) => ({ endpoint: await ctx.services.webhookEndpoints.create(keyCallerOf(ctx), input) }),
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
      return { endpoint: await ctx.services.webhookEndpoints.update(keyCallerOf(ctx), { ...changes, id: decodeId(id, 'WebhookEndpoint') }) };
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
      await ctx.services.webhookEndpoints.delete(keyCallerOf(ctx), decodeId(input.id, 'WebhookEndpoint'));
      return { deletedId: input.id };
    },
  }),
);
