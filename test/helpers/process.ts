// The real `keyward` process (`node dist/main.js`, the build `npm start` runs), for tests of what
// only a process shows: first-start output, the data-dir lock, signals, restarts, configuration
// errors. test/helpers/build-global-setup.ts builds dist/ afresh once per test run.
//
// Every child is remembered; call `killAllKeyward()` in afterEach/afterAll so a failed test never
// leaves a server behind (an exit hook SIGKILLs any that survive even that).
import { randomBytes } from 'node:crypto';
import { freePort } from './ports.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json and dist/ are). */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Node's arguments in an npm script of package.json that runs `node …`, so that a test starts
 * exactly what `npm start` (`start`) or `npm run keyward` (`keyward`) starts, on this Node.js.
 */
function nodeArguments(script: 'start' | 'keyward'): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = scripts[script]!.split(' ');
  if (command !== 'node') throw new Error(`package.json's "${script}" script does not start with node: ${scripts[script]}`);
  return args;
}

/** What `npm start` runs: `node dist/main.js`. */
export const KEYWARD_MAIN = nodeArguments('start');
/** What `npm run keyward` runs: `node … dist/cli.js`. */
export const KEYWARD_CLI = nodeArguments('keyward');

/** How long a process may take to answer /readyz (PGlite migrates on a first start; the machine may be busy). */
const START_TIMEOUT_MS = 60_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KeywardProcess {
  child: ChildProcess;
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `http://127.0.0.1:PORT/graphql` */
  url: string;
  /** `ws://127.0.0.1:PORT/graphql` */
  wsUrl: string;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr, for failure messages. */
  output(): string;
  /** Settles when the process has exited (never rejects). */
  exited: Promise<Exit>;
  /** The exit, or a rejection naming the output when it does not come within `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<Exit>;
  /** Resolves once /readyz answers 200; rejects with the output if the process exits or times out first. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL, if still running, and wait for the exit. */
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** SIGKILL to the child, or to its whole process group when it was started as one (`npm run dev`'s watcher). */
function killHard(child: ChildProcess): void {
  if (child.spawnargs.includes(GROUP_MARK) && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
      return;
    } catch {
      // the group is gone already
    }
  }
  child.kill('SIGKILL');
}
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of children) killHard(child);
  });
}

const tempDirs = new Set<string>();

/** A fresh, empty directory for KEYWARD_DATA_DIR; removed by `removeTempDirs()`. */
export async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-proc-'));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * The environment a child gets: this one minus anything that configures Keyward (or Node, or
 * PostgreSQL clients) behind the test's back, plus `env`.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('KEYWARD_') || name.startsWith('PG') || name === 'NODE_OPTIONS') continue;
    if (['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'NODE_ENV'].includes(name)) continue;
    base[name] = value;
  }
  // Every test client is 127.0.0.1: failed authentications are limited only where a test says so.
  return { ...base, HOST: '127.0.0.1', KEYWARD_AUTH_FAILURES_PER_MINUTE: '1000000', ...env };
}

/** In the arguments of a child started as its own process group, so every kill reaches its children too. */
const GROUP_MARK = '--title=keyward-test-group';

/**
 * Starts what `npm start` starts (`node dist/main.js`) in the repository root. Pass `PORT` to
 * choose the port (default: a free one); the process is not awaited, call `ready()` or
 * `waitForExit()`. `script: 'scripts/dev.ts'` starts `npm run dev` instead, through tsx and as a
 * process group (it starts a watcher that starts Keyward): `kill()` ends all of them.
 */
export async function spawnKeyward(env: Record<string, string>, script?: string): Promise<KeywardProcess> {
  installExitHook();
  const port = env.PORT !== undefined && /^\d+$/.test(env.PORT) ? Number(env.PORT) : await freePort();
  const group = script !== undefined;
  const args = group ? [GROUP_MARK, '--import', 'tsx', script] : KEYWARD_MAIN;
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: childEnv({ PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (error) => {
      stderr += `\n[spawn error] ${error.message}`;
      exit ??= { code: null, signal: null };
      children.delete(child);
      resolve(exit);
    });
    // 'close', not 'exit': by then stdout and stderr have been read to the end.
    child.once('close', (code, signal) => {
      exit ??= { code, signal };
      children.delete(child);
      resolve(exit);
    });
  });

  const origin = `http://127.0.0.1:${port}`;
  const output = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;

  const waitForExit = async (timeoutMs = 15_000): Promise<Exit> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`process did not exit within ${timeoutMs} ms\n${output()}`)), timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const ready = async (timeoutMs = START_TIMEOUT_MS): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exit) throw new Error(`process exited (${JSON.stringify(exit)}) before it was ready\n${output()}`);
      try {
        const response = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`process not ready within ${timeoutMs} ms\n${output()}`);
  };

  const kill = async (): Promise<void> => {
    if (!exit) killHard(child);
    await exited;
  };

  return {
    child,
    port,
    origin,
    url: `${origin}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    stdout: () => stdout,
    stderr: () => stderr,
    output,
    exited,
    waitForExit,
    ready,
    kill,
  };
}

/** SIGKILLs every child still running and waits for them: for afterEach/afterAll. */
export async function killAllKeyward(): Promise<void> {
  const running = [...children];
  for (const child of running) killHard(child);
  await Promise.all(
    running.map(
      (child) =>
        // Still in the set: its 'close' has not fired yet.
        new Promise<void>((resolve) => child.once('close', () => resolve())),
    ),
  );
}

export interface GraphQLHttpResult {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POST /graphql with JSON, as a partner's backend would. */
export async function postGraphQL(
  url: string,
  query: string,
  headers: Record<string, string> = {},
  variables?: Record<string, unknown>,
): Promise<GraphQLHttpResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLHttpResult['body'] };
}

/**
 * Keyward processes that share one PostgreSQL database, as a deployment's instances do: the
 * same pepper, encryption key and admin token, private callbacks allowed (receivers on
 * 127.0.0.1). `start` waits until the instance is ready; `killAll` ends every one started.
 */
export class KeywardCluster {
  readonly adminToken = `kw-admin-${randomBytes(16).toString('hex')}`;
  private readonly pepper = randomBytes(24).toString('base64url');
  private readonly encryptionKey = randomBytes(32).toString('hex');
  private readonly started: KeywardProcess[] = [];

  constructor(private readonly databaseUrl: string) {}

  async start(extra: Record<string, string> = {}): Promise<KeywardProcess> {
    const proc = await spawnKeyward({
      DATABASE_URL: this.databaseUrl,
      KEYWARD_PEPPER: this.pepper,
      KEYWARD_ENCRYPTION_KEY: this.encryptionKey,
      KEYWARD_ADMIN_TOKEN: this.adminToken,
      KEYWARD_ALLOW_PRIVATE_CALLBACKS: '1',
      LOG_LEVEL: 'warn',
      ...extra,
    });
    this.started.push(proc);
    await proc.ready();
    return proc;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.started.map((proc) => proc.kill()));
  }
}
