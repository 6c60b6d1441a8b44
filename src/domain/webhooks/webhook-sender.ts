import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { signingKey } from '../signing/signing.service.ts';
import { refusedAddress, refusedHostName } from './outbound-address.ts';

/** Per attempt (Standard Webhooks: 15–30 s; Svix: 15 s). */
const WEBHOOK_TIMEOUT_MS = 15_000;
/** At most this much of a partner's response is read; the rest is cut off. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/**
 * A connection a partner answered on in full is kept this long for the next webhook to the same
 * origin: below the 5 s idle timeout of common servers (Node.js, nginx's 75 s, …), so a partner
 * rarely closes one just as it is reused; a shorter `Keep-Alive: timeout` from the partner wins.
 */
const IDLE_CONNECTION_MS = 4_000;
/** Idle connections kept per origin (host and port); more are closed once answered. */
const IDLE_CONNECTIONS_PER_ORIGIN = 32;

/** Resolves a host name to every address it has (A and AAAA). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export interface OutgoingWebhook {
  url: string;
  /** `webhook-id`: the same on every attempt of one message. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  body: string;
  /** The valid signing secrets (`whsec_…`) of the webhook's organization and environment, newest first: one signature each. */
  secrets: string[];
}

export interface AttemptOutcome {
  succeeded: boolean;
  /** The partner's HTTP status, when it answered. */
  statusCode: number | null;
  durationMs: number;
  /** What went wrong, in Keyward's words: never the partner's response body. */
  error: string | null;
  /** 410 Gone: the partner asks for no more deliveries to this URL. */
  gone: boolean;
  /** From `Retry-After` on a 429 or 503. */
  retryAfterSeconds: number | null;
}

/** `webhook-signature`: `v1,<base64 HMAC-SHA-256(key, id.timestamp.body)>` per secret, space-separated. */
export function webhookSignature(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`).join(' ');
}

class RefusedTarget extends Error {
  readonly code = 'EKEYWARDREFUSED';
}

/** Seconds from a `Retry-After` header (delta seconds or an HTTP date), at most a day. */
function retryAfterSeconds(header: string | undefined, now: number): number | null {
  if (!header) return null;
  const seconds = /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) : (Date.parse(header) - now) / 1000;
  return Number.isFinite(seconds) ? Math.min(Math.max(Math.ceil(seconds), 0), 86_400) : null;
}

function describeError(error: unknown, timeoutMs: number): string {
  const { code, message } = error as { code?: string; message?: string };
  if (error instanceof RefusedTarget) return message ?? 'refused';
  switch (code) {
    case 'ETIMEDOUT_KEYWARD':
      return `timed out after ${timeoutMs / 1000} s`;
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not resolved';
    default:
      if (code && /CERT|TLS|SSL/.test(code)) return `TLS certificate or handshake refused (${code})`;
      return code ? `request failed (${code})` : 'request failed';
  }
}

/** Errors of a kept connection the partner had closed meanwhile: the request never reached it whole. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * Sends one webhook attempt the way docs/security.md A-12 and A-15 ask: the target checked after DNS
 * resolution, in the connection's own lookup (so a name that now resolves to a private address
 * is refused at connect time, and the address checked is the address used), literal addresses
 * checked before connecting, redirects never followed (a failure), certificates verified, one
 * deadline for the whole attempt, at most 64 KiB of response read and none of it kept.
 *
 * A connection is reused for the next webhook to the same origin only after a complete answer
 * within the limits, and for a few seconds (a kept connection goes to the address that was
 * checked when it was opened); one cut off, timed out or failed is closed. A request on a kept
 * connection that the partner had closed meanwhile is sent once more on a new one.
 */
export class WebhookSender {
  private readonly allowPrivate: boolean;
  /** One attempt's deadline. */
  readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly resolve: Resolver;
  private readonly agents: { 'http:': HttpAgent; 'https:': HttpsAgent };

  constructor(options: { allowPrivate: boolean; timeoutMs?: number; maxResponseBytes?: number; resolve?: Resolver }) {
    this.allowPrivate = options.allowPrivate;
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.resolve = options.resolve ?? systemResolver;
    const keepAlive = { keepAlive: true, timeout: IDLE_CONNECTION_MS, maxFreeSockets: IDLE_CONNECTIONS_PER_ORIGIN, scheduling: 'lifo' as const };
    this.agents = { 'http:': new HttpAgent(keepAlive), 'https:': new HttpsAgent(keepAlive) };
  }

  /** Closes the kept connections (at shutdown; they would otherwise close when idle long enough). */
  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  async send(webhook: OutgoingWebhook): Promise<AttemptOutcome> {
    const started = performance.now();
    const finish = (partial: Partial<AttemptOutcome>): AttemptOutcome => ({
      succeeded: false,
      statusCode: null,
      error: null,
      gone: false,
      retryAfterSeconds: null,
      ...partial,
      durationMs: Math.round(performance.now() - started),
    });
    let url: URL;
    try {
      url = new URL(webhook.url);
    } catch {
      return finish({ error: 'not a valid URL' });
    }
    if (url.protocol !== 'https:' && !(this.allowPrivate && url.protocol === 'http:')) return finish({ error: `refused: ${url.protocol} is not allowed` });
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    const literalReason = /^[\d.]+$|:/.test(literal) ? refusedAddress(literal, this.allowPrivate) : null;
    if (literalReason) return finish({ error: `refused: ${literal} ${literalReason}` });
    const nameReason = literal.includes(':') || /^[\d.]+$/.test(literal) ? null : refusedHostName(literal, this.allowPrivate);
    if (nameReason) return finish({ error: `refused: ${literal} ${nameReason}` });
    try {
      const deadline = started + this.timeoutMs;
      const response = await this.exchange(url, webhook, deadline, false).catch((error: { code?: string; reusedSocket?: boolean }) => {
        if (!error.reusedSocket || !STALE_CONNECTION.has(error.code ?? '')) throw error;
        return this.exchange(url, webhook, deadline, true);
      });
      const { statusCode } = response;
      if (statusCode >= 200 && statusCode < 300) return finish({ succeeded: true, statusCode });
      if (statusCode >= 300 && statusCode < 400) return finish({ statusCode, error: `redirect (${statusCode}) not followed` });
      return finish({
        statusCode,
        error: `HTTP ${statusCode}`,
        gone: statusCode === 410,
        retryAfterSeconds: statusCode === 429 || statusCode === 503 ? retryAfterSeconds(response.retryAfter, Date.now()) : null,
      });
    } catch (error) {
      return finish({ error: describeError(error, this.timeoutMs) });
    }
  }

  /**
   * One request: resolves with the status once the response is read (up to the cap) or cut off.
   * On a kept connection unless `fresh`; a failure before any answer says whether the connection was a kept one.
   */
  private exchange(url: URL, webhook: OutgoingWebhook, deadlineAt: number, fresh: boolean): Promise<{ statusCode: number; retryAfter: string | undefined }> {
    return new Promise((resolve, reject) => {
      let answer: { statusCode: number; retryAfter: string | undefined } | null = null;
      /** Ends the attempt; the connection is kept only after a complete answer (`complete`). */
      const done = (outcome: { error?: Error; complete?: boolean } = {}) => {
        clearTimeout(timer);
        if (!outcome.complete) request.destroy();
        if (answer) resolve(answer);
        else reject(Object.assign(outcome.error ?? new Error('no response'), { reusedSocket: request.reusedSocket }));
      };
      const body = Buffer.from(webhook.body, 'utf8');
      const request: ClientRequest = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: fresh ? false : this.agents[url.protocol as 'http:' | 'https:'],
        lookup: this.lookup,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'user-agent': 'Keyward-Webhooks/1.0',
          'webhook-id': webhook.id,
          'webhook-timestamp': String(webhook.timestamp),
          'webhook-signature': webhookSignature(webhook.secrets, webhook.id, webhook.timestamp, webhook.body),
        },
      });
      const timer = setTimeout(
        () => done({ error: Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_KEYWARD' }) }),
        Math.max(deadlineAt - performance.now(), 0),
      );
      request.on('error', (error) => done({ error }));
      request.on('response', (response: IncomingMessage) => {
        const retryAfter = response.headers['retry-after'];
        answer = { statusCode: response.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= this.maxResponseBytes) done();
        });
        response.on('end', () => done({ complete: true }));
        response.on('error', () => done());
      });
      request.end(body);
    });
  }

  /** The connection's DNS lookup: every address the name has must be an allowed target. */
  private readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    this.resolve(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        for (const { address } of wanted) {
          const reason = refusedAddress(address, this.allowPrivate);
          if (reason) return callback(new RefusedTarget(`refused: ${hostname} resolves to ${address}, which ${reason}`), '');
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
