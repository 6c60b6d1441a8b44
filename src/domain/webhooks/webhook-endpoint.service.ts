import type { WebhookEndpoint } from '../../generated/prisma/client.ts';
import { authorizeTenant, keyScope } from '../access/policy.ts';
import type { Caller } from '../caller.ts';
import { InvalidStateError, NotFoundError } from '../errors.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { parseInput } from '../validation.ts';
import { createWebhookEndpointInput, updateWebhookEndpointInput } from './webhook-endpoint.schemas.ts';

/** Endpoints one organization may have in one environment. */
const MAX_WEBHOOK_ENDPOINTS = 20;

/**
 * An organization's webhook endpoints, per environment: each receives the event types it
 * selected, of its own organization and environment. URLs are checked like callbacks at
 * registration (and again, after DNS resolution, when a delivery connects).
 */
export class WebhookEndpointService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly allowPrivate: boolean,
  ) {}

  async create(caller: Caller, rawInput: unknown): Promise<WebhookEndpoint> {
    const scope = keyScope(authorizeTenant(caller, 'webhooks.manage').principal);
    const input = parseInput(createWebhookEndpointInput(this.allowPrivate), rawInput);
    return this.uow.run(caller, scope.organizationId, async ({ tx, audit }) => {
      if ((await tx.webhookEndpoint.count({ where: scope })) >= MAX_WEBHOOK_ENDPOINTS) {
        throw new InvalidStateError(`At most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints per organization and environment`);
      }
      const endpoint = await tx.webhookEndpoint.create({ data: { ...scope, url: input.url, eventTypes: input.eventTypes } });
      await audit({
        environment: scope.environment,
        action: 'webhook_endpoint.created',
        targetType: 'webhook_endpoint',
        targetId: endpoint.id,
        details: { url: endpoint.url, eventTypes: endpoint.eventTypes },
      });
      return endpoint;
    });
  }

  async update(caller: Caller, rawInput: unknown): Promise<WebhookEndpoint> {
    const scope = keyScope(authorizeTenant(caller, 'webhooks.manage').principal);
    const { id, ...changes } = parseInput(updateWebhookEndpointInput(this.allowPrivate), rawInput);
    return this.uow.run(caller, scope.organizationId, async ({ tx, audit }) => {
      const existing = await tx.webhookEndpoint.findFirst({ where: { id, ...scope } });
      if (!existing) throw new NotFoundError('Webhook endpoint');
      const data = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      // Enabling again clears why Keyward had disabled it, and starts the 5-day failure count afresh.
      const endpoint = await tx.webhookEndpoint.update({
        where: { id },
        data: { ...data, ...(changes.enabled === true && { disabledReason: null, failingSince: null }) },
      });
      await audit({
        environment: scope.environment,
        action: 'webhook_endpoint.updated',
        targetType: 'webhook_endpoint',
        targetId: id,
        details: { changed: Object.keys(data), ...data },
      });
      return endpoint;
    });
  }

  async delete(caller: Caller, id: string): Promise<WebhookEndpoint> {
    const scope = keyScope(authorizeTenant(caller, 'webhooks.manage').principal);
    return this.uow.run(caller, scope.organizationId, async ({ tx, audit }) => {
      const existing = await tx.webhookEndpoint.findFirst({ where: { id, ...scope } });
      if (!existing) throw new NotFoundError('Webhook endpoint');
      await tx.webhookEndpoint.delete({ where: { id } });
      await audit({
        environment: scope.environment,
        action: 'webhook_endpoint.deleted',
        targetType: 'webhook_endpoint',
        targetId: id,
        details: { url: existing.url },
      });
      return existing;
    });
  }
}
