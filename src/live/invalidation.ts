import type { KeyChangeListener } from '../domain/api-key/api-key.service.ts';
import type { KeyVerifier } from '../domain/auth/key-verifier.ts';
import { CHANNELS, type Bus } from './bus.ts';
import type { SubscriptionRegistry } from './subscription-registry.ts';

type Invalidation = { keyId: string } | { organizationId: string };

/**
 * Where "a key or organization changed" goes after commit: this instance's key cache and
 * subscriptions at once, and every other instance over the bus. A lost message only delays the
 * others up to their cache TTL and their subscription check interval (both under a second).
 */
export class KeyChangeFanout implements KeyChangeListener {
  constructor(
    private readonly verifier: KeyVerifier,
    private readonly registry: SubscriptionRegistry,
    private readonly bus: Bus,
  ) {
    bus.listen(CHANNELS.invalidations, (message) => this.received(message));
  }

  keyChanged(keyId: string): void {
    this.applyLocally({ keyId });
    this.bus.publish(CHANNELS.invalidations, { keyId });
  }

  organizationChanged(organizationId: string): void {
    this.applyLocally({ organizationId });
    this.bus.publish(CHANNELS.invalidations, { organizationId });
  }

  private received(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const { keyId, organizationId } = message as Record<string, unknown>;
    if (typeof keyId === 'string') this.applyLocally({ keyId });
    else if (typeof organizationId === 'string') this.applyLocally({ organizationId });
  }

  private applyLocally(change: Invalidation): void {
    if ('keyId' in change) {
      this.verifier.keyChanged(change.keyId);
      this.registry.keyChanged(change.keyId);
    } else {
      this.verifier.organizationChanged(change.organizationId);
      this.registry.organizationChanged(change.organizationId);
    }
  }
}
