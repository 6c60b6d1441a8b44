import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { createMailer, type Mailer, type OutgoingMail } from '../../src/infra/mailer.ts';

const FROM = 'Keyward <no-reply@keyward.test>';
const SIGNUP_TOKEN = 'kw_signup_6f1c2d9e8b7a4c3f';
const CONSENT_TOKEN = 'kw_consent_0a9b8c7d6e5f4a3b';

const signupMail: OutgoingMail = {
  to: 'alice@example.com',
  subject: 'Finish your Keyward signup',
  text: `Open https://keyward.test/signup?token=${SIGNUP_TOKEN} to finish signing up.`,
};
const consentMail: OutgoingMail = {
  to: 'bob@bank.example.org',
  subject: 'Approve the connection request',
  text: `Approve: https://keyward.test/consent/${CONSENT_TOKEN}`,
  html: `<p><a href="https://keyward.test/consent/${CONSENT_TOKEN}">Approve</a></p>`,
};

function captureLogs(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), output: () => chunks.join('') };
}

/** The message with quoted-printable soft line breaks and escapes undone (the bodies here are ASCII). */
function decoded(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'keyward-mailer-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function track(mailer: Mailer): Mailer {
  cleanups.push(() => mailer.close());
  return mailer;
}

interface ReceivedMail {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  data: string;
}

async function startSmtpServer(options: Partial<SMTPServerOptions> = {}) {
  const received: ReceivedMail[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        received.push({
          from: mailFrom ? mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, received, connections: () => connections };
}

describe('outbox mailer (no KEYWARD_SMTP_URL)', () => {
  it('writes each mail as one private .eml file and logs only where mail goes', async () => {
    const dataDir = await tempDir();
    const outbox = path.join(dataDir, 'outbox');
    const logs = captureLogs();
    const mailer = track(createMailer({ outboxDir: outbox, from: FROM, logger: logs.logger }));
    expect(mailer.description).toBe(`outbox ${outbox}`);
    // Nothing on disk until there is mail to write.
    await expect(stat(outbox)).rejects.toThrow(/ENOENT/);

    const first = await mailer.send(signupMail);
    expect((await stat(outbox)).mode & 0o777).toBe(0o700);
    const second = await mailer.send(consentMail);
    expect(first.messageId).toMatch(/^<.+@.+>$/);
    expect(second.messageId).not.toBe(first.messageId);

    const files = (await readdir(outbox)).sort();
    expect(files).toHaveLength(2);
    for (const file of files) expect(file).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-\d{6}-[0-9a-f]{12}\.eml$/);

    const [firstFile, secondFile] = files as [string, string];
    const firstEml = await readFile(path.join(outbox, firstFile), 'utf8');
    const secondEml = await readFile(path.join(outbox, secondFile), 'utf8');
    // Sorted by name is sorted by time: the signup mail was sent first.
    expect(firstEml).toContain('To: alice@example.com');
    expect(firstEml).toContain('From: Keyward <no-reply@keyward.test>');
    expect(firstEml).toContain(`Subject: ${signupMail.subject}`);
    expect(firstEml).toContain(`Message-ID: ${first.messageId}`);
    expect(decoded(firstEml)).toContain(signupMail.text);
    expect(firstEml).not.toContain('\r\n');
    expect(secondEml).toContain('To: bob@bank.example.org');
    expect(secondEml).toContain(`Subject: ${consentMail.subject}`);
    expect(decoded(secondEml)).toContain(consentMail.text);
    expect(secondEml).toContain('Content-Type: text/html');
    for (const file of files) expect((await stat(path.join(outbox, file))).mode & 0o777).toBe(0o600);

    const output = logs.output();
    expect(output).toContain(outbox);
    expect(output).toContain(first.messageId);
    expect(output).toContain('example.com');
    for (const secret of [SIGNUP_TOKEN, CONSENT_TOKEN, signupMail.subject, consentMail.subject, 'alice', 'bob@', 'keyward.test/']) {
      expect(output).not.toContain(secret);
    }
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.filter((line) => line.level === 30)).toHaveLength(1);
  });

  it('tightens an existing outbox directory to 0700', async () => {
    const dataDir = await tempDir();
    const { chmod, mkdir } = await import('node:fs/promises');
    const outbox = path.join(dataDir, 'outbox');
    await mkdir(outbox);
    await chmod(outbox, 0o755);
    const mailer = track(createMailer({ outboxDir: outbox, from: FROM, logger: captureLogs().logger }));
    await mailer.send(signupMail);
    expect((await stat(outbox)).mode & 0o777).toBe(0o700);
  });
});

describe('SMTP mailer (KEYWARD_SMTP_URL)', () => {
  it('delivers to a real SMTP server with the right envelope and content', async () => {
    const smtp = await startSmtpServer();
    const logs = captureLogs();
    const mailer = track(createMailer({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, outboxDir: await tempDir(), from: FROM, logger: logs.logger }));
    expect(mailer.description).toBe(`smtp 127.0.0.1:${smtp.port}`);

    const { messageId } = await mailer.send(consentMail);
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received as [ReceivedMail];
    expect(mail.from).toBe('no-reply@keyward.test');
    expect(mail.to).toEqual(['bob@bank.example.org']);
    expect(mail.data).toContain('To: bob@bank.example.org');
    expect(mail.data).toContain(`Subject: ${consentMail.subject}`);
    expect(mail.data).toContain(`Message-ID: ${messageId}`);
    expect(decoded(mail.data)).toContain(consentMail.text);
    expect(decoded(mail.data)).toContain(`href="https://keyward.test/consent/${CONSENT_TOKEN}"`);

    const output = logs.output();
    expect(output).toContain(`127.0.0.1:${smtp.port}`);
    expect(output).toContain(messageId);
    for (const secret of [CONSENT_TOKEN, consentMail.subject, 'bob@']) expect(output).not.toContain(secret);
  });

  it('authenticates with the credentials in the URL and never logs them', async () => {
    const user = 'mailer-user';
    const pass = 'S3cr3t/p@ss:word';
    const smtp = await startSmtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, callback) {
        if (auth.username === user && auth.password === pass) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
    });
    const logs = captureLogs();
    const url = `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${smtp.port}`;
    const mailer = track(createMailer({ smtpUrl: url, outboxDir: await tempDir(), from: FROM, logger: logs.logger }));
    expect(mailer.description).toBe(`smtp 127.0.0.1:${smtp.port}`);
    expect(mailer.description).not.toContain(user);

    await mailer.send(signupMail);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.user).toBe(user);
    expect(smtp.received[0]!.to).toEqual(['alice@example.com']);
    expect(decoded(smtp.received[0]!.data)).toContain(signupMail.text);

    // A wrong password fails the send, and leaves no trace of either password in the logs.
    const wrongPass = 'Wr0ng-pa55word';
    const wrong = track(
      createMailer({
        smtpUrl: `smtp://${user}:${wrongPass}@127.0.0.1:${smtp.port}`,
        outboxDir: await tempDir(),
        from: FROM,
        logger: logs.logger,
      }),
    );
    await expect(wrong.send(signupMail)).rejects.toMatchObject({ code: 'EAUTH' });
    expect(smtp.received).toHaveLength(1);

    const output = logs.output();
    expect(output).toContain('could not be sent');
    for (const secret of [user, pass, encodeURIComponent(pass), wrongPass, SIGNUP_TOKEN, signupMail.subject]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toContain(Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64'));
  });

  it('rejects a URL that is not smtp:// or smtps:// without echoing it', () => {
    const logger = captureLogs().logger;
    expect(() => createMailer({ smtpUrl: 'http://user:hunter2@mail.example.com', outboxDir: '/nonexistent', from: FROM, logger })).toThrow(
      /smtp:\/\/ or smtps:\/\//,
    );
    try {
      createMailer({ smtpUrl: 'not a url hunter2', outboxDir: '/nonexistent', from: FROM, logger });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('describes smtps:// with its default port', () => {
    const mailer = track(createMailer({ smtpUrl: 'smtps://u:p@mail.example.com', outboxDir: '/nonexistent', from: FROM, logger: captureLogs().logger }));
    expect(mailer.description).toBe('smtp mail.example.com:465');
  });
});

describe('header injection', () => {
  const badMails: Array<[string, OutgoingMail]> = [
    ['subject with CRLF', { ...signupMail, subject: 'Hello\r\nBcc: mallory@evil.example' }],
    ['subject with LF', { ...signupMail, subject: 'Hello\nBcc: mallory@evil.example' }],
    ['subject with CR', { ...signupMail, subject: 'Hello\rBcc: mallory@evil.example' }],
    ['two recipients (comma)', { ...signupMail, to: 'alice@example.com, mallory@evil.example' }],
    ['two recipients (semicolon)', { ...signupMail, to: 'alice@example.com; mallory@evil.example' }],
    ['recipient with a newline', { ...signupMail, to: 'alice@example.com\nBcc: mallory@evil.example' }],
    ['recipient with CRLF', { ...signupMail, to: 'alice@example.com\r\n' }],
    ['a group', { ...signupMail, to: 'list: alice@example.com, mallory@evil.example;' }],
    ['a display name', { ...signupMail, to: 'Mallory <mallory@evil.example>' }],
    ['no domain', { ...signupMail, to: 'alice' }],
    ['empty', { ...signupMail, to: '' }],
  ];

  it.each(badMails)('outbox rejects %s and writes nothing', async (_name, mail) => {
    const outbox = path.join(await tempDir(), 'outbox');
    const logs = captureLogs();
    const mailer = track(createMailer({ outboxDir: outbox, from: FROM, logger: logs.logger }));
    await expect(mailer.send(mail)).rejects.toThrow(/^Invalid mail: "(to|subject)"/);
    expect(await readdir(outbox).catch(() => [])).toEqual([]);
    expect(logs.output()).not.toContain('mallory');
  });

  it('SMTP rejects them all before connecting', async () => {
    const smtp = await startSmtpServer();
    const mailer = track(createMailer({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, outboxDir: await tempDir(), from: FROM, logger: captureLogs().logger }));
    for (const [, mail] of badMails) await expect(mailer.send(mail)).rejects.toThrow(/^Invalid mail:/);
    expect(smtp.connections()).toBe(0);
    expect(smtp.received).toEqual([]);
  });

  it('rejects a From with more than one address', () => {
    expect(() => createMailer({ outboxDir: '/nonexistent', from: 'a@keyward.test, b@keyward.test', logger: captureLogs().logger })).toThrow(
      /"from" must be exactly one address/,
    );
  });
});
