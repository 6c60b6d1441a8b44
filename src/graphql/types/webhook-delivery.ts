import type { Prisma } from '../../generated/prisma/client.ts';
import type { Context } from '../../context.ts';
import { InvalidStateError, NotFoundError } from '../../domain/errors.ts';
import { encodeCursor } from '../../domain/events/event-log.ts';
import { deliveryIdOf, webhookIdOf } from '../../domain/webhooks/webhook-payloads.ts';
import { WebhookDeliveryState } from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';
import { checkFilterLengths } from '../filters.ts';
import { decodeId } from '../ids.ts';
import { maxPageSize } from '../pagination.ts';
import { callerOf } from '../resolver-helpers.ts';
import { WebhookEndpointRef, webhookScopes } from './webhook-endpoint.ts';
import { NOTHING, webhookAttemptsWhere, webhookEndpointsWhere } from '../../domain/access/visibility.ts';

const WebhookDeliveryStateEnum = builder.enumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description:
    'Where a webhook message stands: PENDING (a next attempt is scheduled), SUCCEEDED, FAILED (given up, or 410), CANCELLED (its endpoint was disabled, or it carried deposit details stored the wrong way round)',
});

/** One attempt to deliver a webhook message: what webhookDeliveries lists. */
const WebhookDeliveryRef = builder.prismaNode('WebhookAttempt', {
  name: 'WebhookDelivery',
  id: { field: 'id' },
  // Loaded with findUnique, not findUniqueOrThrow: what the read rule hides is null in node(), never an error.
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [webhookAttemptsWhere(callerOf(ctx))] }),
  fields: (t) => ({
    webhookId: t.string({
      description: 'The `webhook-id` header: the same on every attempt of one message',
      resolve: (attempt) => webhookIdOf(attempt.deliveryId),
    }),
    eventType: t.string({
      description: '`type` in the body: `api_key.created`, `connection.verification_status`, …',
      select: { delivery: { select: { type: true } } },
      resolve: (attempt) => attempt.delivery.type,
    }),
    eventCursor: t.string({
      nullable: true,
      description: 'The cursor of the event it reports, as connectionEvents and apiKeyEvents give it',
      select: { delivery: { select: { event: { select: { position: true } } } } },
      resolve: (attempt) => (attempt.delivery.event ? encodeCursor(attempt.delivery.event.position) : null),
    }),
    endpoint: t.field({
      type: WebhookEndpointRef,
      nullable: true,
      description: 'The endpoint it went to; null for a connection callback',
      select: { delivery: { select: { endpointId: true } } },
      resolve: (attempt, _args, ctx) =>
        attempt.delivery.endpointId
          ? ctx.prisma.webhookEndpoint.findFirst({ where: { AND: [{ id: attempt.delivery.endpointId }, webhookEndpointsWhere(callerOf(ctx))] } })
          : null,
    }),
    state: t.field({
      type: WebhookDeliveryStateEnum,
      description: "The message's state now (after this and any later attempts)",
      select: { delivery: { select: { state: true } } },
      resolve: (attempt) => attempt.delivery.state,
    }),
    url: t.exposeString('url'),
    attempt: t.exposeInt('number', { description: '1 for the first attempt of the message' }),
    manual: t.exposeBoolean('manual', { description: 'Sent by redeliverWebhook' }),
    succeeded: t.exposeBoolean('succeeded'),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: "The partner's HTTP status; null when it did not answer" }),
    durationMs: t.exposeInt('durationMs'),
    error: t.exposeString('error', { nullable: true, description: "What went wrong, in Keyward's words (never the response body)" }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true, description: 'When the next attempt was scheduled after this one' }),
    attemptedAt: t.expose('attemptedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('webhookDeliveries', (t) =>
  t.prismaConnection({
    type: 'WebhookAttempt',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'webhooks.read' },
    description: 'Every webhook attempt of this organization and environment, newest first',
    args: {
      webhookId: t.arg.string({ description: 'Only the attempts of one message (the `webhook-id` header)' }),
      endpointId: t.arg.id({ description: 'Only the attempts sent to one endpoint' }),
    },
    resolve: (query, _root, args, ctx) => ctx.prisma.webhookAttempt.findMany({ ...query, where: attemptsFiltered(args, ctx), orderBy: { seq: 'desc' } }),
    totalCount: (_connection, args, ctx) => ctx.prisma.webhookAttempt.count({ where: attemptsFiltered(args, ctx) }),
  }),
);

/** A filter's id; null for an id that is not one of ours. */
function tryDecode(id: string | number, typename: string): string | null {
  try {
    return decodeId(String(id), typename);
  } catch {
    return null;
  }
}

builder.mutationField('redeliverWebhook', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('RedeliverWebhookSuccess', { fields: (f) => ({ delivery: f.field({ type: WebhookDeliveryRef }) }) }),
    errors: { types: [NotFoundError, InvalidStateError] },
    authScopes: webhookScopes,
    description: "Sends an attempt's message again now, with the same webhook-id; returns the new attempt (the retry schedule is unchanged)",
    input: { id: t.input.id({ required: true, description: 'A WebhookDelivery id' }) },
    resolve: async (_root, { input }, ctx) => ({
      delivery: await ctx.services.webhooks.redeliver(callerOf(ctx), decodeId(String(input.id), 'WebhookDelivery', 'Webhook delivery')),
    }),
  }),
);

function attemptsFiltered(args: { webhookId?: string | null; endpointId?: string | null }, ctx: Context): Prisma.WebhookAttemptWhereInput {
  checkFilterLengths({ webhookId: args.webhookId, endpointId: args.endpointId });
  // A filter naming something that is not one of ours matches nothing.
  const deliveryId = args.webhookId ? deliveryIdOf(args.webhookId) : undefined;
  const endpointId = args.endpointId ? tryDecode(args.endpointId, 'WebhookEndpoint') : undefined;
  return {
    AND: [
      webhookAttemptsWhere(callerOf(ctx)),
      deliveryId === null || endpointId === null ? NOTHING : {},
      deliveryId ? { deliveryId } : {},
      endpointId ? { delivery: { endpointId } } : {},
    ],
  };
}
