import { createHash } from 'node:crypto';
import type { Organization } from '../../generated/prisma/client.ts';
import { systemClock, type Clock } from '../../infra/clock.ts';
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
  /** Sets a flag (a count of 1) that lasts `ttlMs` from now, however often it is set. */
  mark(key: string, ttlMs: number): Promise<void>;
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

  async mark(key: string, ttlMs: number) {
    const now = this.clock.now().getTime();
    this.sweep(now);
    this.counters.set(key, { count: 1, endsAt: now + ttlMs });
  }
}

/** Failed authentications one address group, and one credential, may see per window before they wait. */
const DEFAULT_AUTH_FAILURE_LIMIT = { failures: 20, windowMs: 60_000 };

/** Signup and consent mails a partner's connectUser calls may cause (docs/security.md A-10). */
const DEFAULT_MAIL_LIMITS = { perOrganizationPerHour: 500, perRecipientPerDay: 3 };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Counter names carry no address in the clear (Redis keys are not a place for personal data). */
const digestOf = (email: string) => createHash('sha256').update(email).digest('hex').slice(0, 32);
const recipientKey = (email: string) => `mail:to:${digestOf(email)}`;
/** Sign-in links (requestSignInLink) per hour: per email address, and per client address group. */
export interface SignInLimits {
  perEmailPerHour: number;
  perAddressPerHour: number;
}
const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perEmailPerHour: 5, perAddressPerHour: 20 };

/**
 * What a failed authentication is counted against (README, "Failed authentications"): the
 * client's address group (IPv4 alone, IPv6 by /64: `addressGroup`) and the credential it named
 * (a keyId, whether or not such a key exists, or `operator` for the admin token).
 */
export interface AuthAttempt {
  address: string | undefined;
  credential: string | undefined;
}

/** How long a credential's success from an address group keeps the pair known. */
export const KNOWN_PAIR_MS = DAY_MS;
const KNOWN_PAIR_REFRESH_MS = 10 * 60_000;
const MAX_PAIRS_REMEMBERED = 50_000;
const addressKey = (address: string) => `auth:ip:${address}`;
const credentialKey = (credential: string) => `auth:cred:${credential}`;
const failureKeys = ({ address, credential }: AuthAttempt) => [
  ...(address === undefined ? [] : [addressKey(address)]),
  ...(credential === undefined ? [] : [credentialKey(credential)]),
];
const pairKey = ({ address, credential }: AuthAttempt) => (address === undefined || credential === undefined ? null : `auth:ok:${address}|${credential}`);

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
 * requests per window (or its own override); failed authentications are counted per address
 * group and per credential named, and an attempt over either limit is refused before any key is
 * looked at, unless that credential succeeded from that address before (`knownPair`), so keys
 * cannot be guessed at speed and a guesser cannot lock out its neighbours. A refused request
 * counts against nothing.
 */
export class RateLimits {
  constructor(
    private readonly store: CounterStore,
    private readonly authFailures = DEFAULT_AUTH_FAILURE_LIMIT,
    private readonly mails = DEFAULT_MAIL_LIMITS,
    private readonly clock: Clock = systemClock,
    private readonly signIn: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
  ) {}

  /** Known pairs this instance wrote lately, and when (see `authenticated`). */
  private readonly pairsWritten = new Map<string, number>();

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

  /**
   * A request for sign-in links: at most 5 an hour for one email address and 20 an hour from one
   * address group (by default), counted whether or not the address belongs to a member (so the limit tells
   * nothing either), and refused with RATE_LIMITED over either.
   */
  async admitSignInRequest(email: string, address: string | undefined): Promise<void> {
    const perEmail = await this.store.take(`signin:to:${digestOf(email)}`, this.signIn.perEmailPerHour, HOUR_MS);
    if (!perEmail.allowed) throw rateLimitedError(perEmail.retryAfterMs, `At most ${this.signIn.perEmailPerHour} sign-in links per hour to one address`);
    if (address === undefined) return;
    const perAddress = await this.store.take(`signin:from:${address}`, this.signIn.perAddressPerHour, HOUR_MS);
    if (!perAddress.allowed) {
      throw rateLimitedError(perAddress.retryAfterMs, `At most ${this.signIn.perAddressPerHour} sign-in link requests per hour from one address`);
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

  /**
   * Before a credential is checked: how long its attempt is held back (ms), or null. An attempt is
   * held while its address group or the credential it names is at the failure limit.
   */
  async heldBack(attempt: AuthAttempt): Promise<number | null> {
    const counted = await Promise.all(failureKeys(attempt).map((key) => this.store.peek(key)));
    const over = counted.filter(({ count }) => count >= this.authFailures.failures);
    return over.length === 0 ? null : Math.max(1, ...over.map(({ retryAfterMs }) => retryAfterMs));
  }

  /**
   * Whether this credential authenticated from this address group recently (a known pair): such an
   * attempt is checked even while held back, so an attacker cannot lock out the clients behind
   * the same NAT, or the key's own servers, by failing on purpose.
   */
  async knownPair(attempt: AuthAttempt): Promise<boolean> {
    const key = pairKey(attempt);
    return key !== null && (await this.store.peek(key)).count > 0;
  }

  /**
   * A credential authenticated: its pair with the address group is known for KNOWN_PAIR_MS from
   * now. Written at most once per KNOWN_PAIR_REFRESH_MS per pair by this instance, so successful
   * requests cost no write each.
   */
  async authenticated(attempt: AuthAttempt): Promise<void> {
    const key = pairKey(attempt);
    if (key === null) return;
    const now = this.clock.now().getTime();
    const written = this.pairsWritten.get(key);
    if (written !== undefined && now - written < KNOWN_PAIR_REFRESH_MS) return;
    if (this.pairsWritten.size >= MAX_PAIRS_REMEMBERED) this.pairsWritten.clear();
    this.pairsWritten.set(key, now);
    await this.store.mark(key, KNOWN_PAIR_MS);
  }

  /**
   * Counts a failed authentication against its address group and the credential it named;
   * returns what this failure brought to the limit (the moment to alert: that address or that
   * credential is held back from now until its window ends).
   */
  async authenticationFailed(attempt: AuthAttempt): Promise<('address' | 'credential')[]> {
    const reached: ('address' | 'credential')[] = [];
    if (attempt.address !== undefined && (await this.store.add(addressKey(attempt.address), this.authFailures.windowMs)) === this.authFailures.failures) {
      reached.push('address');
    }
    if (
      attempt.credential !== undefined &&
      (await this.store.add(credentialKey(attempt.credential), this.authFailures.windowMs)) === this.authFailures.failures
    ) {
      reached.push('credential');
    }
    return reached;
  }

  /** The failed-authentication limit: failures per window. */
  get authFailureLimit(): { failures: number; windowMs: number } {
    return this.authFailures;
  }
}
