// Webhook delivery changes between instances (src/live/delivery-changes.ts): a change reaches the
// receivers of its organization on every instance exactly once (Redis hands the publisher its own
// message back), an instance listens to an organization's channel only while it has receivers
// for it, and a malformed message is dropped.
import { describe, expect, it } from 'vitest';
import type { DeliveryChange } from '../../src/domain/webhooks/webhook-delivery.service.ts';
import { CHANNELS, type Bus } from '../../src/live/bus.ts';
import { DeliveryChanges, type DeliveryChangeReceiver } from '../../src/live/delivery-changes.ts';

/** Redis pub/sub in one process: every message goes to every listener of its channel, the publisher's included. */
class LoopbackBus implements Bus {
  private readonly handlers = new Map<string, Set<(message: unknown) => void>>();
  publish(channel: string, message: unknown): void {
    // Through JSON, as Redis carries it.
    const wire = JSON.parse(JSON.stringify(message)) as unknown;
    for (const handler of this.handlers.get(channel) ?? []) handler(wire);
  }
  listen(channel: string, handler: (message: unknown) => void): () => void {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return () => set.delete(handler);
  }
  listening(channel: string): number {
    return this.handlers.get(channel)?.size ?? 0;
  }
  async close(): Promise<void> {}
}

class Recorder implements DeliveryChangeReceiver {
  readonly received: DeliveryChange[] = [];
  receive(change: DeliveryChange): void {
    this.received.push(change);
  }
}

const change = (organizationId: string, attemptId: string): DeliveryChange => ({
  type: 'ATTEMPTED',
  organizationId,
  environment: 'TEST',
  attemptId,
  at: new Date('2026-12-01T10:00:00.000Z'),
});

describe('delivery changes between instances', () => {
  it('reach the receivers of their organization on every instance once, dates intact', () => {
    const bus = new LoopbackBus();
    const [a, b] = [new DeliveryChanges(bus), new DeliveryChanges(bus)];
    const [onA, onB, elsewhere] = [new Recorder(), new Recorder(), new Recorder()];
    a.attach('org-1', onA);
    b.attach('org-1', onB);
    b.attach('org-2', elsewhere);

    a.deliveryChanged(change('org-1', 'attempt-1'));
    b.deliveryChanged(change('org-1', 'attempt-2'));

    for (const recorder of [onA, onB]) expect(recorder.received.map((c) => c.attemptId)).toEqual(['attempt-1', 'attempt-2']);
    expect(onB.received[0]).toEqual(change('org-1', 'attempt-1'));
    expect(elsewhere.received).toEqual([]);
  });

  it("listens to an organization's channel only while it has receivers there", () => {
    const bus = new LoopbackBus();
    const changes = new DeliveryChanges(bus);
    const [first, second] = [new Recorder(), new Recorder()];
    changes.attach('org-1', first);
    changes.attach('org-1', second);
    expect(bus.listening(CHANNELS.deliveries('org-1'))).toBe(1);
    changes.detach('org-1', first);
    expect(bus.listening(CHANNELS.deliveries('org-1'))).toBe(1);
    changes.detach('org-1', second);
    expect(bus.listening(CHANNELS.deliveries('org-1'))).toBe(0);
    new DeliveryChanges(bus).deliveryChanged(change('org-1', 'attempt-1'));
    expect([...first.received, ...second.received]).toEqual([]);
  });

  it('drops messages that are not a delivery change of the channel’s organization', () => {
    const bus = new LoopbackBus();
    const changes = new DeliveryChanges(bus);
    const recorder = new Recorder();
    changes.attach('org-1', recorder);
    const channel = CHANNELS.deliveries('org-1');
    const valid = { from: 'another instance', change: { ...change('org-1', 'attempt-1'), at: '2026-12-01T10:00:00.000Z' } };
    for (const message of [
      null,
      'text',
      { from: 'x' },
      { ...valid, change: { ...valid.change, organizationId: 'org-2' } },
      { ...valid, change: { ...valid.change, type: 'DELETED' } },
      { ...valid, change: { ...valid.change, environment: 'PROD' } },
      { ...valid, change: { ...valid.change, at: 'yesterday' } },
    ]) {
      bus.publish(channel, message);
    }
    expect(recorder.received).toEqual([]);
    bus.publish(channel, valid);
    expect(recorder.received).toEqual([change('org-1', 'attempt-1')]);
  });
});
