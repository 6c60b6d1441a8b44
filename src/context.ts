import type { Logger } from 'pino';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { ApiKeyService } from './domain/api-key/api-key.service.ts';
import type { KeyVerifier } from './domain/auth/key-verifier.ts';
import type { Caller } from './domain/caller.ts';
import type { OrganizationService } from './domain/organization/organization.service.ts';
import type { ConnectionService } from './domain/connection/connection.service.ts';
import type { MemberService } from './domain/member/member.service.ts';
import type { EventLog } from './domain/events/event-log.ts';
import type { UnitOfWork } from './domain/unit-of-work.ts';
import type { ExpirySweeper } from './domain/events/expiry-sweeper.ts';
import type { Mailer } from './infra/mailer.ts';
import type { SigningService } from './domain/signing/signing.service.ts';
import type { WebhookEndpointService } from './domain/webhooks/webhook-endpoint.service.ts';
import type { WebhookDeliveryService } from './domain/webhooks/webhook-delivery.service.ts';
import type { RateLimits } from './domain/rate-limit/rate-limits.ts';
import type { RequestLogWriter } from './domain/audit/request-log.ts';
import type { Metrics } from './infra/metrics.ts';
import type { Bus } from './live/bus.ts';
import type { LiveEvents } from './live/live-events.ts';
import type { ClosableSocket } from './live/subscription-registry.ts';
import type { Subscriptions } from './live/subscriptions.ts';
import type { Clock } from './infra/clock.ts';

export interface Services {
  prisma: PrismaClient;
  clock: Clock;
  logger: Logger;
  verifier: KeyVerifier;
  apiKeys: ApiKeyService;
  organizations: OrganizationService;
  connections: ConnectionService;
  members: MemberService;
  mailer: Mailer;
  events: EventLog;
  /** Every write: one transaction, the organization locked first, audit, events, effects after commit. */
  work: UnitOfWork;
  sweeper: ExpirySweeper;
  live: LiveEvents;
  subscriptions: Subscriptions;
  bus: Bus;
  signing: SigningService;
  webhookEndpoints: WebhookEndpointService;
  webhooks: WebhookDeliveryService;
  rateLimits: RateLimits;
  requestLogs: RequestLogWriter;
  metrics: Metrics;
  /** Where Keyward is reached (KEYWARD_PUBLIC_URL): links, and the one Origin member requests may come from. */
  publicUrl: string;
  /** KEYWARD_PUBLIC_URL unset: an Origin naming the host a request was sent to is Keyward's own too (src/http/origin.ts). */
  originFromHost: boolean;
  /** Called with each failure that means the database is away: one warning per 10 s for the whole process. */
  databaseOutage: (error: unknown) => void;
}

/** Per-operation context: who is calling (null when no credential was sent) and from where. */
export interface Context {
  services: Services;
  prisma: PrismaClient;
  caller: Caller | null;
  clientIp: string | undefined;
  requestId: string;
  /** Typed payload errors are data, invisible in `errors`: their codes are collected here for the request log. */
  outcomeCodes: Set<string>;
  /** The graphql-ws socket an operation runs on (subscriptions bind to it); none over HTTP. */
  socket?: ClosableSocket | undefined;
  /** graphql-ws: the id of the operation, for subscriptions that write their events directly. */
  operationId?: string;
  /** HTTP: the response drops the member's session cookie (signOut). */
  clearMemberCookie?: () => void;
  /** The request carried a valid signature of the caller's organization (X-Keyward-Signature). */
  signed?: boolean;
}
