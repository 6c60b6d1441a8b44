import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressGroup, compileAllowlist, normalizeIp, parseAllowlistEntry, parseCidr } from '../../src/domain/ip/cidr.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.info(`cidr fast-check seed ${seed} (replay with FC_SEED=${seed})`);
const runs = { numRuns: 10_000, seed };

describe('parseAllowlistEntry', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'], // host bits are cleared, not refused
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7/32', '203.0.113.7'],
    ['203.0.113.0/24', '203.0.113.0/24'],
    [' 198.51.100.0/24 ', '198.51.100.0/24'],
    ['0.0.0.0', '0.0.0.0'],
    ['2001:db8::/16', '2001::/16'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0000::0001/128', '2001:db8::1'],
    ['2001:db8::1:2/64', '2001:db8::/64'],
    ['::1', '::1'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['::FFFF:CB00:7105/120', '203.0.113.0/24'],
    ['0:0:0:0:0:ffff:cb00:7105', '203.0.113.5'],
  ])('%s → %s', (input, value) => {
    expect(parseAllowlistEntry(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['0.0.0.0/0', 'prefix /0 is wider than the minimum /8 for IPv4'],
    ['10.0.0.0/7', 'prefix /7 is wider than the minimum /8 for IPv4'],
    ['::/0', 'prefix /0 is wider than the minimum /16 for IPv6'],
    ['2001::/15', 'prefix /15 is wider than the minimum /16 for IPv6'],
    ['::ffff:0.0.0.0/96', 'prefix /0 is wider than the minimum /8 for IPv4'],
    ['::ffff:10.0.0.0/103', 'prefix /7 is wider than the minimum /8 for IPv4'],
    ['::/16', '::/16 contains every IPv4 address (as ::ffff:0:0/96), which is wider than the minimum /8 for IPv4'],
    ['::ffff:0:0/95', '::fffe:0:0/95 contains every IPv4 address (as ::ffff:0:0/96), which is wider than the minimum /8 for IPv4'],
  ])('refuses the broad range %s', (input, message) => {
    expect(parseAllowlistEntry(input)).toEqual({ ok: false, message });
  });

  it.each([
    '010.0.0.1',
    '10.1',
    '10',
    '0x0a000001',
    '0x0a.0.0.1',
    '1.2.3.4.5',
    '256.0.0.1',
    '10.0.0.1%eth0',
    'fe80::1%eth0',
    'fe80::1%eth0/64',
    '::ffff:010.0.0.1',
    '::ffff:10.1',
    '1:2:3:4:5:6:7:8:9',
    '2001:db8:::1',
    '2001:db8::1::2',
    '12345::1',
    '[::1]',
    '1.2.3.4:80',
    'localhost',
    '',
    '   ',
    '/8',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/08',
    '10.0.0.0/+8',
    '10.0.0.0/ 8',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '10.0.0.0/8,10.0.0.0/16',
    '2001:db8::/129',
    '١٠.0.0.1', // Arabic-Indic digits
  ])('refuses the non-canonical literal %j', (input) => {
    const result = parseAllowlistEntry(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(200);
  });

  it('refuses a 10 KB entry with a short message', () => {
    const result = parseAllowlistEntry('1'.repeat(10_000));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(200);
  });

  it('explains bad literals for people', () => {
    expect(parseAllowlistEntry('010.0.0.1')).toEqual({
      ok: false,
      message: '"010.0.0.1" is not a valid IP address; write IPv4 as four decimal numbers without leading zeros (like 203.0.113.7) or IPv6 like 2001:db8::1',
    });
    expect(parseAllowlistEntry('fe80::1%eth0')).toEqual({ ok: false, message: '"fe80::1%eth0": zone ids (like %eth0) are not allowed' });
    expect(parseAllowlistEntry('10.0.0.0/33')).toEqual({ ok: false, message: '"/33" is not a valid prefix length; use /0 to /32' });
  });

  it('parseCidr without the minimum accepts wide ranges', () => {
    expect(parseCidr('0.0.0.0/0', { minimumPrefix: false })).toEqual({ ok: true, value: '0.0.0.0/0' });
    expect(parseCidr('::/0', { minimumPrefix: false })).toEqual({ ok: true, value: '::/0' });
    expect(parseCidr('010.0.0.0/8', { minimumPrefix: false }).ok).toBe(false);
  });
});

describe('normalizeIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['0:0:0:0:0:ffff:102:304', '1.2.3.4'],
    ['0000:0000:0000:0000:0000:ffff:0102:0304', '1.2.3.4'],
    ['2001:0DB8:0000::0001', '2001:db8::1'],
    ['::1', '::1'],
    ['::', '::'],
    ['::1.2.3.4', '::102:304'], // IPv4-compatible (deprecated), not mapped: stays IPv6 (ipaddr.js alone says ::ffff:…)
    ['0::1.2.3.4', '::102:304'],
  ])('%s → %s', (input, value) => {
    expect(normalizeIp(input)).toBe(value);
  });

  it.each(['', ' 1.2.3.4', '1.2.3.4/32', 'fe80::1%eth0', '010.0.0.1', '10.1', '0x0a000001', 'unknown', '[::1]:80', 'x'.repeat(10_000)])(
    'refuses %j',
    (input) => {
      expect(normalizeIp(input)).toBeNull();
    },
  );
});

describe('compileAllowlist', () => {
  it('empty list allows every caller', () => {
    const allow = compileAllowlist([]);
    expect(allow('203.0.113.5')).toBe(true);
    expect(allow('garbage')).toBe(true);
  });

  it('folds IPv4-mapped clients into IPv4 (B-02)', () => {
    const allow = compileAllowlist(['203.0.113.0/24']);
    expect(allow('203.0.113.5')).toBe(true);
    expect(allow('::ffff:203.0.113.5')).toBe(true);
    expect(allow('0:0:0:0:0:ffff:cb00:7105')).toBe(true);
    expect(allow('::ffff:198.51.100.1')).toBe(false);
    expect(allow('198.51.100.1')).toBe(false);
    expect(allow('::203.0.113.5')).toBe(false); // IPv4-compatible is a different address
  });

  it('denies unparsable and non-canonical client addresses', () => {
    const allow = compileAllowlist(['10.0.0.0/8']);
    for (const ip of ['', 'garbage', '010.0.0.1', '10.1', '0x0a000001', '10.0.0.1%eth0', '10.0.0.1:443']) expect(allow(ip)).toBe(false);
  });

  it('matches IPv6 ranges and single addresses', () => {
    const allow = compileAllowlist(['2001:db8::/32', '198.51.100.7', '2001:db8:ffff::1']);
    expect(allow('2001:db8:1::1')).toBe(true);
    expect(allow('2001:DB8::')).toBe(true);
    expect(allow('2001:db9::1')).toBe(false);
    expect(allow('198.51.100.7')).toBe(true);
    expect(allow('198.51.100.8')).toBe(false);
    expect(allow('1.2.3.4')).toBe(false);
  });

  it('an IPv6 range holding ::ffff:0:0/96 also holds IPv4 clients', () => {
    expect(compileAllowlist(['::/0'])('1.2.3.4')).toBe(true);
    expect(compileAllowlist(['::/0'])('::ffff:1.2.3.4')).toBe(true);
    expect(compileAllowlist(['2001:db8::/32'])('::ffff:1.2.3.4')).toBe(false);
  });

  it('throws on a corrupt stored entry', () => {
    expect(() => compileAllowlist(['10.0.0.0/8', 'nope'])).toThrow(/nope/);
  });
});

// ---- properties (B-04) ----

type Addr = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr<A extends Addr = Addr> = { net: A; prefix: number; text: string };

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => [...b]);
const ipv4 = bytes(4).map((b) => ipaddr.fromByteArray(b) as ipaddr.IPv4);
const ipv6 = bytes(16).map((b) => ipaddr.fromByteArray(b) as ipaddr.IPv6);
const anyAddress = fc.oneof<[fc.Arbitrary<Addr>, fc.Arbitrary<Addr>]>(ipv4, ipv6);
const toV6 = (a: Addr): ipaddr.IPv6 => (a instanceof ipaddr.IPv4 ? a.toIPv4MappedAddress() : a);

/** Texts a user or a socket could give for one address. */
function spellings(a: Addr): string[] {
  if (a instanceof ipaddr.IPv6) return [a.toString(), a.toNormalizedString(), a.toNormalizedString().toUpperCase()];
  const mapped = a.toIPv4MappedAddress();
  return [a.toString(), `::ffff:${a.toString()}`, mapped.toString(), mapped.toNormalizedString()];
}

const cidrV4 = fc.tuple(ipv4, fc.integer({ min: 8, max: 32 }), fc.boolean()).map(
  ([net, prefix, asMapped]): Cidr<ipaddr.IPv4> => ({
    net,
    prefix,
    text: asMapped ? `::ffff:${net.toString()}/${prefix + 96}` : `${net.toString()}/${prefix}`,
  }),
);
const cidrV6 = fc.tuple(ipv6, fc.integer({ min: 16, max: 128 }), fc.boolean()).map(
  ([net, prefix, normalized]): Cidr<ipaddr.IPv6> => ({
    net,
    prefix,
    text: `${normalized ? net.toNormalizedString() : net.toString()}/${prefix}`,
  }),
);
const cidr = fc.oneof<[fc.Arbitrary<Cidr>, fc.Arbitrary<Cidr>]>(cidrV4, cidrV6);

/** An address inside the range (host bits random), or any address of either family. */
function addressFor(c: Cidr) {
  const length = c.net.kind() === 'ipv4' ? 4 : 16;
  const inside = bytes(length).map((host) =>
    ipaddr.fromByteArray(
      c.net.toByteArray().map((b, i) => {
        const keep = Math.min(8, Math.max(0, c.prefix - 8 * i));
        const mask = (0xff00 >> keep) & 0xff;
        return (b & mask) | (host[i]! & ~mask & 0xff);
      }),
    ),
  );
  return fc.oneof(inside, anyAddress).chain((a) => fc.constantFrom(...spellings(a)));
}

/** Reference: ipaddr.js's own match, everything lifted into IPv6 (IPv4 as ::ffff:0:0/96). */
function reference(c: Cidr, ip: string): boolean {
  const prefix6 = c.net.kind() === 'ipv4' ? c.prefix + 96 : c.prefix;
  return toV6(ipaddr.parse(ip)).match(toV6(c.net), prefix6);
}

describe('properties', () => {
  it('contains(c, ip) equals the ipaddr.js reference', () => {
    fc.assert(
      fc.property(
        cidr.chain((c) => fc.tuple(fc.constant(c), addressFor(c))),
        ([c, ip]) => {
          const entry = parseAllowlistEntry(c.text);
          if (!entry.ok) {
            // Only IPv6 ranges swallowing all of IPv4 may be refused here.
            expect(reference(c, '0.0.0.0') && reference(c, '255.255.255.255')).toBe(true);
            return;
          }
          expect(compileAllowlist([entry.value])(ip)).toBe(reference(c, ip));
        },
      ),
      runs,
    );
  });

  it('contains(c4, ip4) equals contains(c4, ::ffff:ip4)', () => {
    fc.assert(
      fc.property(
        cidrV4.chain((c) => fc.tuple(fc.constant(c), fc.oneof(ipv4, fc.constant(c.net)))),
        ([c, ip]) => {
          const entry = parseAllowlistEntry(c.text);
          expect(entry.ok).toBe(true);
          const allow = compileAllowlist([entry.ok ? entry.value : '']);
          const direct = allow(ip.toString());
          expect(allow(`::ffff:${ip.toString()}`)).toBe(direct);
          expect(allow(ip.toIPv4MappedAddress().toNormalizedString())).toBe(direct);
        },
      ),
      runs,
    );
  });

  it('parse → print → parse gives the same value', () => {
    fc.assert(
      fc.property(cidr, (c) => {
        const first = parseAllowlistEntry(c.text);
        if (!first.ok) return;
        expect(parseAllowlistEntry(first.value)).toEqual(first);
        expect(parseCidr(first.value, { minimumPrefix: false })).toEqual(first);
      }),
      runs,
    );
  });

  it('normalizeIp is idempotent, accepts every valid IPv6 text and no non-canonical IPv4', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc.ipV4Extended(),
          anyAddress.chain((a) => fc.constantFrom(...spellings(a))),
          fc.string({ maxLength: 50 }),
        ),
        (s) => {
          const n = normalizeIp(s);
          if (n !== null) expect(normalizeIp(n)).toBe(n);
          // Valid IPv6 without zone id whose embedded IPv4 (if any) is canonical must be accepted.
          const tail = s.slice(s.lastIndexOf(':') + 1);
          const canonicalTail = !tail.includes('.') || /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/.test(tail);
          if (ipaddr.IPv6.isValid(s) && !s.includes('%') && canonicalTail) expect(n).not.toBeNull();
        },
      ),
      runs,
    );
    fc.assert(
      fc.property(fc.ipV4Extended(), (s) => {
        const n = normalizeIp(s);
        expect(n === null || n === s).toBe(true);
      }),
      runs,
    );
  });
});

describe('addressGroup', () => {
  it('counts IPv4 alone, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressGroup('203.0.113.9')).toBe('203.0.113.9');
    expect(addressGroup('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:2::1')).toBe(addressGroup('2001:db8:1:2:ffff::'));
    expect(addressGroup('2001:db8:1:3::1')).not.toBe(addressGroup('2001:db8:1:2::1'));
    expect(addressGroup('not an address')).toBeNull();
  });
});
