import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read when Prometheus scrapes. */
export interface MetricSources {
  activeSubscriptions(): number;
  webhookQueueDepth(): Promise<number>;
  keyCacheEntries(): number;
}

/**
 * Prometheus metrics at `/metrics` (prom-client), one registry per app. Every label value comes
 * from a set fixed at start (yoga.ts `metricLabels`): the operation is the root field the
 * document asks for when the schema has it (else `other`), never a client's operation name; the
 * type is query, mutation or subscription; the outcome is the first code a request ended with,
 * one the server itself answers with (else `other`).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'keyward_graphql_requests_total',
    help: 'GraphQL requests over HTTP and graphql-ws, by root field, operation type and outcome (OK or the first error code)',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'keyward_graphql_request_duration_seconds',
    help: 'Time from a GraphQL request to its response, by operation type',
    labelNames: ['type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly keyCacheLookups = new Counter({
    name: 'keyward_key_cache_lookups_total',
    help: 'Key verifications answered from the in-memory cache (hit) or the database (miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'keyward_auth_failures_total',
    help: 'Requests refused because their credential was wrong in any way (UNAUTHENTICATED)',
    registers: [this.registry],
  });

  readonly authLockouts = new Counter({
    name: 'keyward_auth_lockouts_total',
    help: 'Times an address group or a credential reached the failed-authentication limit (KEYWARD_AUTH_FAILURES_PER_MINUTE): alert on any increase',
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'keyward_webhook_attempts_total',
    help: 'Webhook delivery attempts, by result (succeeded, failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(sources: () => MetricSources) {
    new Gauge({
      name: 'keyward_active_subscriptions',
      help: 'GraphQL subscriptions open on this instance (graphql-ws and SSE)',
      registers: [this.registry],
      collect() {
        this.set(sources().activeSubscriptions());
      },
    });
    new Gauge({
      name: 'keyward_webhook_queue_depth',
      help: 'Webhook deliveries waiting for an attempt (all instances: read from the database)',
      registers: [this.registry],
      async collect() {
        this.set(await sources().webhookQueueDepth());
      },
    });
    new Gauge({
      name: 'keyward_key_cache_entries',
      help: 'Keys held in the verification cache',
      registers: [this.registry],
      collect() {
        this.set(sources().keyCacheEntries());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
  }

  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
