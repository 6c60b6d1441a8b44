import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, loadOrCreateSecrets, lockDataDir } from '../../src/infra/data-dir.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'keyward-datadir-'));

describe('data dir lock', () => {
  it('refuses a second holder while the first lives, and frees the dir on release', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    release();
    lockDataDir(dir)();
  });

  it('refuses while another live process holds it, naming that process', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'keyward.lock'), String(child.pid));
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by another Keyward process \\(pid ${child.pid}\\)`));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a process that died (kill -9)', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(join(dir, 'keyward.lock'), String(child.pid));
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'keyward.lock'), 'utf8')).toBe(String(process.pid));
    release();
  });
});

describe('generated secrets', () => {
  it('are created once with mode 0600 and read back unchanged', () => {
    const dir = tempDir();
    const first = loadOrCreateSecrets(dir);
    expect(first.created).toBe(true);
    expect(statSync(join(dir, 'keyward-secrets.json')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(first.secrets.encryptionKey, 'hex')).toHaveLength(32);
    expect(first.secrets.pepper.length).toBeGreaterThanOrEqual(32);
    const second = loadOrCreateSecrets(dir);
    expect(second).toEqual({ secrets: first.secrets, created: false });
  });
});
