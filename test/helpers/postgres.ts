// A throwaway PostgreSQL server for tests: real binaries, a temp dir, 127.0.0.1 only.
//
// Binaries: the directory of `initdb` on PATH (symlinks resolved), else the newest
// /usr/lib/postgresql/<ver>/bin (Debian/Ubuntu), else /usr/local/pgsql/bin. `.ci/run`
// installs the `postgresql` package when neither exists and puts that bin dir on PATH.
//
// initdb and postgres refuse to run as root: as root the temp dir is chowned to the
// `postgres` user and every server command runs through `runuser -u postgres --`.
import { freePort } from './ports.ts';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** URL of the server's `postgres` database: `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  /** Creates a fresh, empty database (random name when omitted) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server and keeps its data (`immediate`: as a crash; `fast`: as an orderly shutdown). */
  halt(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts a halted server again, on the same port with the same data. */
  resume(): Promise<void>;
  /** Stops the server (immediate shutdown) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const REQUIRED_BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;
const SERVER_USER = 'postgres';
const START_ATTEMPTS = 3;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function hasAllBinaries(dir: string): boolean {
  return REQUIRED_BINARIES.every((bin) => isExecutable(join(dir, bin)));
}

function versionKey(name: string): number[] {
  return name.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

function compareVersionsDesc(a: string, b: string): number {
  const va = versionKey(a);
  const vb = versionKey(b);
  for (let i = 0; i < Math.max(va.length, vb.length); i++) {
    const d = (vb[i] ?? 0) - (va[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

let cachedBinDir: string | null | undefined;

/** The directory holding initdb, pg_ctl and postgres, or null when PostgreSQL is not installed. */
function findPostgresBinDir(): string | null {
  if (cachedBinDir !== undefined) return cachedBinDir;
  const candidates: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const initdb = join(dir, 'initdb');
    if (!isExecutable(initdb)) continue;
    // /usr/local/bin/initdb may be a symlink into /usr/lib/postgresql/15/bin.
    try {
      candidates.push(dirname(realpathSync(initdb)));
    } catch {
      /* dangling symlink */
    }
    candidates.push(dir);
  }
  const debianRoot = '/usr/lib/postgresql';
  try {
    const versions = readdirSync(debianRoot).sort(compareVersionsDesc);
    for (const v of versions) candidates.push(join(debianRoot, v, 'bin'));
  } catch {
    /* not Debian, or not installed */
  }
  candidates.push('/usr/local/pgsql/bin');
  cachedBinDir = candidates.find(hasAllBinaries) ?? null;
  return cachedBinDir;
}

/** Whether the PostgreSQL server binaries (initdb, pg_ctl, postgres) can be found. */
export function postgresAvailable(): boolean {
  return findPostgresBinDir() !== null;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

interface RunResult {
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  const [file, argv] = isRoot ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      // LC_ALL=C: stable messages and no locale warnings; PG* vars must not redirect anything.
      { timeout: timeoutMs, env: { ...cleanEnv(), LC_ALL: 'C' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stdout}${stderr}`.trim();
          const how = error.killed ? `was killed (${error.signal ?? 'timeout'})` : `exited with code ${String(error.code)}`;
          reject(new Error(`\`${[file, ...argv].join(' ')}\` ${how}${output ? `:\n${output}` : ''}`));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  return env;
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// Unix socket paths are limited to ~107 bytes; a long TMPDIR (macOS) would exceed it.
const MAX_SOCKET_DIR = 80;

async function makeBaseDir(): Promise<string> {
  let base = tmpdir();
  if (join(base, 'keyward-pg-XXXXXX').length > MAX_SOCKET_DIR) base = '/tmp';
  let dir = await mkdtemp(join(base, 'keyward-pg-'));
  if (!isRoot) return dir;
  chownToServerUser(dir);
  // TMPDIR may point inside /root, which the postgres user cannot reach: fall back to /tmp.
  try {
    await run('test', ['-w', dir, '-a', '-x', dir]);
  } catch {
    await rm(dir, { recursive: true, force: true });
    if (base === '/tmp') throw new Error(`user ${SERVER_USER} cannot write to /tmp`);
    dir = await mkdtemp(join('/tmp', 'keyward-pg-'));
    chownToServerUser(dir);
  }
  return dir;
}

let serverUser: { uid: number; gid: number } | undefined;

function chownToServerUser(dir: string): void {
  if (!serverUser) {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${SERVER_USER}:`));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid === undefined || gid === undefined) {
      throw new Error(
        `running as root, but there is no "${SERVER_USER}" user to run PostgreSQL as ` +
          '(initdb refuses root). Install the postgresql package or create the user.',
      );
    }
    serverUser = { uid: Number(uid), gid: Number(gid) };
  }
  chownSync(dir, serverUser.uid, serverUser.gid);
}

// Fast, not durable: a crash loses the data, which for a test server is fine.
function serverConfig(port: number, socketDir: string, durable: boolean): string {
  // Fast and unsafe by default; durable (a commit is on disk when acknowledged) for crash tests.
  const durability = durable ? '' : 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n';
  return `
# --- keyward test settings ---
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${socketDir}'
max_connections = 200
${durability}wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
checkpoint_timeout = 30min
jit = off
timezone = 'UTC'
log_timezone = 'UTC'
log_min_messages = warning
`;
}

const liveServers = new Set<() => void>();
let exitHookInstalled = false;

// If the process exits without stop() (crash, forgotten teardown), do not leave a postmaster behind.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const kill of liveServers) kill();
  });
}

function killNowSync(dataDir: string, dir: string): void {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    if (pid > 0) process.kill(pid, 'SIGQUIT'); // SIGQUIT = immediate shutdown
  } catch {
    /* not running */
  }
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

const DB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Creates a database on the server at `serverUrl` (any database URL on it) and returns its URL.
 * Usable from test files with the URL from `inject('postgresUrl')`.
 */
export async function createTestDatabase(serverUrl: string, name?: string): Promise<string> {
  const dbName = name ?? `test_${randomBytes(6).toString('hex')}`;
  if (!DB_NAME.test(dbName)) throw new Error(`invalid database name: ${JSON.stringify(dbName)}`);
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${dbName}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Starts a throwaway PostgreSQL server on 127.0.0.1 (about 1–2 s). Call stop() when done. */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin. ' +
        'Install them with `apt-get install -y postgresql` (or run .ci/run).',
    );
  }
  const initdb = join(binDir, 'initdb');
  const pgCtl = join(binDir, 'pg_ctl');

  const dir = await makeBaseDir();
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const kill = () => killNowSync(dataDir, dir);
  liveServers.add(kill);
  installExitHook();

  const fail = async (message: string): Promise<never> => {
    const log = await tail(logFile);
    liveServers.delete(kill);
    killNowSync(dataDir, dir);
    throw new Error(`${message}\n--- last lines of the server log ---\n${log}`);
  };

  try {
    await run(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  } catch (error) {
    liveServers.delete(kill);
    killNowSync(dataDir, dir);
    throw new Error(`initdb failed (binaries in ${binDir}): ${(error as Error).message}`);
  }
  const baseConfig = readFileSync(join(dataDir, 'postgresql.conf'), 'utf8');

  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    // The port goes into the config file (rewritten on each attempt) rather than onto the command line.
    await writeFile(join(dataDir, 'postgresql.conf'), baseConfig + serverConfig(port, dir, options.durable ?? false), 'utf8');
    try {
      await run(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], 90_000);
      break;
    } catch (error) {
      const log = await tail(logFile);
      // Someone grabbed the port between our probe and the server's bind: try another one.
      if (attempt < START_ATTEMPTS && /could not bind|address already in use|could not create any TCP\/IP sockets/i.test(log)) {
        await run(pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
        continue;
      }
      return fail(`PostgreSQL failed to start on 127.0.0.1:${port}: ${(error as Error).message}`);
    }
  }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // pg_ctl -w only waits for the postmaster; make sure a TCP client really gets in.
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.end();
  } catch (error) {
    return fail(`PostgreSQL started but does not accept connections on ${url}: ${(error as Error).message}`);
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    createDatabase: (name?: string) => createTestDatabase(url, name),
    halt: async (mode) => {
      await run(pgCtl, ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop'], 60_000);
    },
    resume: async () => {
      await run(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], 90_000);
    },
    stop() {
      stopping ??= (async () => {
        liveServers.delete(kill);
        if (existsSync(join(dataDir, 'postmaster.pid'))) {
          await run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => kill());
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
