import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, refusedAddress } from '../../src/domain/webhooks/outbound-address.ts';

describe('outbound URLs (webhook endpoints and callbacks)', () => {
  it.each([
    'https://partner.example/hooks',
    'https://partner.example/a/b?x=1',
    'https://8.8.8.8/cb',
    'https://partner.example:443/cb',
    'https://[2606:4700::1111]/cb',
  ])('accepts %s', (url) => {
    expect(checkOutboundUrl(url, false)).toMatchObject({ ok: true });
  });

  // docs/security.md A-11, every spelling in the row, and a few more.
  it.each([
    'http://partner.example/hooks',
    'https://partner.example:8443/hooks',
    'http://127.0.0.1/cb',
    'https://127.0.0.1/cb',
    'https://localhost/cb',
    'https://api.localhost/cb',
    'https://[::1]/cb',
    'https://0.0.0.0/cb',
    'https://169.254.169.254/latest/meta-data',
    'https://[fd00:ec2::254]/cb',
    'https://metadata.google.internal/cb',
    'https://metadata.google.internal./cb',
    'https://10.0.0.5/cb',
    'https://172.16.0.1/cb',
    'https://192.168.1.1/cb',
    'https://100.64.0.1/cb',
    'https://100.100.100.200/cb',
    'https://[::ffff:127.0.0.1]/cb',
    'https://[::ffff:7f00:1]/cb',
    'https://[::ffff:a9fe:a9fe]/cb',
    'https://2130706433/cb',
    'https://0x7f.1/cb',
    'https://017700000001/cb',
    'https://0177.0.0.1/cb',
    'https://127.1/cb',
    'https://[fe80::1%25eth0]/cb',
    'https://[fe80::1]/cb',
    'https://[fc00::1]/cb',
    'https://[64:ff9b::7f00:1]/cb',
    'https://[64:ff9b::808:808]/cb',
    'https://[2002:7f00:1::]/cb',
    'https://[ff02::1]/cb',
    'https://224.0.0.1/cb',
    'https://255.255.255.255/cb',
    'https://127.0.0.1.nip.io/cb',
    // Issue 13, finding 8: IPv4-compatible IPv6 and hex spellings inside host names.
    'https://[::a9fe:a9fe]/cb',
    'https://[::7f00:1]/cb',
    'https://[::808:808]/cb',
    'https://a9fea9fe.nip.io/cb',
    'https://0x7f000001.nip.io/cb',
    'https://app-0a000005.nip.io/cb',
    'https://app.10.0.0.5.nip.io/cb',
    'https://magic-127-0-0-1.nip.io/cb',
    'https://10-0-0-5.sslip.io/cb',
    'https://a@127.0.0.1/cb',
    'https://a:b@partner.example/cb',
    'https://intranet/cb',
    'https://partner.example/cb#frag',
    'file:///etc/passwd',
    'gopher://partner.example/',
    'ftp://partner.example/',
    'not a url',
  ])('refuses %s', (url) => {
    expect(checkOutboundUrl(url, false)).toMatchObject({ ok: false });
  });

  it('allows http, other ports and private targets only in development, never link-local or metadata', () => {
    for (const url of ['http://127.0.0.1:3000/cb', 'http://localhost:3000/cb', 'http://10.0.0.5/cb', 'http://[::1]:8080/cb', 'http://[64:ff9b::7f00:1]/cb']) {
      expect(checkOutboundUrl(url, true), url).toMatchObject({ ok: true });
    }
    for (const url of [
      'http://169.254.169.254/latest',
      'http://[fe80::1]/cb',
      'http://[fd00:ec2::254]/cb',
      'http://100.100.100.200/cb',
      'http://metadata.google.internal/cb',
      'http://[::ffff:169.254.169.254]/cb',
      'http://[64:ff9b::a9fe:a9fe]/cb',
      'http://0.0.0.0:3000/cb',
      'http://169.254.169.254.nip.io/cb',
      'http://[::a9fe:a9fe]/cb',
      'http://a9fea9fe.nip.io/cb',
      'http://0xa9fea9fe.nip.io/cb',
      'ftp://127.0.0.1/cb',
    ]) {
      expect(checkOutboundUrl(url, true), url).toMatchObject({ ok: false });
    }
  });

  it('says why, and normalizes what it accepts', () => {
    expect(checkOutboundUrl('https://0x7f.1/cb', false)).toEqual({ ok: false, message: 'must not point at an address that is a loopback address' });
    expect(checkOutboundUrl('https://[64:ff9b::7f00:1]/cb', false)).toEqual({
      ok: false,
      message: 'must not point at an address that embeds 127.0.0.1, which is a loopback address',
    });
    expect(checkOutboundUrl('https://[::7f00:1]/cb', false)).toEqual({
      ok: false,
      message: 'must not point at an address that embeds 127.0.0.1, which is a loopback address',
    });
    expect(checkOutboundUrl('https://0x7f000001.nip.io/cb', false)).toEqual({
      ok: false,
      message: 'must not be a host name that spells 127.0.0.1, which is a loopback address',
    });
    // A hex label that spells a public address is an ordinary name.
    expect(checkOutboundUrl('https://cafebabe.partner.example/cb', false)).toMatchObject({ ok: true });
    expect(checkOutboundUrl('HTTPS://Partner.Example/Hooks/', false)).toEqual({ ok: true, value: 'https://partner.example/Hooks' });
  });
});

describe('resolved addresses (checked when a delivery connects)', () => {
  it.each([
    ['93.184.215.14', false, null],
    ['2606:4700::1111', false, null],
    ['127.0.0.1', false, 'is a loopback address'],
    ['127.0.0.1', true, null],
    ['10.1.2.3', true, null],
    ['169.254.169.254', true, 'is a cloud metadata address'],
    ['169.254.1.1', true, 'is a linkLocal address'],
    ['::ffff:10.0.0.1', false, 'embeds 10.0.0.1, which is a private address'],
    ['64:ff9b::808:808', false, 'is a rfc6052 address'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', false, 'embeds 127.0.0.1, which is a loopback address'],
    ['::', true, 'is a unspecified address'],
    ['::a9fe:a9fe', true, 'embeds 169.254.169.254, which is a cloud metadata address'],
    ['::7f00:1', false, 'embeds 127.0.0.1, which is a loopback address'],
    ['::808:808', false, 'is an IPv4-compatible address'],
  ] as const)('%s (private allowed: %s) → %s', (address, allowPrivate, reason) => {
    expect(refusedAddress(address, allowPrivate)).toBe(reason);
  });
});
