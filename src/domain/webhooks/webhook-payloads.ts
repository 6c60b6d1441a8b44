import type { Connection, EventType } from '../../generated/prisma/client.ts';
import { encodeCursor, type EventRecord } from '../events/event-log.ts';

/** `type` in a webhook body for each event of the log (docs/api.md, "Webhooks"). */
export const BODY_TYPES: Record<EventType, string> = {
  CONNECTION_STATUS_CHANGED: 'connection.status_changed',
  API_KEY_CREATED: 'api_key.created',
  API_KEY_UPDATED: 'api_key.updated',
  API_KEY_ROTATED: 'api_key.rotated',
  API_KEY_REVOKED: 'api_key.revoked',
  API_KEY_EXPIRED: 'api_key.expired',
  WEBHOOK_ENDPOINT_DISABLED: 'webhook_endpoint.disabled',
  ORGANIZATION_LIVE_ACCESS_CHANGED: 'organization.live_access_changed',
};

export const VERIFICATION_STATUS = 'connection.verification_status';
const CONNECTION_STATUS = 'connection.connection_status';

/** The body of every webhook: `{ type, timestamp, data }`. */
export interface WebhookBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/**
 * The id partners use with the GraphQL API (`node(id:)`, lookups): the same form as the
 * schema's global ids, base64 of `Typename:uuid`.
 */
export function publicId(typename: 'Connection' | 'ApiKey' | 'WebhookEndpoint' | 'Organization', id: string): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
}

/** `webhook-id`: one per message, the same on every attempt. */
export const webhookIdOf = (deliveryId: string): string => `msg_${deliveryId.replaceAll('-', '')}`;

/** The delivery id a `webhook-id` stands for, or null. */
export function deliveryIdOf(webhookId: string): string | null {
  const hex = /^msg_([0-9a-f]{32})$/.exec(webhookId)?.[1];
  return hex ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : null;
}

/** What an endpoint receives for an event of the log: ids, statuses and the resume cursor; never a secret. */
export function eventBody(record: EventRecord): WebhookBody {
  const { data } = record;
  const common = { environment: record.environment, cursor: encodeCursor(record.position) };
  const connectionId = record.connectionId ? publicId('Connection', record.connectionId) : null;
  switch (record.type) {
    case 'CONNECTION_STATUS_CHANGED':
      return {
        type: BODY_TYPES[record.type],
        timestamp: record.createdAt.toISOString(),
        data: { connectionId, ref: data.ref ?? null, status: data.status, previousStatus: data.previousStatus ?? null, ...common },
      };
    case 'WEBHOOK_ENDPOINT_DISABLED':
    case 'ORGANIZATION_LIVE_ACCESS_CHANGED':
      return { type: BODY_TYPES[record.type], timestamp: record.createdAt.toISOString(), data: { ...data, ...common } };
    default: {
      const { keyId, kind, ...rest } = data;
      return {
        type: BODY_TYPES[record.type],
        timestamp: record.createdAt.toISOString(),
        data: { apiKeyId: record.apiKeyId ? publicId('ApiKey', record.apiKeyId) : null, keyId, kind, connectionId, ...rest, ...common },
      };
    }
  }
}

type ConnectionFacts = Pick<Connection, 'id' | 'ref' | 'status' | 'direction' | 'depositIban' | 'depositAddress'> & { email: string };

/** What both callbacks say about the connection. */
const aboutConnection = (connection: ConnectionFacts) => ({
  status: connection.status,
  email: connection.email,
  ref: connection.ref,
  connectionId: publicId('Connection', connection.id),
});

/**
 * `{callback}/verification-status`: CONNECTED (the key itself is added when it is sent, from its
 * sealed copy) or REJECTED.
 */
export function verificationStatusBody(connection: ConnectionFacts, at: Date, keyId: string | null): WebhookBody {
  return {
    type: VERIFICATION_STATUS,
    timestamp: at.toISOString(),
    data: { ...aboutConnection(connection), ...(keyId && { keyId }) },
  };
}

/**
 * `{callback}/connection-status`: where the user sends what it trades away. BUY (EUR to BTC):
 * `depositIban`, the IBAN the user pays EUR into; SELL (BTC to EUR): `depositAddress`, the
 * address the user sends BTC to. Only the direction's field, null while the provider has none.
 */
export function connectionStatusBody(connection: ConnectionFacts, at: Date): WebhookBody {
  return {
    type: CONNECTION_STATUS,
    timestamp: at.toISOString(),
    data: {
      ...aboutConnection(connection),
      direction: connection.direction,
      ...(connection.direction === 'BUY' ? { depositIban: connection.depositIban } : { depositAddress: connection.depositAddress }),
    },
  };
}

/** Waits after failed scheduled attempt n (1-based): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const RETRY_SCHEDULE_SECONDS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600];
/** Jitter: each wait is its scheduled length ±10 %, so a partner's recovery is not hit by every retry at once. */
const RETRY_JITTER = 0.1;
/** An endpoint whose attempts have failed for this long (with no success between) is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000;

/**
 * When the next attempt is due after scheduled attempt `attempt` failed, or null when that was
 * the last one. A `Retry-After` (429/503) longer than the schedule is honoured.
 */
export function nextAttemptAt(now: Date, attempt: number, retryAfterSeconds: number | null, random: () => number = Math.random): Date | null {
  const seconds = RETRY_SCHEDULE_SECONDS[attempt - 1];
  if (seconds === undefined) return null;
  const jittered = seconds * 1000 * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random());
  return new Date(now.getTime() + Math.round(Math.max(jittered, (retryAfterSeconds ?? 0) * 1000)));
}
