import { describe, expect, it } from 'vitest';
import { compileAllowlist } from '../../src/domain/ip/cidr.ts';
import { parseTrustedProxies, resolveClientIp } from '../../src/domain/ip/client-ip.ts';

const proxies = parseTrustedProxies('10.0.0.0/8, 127.0.0.1/32, ::1');

describe('resolveClientIp', () => {
  it('an untrusted direct peer is the client, whatever X-Forwarded-For says (B-03)', () => {
    expect(resolveClientIp('198.51.100.7', '203.0.113.5', proxies)).toBe('198.51.100.7');
    expect(resolveClientIp('198.51.100.7', '203.0.113.5', null)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', '203.0.113.5', null)).toBe('10.0.0.2'); // no proxies configured
    const allow = compileAllowlist(['203.0.113.0/24']);
    expect(allow(resolveClientIp('198.51.100.7', '203.0.113.5', proxies)!)).toBe(false);
  });

  it('behind a trusted proxy, the rightmost untrusted hop is the client', () => {
    expect(resolveClientIp('10.0.0.2', '203.0.113.5', proxies)).toBe('203.0.113.5');
    expect(resolveClientIp('10.0.0.2', '203.0.113.5, 10.0.0.3', proxies)).toBe('203.0.113.5');
    expect(resolveClientIp('127.0.0.1', '203.0.113.5,10.0.0.3 , 10.9.9.9', proxies)).toBe('203.0.113.5');
    expect(resolveClientIp('::1', '2001:db8::7', proxies)).toBe('2001:db8::7');
  });

  it('ignores spoofed entries left of the first untrusted hop', () => {
    expect(resolveClientIp('10.0.0.2', '203.0.113.9, 198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', '10.0.0.5, 198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', 'garbage, 198.51.100.7, 10.0.0.3', proxies)).toBe('198.51.100.7');
  });

  it('with only trusted hops, the leftmost is the client', () => {
    expect(resolveClientIp('10.0.0.2', '10.0.0.9, 10.0.0.3', proxies)).toBe('10.0.0.9');
    expect(resolveClientIp('10.0.0.2', undefined, proxies)).toBe('10.0.0.2');
    expect(resolveClientIp('10.0.0.2', null, proxies)).toBe('10.0.0.2');
    expect(resolveClientIp('10.0.0.2', ' , ', proxies)).toBe('10.0.0.2');
  });

  it('normalizes IPv4-mapped addresses on the socket and in the header', () => {
    expect(resolveClientIp('::ffff:198.51.100.7', undefined, null)).toBe('198.51.100.7');
    expect(resolveClientIp('::ffff:198.51.100.7', '203.0.113.5', proxies)).toBe('198.51.100.7');
    expect(resolveClientIp('::ffff:10.0.0.2', '::ffff:203.0.113.5', proxies)).toBe('203.0.113.5');
    expect(resolveClientIp('::ffff:10.0.0.2', '0:0:0:0:0:ffff:cb00:7105, ::ffff:10.0.0.3', proxies)).toBe('203.0.113.5');
  });

  it('an unparsable socket address or trusted-vouched hop yields no client IP', () => {
    expect(resolveClientIp(undefined, '203.0.113.5', proxies)).toBeUndefined();
    expect(resolveClientIp('nonsense', undefined, null)).toBeUndefined();
    expect(resolveClientIp('10.0.0.2', '203.0.113.5:4711', proxies)).toBeUndefined();
    expect(resolveClientIp('10.0.0.2', 'unknown', proxies)).toBeUndefined();
  });
});

describe('parseTrustedProxies', () => {
  it('unset or blank trusts nobody', () => {
    expect(parseTrustedProxies(undefined)).toBeNull();
    expect(parseTrustedProxies('')).toBeNull();
    expect(parseTrustedProxies(' , ')).toBeNull();
  });

  it('has no minimum prefix', () => {
    const all = parseTrustedProxies('0.0.0.0/0')!;
    expect(all('203.0.113.5')).toBe(true);
    expect(all('::ffff:203.0.113.5')).toBe(true);
    expect(all('2001:db8::1')).toBe(false);
    const v6 = parseTrustedProxies('::/0')!;
    expect(v6('2001:db8::1')).toBe(true);
    expect(v6('203.0.113.5')).toBe(true); // ::/0 holds ::ffff:0:0/96
  });

  it('matches the listed ranges only', () => {
    expect(proxies!('10.255.0.1')).toBe(true);
    expect(proxies!('127.0.0.1')).toBe(true);
    expect(proxies!('127.0.0.2')).toBe(false);
    expect(proxies!('::1')).toBe(true);
    expect(proxies!('11.0.0.1')).toBe(false);
  });

  it.each(['nope', '010.0.0.1', '10.0.0.0/33', 'fe80::1%eth0'])('throws naming the bad entry %s', (bad) => {
    expect(() => parseTrustedProxies(`10.0.0.0/8, ${bad}`)).toThrow(`Invalid trusted proxy "${bad}"`);
  });
});
