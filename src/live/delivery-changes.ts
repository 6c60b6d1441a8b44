import { randomUUID } from 'node:crypto';
import type { DeliveryChange, DeliveryChangeListener } from '../domain/webhooks/webhook-delivery.service.ts';
import type { Environment } from '../generated/prisma/client.ts';
import { CHANNELS, type Bus } from './bus.ts';

/** Receives every delivery change of an organization made on any instance. */
export interface DeliveryChangeReceiver {
  receive(change: DeliveryChange): void;
}

/** A change as it travels between instances: the instance that made it, and the date as ISO text. */
interface WireChange {
  from: string;
  change: Omit<DeliveryChange, 'at'> & { at: string };
}

const TYPES = new Set<DeliveryChange['type']>(['ATTEMPTED', 'CANCELLED', 'ENDPOINT_DISABLED']);
const ENVIRONMENTS = new Set<Environment>(['TEST', 'LIVE']);

function fromWire(message: unknown): { from: string; change: DeliveryChange } | null {
  const wire = message as Partial<WireChange> | null;
  const change = wire?.change;
  if (typeof wire?.from !== 'string' || typeof change !== 'object' || change === null) return null;
  const { type, organizationId, environment, attemptId, at } = change;
  if (!TYPES.has(type) || !ENVIRONMENTS.has(environment) || typeof organizationId !== 'string' || typeof attemptId !== 'string') return null;
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) return null;
  return { from: wire.from, change: { type, organizationId, environment, attemptId, at: when } };
}

/**
 * Webhook delivery changes for subscriptions: a change goes to this instance's receivers at once
 * and to the other instances over the bus (each listens to an organization's channel while it
 * has receivers for it). Unlike events these are not in a table: a message the bus loses is not
 * read again, which is why a subscription starts by telling its client to read the lists.
 */
export class DeliveryChanges implements DeliveryChangeListener {
  /** Messages this instance published come back from Redis: they were dispatched already. */
  private readonly instance = randomUUID();
  private readonly organizations = new Map<string, { receivers: Set<DeliveryChangeReceiver>; unlisten: () => void }>();

  constructor(private readonly bus: Bus) {}

  deliveryChanged(change: DeliveryChange): void {
    this.dispatch(change);
    const wire: WireChange = { from: this.instance, change: { ...change, at: change.at.toISOString() } };
    this.bus.publish(CHANNELS.deliveries(change.organizationId), wire);
  }

  attach(organizationId: string, receiver: DeliveryChangeReceiver): void {
    let organization = this.organizations.get(organizationId);
    if (!organization) {
      const unlisten = this.bus.listen(CHANNELS.deliveries(organizationId), (message) => this.received(organizationId, message));
      organization = { receivers: new Set(), unlisten };
      this.organizations.set(organizationId, organization);
    }
    organization.receivers.add(receiver);
  }

  /** Removes a receiver; the organization's channel is left with its last one. */
  detach(organizationId: string, receiver: DeliveryChangeReceiver): void {
    const organization = this.organizations.get(organizationId);
    if (!organization?.receivers.delete(receiver) || organization.receivers.size > 0) return;
    this.organizations.delete(organizationId);
    organization.unlisten();
  }

  private received(organizationId: string, message: unknown): void {
    const parsed = fromWire(message);
    if (parsed && parsed.from !== this.instance && parsed.change.organizationId === organizationId) this.dispatch(parsed.change);
  }

  private dispatch(change: DeliveryChange): void {
    // One object for every receiver: subscribers with the same audience share its result (shared-execution.ts).
    for (const receiver of this.organizations.get(change.organizationId)?.receivers ?? []) receiver.receive(change);
  }
}
