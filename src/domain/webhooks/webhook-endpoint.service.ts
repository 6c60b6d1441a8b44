import type { WebhookEndpoint } from '../../generated/prisma/client.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Caller } from '../caller.ts';
import { InvalidStateError, NotFoundError } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { parseInput } from '../validation.ts';
import { createWebhookEndpointInput, updateWebhookEndpointInput } from './webhook-endpoint.schemas.ts';

/** Endpoints one organization may have in one environment. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

type KeyCaller = Extract<Caller, { type: 'key' }>;

const scopeOf = (caller: KeyCaller) => ({ organizationId: caller.principal.organization.id, environment: caller.principal.apiKey.environment });

/**
 * An organization's webhook endpoints, per environment: each receives the event types it
 * selected, of its own organization and environment. URLs are checked like callbacks at
 * registration (and again, after DNS resolution, when a delivery connects).
 */
export class WebhookEndpointService {
  constructor(
    private readonly events: EventLog,
    private readonly allowPrivate: boolean,
  ) {}

  async create(caller: KeyCaller, rawInput: unknown): Promise<WebhookEndpoint> {
    const input = parseInput(createWebhookEndpointInput(this.allowPrivate), rawInput);
    const scope = scopeOf(caller);
    return this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, scope.organizationId);
      if ((await tx.webhookEndpoint.count({ where: scope })) >= MAX_WEBHOOK_ENDPOINTS) {
        throw new InvalidStateError(`At most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints per organization and environment`);
      }
      const endpoint = await tx.webhookEndpoint.create({ data: { ...scope, url: input.url, eventTypes: input.eventTypes } });
      await recordAudit(tx, caller, {
        ...scope,
        action: 'webhook_endpoint.created',
        targetType: 'webhook_endpoint',
        targetId: endpoint.id,
        details: { url: endpoint.url, eventTypes: endpoint.eventTypes },
      });
      return endpoint;
    });
  }

  async update(caller: KeyCaller, rawInput: unknown): Promise<WebhookEndpoint> {
    const { id, ...changes } = parseInput(updateWebhookEndpointInput(this.allowPrivate), rawInput);
    const scope = scopeOf(caller);
    // The organization first, as every change of it does (the audit chain appends under that lock).
    return this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, scope.organizationId);
      const existing = await tx.webhookEndpoint.findFirst({ where: { id, ...scope } });
      if (!existing) throw new NotFoundError('Webhook endpoint');
      const data = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      // Enabling again clears why Keyward had disabled it, and starts the 5-day failure count afresh.
      const endpoint = await tx.webhookEndpoint.update({
        where: { id },
        data: { ...data, ...(changes.enabled === true && { disabledReason: null, failingSince: null }) },
      });
      await recordAudit(tx, caller, {
        ...scope,
        action: 'webhook_endpoint.updated',
        targetType: 'webhook_endpoint',
        targetId: id,
        details: { changed: Object.keys(data), ...data },
      });
      return endpoint;
    });
  }

  async delete(caller: KeyCaller, id: string): Promise<WebhookEndpoint> {
    const scope = scopeOf(caller);
    return this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, scope.organizationId);
      const existing = await tx.webhookEndpoint.findFirst({ where: { id, ...scope } });
      if (!existing) throw new NotFoundError('Webhook endpoint');
      await tx.webhookEndpoint.delete({ where: { id } });
      await recordAudit(tx, caller, { ...scope, action: 'webhook_endpoint.deleted', targetType: 'webhook_endpoint', targetId: id, details: { url: existing.url } });
      return existing;
    });
  }
}
