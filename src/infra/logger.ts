import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Every header and field that can carry a credential. The logger is the last line of defence:
 * code should not log secrets in the first place, and tests assert none reach the output.
 */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-partner-key', 'x-admin-token', 'x-keyward-signature', 'cookie', 'set-cookie'];
const CREDENTIAL_FIELDS = [
  'secret',
  'token',
  'apiKey',
  'apikey',
  'key',
  'password',
  'pepper',
  'encryptionKey',
  'adminToken',
  'authorization',
  'signingSecret',
  'signingSecrets',
];

const redactPaths = [
  ...CREDENTIAL_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`]),
  ...CREDENTIAL_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  'variables',
  '*.variables',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'keyward' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
