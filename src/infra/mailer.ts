import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import nodemailer, { type SMTPTransportOptions } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { Logger } from './logger.ts';

/**
 * Outgoing mail. Mails carry signup links and single-use consent links, secrets for their
 * recipient: nothing here ever logs a subject, a body, a link or the SMTP credentials. Per mail
 * at most one debug line with the messageId and the recipient's domain is written.
 *
 * - `smtpUrl` set (smtp:// or smtps://, credentials in the URL): sent through that SMTP server.
 * - otherwise: each mail is written as one `.eml` file (mode 0600) into `outboxDir` (mode 0700).
 */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  close(): Promise<void>;
  /** "outbox <dir>" or "smtp <host>:<port>", never credentials. */
  readonly description: string;
}

export interface CreateMailerOptions {
  smtpUrl?: string | undefined;
  outboxDir: string;
  /** The From header, `address@domain` or `Name <address@domain>`. */
  from: string;
  logger: Logger;
}

const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;
const DNS_TIMEOUT_MS = 10_000;

// local@domain: dot-atom local part (RFC 5322 atext), a domain of at least two labels (letters may
// be non-ASCII: nodemailer punycodes them), no domain literals, no quoted local parts.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
// C0 controls (CR, LF, NUL, …) and DEL, plus the Unicode line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters (header injection) is what this regex is for
const CONTROL_CHARS = /[\u0000-\u001f\u007f\u2028\u2029]/;

function isValidAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label));
}

/**
 * Checks that `value` is exactly one mailbox and returns its address. nodemailer's addressparser
 * decides how many entries the field holds (a comma, a semicolon or a group makes more than one);
 * the address itself must then pass the strict check above. Error messages never echo the input.
 */
function singleAddress(value: unknown, field: string, allowDisplayName: boolean): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`Invalid mail: "${field}" must be a non-empty string.`);
  }
  if (CONTROL_CHARS.test(value)) {
    throw new Error(`Invalid mail: "${field}" must not contain line breaks or control characters.`);
  }
  const entries = addressparser(value);
  const [entry] = entries;
  if (entries.length !== 1 || !entry || entry.group !== undefined) {
    throw new Error(`Invalid mail: "${field}" must be exactly one address.`);
  }
  const address = entry.address;
  if (!isValidAddress(address)) {
    throw new Error(`Invalid mail: "${field}" is not a valid e-mail address.`);
  }
  if (!allowDisplayName && value.trim() !== address) {
    throw new Error(`Invalid mail: "${field}" must be a bare address (local@domain), without a display name.`);
  }
  return address;
}

function checkMail(mail: OutgoingMail): { to: string; domain: string } {
  if (typeof mail !== 'object' || mail === null) throw new Error('Invalid mail: expected an object.');
  const to = singleAddress(mail.to, 'to', false);
  if (typeof mail.subject !== 'string') throw new Error('Invalid mail: "subject" must be a string.');
  if (CONTROL_CHARS.test(mail.subject.replace(/\t/g, ''))) {
    throw new Error('Invalid mail: "subject" must not contain line breaks (CR/LF) or control characters.');
  }
  if (typeof mail.text !== 'string') throw new Error('Invalid mail: "text" must be a string.');
  if (mail.html !== undefined && typeof mail.html !== 'string') {
    throw new Error('Invalid mail: "html" must be a string when given.');
  }
  return { to, domain: to.slice(to.lastIndexOf('@') + 1).toLowerCase() };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

interface SmtpTarget {
  options: SMTPTransportOptions;
  host: string;
  port: number;
  secure: boolean;
  authenticated: boolean;
}

/** Parses the SMTP URL. Error messages never include the URL: it carries the credentials. */
function smtpTarget(smtpUrl: string): SmtpTarget {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('KEYWARD_SMTP_URL is not a valid URL (expected smtp://user:pass@host:port or smtps://…).');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`KEYWARD_SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol}//).`);
  }
  // nodemailer's own parser: decodes the credentials and reads query options such as tls.servername.
  const parsed = parseConnectionUrl(smtpUrl) as SMTPTransportOptions;
  const host = parsed.host;
  if (!host) throw new Error('KEYWARD_SMTP_URL has no host.');
  const secure = parsed.secure === true;
  // nodemailer's default: 465 for implicit TLS, 587 (submission) otherwise.
  const port = typeof parsed.port === 'number' && parsed.port > 0 ? parsed.port : secure ? 465 : 587;
  const authenticated = parsed.auth !== undefined;
  const options: SMTPTransportOptions = {
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    dnsTimeout: DNS_TIMEOUT_MS,
    // Credentials sent to a remote server over smtp:// must not go out in clear text, not even
    // when a man in the middle strips STARTTLS. `?requireTLS=false` in the URL opts out.
    requireTLS: authenticated && !secure && !isLoopback(host),
    ...parsed,
    host,
    port,
    secure,
    // nodemailer's own logging would print SMTP traffic (message content, AUTH exchanges).
    logger: false,
    debug: false,
    transactionLog: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  return { options, host, port, secure, authenticated };
}

function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

let outboxSequence = 0;

/** `<ISO timestamp>-<per-process sequence>-<random>.eml`: sorts by time, unique across processes. */
function outboxFileName(now: Date): string {
  outboxSequence = (outboxSequence + 1) % 1_000_000;
  const stamp = now.toISOString().replace(/:/g, '-');
  return `${stamp}-${String(outboxSequence).padStart(6, '0')}-${randomBytes(6).toString('hex')}.eml`;
}

/** Writes `data` to `dir/name` (mode 0600) through a temporary file and a rename. */
async function writeAtomically(dir: string, name: string, data: Buffer): Promise<string> {
  const finalPath = join(dir, name);
  // A dot file without the .eml suffix: nothing that picks up *.eml sees a half-written mail.
  const tempPath = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tempPath, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, finalPath);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  return finalPath;
}

function prepareOutboxDir(outboxDir: string): string {
  const dir = resolve(outboxDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw new Error(`The mail outbox ${dir} is not a directory.`);
  // The mails hold secrets for their recipients: keep the directory private to this user.
  if ((stats.mode & 0o077) !== 0 && stats.uid === process.getuid?.()) chmodSync(dir, 0o700);
  return dir;
}

/** Only the error's classification: its message may quote the server's reply. */
function errorFields(error: unknown): Record<string, unknown> {
  const e = error as { code?: unknown; responseCode?: unknown; command?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    responseCode: typeof e?.responseCode === 'number' ? e.responseCode : undefined,
    command: typeof e?.command === 'string' ? e.command.split(' ').slice(0, 2).join(' ') : undefined,
  };
}

export function createMailer(options: CreateMailerOptions): Mailer {
  const logger = options.logger.child({ component: 'mailer' });
  const from = options.from;
  singleAddress(from, 'from', true);
  const smtpUrl = options.smtpUrl?.trim();

  if (smtpUrl) {
    const target = smtpTarget(smtpUrl);
    const transport = nodemailer.createTransport(target.options, { from });
    const description = `smtp ${hostPort(target.host, target.port)}`;
    logger.info(
      {
        smtp: {
          host: target.host,
          port: target.port,
          tls: target.secure ? 'implicit' : target.options.requireTLS ? 'starttls-required' : 'starttls-if-offered',
          authenticated: target.authenticated,
        },
      },
      `mail goes through SMTP server ${hostPort(target.host, target.port)}`,
    );
    let closed = false;
    return {
      description,
      async send(mail) {
        if (closed) throw new Error('The mailer is closed.');
        const { to, domain } = checkMail(mail);
        try {
          const info = await transport.sendMail({
            from,
            to,
            subject: mail.subject,
            text: mail.text,
            ...(mail.html !== undefined ? { html: mail.html } : {}),
          });
          logger.debug({ messageId: info.messageId, recipientDomain: domain }, 'mail sent');
          return { messageId: info.messageId };
        } catch (error) {
          logger.warn({ recipientDomain: domain, ...errorFields(error) }, 'mail could not be sent');
          throw error;
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        transport.close();
      },
    };
  }

  // Created on the first mail, so a process that never sends leaves no directory behind.
  const dir = resolve(options.outboxDir);
  let prepared = false;
  const transport = nodemailer.createTransport(
    { streamTransport: true, buffer: true, newline: 'unix', disableFileAccess: true, disableUrlAccess: true, logger: false },
    { from },
  );
  logger.info({ outbox: dir }, `KEYWARD_SMTP_URL is not set: mail is written to the outbox ${dir} (one .eml file per mail)`);
  let closed = false;
  return {
    description: `outbox ${dir}`,
    async send(mail) {
      if (closed) throw new Error('The mailer is closed.');
      const { to, domain } = checkMail(mail);
      const info = await transport.sendMail({
        from,
        to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html !== undefined ? { html: mail.html } : {}),
      });
      const message = info.message;
      if (!Buffer.isBuffer(message)) throw new Error('The outbox transport did not produce a buffered message.');
      if (!prepared) {
        prepareOutboxDir(dir);
        prepared = true;
      }
      const file = await writeAtomically(dir, outboxFileName(new Date()), message);
      logger.debug({ messageId: info.messageId, recipientDomain: domain, file }, 'mail written to the outbox');
      return { messageId: info.messageId };
    },
    async close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}
