import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp } from './app.ts';

export interface SentMail {
  to: string;
  subject: string;
  text: string;
}

/** Undoes quoted-printable: soft line breaks and =XX escapes (utf-8). */
function decodeQuotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? joined.slice(i + 1, i + 3) : '';
    if (/^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Where an app (or a keyward process: `<data dir>/outbox`) writes its mail. */
export type Outbox = Pick<TestApp, 'outboxDir'>;

/** Every mail the app wrote to its outbox, oldest first (the outbox file names sort by time). */
export function sentMails(app: Outbox): SentMail[] {
  if (!existsSync(app.outboxDir)) return [];
  return readdirSync(app.outboxDir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => {
      const raw = readFileSync(join(app.outboxDir, f), 'utf8');
      const [head = '', ...rest] = raw.split('\n\n');
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
      const body = rest.join('\n\n');
      const text = /quoted-printable/i.test(head) ? decodeQuotedPrintable(body) : body;
      return { to: header('To'), subject: header('Subject'), text };
    });
}

export function mailsTo(app: Outbox, email: string): SentMail[] {
  return sentMails(app).filter((m) => m.to.toLowerCase() === email.toLowerCase());
}

/** The token of the newest consent link mailed to this address. */
export function consentToken(app: TestApp, email: string): string {
  const mails = mailsTo(app, email).filter((m) => m.text.includes('/consent/'));
  const token = /\/consent\/([\w-]+)/.exec(mails.at(-1)?.text ?? '')?.[1];
  if (!token) throw new Error(`no consent link mailed to ${email}`);
  return token;
}

/** The consent page as the user's browser sees it: GET shows, POST answers. */
export async function consentPage(app: TestApp, token: string, decision?: 'approve' | 'decline') {
  const url = `http://keyward.test/consent/${token}`;
  const response = decision
    ? await app.yoga.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ decision }).toString(),
      })
    : await app.yoga.fetch(url);
  return { status: response.status, html: await response.text(), headers: response.headers };
}
