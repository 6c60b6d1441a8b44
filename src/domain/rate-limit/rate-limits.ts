import { createHash } from 'node:crypto';
import type { Organization } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import type { KeyPrincipal } from '../caller.ts';
import { AccessError } from '../errors.ts';

/** A counter that admits at most `limit` hits per window, the window starting at its first hit. */
export interface CounterStore {
  /** Counts a hit unless the counter is at `limit`; refused hits count nothing. */
  take(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
  /** Counts a hit whatever the count (failures); returns the count with it. */
  add(key: string, windowMs: number): Promise<number>;
  /** The current count and how long until the window ends. */
  peek(key: string): Promise<{ count: number; retryAfterMs: number }>;
}

/** Counters in this process: what a single instance uses, and any instance while Redis is away. */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, { count: number; endsAt: number }>();
  private sweptAt = 0;

  constructor(private readonly clock: Clock) {}

  private current(key: string, now: number) {
    const counter = this.counters.get(key);
    if (counter && counter.endsAt > now) return counter;
    if (counter) this.counters.delete(key);
    return undefined;
  }

  /** Ended windows are dropped once a minute, so idle keys and addresses cost nothing. */
  private sweep(now: number) {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, counter] of this.counters) if (counter.endsAt <= now) this.counters.delete(key);
  }

  async take(key: string, limit: number, windowMs: number) {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const counter = this.current(key, now);
    if (counter && counter.count >= limit) return { allowed: false, retryAfterMs: counter.endsAt - now };
    if (counter) counter.count++;
    else this.counters.set(key, { count: 1, endsAt: now + windowMs });
    return { allowed: true, retryAfterMs: 0 };
  }

  async add(key: string, windowMs: number) {
    const now = this.clock.now().getTime();
    const counter = this.current(key, now);
    if (counter) return ++counter.count;
    this.counters.set(key, { count: 1, endsAt: now + windowMs });
    return 1;
  }

  async peek(key: string) {
    const now = this.clock.now().getTime();
    const counter = this.current(key, now);
    return counter ? { count: counter.count, retryAfterMs: counter.endsAt - now } : { count: 0, retryAfterMs: 0 };
  }
}

/** Failed authentications one client IP may make per window before it has to wait. */
export const DEFAULT_AUTH_FAILURE_LIMIT = { failures: 20, windowMs: 60_000 };

/** Signup and consent mails a partner's connectUser calls may cause (docs/security.md A-10). */
export const DEFAULT_MAIL_LIMITS = { perOrganizationPerHour: 500, perRecipientPerDay: 3 };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Counter names carry no address in the clear (Redis keys are not a place for personal data). */
const recipientKey = (email: string) => `mail:to:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;

/** The key whose limits a credential spends: its own, or for a session the key that opened it. */
export interface KeyBudget {
  keyId: string;
  /** The key's own request limit; null: the organization's. */
  rateLimitRequests: number | null;
}

/**
 * A session spends the budget of the key that opened it (requests, sockets, subscriptions):
 * otherwise each of a key's up to 100 sessions would be a fresh budget, and a key limited to
 * N requests could make 100 × N through its sessions.
 */
export function budgetOf(principal: Pick<KeyPrincipal, 'apiKey' | 'sessionOf'>): KeyBudget {
  const { apiKey, sessionOf } = principal;
  if (sessionOf) return { keyId: sessionOf.keyId, rateLimitRequests: sessionOf.rateLimitRequests ?? null };
  return { keyId: apiKey.keyId, rateLimitRequests: apiKey.rateLimitRequests };
}

export function rateLimitedError(retryAfterMs: number, message: string): AccessError {
  return new AccessError('RATE_LIMITED', message, Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

/**
 * Request limits (docs/security.md ): each key may make its organization's number of
 * requests per window (or its own override); failed authentications are counted per client IP,
 * and an IP over its limit is refused before any key is looked at, so keys cannot be guessed at
 * speed. A refused request counts against nothing.
 */
export class RateLimits {
  constructor(
    private readonly store: CounterStore,
    private readonly authFailures = DEFAULT_AUTH_FAILURE_LIMIT,
    private readonly mails = DEFAULT_MAIL_LIMITS,
  ) {}

  /**
   * Before a connection mail is decided: refused while the organization has sent its hourly
   * number, or the address its daily number (a partner cannot flood an inbox or the mail provider).
   */
  async admitMail(organizationId: string, email: string): Promise<void> {
    const organization = await this.store.peek(`mail:org:${organizationId}`);
    if (organization.count >= this.mails.perOrganizationPerHour) {
      throw rateLimitedError(organization.retryAfterMs, `At most ${this.mails.perOrganizationPerHour} connection emails per hour per organization`);
    }
    const recipient = await this.store.peek(recipientKey(email));
    if (recipient.count >= this.mails.perRecipientPerDay) {
      throw rateLimitedError(recipient.retryAfterMs, `At most ${this.mails.perRecipientPerDay} connection emails per day to one address`);
    }
  }

  /** A connection mail went out: it counts against both. */
  async mailSent(organizationId: string, email: string): Promise<void> {
    await this.store.add(`mail:org:${organizationId}`, HOUR_MS);
    await this.store.add(recipientKey(email), DAY_MS);
  }

  /**
   * One request with a key or one of its sessions (`budgetOf`): refused with RATE_LIMITED (and
   * the seconds to wait) over the key's limit.
   */
  async admitKey(budget: KeyBudget, organization: Pick<Organization, 'rateLimitRequests' | 'rateLimitWindowSeconds'>): Promise<void> {
    const limit = budget.rateLimitRequests ?? organization.rateLimitRequests;
    const { allowed, retryAfterMs } = await this.store.take(`key:${budget.keyId}`, limit, organization.rateLimitWindowSeconds * 1000);
    if (!allowed) throw rateLimitedError(retryAfterMs, `Rate limit of ${limit} requests per ${organization.rateLimitWindowSeconds} s reached for this key`);
  }

  /** Before a credential is checked: refused while the IP is over its failure limit. */
  async admitAttempt(ip: string | undefined): Promise<void> {
    if (!ip) return;
    const { count, retryAfterMs } = await this.store.peek(`auth:${ip}`);
    if (count >= this.authFailures.failures) throw rateLimitedError(retryAfterMs, 'Too many failed authentication attempts from this address');
  }

  /**
   * Counts a failed authentication of an address; true when this failure is the one that reaches
   * the limit (the moment to alert: the address is refused from now until its window ends).
   */
  async authenticationFailed(ip: string | undefined): Promise<boolean> {
    if (!ip) return false;
    return (await this.store.add(`auth:${ip}`, this.authFailures.windowMs)) === this.authFailures.failures;
  }

  /** The failed-authentication limit: failures per window. */
  get authFailureLimit(): { failures: number; windowMs: number } {
    return this.authFailures;
  }
}
