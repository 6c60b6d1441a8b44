// A throwaway redis-server for tests: the real binary, a temp dir, 127.0.0.1 only, a free port.
// It runs as our child (not daemonized), so it dies with the test process. `.ci/run` installs
// the `redis-server` package when it is missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.ts';

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Makes Redis unreachable: the server is killed (pub/sub keeps no data worth saving). */
  pause(): Promise<void>;
  /** Starts it again on the same port, so clients reconnect to the same URL. */
  resume(): Promise<void>;
  /** Stops it and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

function findBinary(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  for (const dir of dirs) {
    const file = join(dir, 'redis-server');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Answers once a PING over a raw socket gets +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function launch(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => children.delete(child));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}):\n${output}`);
    if (await ping(port)) return child;
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port} within 10 s:\n${output}`);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export async function startRedis(): Promise<RedisServer> {
  const binary = findBinary();
  if (!binary) throw new Error('redis-server not found; install it with `apt-get install -y redis-server` or run .ci/run');
  const dir = await mkdtemp(join(tmpdir(), 'keyward-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;
  // A port found free can be taken before redis binds it: try a few.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(binary, port, dir);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async pause() {
      if (child) await kill(child);
      child = null;
    },
    async resume() {
      if (!child && !stopped) child = await launch(binary, port, dir);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await kill(child);
      child = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
