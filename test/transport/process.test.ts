// The real process, `node dist/main.js` as `npm start` runs it: first start, the data-dir lock, SIGTERM,
// restart, configuration errors, and two instances migrating one PostgreSQL database at once.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request, Agent } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { killAllKeyward, postGraphQL, removeTempDirs, spawnKeyward, tempDataDir, type KeywardProcess } from '../helpers/process.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { signRequest } from '../helpers/client.ts';

const VIEWER = '{ viewer { kind } }';

const CREATE_PARTNER_KEY = /* GraphQL */ `
  mutation ($name: String!) {
    createPartnerKey(input: { name: $name, permissions: [KEYS_READ] }) {
      __typename
      ... on CreatePartnerKeySuccess { secret key { id keyId } }
      ... on Error { code message }
    }
  }
`;

const REVOKE_PARTNER_KEY = /* GraphQL */ `
  mutation ($id: ID!) {
    revokePartnerKey(input: { id: $id }) {
      __typename
      ... on RevokePartnerKeySuccess { key { revokedAt } }
      ... on Error { code message }
    }
  }
`;

const CREATE_ORGANIZATION = /* GraphQL */ `
  mutation ($name: String!) {
    createOrganization(input: { name: $name }) {
      __typename
      ... on CreateOrganizationSuccess { secret organization { id } key { id keyId } }
      ... on Error { code message }
    }
  }
`;

async function viewerKind(url: string, headers: Record<string, string>) {
  const { status, body } = await postGraphQL(url, VIEWER, headers);
  return { status, kind: (body.data?.viewer as { kind?: string } | undefined)?.kind, errors: body.errors };
}

afterAll(async () => {
  await killAllKeyward();
  await removeTempDirs();
});

// A process start takes seconds (PGlite migrates on a first start), more on a busy machine.
const PROCESS_TEST = { timeout: 90_000 };

describe.sequential('one embedded data dir through a lifecycle', PROCESS_TEST, () => {
  // Each step builds on the previous one (a process start costs seconds): the data dir, the
  // demo key and a revoked key carry over from first start to restart.
  let dataDir: string;
  let first: KeywardProcess | undefined;
  let demoKey: string | undefined;
  let revokedKey: string | undefined;

  beforeAll(async () => {
    dataDir = await tempDataDir();
  });

  it('first start: prints the admin token, a demo TEST partner key, its TEST signing secret and an OWNER sign-in link that work; secrets file is 0600', async () => {
    first = await spawnKeyward({ KEYWARD_DATA_DIR: dataDir });
    await first.ready();
    const out = first.stdout();

    const admin = /Admin token \(X-Admin-Token\):\s+(kwadm_\S+)/.exec(out)?.[1];
    demoKey = /Demo TEST partner key:\s+(kw_ptr_test_\S+)/.exec(out)?.[1];
    expect(admin, first.output()).toBeDefined();
    expect(demoKey, first.output()).toBeDefined();
    // Where GraphiQL is, and what to put in its headers (README, "Run it").
    await expect.poll(() => first!.stdout()).toContain(`GraphiQL:                      ${first.url} (Headers tab: {"X-Partner-Key": "<the demo key>"})`);

    expect(await viewerKind(first.url, { authorization: `Bearer ${demoKey}` })).toMatchObject({ status: 200, kind: 'PARTNER' });
    expect(await viewerKind(first.url, { 'x-admin-token': admin! })).toMatchObject({ status: 200, kind: 'OPERATOR' });
    // The demo organization's TEST signing secret verifies its TEST key's requests; its LIVE one is not printed.
    const signingSecret = /Demo TEST signing secret:\s+(whsec_\S+)/.exec(out)?.[1];
    expect(signingSecret, first.output()).toBeDefined();
    expect(out).not.toMatch(/LIVE signing secret/);
    const signature = signRequest(signingSecret!, Math.floor(Date.now() / 1000), JSON.stringify({ query: VIEWER }));
    expect(await viewerKind(first.url, { authorization: `Bearer ${demoKey}`, ...signature })).toMatchObject({ status: 200, kind: 'PARTNER' });

    // TEST works at once; LIVE waits for the operator, and the banner's call opens it.
    const liveAccess =
      /Demo LIVE access:\s+PENDING \(TEST works now; to open LIVE: (updateOrganization\(input: \{ id: "[^"]+", liveAccess: ENABLED \}\)) with X-Admin-Token\)/.exec(
        out,
      )?.[1];
    expect(liveAccess, first.output()).toBeDefined();
    const opened = await postGraphQL(first.url, `mutation { ${liveAccess} { ... on UpdateOrganizationSuccess { organization { name liveAccess } } } }`, {
      'x-admin-token': admin!,
    });
    expect(opened.body.data).toEqual({ updateOrganization: { organization: { name: 'Demo organization', liveAccess: 'ENABLED' } } });

    // The demo OWNER signs in with the link the banner prints (never mailed): its POST, from
    // Keyward's own origin, opens a dashboard session; the link works once.
    expect(out).toContain('Demo OWNER (dashboard member): owner@demo.keyward.test');
    const signInLink = /^ {2}Dashboard sign-in link:\s+(\S+) \(works once, within 15 minutes\)$/m.exec(out)?.[1];
    expect(signInLink, first.output()).toMatch(new RegExp(`^${first.origin}/dashboard/sign-in/[\\w-]{43}$`));
    expect(existsSync(join(dataDir, 'outbox')) ? readdirSync(join(dataDir, 'outbox')) : []).toEqual([]);
    const signIn = () => fetch(signInLink!, { method: 'POST', headers: { origin: first!.origin }, redirect: 'manual' });
    const signedIn = await signIn();
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/dashboard/');
    const cookie = /^kw_member=(kw_mbr_[^;]+); HttpOnly; SameSite=Strict; Path=\//.exec(signedIn.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie, signedIn.headers.get('set-cookie') ?? 'no set-cookie').toBeDefined();
    const member = await postGraphQL(first.url, '{ viewer { kind member { email role } } }', { cookie: `kw_member=${cookie}`, 'x-keyward-csrf': '1' });
    expect(member.body.data).toEqual({ viewer: { kind: 'MEMBER', member: { email: 'owner@demo.keyward.test', role: 'OWNER' } } });
    expect((await signIn()).status).toBe(410);

    const secretsFile = join(dataDir, 'keyward-secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect((JSON.parse(readFileSync(secretsFile, 'utf8')) as { adminToken: string }).adminToken).toBe(admin);
    // Secrets go to the terminal once, never through the logger.
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
      expect(line).not.toContain(demoKey!);
      expect(line).not.toContain(admin!);
      expect(line).not.toContain(signingSecret!.slice(6));
      expect(line).not.toContain(signInLink!.slice(signInLink!.lastIndexOf('/') + 1));
      expect(line).not.toContain(cookie!);
    }
  });

  it('a second process on the same data dir exits non-zero, saying the directory is in use', async () => {
    expect(first, 'first start failed').toBeDefined();
    const second = await spawnKeyward({ KEYWARD_DATA_DIR: dataDir });
    const exit = await second.waitForExit(30_000);
    expect(exit.code, second.output()).not.toBe(0);
    expect(exit.code, second.output()).not.toBeNull();
    expect(second.stderr()).toMatch(/in use/);
    expect(second.stdout()).not.toMatch(/kw_ptr_|kwadm_/);
    // The first one is unharmed.
    expect(await viewerKind(first!.url, { 'x-partner-key': demoKey! })).toMatchObject({ status: 200, kind: 'PARTNER' });
  });

  it('a partner key revoked over GraphQL is refused at once', async () => {
    expect(first, 'first start failed').toBeDefined();
    const created = await postGraphQL(first!.url, CREATE_PARTNER_KEY, { 'x-partner-key': demoKey! }, { name: 'Soon revoked' });
    const payload = created.body.data?.createPartnerKey as { __typename: string; secret: string; key: { id: string } };
    expect(payload.__typename, JSON.stringify(created.body)).toBe('CreatePartnerKeySuccess');
    expect(await viewerKind(first!.url, { 'x-partner-key': payload.secret })).toMatchObject({ status: 200, kind: 'PARTNER' });

    const revoked = await postGraphQL(first!.url, REVOKE_PARTNER_KEY, { 'x-partner-key': demoKey! }, { id: payload.key.id });
    const revokedPayload = revoked.body.data?.revokePartnerKey as { __typename: string; key: { revokedAt: string | null } };
    expect(revokedPayload.__typename, JSON.stringify(revoked.body)).toBe('RevokePartnerKeySuccess');
    expect(revokedPayload.key.revokedAt).not.toBeNull();
    revokedKey = payload.secret;

    const refused = await viewerKind(first!.url, { 'x-partner-key': revokedKey });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('SIGTERM closes keep-alive and WebSocket connections and exits 0, logging "stopped"', async () => {
    expect(first, 'first start failed').toBeDefined();
    const proc = first!;

    // An idle keep-alive HTTP connection.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let httpSocket: Socket | undefined;
    const answered = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ query: VIEWER });
      const req = request(
        proc.url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-partner-key': demoKey! },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('socket', (socket) => (httpSocket = socket));
      req.on('error', reject);
      req.end(body);
    });
    expect(answered).toBe(200);
    const httpClosed = new Promise<void>((resolve) => httpSocket!.once('close', () => resolve()));

    // An acknowledged graphql-ws connection.
    const ws = new WebSocket(proc.wsUrl, 'graphql-transport-ws');
    ws.on('error', () => undefined);
    const wsClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { 'x-partner-key': demoKey } })));
      ws.once('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === 'connection_ack') resolve();
        else reject(new Error(`expected connection_ack, got ${String(data)}`));
      });
      ws.once('close', (code) => reject(new Error(`closed with ${code} before connection_ack`)));
    });

    const start = Date.now();
    proc.child.kill('SIGTERM');
    const exit = await proc.waitForExit(5_000);
    expect(exit, proc.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(await wsClosed).toBe(1001);
    await httpClosed;
    agent.destroy();

    const messages = proc
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg?: string }).msg);
    expect(messages).toContain('signal received');
    expect(messages).toContain('stopped');
    // The lock is released, so the next start needs no takeover.
    expect(existsSync(join(dataDir, 'keyward.lock'))).toBe(false);
  });

  it('restart on the same data dir: no secret printed, the demo key works, the revoked key stays refused', async () => {
    expect(demoKey, 'first start failed').toBeDefined();
    expect(revokedKey, 'revocation step failed').toBeDefined();
    const again = await spawnKeyward({ KEYWARD_DATA_DIR: dataDir });
    await again.ready();

    expect(await viewerKind(again.url, { 'x-partner-key': demoKey! })).toMatchObject({ status: 200, kind: 'PARTNER' });
    const refused = await viewerKind(again.url, { 'x-partner-key': revokedKey! });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]).toMatchObject({
      message: 'The provided API key is invalid or inactive',
      extensions: { code: 'UNAUTHENTICATED' },
    });

    again.child.kill('SIGTERM');
    expect(await again.waitForExit(5_000), again.output()).toEqual({ code: 0, signal: null });
    expect(again.output()).not.toMatch(/kw_ptr_|kwadm_|dashboard\/sign-in/);
    expect(again.stdout()).not.toContain('first start');
  });
});

describe('configuration errors', PROCESS_TEST, () => {
  // afterAll, not afterEach: the cases run concurrently.
  afterAll(async () => {
    await killAllKeyward();
  });

  const PEPPER = randomBytes(24).toString('base64url'); // 32 characters
  const ENCRYPTION_KEY = randomBytes(32).toString('hex');

  const cases: { variable: string; env: Record<string, string> }[] = [
    { variable: 'PORT', env: { PORT: 'abc' } },
    { variable: 'DATABASE_URL', env: { DATABASE_URL: 'mysql://x' } },
    {
      variable: 'KEYWARD_PEPPER',
      env: { DATABASE_URL: 'postgres://127.0.0.1:1/keyward', KEYWARD_ENCRYPTION_KEY: ENCRYPTION_KEY },
    },
    {
      variable: 'KEYWARD_ENCRYPTION_KEY',
      env: { DATABASE_URL: 'postgres://127.0.0.1:1/keyward', KEYWARD_PEPPER: PEPPER, KEYWARD_ENCRYPTION_KEY: 'abc' },
    },
    { variable: 'KEYWARD_TRUST_PROXY', env: { KEYWARD_TRUST_PROXY: '10.0.0.0/99' } },
  ];

  it.concurrent.each(cases)('$variable: a bad value exits 1 naming the variable, before touching the data dir', async ({ variable, env }) => {
    const dataDir = await tempDataDir();
    const proc = await spawnKeyward({ KEYWARD_DATA_DIR: dataDir, ...env });
    const exit = await proc.waitForExit(30_000);
    expect(exit, proc.output()).toEqual({ code: 1, signal: null });
    expect(proc.stderr()).toContain(variable);
    expect(proc.stderr()).not.toContain('    at '); // a message, not a stack trace
    expect(proc.stdout()).not.toContain('Keyward listening');
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('on PostgreSQL', PROCESS_TEST, () => {
  afterAll(async () => {
    await killAllKeyward();
  });

  it('two processes started at once both migrate, start and serve the same data; a restart keeps data and revocations', async () => {
    const serverUrl = inject('postgresUrl');
    expect(serverUrl, 'PostgreSQL binaries not installed (see test/helpers/pg-global-setup.ts)').not.toBe('');
    const env = {
      DATABASE_URL: await createTestDatabase(serverUrl),
      KEYWARD_PEPPER: randomBytes(24).toString('base64url'),
      KEYWARD_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      KEYWARD_ADMIN_TOKEN: `kw-admin-${randomBytes(16).toString('hex')}`,
      KEYWARD_DATA_DIR: await tempDataDir(),
    };
    const [a, b] = await Promise.all([spawnKeyward(env), spawnKeyward(env)]);
    await Promise.all([a!.ready(), b!.ready()]);

    for (const proc of [a!, b!]) {
      const response = await fetch(`${proc.origin}/readyz`);
      expect(response.status, proc.output()).toBe(200);
      await response.arrayBuffer();
      // Nothing is generated or printed with DATABASE_URL: the secrets come from the environment.
      expect(proc.stdout()).not.toContain('first start');
    }
    expect(readdirSync(env.KEYWARD_DATA_DIR)).toEqual([]);

    const created = await postGraphQL(a!.url, CREATE_ORGANIZATION, { 'x-admin-token': env.KEYWARD_ADMIN_TOKEN }, { name: 'Twin' });
    const payload = created.body.data?.createOrganization as { __typename: string; secret: string };
    expect(payload.__typename, JSON.stringify(created.body)).toBe('CreateOrganizationSuccess');
    expect(await viewerKind(b!.url, { 'x-partner-key': payload.secret })).toMatchObject({ status: 200, kind: 'PARTNER' });
    expect(await viewerKind(a!.url, { 'x-partner-key': payload.secret })).toMatchObject({ status: 200, kind: 'PARTNER' });

    // A key revoked through A, before both stop.
    const extra = await postGraphQL(a!.url, CREATE_PARTNER_KEY, { 'x-partner-key': payload.secret }, { name: 'Soon revoked' });
    const extraKey = extra.body.data?.createPartnerKey as { secret: string; key: { id: string } };
    await postGraphQL(a!.url, REVOKE_PARTNER_KEY, { 'x-partner-key': payload.secret }, { id: extraKey.key.id });

    a!.child.kill('SIGTERM');
    b!.child.kill('SIGTERM');
    expect(await a!.waitForExit(5_000), a!.output()).toEqual({ code: 0, signal: null });
    expect(await b!.waitForExit(5_000), b!.output()).toEqual({ code: 0, signal: null });

    // Restart on the same database: data and revocations survive.
    const c = await spawnKeyward(env);
    await c.ready();
    expect(await viewerKind(c.url, { 'x-partner-key': payload.secret })).toMatchObject({ status: 200, kind: 'PARTNER' });
    expect(await viewerKind(c.url, { 'x-partner-key': extraKey.secret })).toMatchObject({ status: 401 });
    c.child.kill('SIGTERM');
    expect(await c.waitForExit(5_000), c.output()).toEqual({ code: 0, signal: null });
  });
});
