/**
 * Keyward credential format: `kw_<kind>_<env>_<keyId>_<secret><checksum>`; a member's dashboard
 * session (the `kw_member` cookie) is `kw_mbr_dash_…`, as it acts in either environment.
 *
 * - keyId: 8 base62 characters, public.
 * - secret: 32 base62 characters from the CSPRNG (32 · log2 62 ≈ 190 bits).
 * - checksum: CRC32 of everything before it, as 6 zero-padded base62 characters
 *   (GitHub's token scheme), so typos and truncated keys are refused without a
 *   database lookup and secret scanners can recognise our keys.
 *
 * Never use Math.random here: every random character comes from crypto.randomBytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export type KeyPrefixKind = 'ptr' | 'usr' | 'ses' | 'mbr';
export type KeyEnv = 'test' | 'live';
/** Where a token acts: an environment, or `dash` (a member's session, either environment). */
export type KeyScope = KeyEnv | 'dash';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_LENGTH = 8;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
// Every kind is 3 characters and every env 4, so all valid tokens have one length (59).
export const TOKEN_LENGTH = 'kw_ptr_test_'.length + KEY_ID_LENGTH + 1 + SECRET_LENGTH + CHECKSUM_LENGTH;
const TOKEN_RE = /^kw_(ptr|usr|ses|mbr)_(test|live|dash)_([0-9A-Za-z]{8})_[0-9A-Za-z]{32}([0-9A-Za-z]{6})$/;
const KEY_ID_RE = /^[0-9A-Za-z]{8}$/;

// 248 = 4 · 62: bytes at or above it are discarded so that `byte % 62` is uniform
// (plain `% 62` would favour the first 8 characters by 25 %).
const REJECT_AT = 256 - (256 % ALPHABET.length);

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // ~3 % of bytes are rejected; a few spare bytes make a second round rare.
    for (const byte of randomBytes(length - out.length + 8)) {
      if (byte >= REJECT_AT) continue;
      out += ALPHABET.charAt(byte % ALPHABET.length);
      if (out.length === length) break;
    }
  }
  return out;
}

/** CRC32 of `body` as 6 base62 characters (62^6 > 2^32, so every value fits). */
function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET.charAt(n % ALPHABET.length) + out;
    n = Math.floor(n / ALPHABET.length);
  }
  return out;
}

export function generateKeyId(): string {
  return randomBase62(KEY_ID_LENGTH);
}

/** A member's session acts in either environment (`dash`); every other token in one. */
const fits = (kind: KeyPrefixKind, scope: KeyScope) => (kind === 'mbr') === (scope === 'dash');

export function generateKey(kind: KeyPrefixKind, env: KeyScope, keyId: string = generateKeyId()): { keyId: string; token: string } {
  if (!KEY_ID_RE.test(keyId)) throw new Error('keyId must be 8 base62 characters');
  if (!fits(kind, env)) throw new Error(`a ${kind} token cannot act in ${env}`);
  const body = `kw_${kind}_${env}_${keyId}_${randomBase62(SECRET_LENGTH)}`;
  return { keyId, token: body + checksum(body) };
}

/**
 * Structure and checksum check only (no secret is verified here). Returns null for
 * anything that is not a well-formed Keyward key; never throws.
 */
export function parseKey(token: string): { kind: KeyPrefixKind; env: KeyScope; keyId: string } | null {
  // Length first: O(1) whatever the caller sent (headers can be kilobytes long).
  if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return null;
  const m = TOKEN_RE.exec(token);
  if (!m || !fits(m[1] as KeyPrefixKind, m[2] as KeyScope)) return null;
  // Plain comparison is fine: the checksum is derived from the token itself, not a secret.
  if (checksum(token.slice(0, -CHECKSUM_LENGTH)) !== m[4]) return null;
  return { kind: m[1] as KeyPrefixKind, env: m[2] as KeyScope, keyId: m[3]! };
}

/** The at-rest verifier: HMAC-SHA-256 of the whole token under the server pepper. */
export function hashKey(pepper: Buffer, token: string): Buffer {
  return createHmac('sha256', pepper).update(token, 'utf8').digest();
}

/** Constant-time comparison; unequal lengths give false (timingSafeEqual would throw). */
export function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
