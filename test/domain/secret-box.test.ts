import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal } from '../../src/domain/crypto/secret-box.ts';

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const secret = 'kw_usr_test_AbCdEfGh_0123456789abcdefghijABCDEFGHIJ012345';

  it('opens what it sealed, with a fresh IV each time', () => {
    const a = seal(key, secret, 'AbCdEfGh');
    const b = seal(key, secret, 'AbCdEfGh');
    expect(a.equals(b)).toBe(false);
    expect(open(key, a, 'AbCdEfGh')).toBe(secret);
    expect(a.includes(Buffer.from(secret))).toBe(false);
  });

  it('refuses a flipped byte, another key, or another row', () => {
    const box = seal(key, secret, 'AbCdEfGh');
    for (let i = 0; i < box.length; i++) {
      const tampered = Buffer.from(box);
      tampered[i]! ^= 0x01;
      expect(open(key, tampered, 'AbCdEfGh')).toBeNull();
    }
    expect(open(randomBytes(32), box, 'AbCdEfGh')).toBeNull();
    expect(open(key, box, 'ZZZZZZZZ')).toBeNull();
    expect(open(key, box.subarray(0, 10), 'AbCdEfGh')).toBeNull();
  });
});
