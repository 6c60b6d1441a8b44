import { isTenant } from '../../domain/access/policy.ts';
import type { Context } from '../../context.ts';
import { AccessError, NotFoundError } from '../../domain/errors.ts';
import { encodeCursor, type EventRecord } from '../../domain/events/event-log.ts';
import type { ConnectionStatus } from '../../generated/prisma/enums.ts';
import type { LiveItem, Subscriber } from '../../live/subscriptions.ts';
import { apiKeysWhere, connectionsWhere, webhookAttemptsWhere } from '../../domain/access/visibility.ts';
import { builder } from '../builder.ts';
import { callerOf } from '../resolver-helpers.ts';
import { ConnectionLookup, connectionLookupWhere, ConnectionStatusEnum } from './connection.ts';

const ApiKeyEventTypeEnum = builder.enumType('ApiKeyEventType', {
  values: ['CREATED', 'UPDATED', 'ROTATED', 'REVOKED', 'EXPIRED'] as const,
});

type KeyEventType = 'CREATED' | 'UPDATED' | 'ROTATED' | 'REVOKED' | 'EXPIRED';

const ConnectionEventRef = builder.objectRef<EventRecord>('ConnectionEvent');
const ApiKeyEventRef = builder.objectRef<EventRecord>('ApiKeyEvent');

/** A connection's state as a subscription shows it: from an event, or (first) as it is now. */
interface StatusView {
  status: ConnectionStatus;
  connectionId: string;
  at: Date;
}
const ConnectionStatusEventRef = builder.objectRef<StatusView>('ConnectionStatusEvent');

ConnectionEventRef.implement({
  description:
    'A connection changed status; or, with `status` equal to `previousStatus` (CONNECTED), its deposit details were replaced. `cursor` resumes `connectionEvents` right after this event.',
  fields: (t) => ({
    cursor: t.string({ resolve: (event) => encodeCursor(event.position) }),
    status: t.field({ type: ConnectionStatusEnum, resolve: (event) => event.data.status as ConnectionStatus }),
    previousStatus: t.field({
      type: ConnectionStatusEnum,
      nullable: true,
      resolve: (event) => (event.data.previousStatus as ConnectionStatus | null) ?? null,
    }),
    connection: t.prismaField({
      type: 'Connection',
      description: 'The connection as it is now',
      resolve: (query, event, _args, ctx) =>
        ctx.prisma.connection.findFirstOrThrow({ ...query, where: { AND: [{ id: event.connectionId! }, connectionsWhere(callerOf(ctx))] } }),
    }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.createdAt }),
  }),
});

ApiKeyEventRef.implement({
  description: 'A key was created, updated, rotated, revoked or expired. `cursor` resumes `apiKeyEvents` right after this event.',
  fields: (t) => ({
    cursor: t.string({ resolve: (event) => encodeCursor(event.position) }),
    type: t.field({ type: ApiKeyEventTypeEnum, resolve: (event) => event.type.replace('API_KEY_', '') as KeyEventType }),
    key: t.prismaField({
      type: 'ApiKey',
      description: 'The key as it is now',
      resolve: (query, event, _args, ctx) =>
        ctx.prisma.apiKey.findFirstOrThrow({ ...query, where: { AND: [{ id: event.apiKeyId! }, apiKeysWhere(callerOf(ctx))] } }),
    }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.createdAt }),
  }),
});

ConnectionStatusEventRef.implement({
  description: "A connection's status: first as it is when the subscription starts, then after each change",
  fields: (t) => ({
    status: t.field({ type: ConnectionStatusEnum, resolve: (view) => view.status }),
    connection: t.prismaField({
      type: 'Connection',
      resolve: (query, view, _args, ctx) =>
        ctx.prisma.connection.findFirstOrThrow({ ...query, where: { AND: [{ id: view.connectionId }, connectionsWhere(callerOf(ctx))] } }),
    }),
    at: t.field({ type: 'DateTime', resolve: (view) => view.at }),
  }),
});

function subscriberOf(ctx: Context): Subscriber {
  const caller = callerOf(ctx);
  if (!isTenant(caller)) throw new AccessError('FORBIDDEN', 'Subscriptions need an API key or a member');
  return { caller, principal: caller.principal, ip: ctx.clientIp, socket: ctx.socket };
}

/** The end of a stream (credential refused, client too slow) becomes its last, failed result. */
function eventOf(item: LiveItem): EventRecord {
  if (item.kind === 'end') throw item.error;
  if (item.kind !== 'event') throw new Error(`unexpected ${item.kind} item`);
  return item.record;
}

builder.subscriptionType({});

/** An organization-wide event subscription that resumes after a cursor. */
function resumableSubscription(
  name: 'connectionEvents' | 'apiKeyEvents',
  type: typeof ConnectionEventRef,
  action: 'connectionEvents.read' | 'keyEvents.read',
  description: string,
) {
  builder.subscriptionField(name, (t) =>
    t.field({
      type,
      description: `${description} With \`after\`, the events after that cursor come first.`,
      authScopes: { may: action },
      args: { after: t.arg.string({ description: 'The cursor of the last event you received' }) },
      subscribe: (_root, args, ctx) => ctx.services.subscriptions[name](subscriberOf(ctx), args.after),
      resolve: (item: LiveItem) => eventOf(item),
    }),
  );
}

resumableSubscription('connectionEvents', ConnectionEventRef, 'connectionEvents.read', 'Every connection status change of the organization and environment.');
resumableSubscription('apiKeyEvents', ApiKeyEventRef, 'keyEvents.read', 'Every key lifecycle event of the organization and environment.');

builder.subscriptionField('connectionStatusChanged', (t) =>
  t.field({
    type: ConnectionStatusEventRef,
    description: "One connection's status: its current state first, then every change",
    authScopes: { may: 'connectionEvents.read' },
    args: { lookup: t.arg({ type: ConnectionLookup, required: true }) },
    subscribe: (_root, args, ctx) => {
      const where = connectionLookupWhere(args.lookup);
      if (!where) throw new NotFoundError('Connection');
      return ctx.services.subscriptions.connectionStatus(subscriberOf(ctx), where);
    },
    resolve: (item: LiveItem): StatusView => {
      if (item.kind === 'current') return { status: item.connection.status, connectionId: item.connection.id, at: item.connection.updatedAt };
      const event = eventOf(item);
      return { status: event.data.status as ConnectionStatus, connectionId: event.connectionId!, at: event.createdAt };
    },
  }),
);

const WebhookDeliveryEventTypeEnum = builder.enumType('WebhookDeliveryEventType', {
  values: {
    LISTENING: { description: 'First, once the subscription is live: read webhookDeliveries and webhookEndpoints now; every later change follows' },
    ATTEMPTED: {
      description: "An attempt was made (scheduled or redeliverWebhook): `delivery` is it, with its outcome, next attempt and the message's state",
    },
    CANCELLED: { description: "A message was cancelled, its endpoint having been disabled: `delivery` is the message's latest attempt" },
    ENDPOINT_DISABLED: {
      description:
        "Keyward disabled `delivery.endpoint` after the attempt `delivery` (410 Gone, or failing for 5 days); the endpoint's pending messages were cancelled",
    },
  } as const,
});

/** A delivery change as a subscription shows it. */
interface DeliveryEventView {
  type: 'LISTENING' | 'ATTEMPTED' | 'CANCELLED' | 'ENDPOINT_DISABLED';
  attemptId: string | null;
  at: Date;
}

const WebhookDeliveryEventRef = builder.objectRef<DeliveryEventView>('WebhookDeliveryEvent');

WebhookDeliveryEventRef.implement({
  description: 'Something changed in the delivery log or the endpoints. Not resumable: after (re)subscribing, read the lists on LISTENING.',
  fields: (t) => ({
    type: t.field({ type: WebhookDeliveryEventTypeEnum, resolve: (view) => view.type }),
    delivery: t.prismaField({
      type: 'WebhookAttempt',
      nullable: true,
      description: 'The attempt as it is now (`state` is its message’s now); null for LISTENING, and when it was deleted since (its endpoint deleted)',
      resolve: (query, view, _args, ctx) =>
        view.attemptId
          ? ctx.prisma.webhookAttempt.findFirst({ ...query, where: { AND: [{ id: view.attemptId }, webhookAttemptsWhere(callerOf(ctx))] } })
          : null,
    }),
    at: t.field({ type: 'DateTime', resolve: (view) => view.at }),
  }),
});

builder.subscriptionField('webhookDeliveryEvents', (t) =>
  t.field({
    type: WebhookDeliveryEventRef,
    description:
      'Every change to the webhook deliveries and endpoints of the organization and environment: LISTENING first, then each attempt, cancellation and endpoint Keyward disabled, as it happens on any instance',
    authScopes: { may: 'webhooks.read' },
    subscribe: (_root, _args, ctx) => ctx.services.subscriptions.webhookDeliveryEvents(subscriberOf(ctx)),
    resolve: (item: LiveItem): DeliveryEventView => {
      if (item.kind === 'listening') return { type: 'LISTENING', attemptId: null, at: item.at };
      if (item.kind === 'end') throw item.error;
      if (item.kind !== 'delivery') throw new Error(`unexpected ${item.kind} item`);
      return { type: item.change.type, attemptId: item.change.attemptId, at: item.change.at };
    },
  }),
);
