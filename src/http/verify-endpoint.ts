import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from '../auth.ts';
import type { Services } from '../context.ts';
import type { Caller } from '../domain/caller.ts';
import { verifyKey } from '../domain/auth/verification.ts';
import { AccessError, ValidationError } from '../domain/errors.ts';
import { httpStatusOf } from '../graphql/access.ts';
import { databaseUnavailable, isDatabaseUnavailable } from '../infra/database.ts';

export const VERIFY_PATH = '/v1/keys/verify';
const MAX_BODY_BYTES = 8 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
  });
  res.end(json);
}

const error = (code: string, message: string, extra: Record<string, unknown> = {}) => ({ error: { code, message, ...extra } });

/**
 * `POST /v1/keys/verify`: verifyKey for gateways that do not speak GraphQL. Served straight on
 * node:http, before the GraphQL machinery, because it is the hottest path of a deployment.
 * JSON in (`{ key, ip?, requiredPermissions?, requiredCurrencies? }`), the KeyVerification as JSON out; admin token,
 * checked by `authenticate` as on /graphql: a wrong one counts against the same failure limits
 * (address group and credential), and a held-back address is held back here too.
 */
export function handleVerifyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  services: Services,
  adminToken: string | undefined,
  ip: string | undefined,
): void {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    send(res, 405, error('METHOD_NOT_ALLOWED', 'Use POST'));
    return;
  }
  const token = req.headers['x-admin-token'];
  if (typeof token !== 'string' || token === '') {
    send(res, 401, error('UNAUTHENTICATED', 'Admin token required'));
    req.resume();
    return;
  }
  // A client that aborts its body mid-way gets nothing; the server goes on.
  req.on('error', (failure) => services.logger.debug({ err: failure }, 'verify request aborted'));
  // Only the admin token counts here: keys in other headers are not credentials of this route.
  authenticate(services, adminToken, (name) => (name === 'x-admin-token' ? token : undefined), ip).then(
    (caller) => (caller ? answer(req, res, services, caller) : send(res, 401, error('UNAUTHENTICATED', 'Admin token required'))),
    (failure: unknown) => {
      req.resume();
      if (!(failure instanceof AccessError)) return fail(res, services, failure);
      if (failure.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(failure.retryAfterSeconds));
      send(res, httpStatusOf(failure.code) ?? 401, error(failure.code, failure.message));
    },
  );
}

/** An unexpected failure or an outage, as JSON. */
function fail(res: ServerResponse, services: Services, failure: unknown): void {
  if (isDatabaseUnavailable(failure)) {
    services.databaseOutage(failure);
    res.setHeader('retry-after', '1');
    send(res, 503, error('UNAVAILABLE', databaseUnavailable().message));
  } else {
    services.logger.error({ err: failure }, 'key verification failed');
    send(res, 500, error('INTERNAL_SERVER_ERROR', 'Unexpected error.'));
  }
}

/** Reads the body of an authenticated request and answers its verification. */
function answer(req: IncomingMessage, res: ServerResponse, services: Services, caller: Caller): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      send(res, 413, error('PAYLOAD_TOO_LARGE', `The body may be at most ${MAX_BODY_BYTES} bytes`));
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    let input: unknown;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(res, 400, error('VALIDATION_FAILED', 'The body must be JSON: { "key": "...", "ip": "...", "requiredPermissions": [...] }'));
      return;
    }
    Promise.resolve()
      .then(() => verifyKey(services.verifier, caller, input))
      .then(
        (verification) => send(res, 200, verification),
        (failure: unknown) => {
          if (failure instanceof ValidationError) send(res, 400, error('VALIDATION_FAILED', failure.message, { fields: failure.fields }));
          else fail(res, services, failure);
        },
      );
  });
}
