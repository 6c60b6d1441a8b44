import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The embedded database directory: one process at a time (PGlite does not protect itself, and a
 * second writer silently loses data), and the place where first start generates its secrets.
 */

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

const LOCK_FILE = 'keyward.lock';
/** Directories this process holds: the pid in a lock file cannot tell two opens by one process apart. */
const heldHere = new Set<string>();
const SECRETS_FILE = 'keyward-secrets.json';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data dir's lock file (O_EXCL, holding our pid). A lock left by a process that no
 * longer runs (kill -9, power loss) is taken over; a live holder makes this throw.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(resolve(dir), LOCK_FILE);
  if (heldHere.has(path)) {
    throw new DataDirLockedError(`The data directory ${resolve(dir)} is already open in this process.`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(path);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(path);
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      // Our own pid in the file is a leftover (a container's app is often pid 1 after every restart).
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new DataDirLockedError(
          `The data directory ${resolve(dir)} is in use by another Keyward process (pid ${holder}). ` +
            'Stop it first, or point KEYWARD_DATA_DIR at another directory.',
        );
      }
      unlinkSync(path);
    }
  }
  throw new DataDirLockedError(`Could not lock the data directory ${resolve(dir)}`);
}

export interface GeneratedSecrets {
  pepper: string;
  encryptionKey: string;
  adminToken: string;
}

/** Reads the data dir's secrets, generating them (mode 0600) on first start. */
export function loadOrCreateSecrets(dir: string): { secrets: GeneratedSecrets; created: boolean } {
  const path = join(dir, SECRETS_FILE);
  if (existsSync(path)) {
    return { secrets: JSON.parse(readFileSync(path, 'utf8')) as GeneratedSecrets, created: false };
  }
  const secrets: GeneratedSecrets = {
    pepper: randomBytes(32).toString('base64url'),
    encryptionKey: randomBytes(32).toString('hex'),
    adminToken: `kwadm_${randomBytes(32).toString('base64url')}`,
  };
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { secrets, created: true };
}
