import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKey, generateKeyId, hashesEqual, hashKey, parseKey, type KeyEnv, type KeyPrefixKind } from '../../src/domain/api-key/key-format.ts';

const KINDS: KeyPrefixKind[] = ['ptr', 'usr', 'ses'];
const ENVS: KeyEnv[] = ['test', 'live'];
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.info(`key-format fast-check seed ${seed} (replay with FC_SEED=${seed})`);

/** Independent re-implementation of the checksum rule from docs/api.md. */
function expectedChecksum(body: string): string {
  let n = BigInt(crc32(body));
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = ALPHABET.charAt(Number(n % 62n)) + out;
    n /= 62n;
  }
  return out;
}

describe('generateKey', () => {
  it.each(KINDS.flatMap((kind) => ENVS.map((env) => [kind, env] as const)))('%s/%s matches the format', (kind, env) => {
    const { keyId, token } = generateKey(kind, env);
    expect(keyId).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(token).toMatch(new RegExp(`^kw_${kind}_${env}_${keyId}_[0-9A-Za-z]{32}[0-9A-Za-z]{6}$`));
    expect(token.slice(-6)).toBe(expectedChecksum(token.slice(0, -6)));
    expect(parseKey(token)).toEqual({ kind, env, keyId });
  });

  it('uses a given keyId and refuses a malformed one', () => {
    expect(generateKey('usr', 'live', 'AbCd1234').token).toMatch(/^kw_usr_live_AbCd1234_/);
    expect(generateKey('usr', 'live', 'AbCd1234').token).not.toBe(generateKey('usr', 'live', 'AbCd1234').token);
    expect(() => generateKey('usr', 'live', 'short')).toThrow();
    expect(() => generateKey('usr', 'live', 'AbCd-234')).toThrow();
  });

  it('generateKeyId gives 8 base62 characters', () => {
    expect(generateKeyId()).toMatch(/^[0-9A-Za-z]{8}$/);
  });

  describe('100k keys', () => {
    const tokens = Array.from({ length: 100_000 }, (_, i) => generateKey(KINDS[i % 3]!, ENVS[i % 2]!).token);
    const secrets = tokens.map((t) => t.slice(21, 53));

    it('are well formed and have no duplicate', () => {
      for (const t of tokens) expect(parseKey(t)).not.toBeNull();
      expect(new Set(tokens).size).toBe(tokens.length);
      expect(new Set(secrets).size).toBe(secrets.length);
      // keyIds (47.6 bits) may collide with probability ~2e-5 here; the database's unique index handles that.
    });

    it('secrets have uniform character frequency (chi-square)', () => {
      const counts = new Map<string, number>([...ALPHABET].map((c) => [c, 0]));
      for (const s of secrets) for (const c of s) counts.set(c, counts.get(c)! + 1);
      expect(counts.size).toBe(62);
      const expected = (secrets.length * 32) / 62;
      const chi2 = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
      // 61 degrees of freedom: mean 61, p = 1e-6 at ≈129. Modulo bias (`byte % 62` without
      // rejection) would give 8 characters 25 % too many hits: chi-square in the tens of thousands.
      expect(chi2).toBeLessThan(129);
    });
  });
});

describe('parseKey', () => {
  it('refuses any single-character change (checksum or structure)', () => {
    const replacement = fc.oneof(
      fc.constantFrom(...ALPHABET, '_', '-', ' ', '.', '\n', '\u0000', 'é', '𝟘'),
      fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.constantFrom(...ENVS), fc.nat(), replacement, (kind, env, at, ch) => {
        const { token } = generateKey(kind, env);
        const i = at % token.length;
        fc.pre(token[i] !== ch);
        expect(parseKey(token.slice(0, i) + ch + token.slice(i + 1))).toBeNull();
      }),
      { numRuns: 20_000, seed },
    );
  });

  it('refuses every substitution at every position of one key (exhaustive)', () => {
    const { token } = generateKey('ptr', 'live');
    for (let i = 0; i < token.length; i++) {
      for (const ch of `${ALPHABET}_`) {
        if (ch !== token[i]) expect(parseKey(token.slice(0, i) + ch + token.slice(i + 1))).toBeNull();
      }
    }
  });

  it.each([
    ['empty', ''],
    ['prefix only', 'kw_ptr_test_'],
    ['truncated by one', (t: string) => t.slice(0, -1)],
    ['one extra character', (t: string) => `${t}a`],
    ['Bearer prefix', (t: string) => `Bearer ${t}`],
    ['leading space', (t: string) => ` ${t}`],
    ['trailing newline', (t: string) => `${t}\n`],
    ['upper-case prefix', (t: string) => t.replace('kw_', 'KW_')],
    ['unknown kind', (t: string) => t.replace('kw_ptr_', 'kw_adm_')],
    ['unknown env', (t: string) => t.replace('_test_', '_prod_')],
    ['dash separators', (t: string) => t.replaceAll('_', '-')],
    ['transposed characters', (t: string) => (t[30] === t[31] ? '' : t.slice(0, 30) + t[31] + t[30] + t.slice(32))],
  ])('refuses %s', (_, make) => {
    const token = generateKey('ptr', 'test').token;
    expect(parseKey(typeof make === 'string' ? make : make(token))).toBeNull();
  });

  it('refuses a 10 KB header and non-strings without throwing', () => {
    const { token } = generateKey('usr', 'live');
    expect(parseKey(token + 'a'.repeat(10_240))).toBeNull();
    expect(parseKey(`kw_usr_live_${'a'.repeat(10_240)}`)).toBeNull();
    for (const junk of [undefined, null, 42, {}, ['x']]) expect(parseKey(junk as unknown as string)).toBeNull();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        expect(parseKey(s)).toBeNull();
      }),
      { numRuns: 10_000, seed },
    );
  });
});

describe("members' session tokens (kw_mbr_dash_…)", () => {
  /** A well-formed token of any prefix, with a valid checksum: only the rule on kind and scope can refuse it. */
  const checksummed = (prefix: string) => {
    const body = `${prefix}AbCd1234_${'x'.repeat(32)}`;
    return body + expectedChecksum(body);
  };

  it('kw_mbr_dash_… parses: made by generateKey, or written out', () => {
    const { keyId, token } = generateKey('mbr', 'dash');
    expect(token).toMatch(new RegExp(`^kw_mbr_dash_${keyId}_[0-9A-Za-z]{38}$`));
    expect(parseKey(token)).toEqual({ kind: 'mbr', env: 'dash', keyId });
    expect(parseKey(checksummed('kw_mbr_dash_'))).toEqual({ kind: 'mbr', env: 'dash', keyId: 'AbCd1234' });
  });

  it.each(['kw_mbr_test_', 'kw_mbr_live_', 'kw_ptr_dash_', 'kw_usr_dash_', 'kw_ses_dash_'])('refuses %s… even with a valid checksum', (prefix) => {
    expect(parseKey(checksummed(prefix))).toBeNull();
  });

  it('generateKey makes no member token for one environment and no key for dash', () => {
    expect(() => generateKey('mbr', 'test')).toThrow();
    expect(() => generateKey('ptr', 'dash')).toThrow();
  });
});

describe('hashKey / hashesEqual', () => {
  const pepper = Buffer.from('0123456789abcdef0123456789abcdef');

  it('is HMAC-SHA-256 (RFC 4231 test case 2)', () => {
    expect(hashKey(Buffer.from('Jefe'), 'what do ya want for nothing?').toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('is deterministic and depends on pepper and token', () => {
    const { token } = generateKey('ptr', 'live');
    const h = hashKey(pepper, token);
    expect(h).toHaveLength(32);
    expect(hashesEqual(h, hashKey(pepper, token))).toBe(true);
    expect(h.equals(createHmac('sha256', pepper).update(token).digest())).toBe(true);
    expect(hashesEqual(h, hashKey(Buffer.from('another pepper, also 32 bytes!!!'), token))).toBe(false);
    expect(hashesEqual(h, hashKey(pepper, generateKey('ptr', 'live').token))).toBe(false);
  });

  it('compares safely', () => {
    const a = hashKey(pepper, 'x');
    const b = Buffer.from(a);
    b.writeUInt8(b.readUInt8(31) ^ 1, 31);
    expect(hashesEqual(a, Buffer.from(a))).toBe(true);
    expect(hashesEqual(a, b)).toBe(false);
    expect(hashesEqual(a, a.subarray(0, 31))).toBe(false);
    expect(hashesEqual(a, Buffer.alloc(0))).toBe(false);
  });
});
