// The operator CLI as an operator runs it (`npm run keyward`: the build, dist/cli.js): a child
// process per command, on a temporary embedded data dir (shared by the tests of the first block;
// each opening costs ~1-2 s) and, when the PostgreSQL binaries are installed, on a database of the
// shared test server.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseKey } from '../../src/domain/api-key/key-format.ts';
import { open } from '../../src/domain/crypto/secret-box.ts';
import { mailsTo } from '../helpers/outbox.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { KEYWARD_CLI, KEYWARD_MAIN } from '../helpers/process.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** Per test that opens the database several times: ~1-2 s each when idle, much more on a busy machine. */
const SLOW = 120_000;
const SECRET_LINE = /^Partner key \(shown once, store it now\): (kw_ptr_\S+)$/m;
const SIGNING_SECRET_LINE = /^(TEST|LIVE) signing secret \(shown once; \1 signed requests and webhooks\): (whsec_\S+)$/gm;

interface Run {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every run of this file, so the last test can check where secrets ended up. */
const runs: Run[] = [];
/** Every secret a create command printed. */
const secrets: string[] = [];

/** The environment of the test process minus anything that would point Keyward elsewhere. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(KEYWARD_|DATABASE_URL$|REDIS_URL$|LOG_LEVEL$|PORT$|HOST$)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, LOG_LEVEL: 'silent', ...extra };
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...KEYWARD_CLI, ...args], {
      cwd: ROOT,
      env: baseEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // The CLI must exit by itself; a hang fails the test instead of the whole run.
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const run = { args, code, stdout, stderr };
      runs.push(run);
      resolve(run);
    });
  });
}

function created(run: Run): string {
  const secret = SECRET_LINE.exec(run.stdout)?.[1];
  if (secret === undefined) throw new Error(`no secret line in:\n${run.stdout}\n${run.stderr}`);
  secrets.push(secret);
  return secret;
}

function json<T>(run: Run): T {
  expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(run.stdout) as T;
}

interface MemberJson {
  id: string;
  organizationId: string;
  email: string;
  role: string;
  lastSignInAt: string | null;
}

interface KeyJson {
  keyId: string;
  name: string;
  environment: string;
  permissions: string[];
  allowedIps: string[];
  active: boolean;
  revokedAt: string | null;
  expiresAt: string | null;
}

/** Starts the server on the data dir and resolves once it logs "Keyward listening". */
function startServer(dataDir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, KEYWARD_MAIN, {
      cwd: ROOT,
      env: baseEnv({ KEYWARD_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Keyward listening')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`server exited (${String(code)}) before listening:\n${output}`)));
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('keyward CLI on the embedded database', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let first: Run;
  let orgId: string;
  let server: ChildProcess | undefined;
  /** The organization of the member tests: made by the first, listed and changed by the second. */
  let membersOrg: { id: string; ownerId: string } | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'keyward-cli-'));
    env = { KEYWARD_DATA_DIR: dataDir };
    // The first command creates and migrates the data dir.
    first = await cli(['org', 'create', '--name', 'Acme Pay'], env);
    orgId = UUID.exec(first.stdout)?.[0] ?? '';
  });

  afterAll(async () => {
    if (server) await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'org create prints the organization, its first partner key id and the secret once',
    async () => {
      expect(first.stderr).not.toContain('shown once');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`Created organization ${orgId}`);
      const secret = created(first);
      const parsed = parseKey(secret);
      expect(secret.startsWith('kw_ptr_test_')).toBe(true);
      expect(parsed).toMatchObject({ kind: 'ptr', env: 'test' });
      expect(first.stdout).toContain(`First partner key ${parsed!.keyId}`);
      // Both environments' signing secrets, each on its own line, different.
      const signing = [...first.stdout.matchAll(SIGNING_SECRET_LINE)].map((m) => [m[1], m[2]!] as const);
      expect(signing.map(([environment]) => environment)).toEqual(['TEST', 'LIVE']);
      expect(signing[0]![1]).not.toBe(signing[1]![1]);
      secrets.push(...signing.map(([, secret]) => secret));
      // A data dir the CLI created says where its generated operator token is, without printing it.
      expect(first.stderr).toContain('created a new data directory');
      expect(first.stderr).toContain('keyward-secrets.json');

      const list = await cli(['org', 'list', '--json'], env);
      expect(list.code).toBe(0);
      const { organizations } = json<{ organizations: { id: string; name: string; status: string }[] }>(list);
      expect(organizations).toContainEqual(expect.objectContaining({ id: orgId, name: 'Acme Pay', status: 'ACTIVE' }));

      const keys = await cli(['key', 'list', '--org', orgId], env);
      expect(keys.code).toBe(0);
      expect(keys.stdout).toMatch(/^KEY ID\s+NAME\s+ENV\s+ACTIVE\s+PERMISSIONS$/m);
      expect(keys.stdout).toMatch(new RegExp(`^${parsed!.keyId}\\s+Default partner key\\s+TEST\\s+yes\\s+\\S*KEYS_WRITE`, 'm'));
    },
    SLOW,
  );

  it(
    'key create, list and revoke',
    async () => {
      const create = await cli(
        [
          'key',
          'create',
          '--org',
          orgId,
          '--name',
          'Back office',
          '--permissions',
          'keys_read, CONNECTIONS_READ',
          '--allowed-ips',
          '10.1.2.3/8,192.168.0.1',
          '--expires-at',
          '2099-01-01T00:00:00Z',
          '--json',
        ],
        env,
      );
      expect(create.code).toBe(0);
      const { key, secret } = json<{ key: KeyJson; secret: string }>(create);
      secrets.push(secret);
      expect(parseKey(secret)).toEqual({ kind: 'ptr', env: 'test', keyId: key.keyId });
      expect(key).toMatchObject({
        name: 'Back office',
        environment: 'TEST',
        permissions: ['CONNECTIONS_READ', 'KEYS_READ'],
        allowedIps: ['10.0.0.0/8', '192.168.0.1'],
        active: true,
        expiresAt: '2099-01-01T00:00:00.000Z',
      });

      const revoke = await cli(['key', 'revoke', '--org', orgId, '--key-id', key.keyId], env);
      expect(revoke.code).toBe(0);
      expect(revoke.stdout).toContain(`Revoked partner key ${key.keyId}`);

      // Without --all only active keys are listed.
      const active = await cli(['key', 'list', '--org', orgId], env);
      expect(active.code).toBe(0);
      expect(active.stdout).toContain('Default partner key');
      expect(active.stdout).not.toContain(key.keyId);

      const all = await cli(['key', 'list', '--org', orgId, '--all', '--json'], env);
      expect(all.code).toBe(0);
      const keys = json<{ keys: KeyJson[] }>(all).keys;
      expect(keys).toHaveLength(2);
      expect(keys.find((k) => k.keyId === key.keyId)).toMatchObject({ active: false, revokedAt: expect.any(String) });
      for (const k of keys) {
        expect(k).not.toHaveProperty('secret');
        expect(k).not.toHaveProperty('secretHash');
      }

      const again = await cli(['key', 'revoke', '--org', orgId, '--key-id', key.keyId, '--json'], env);
      expect(again.code).toBe(2);
      expect(again.stderr.trim()).toBe('keyward: The key is already revoked (INVALID_STATE)');
      expect(json<{ error: { code: string } }>(again).error.code).toBe('INVALID_STATE');
    },
    SLOW,
  );

  it(
    'invalid input exits 2 with one line naming each field and its flag',
    async () => {
      const [text, asJson, badDate] = await Promise.all([
        cli(['key', 'create', '--org', orgId, '--name', 'x', '--permissions', 'KEYS_READ,FLY', '--allowed-ips', '10.0.0.0/33'], env),
        cli(['org', 'update', '--id', orgId, '--status', 'sleeping', '--json'], env),
        cli(['key', 'create', '--org', orgId, '--name', 'Nightly', '--permissions', 'KEYS_READ', '--expires-at', 'tomorrow'], env),
      ]);
      expect(text.code).toBe(2);
      expect(text.stdout).toBe('');
      const line = text.stderr.trimEnd();
      expect(line.split('\n')).toHaveLength(1);
      expect(line).toMatch(/^keyward: invalid input: /);
      expect(line).toContain('name (--name): must be at least 3 characters');
      expect(line).toContain('permissions.1 (--permissions)');
      expect(line).toContain('allowedIps.0 (--allowed-ips)');

      expect(asJson.code).toBe(2);
      expect(asJson.stderr).toContain('status (--status)');
      const { error } = json<{ error: { code: string; fields: { path: string[] }[] } }>(asJson);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.fields.map((f) => f.path)).toEqual([['status']]);

      expect(badDate.code).toBe(2);
      expect(badDate.stderr).toContain('expiresAt (--expires-at): must be an ISO 8601 date-time');
    },
    SLOW,
  );

  it(
    'domain errors exit 2: not found, capability disabled',
    async () => {
      const org = await cli(['org', 'create', '--name', 'Limited Ltd', '--env', 'live'], env);
      expect(org.code).toBe(0);
      expect(created(org).startsWith('kw_ptr_live_')).toBe(true);
      const id = UUID.exec(org.stdout)![0];

      const missing = await cli(['key', 'revoke', '--org', id, '--key-id', 'AAAAAAAA'], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr.trim()).toBe('keyward: API key not found (NOT_FOUND)');

      const update = await cli(['org', 'update', '--id', id, '--disable-permissions', 'withdrawals_create', '--user-key-recovery', 'none', '--json'], env);
      expect(update.code).toBe(0);
      expect(json<{ organization: unknown }>(update).organization).toMatchObject({
        id,
        disabledPermissions: ['WITHDRAWALS_CREATE'],
        userKeyRecovery: 'NONE',
      });

      const disabled = await cli(['key', 'create', '--org', id, '--name', 'Payouts', '--permissions', 'WITHDRAWALS_CREATE', '--env', 'live'], env);
      expect(disabled.code).toBe(2);
      expect(disabled.stdout).toBe('');
      expect(disabled.stderr.trim()).toBe('keyward: Disabled for this organization: WITHDRAWALS_CREATE (CAPABILITY_DISABLED)');
    },
    SLOW,
  );

  it(
    'org create and org update set LIVE access (pending until the operator enables it); org list shows it',
    async () => {
      // Like every new organization, the first one is PENDING.
      expect(first.stdout).toMatch(/^ {2}LIVE access:\s+PENDING \(its keys cannot create LIVE keys or connect users in LIVE until you enable it\)$/m);
      const enable = await cli(['org', 'update', '--id', orgId, '--live-access', 'enabled'], env);
      expect(enable.code).toBe(0);
      expect(enable.stdout).toMatch(/^ {2}LIVE access:\s+ENABLED$/m);
      const list = await cli(['org', 'list'], env);
      expect(list.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+LIVE\s+CREATED$/m);
      expect(list.stdout).toMatch(new RegExp(`^${orgId}\\s+Acme Pay\\s+ACTIVE\\s+ENABLED\\s`, 'm'));

      const open = await cli(['org', 'create', '--name', 'Open Ltd', '--env', 'live', '--live-access', 'Enabled', '--json'], env);
      expect(open.code).toBe(0);
      const { organization, secret } = json<{ organization: { liveAccess: string }; secret: string }>(open);
      secrets.push(secret);
      expect(organization.liveAccess).toBe('ENABLED');

      const [back, bad] = [
        await cli(['org', 'update', '--id', orgId, '--live-access', 'pending', '--json'], env),
        await cli(['org', 'update', '--id', orgId, '--live-access', 'maybe'], env),
      ];
      expect(json<{ organization: unknown }>(back).organization).toMatchObject({ id: orgId, liveAccess: 'PENDING' });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('liveAccess (--live-access)');
    },
    SLOW,
  );

  it(
    'org create --owner-email invites the first OWNER by mail; member add invites a member (VIEWER by default)',
    async () => {
      const signInLinks = (email: string) =>
        mailsTo({ outboxDir: join(dataDir, 'outbox') }, email).filter((m) => /\/dashboard\/sign-in\/[\w-]{43}\b/.test(m.text));

      const org = await cli(['org', 'create', '--name', 'Members Ltd', '--owner-email', 'Owner@Members.test'], env);
      expect(org.code, org.stderr).toBe(0);
      created(org);
      const id = UUID.exec(org.stdout)![0];
      const ownerLine = /^First OWNER owner@members\.test \(member (\S+)\)$/m.exec(org.stdout);
      expect(ownerLine, org.stdout).not.toBeNull();
      membersOrg = { id, ownerId: ownerLine![1]! };
      expect(org.stdout).toContain(`Invitation mailed to owner@members.test (a sign-in link, valid 24 hours; outbox ${join(dataDir, 'outbox')})`);
      expect(signInLinks('owner@members.test')).toHaveLength(1);
      expect(signInLinks('owner@members.test')[0]!.text).toContain('24 hours');

      const add = await cli(['member', 'add', '--org', id, '--email', 'dev@members.test', '--role', 'developer'], env);
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toMatch(new RegExp(`^Added member ${UUID.source} to organization ${id}$`, 'm'));
      expect(add.stdout).toMatch(/^ {2}role: {3}DEVELOPER$/m);
      expect(add.stdout).toContain('Invitation mailed to dev@members.test');
      expect(signInLinks('dev@members.test')).toHaveLength(1);

      const viewer = await cli(['member', 'add', '--org', id, '--email', 'viewer@members.test', '--json'], env);
      expect(viewer.code, viewer.stderr).toBe(0);
      expect(json<{ member: MemberJson }>(viewer).member).toMatchObject({
        organizationId: id,
        email: 'viewer@members.test',
        role: 'VIEWER',
        lastSignInAt: null,
      });

      // The bad role is refused before the database is opened, so it may run alongside.
      const [twice, badRole] = await Promise.all([
        cli(['member', 'add', '--org', id, '--email', 'DEV@members.test'], env),
        cli(['member', 'add', '--org', id, '--email', 'x@members.test', '--role', 'boss'], env),
      ]);
      const badOrg = await cli(['member', 'add', '--org', '00000000-0000-4000-8000-000000000000', '--email', 'x@members.test'], env);
      expect(twice.code).toBe(2);
      expect(twice.stderr.trim()).toBe('keyward: invalid input: email (--email): is already a member of this organization');
      expect(badRole.code).toBe(2);
      expect(badRole.stderr).toContain('role (--role)');
      expect(badOrg.code).toBe(2);
      expect(badOrg.stderr.trim()).toBe('keyward: Organization not found (NOT_FOUND)');
      expect(signInLinks('x@members.test')).toHaveLength(0);
    },
    SLOW,
  );

  it(
    'member list shows id, email, role and last sign-in; member remove never removes the last OWNER',
    async () => {
      expect(membersOrg, 'the previous test made the organization').toBeDefined();
      const { id, ownerId } = membersOrg!;
      const list = await cli(['member', 'list', '--org', id], env);
      expect(list.code, list.stderr).toBe(0);
      const rows = list.stdout.trimEnd().split('\n');
      expect(rows[0]).toMatch(/^ID\s+EMAIL\s+ROLE\s+LAST SIGN-IN$/);
      expect(rows.slice(1).map((row) => row.split(/\s+/).slice(1))).toEqual([
        ['owner@members.test', 'OWNER', 'never'],
        ['dev@members.test', 'DEVELOPER', 'never'],
        ['viewer@members.test', 'VIEWER', 'never'],
      ]);
      expect(rows[1]!.startsWith(ownerId)).toBe(true);

      const last = await cli(['member', 'remove', '--org', id, '--email', 'owner@members.test', '--json'], env);
      expect(last.code).toBe(2);
      expect(last.stderr.trim()).toBe('keyward: An organization keeps at least one OWNER: make another member OWNER first (INVALID_STATE)');
      expect(json<{ error: { code: string } }>(last).error.code).toBe('INVALID_STATE');

      const remove = await cli(['member', 'remove', '--org', id, '--email', 'Dev@Members.test'], env);
      expect(remove.code, remove.stderr).toBe(0);
      expect(remove.stdout.trim()).toMatch(new RegExp(`^Removed member dev@members\\.test \\(${UUID.source}\\) from organization ${id}; its sessions ended$`));
      const gone = await cli(['member', 'remove', '--org', id, '--email', 'dev@members.test'], env);
      expect(gone.code).toBe(2);
      expect(gone.stderr.trim()).toBe('keyward: Member not found (NOT_FOUND)');

      const after = await cli(['member', 'list', '--org', id, '--json'], env);
      expect(json<{ members: MemberJson[] }>(after).members.map((m) => [m.email, m.role])).toEqual([
        ['owner@members.test', 'OWNER'],
        ['viewer@members.test', 'VIEWER'],
      ]);
      // Without --owner-email an organization has no member yet.
      const empty = await cli(['member', 'list', '--org', orgId], env);
      expect(empty.stdout.trim()).toBe('No members.');
    },
    SLOW,
  );

  it(
    '--help, unknown commands and bad flags (without opening the database)',
    async () => {
      const [help, commandHelp, unknown, noAction, badFlag, missing, none] = await Promise.all([
        cli(['--help'], env),
        cli(['key', 'create', '--help'], env),
        cli(['frobnicate'], env),
        cli(['org'], env),
        cli(['org', 'list', '--verbose'], env),
        cli(['key', 'create', '--org', orgId, '--name', 'No permissions'], env),
        cli([], env),
      ]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: keyward/);
      for (const command of ['org create', 'org update', 'org list', 'key create', 'key list', 'key revoke', 'member add', 'member list', 'member remove']) {
        expect(help.stdout).toContain(command);
      }
      expect(help.stdout).toContain('X-Admin-Token');
      expect(commandHelp.code).toBe(0);
      expect(commandHelp.stdout).toContain('--permissions A,B');
      expect(commandHelp.stdout).toContain('--expires-at');

      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown command "frobnicate"');
      expect(noAction.code).toBe(2);
      expect(noAction.stderr).toContain('create, update, list');
      expect(badFlag.code).toBe(2);
      expect(badFlag.stderr).toContain("Unknown option '--verbose'");
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('missing required option --permissions');
      expect(none.code).toBe(2);
      for (const run of [unknown, noAction, badFlag, missing, none]) expect(run.stdout).toBe('');
    },
    SLOW,
  );

  it('configuration errors exit 1 naming the variable', async () => {
    const [run, port] = await Promise.all([
      cli(['org', 'list'], { ...env, DATABASE_URL: 'postgres://127.0.0.1:1/keyward' }),
      cli(['org', 'list'], { ...env, PORT: 'eighty' }),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('KEYWARD_PEPPER: is required when DATABASE_URL is set');
    expect(port.code).toBe(1);
    expect(port.stderr).toMatch(/PORT: /);
  });

  it(
    'refuses the data dir while the server runs on it, and points at the GraphQL API',
    async () => {
      server = await startServer(dataDir);
      const run = await cli(['org', 'list'], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`is in use by another Keyward process (pid ${server.pid})`);
      expect(run.stderr).toContain('X-Admin-Token');
      await stopServer(server);
      server = undefined;

      const after = await cli(['org', 'list'], env);
      expect(after.code).toBe(0);
      expect(after.stdout).toContain(orgId);
    },
    SLOW,
  );

  it('shows each secret on exactly one line of one command, and never stores it', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) {
      const lines = runs.flatMap((run) => [...run.stdout.split('\n'), ...run.stderr.split('\n')]);
      expect(lines.filter((line) => line.includes(secret))).toHaveLength(1);
      // The keyId part is public; the secret part must not be anywhere in the data dir.
      const secretPart = secret.slice(secret.lastIndexOf('_') + 1);
      expect(filesContaining(dataDir, secretPart)).toEqual([]);
    }
  });
});

function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...filesContaining(path, needle));
    else if (readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

const postgresUrl = inject('postgresUrl');

describe.skipIf(postgresUrl === '')('keyward CLI on PostgreSQL', () => {
  it(
    'works on DATABASE_URL, without a data dir or its lock',
    async () => {
      const scratch = await mkdtemp(join(tmpdir(), 'keyward-cli-pg-'));
      const unused = join(scratch, 'data');
      const env = {
        DATABASE_URL: await createTestDatabase(postgresUrl),
        KEYWARD_PEPPER: 'cli-test-pepper-0123456789abcdef0123456789',
        KEYWARD_ENCRYPTION_KEY: '00'.repeat(32),
        KEYWARD_DATA_DIR: unused,
      };
      try {
        const org = await cli(['org', 'create', '--name', 'Postgres Org', '--json'], env);
        expect(org.code).toBe(0);
        const { organization, key, secret, signingSecret, signingSecrets } = json<{
          organization: { id: string };
          key: KeyJson;
          secret: string;
          signingSecret: string;
          signingSecrets: { environment: string; signingSecret: string }[];
        }>(org);
        expect(parseKey(secret)).toEqual({ kind: 'ptr', env: 'test', keyId: key.keyId });
        expect(signingSecrets.map((s) => s.environment)).toEqual(['TEST', 'LIVE']);
        expect(signingSecret).toBe(signingSecrets[0]!.signingSecret);
        expect(signingSecrets[1]!.signingSecret).not.toBe(signingSecret);

        // No data-dir lock on PostgreSQL: two commands at once are fine.
        const [orgs, keys] = await Promise.all([cli(['org', 'list'], env), cli(['key', 'list', '--org', organization.id, '--json'], env)]);
        expect(orgs.code).toBe(0);
        expect(orgs.stdout).toContain(organization.id);
        expect(keys.code).toBe(0);
        expect(json<{ keys: KeyJson[] }>(keys).keys.map((k) => k.keyId)).toEqual([key.keyId]);
        for (const run of [orgs, keys]) expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
        expect(existsSync(unused)).toBe(false);

        // audit verify: intact (exit 0), then a row edited behind Keyward's back (exit 3, named).
        const intact = await cli(['audit', 'verify', '--org', organization.id, '--json'], env);
        expect(intact.code, intact.stderr).toBe(0);
        expect(json<{ intact: boolean; rows: number }>(intact)).toMatchObject({ intact: true, rows: 2 });
        const client = new pg.Client({ connectionString: env.DATABASE_URL });
        await client.connect();
        const { rows } = await client.query<{ id: string }>(
          `UPDATE audit_events SET "targetId" = 'forged' WHERE id = (SELECT id FROM audit_events WHERE "organizationId" = $1 ORDER BY seq DESC LIMIT 1) RETURNING id`,
          [organization.id],
        );
        await client.end();
        const broken = await cli(['audit', 'verify'], env);
        expect(broken.code).toBe(3);
        expect(broken.stdout).toContain(`BROKEN: organization ${organization.id}`);
        expect(broken.stdout).toContain(rows[0]!.id);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
    SLOW,
  );

  it(
    'splits a signing secret stored before environments when it starts: TEST and LIVE rows with the same secret',
    async () => {
      const env = {
        DATABASE_URL: await createTestDatabase(postgresUrl),
        KEYWARD_PEPPER: 'cli-test-pepper-0123456789abcdef0123456789',
        KEYWARD_ENCRYPTION_KEY: '00'.repeat(32),
      };
      const org = await cli(['org', 'create', '--name', 'Legacy Org', '--json'], env);
      expect(org.code).toBe(0);
      const { organization, signingSecrets } = json<{ organization: { id: string }; signingSecrets: { environment: string; signingSecret: string }[] }>(org);
      const client = new pg.Client({ connectionString: env.DATABASE_URL });
      await client.connect();
      try {
        // Back to how the previous version stored it: one secret, no environment (the TEST one plays it).
        await client.query(`DELETE FROM signing_secrets WHERE "organizationId" = $1 AND environment = 'LIVE'`, [organization.id]);
        await client.query(`UPDATE signing_secrets SET environment = NULL WHERE "organizationId" = $1`, [organization.id]);

        const list = await cli(['org', 'list'], env);
        expect(list.code, list.stderr).toBe(0);
        const { rows } = await client.query<{ id: string; environment: string; sealed: Buffer }>(
          `SELECT id, environment::text AS environment, sealed FROM signing_secrets WHERE "organizationId" = $1 ORDER BY signing_secrets.environment`,
          [organization.id],
        );
        expect(rows.map((r) => r.environment)).toEqual(['TEST', 'LIVE']);
        const legacy = signingSecrets[0]!.signingSecret;
        expect(rows.map((r) => open(Buffer.alloc(32), r.sealed, r.id))).toEqual([legacy, legacy]);
      } finally {
        await client.end();
      }
    },
    SLOW,
  );
});
