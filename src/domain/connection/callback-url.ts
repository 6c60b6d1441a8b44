import ipaddr from 'ipaddr.js';

/**
 * Where Keyward may POST a partner's callbacks. `https` only, no credentials in the URL, and no
 * literal address outside the public unicast range; with `allowPrivate` (development) also
 * `http` and loopback/private addresses — never link-local (cloud metadata) or unspecified ones.
 * Host names are checked again after DNS resolution when a callback is sent.
 */
export function checkCallbackUrl(input: string, allowPrivate: boolean): { ok: true; value: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, message: 'must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return { ok: false, message: allowPrivate ? 'must use https or http' : 'must use https' };
  }
  if (url.username || url.password) return { ok: false, message: 'must not contain credentials' };
  if (url.hash) return { ok: false, message: 'must not contain a fragment' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    let address = ipaddr.parse(host);
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
      address = (address as ipaddr.IPv6).toIPv4Address();
    }
    const range = address.range();
    if (range === 'linkLocal' || range === 'unspecified' || range === 'broadcast' || range === 'multicast' || range === 'reserved') {
      return { ok: false, message: `must not point at a ${range} address` };
    }
    if (range !== 'unicast' && !allowPrivate) return { ok: false, message: `must not point at a ${range} address` };
  } else if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || !host.includes('.'))) {
    return { ok: false, message: 'must be a public host name' };
  }
  return { ok: true, value: url.toString().replace(/\/$/, '') };
}
