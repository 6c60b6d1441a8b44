import ipaddr from 'ipaddr.js';

/**
 * Where Keyward may send a partner's webhooks and callbacks (docs/security.md ). One
 * policy for the URL check at registration and for the addresses a host name resolves to when a
 * delivery connects, so a name that later resolves to 127.0.0.1 is caught at connect time.
 *
 * Production: public unicast addresses only. With `allowPrivate` (development): also loopback,
 * private, unique-local and CGNAT addresses. Never, in either mode: unspecified, broadcast,
 * multicast, link-local, reserved addresses and the cloud metadata services.
 */

/** Metadata services of the common clouds; some sit in ranges that are otherwise allowed. */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, …
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud (CGNAT range)
  '168.63.129.16', // Azure WireServer (public range)
  '192.0.0.192', // Oracle Cloud
  'fd00:ec2::254', // AWS IPv6
]);

/** Host names of metadata services, refused even when private targets are allowed. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** Ranges allowed in development in addition to public unicast. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

/** The IPv4 address an IPv6 address carries (IPv4-mapped, NAT64, 6to4, Teredo), if any. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  const v4 = (offset: number, xor = 0) => new ipaddr.IPv4(bytes.slice(offset, offset + 4).map((b) => b ^ xor));
  switch (address.range()) {
    case 'ipv4Mapped':
      return address.toIPv4Address();
    case 'rfc6052': // NAT64 64:ff9b::/96 and 64:ff9b:1::/48: the last 32 bits
      return v4(12);
    case '6to4': // 2002:AABB:CCDD::/48
      return v4(2);
    case 'teredo': // the client's address, inverted, in the last 32 bits
      return v4(12, 0xff);
    default:
      // IPv4-compatible ::a.b.c.d (deprecated by RFC 4291, still routed to a.b.c.d by some stacks).
      return isIPv4Compatible(bytes) ? v4(12) : null;
  }
}

/** `::a.b.c.d` other than `::` and `::1`: the first 96 bits zero. */
function isIPv4Compatible(bytes: number[]): boolean {
  return bytes.slice(0, 12).every((b) => b === 0) && bytes.slice(12, 15).some((b) => b !== 0);
}

/**
 * Why an IP address may not be a webhook target, or null when it may. Accepts any spelling
 * `ipaddr.js` parses; the caller has already stripped brackets and refused zone ids.
 */
export function refusedAddress(text: string, allowPrivate: boolean): string | null {
  if (!ipaddr.isValid(text)) return 'is not an IP address';
  const parsed = ipaddr.parse(text);
  if (METADATA_ADDRESSES.has(parsed.toString())) return 'is a cloud metadata address';
  if (parsed.kind() === 'ipv6') {
    const inner = embeddedIPv4(parsed as ipaddr.IPv6);
    if (inner) {
      const reason = refusedAddress(inner.toString(), allowPrivate);
      if (reason) return `embeds ${inner.toString()}, which ${reason}`;
      // NAT64, 6to4, Teredo and IPv4-compatible are transition mechanisms, not where partners host webhooks.
      const range = (parsed as ipaddr.IPv6).range();
      if (range === 'ipv4Mapped' || allowPrivate) return null;
      return range === 'unicast' ? 'is an IPv4-compatible address' : `is a ${range} address`;
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (allowPrivate && PRIVATE_RANGES.has(range)) return null;
  return `is a ${range} address`;
}

/**
 * The IPv4 addresses a host name spells in its labels, as wildcard DNS services resolve them
 * (`127.0.0.1.nip.io`, `10-0-0-5.sslip.io`, `app.10.0.0.5.nip.io`, and in hex: `a9fea9fe.nip.io`,
 * `0x7f000001.nip.io`, `app-0a000005.nip.io`): four decimal parts in a row, or one part of
 * 8 hex digits (with or without `0x`), anywhere in the name, separated by dots or dashes.
 */
function addressesInHostName(host: string): string[] {
  const parts = host.split(/[.-]/);
  const found: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const hex = /^(?:0x)?([0-9a-f]{8})$/.exec(parts[i]!);
    if (hex)
      found.push(
        hex[1]!
          .match(/../g)!
          .map((byte) => parseInt(byte, 16))
          .join('.'),
      );
    const four = parts.slice(i, i + 4);
    if (four.length === 4 && four.every((p) => /^\d{1,3}$/.test(p))) {
      const text = four.join('.');
      if (ipaddr.IPv4.isValidFourPartDecimal(text)) found.push(text);
    }
  }
  return found;
}

/**
 * Why a host name (not an IP literal) may not be a webhook target, or null: it spells an address
 * that is refused. Checked at registration and again when a delivery connects.
 */
export function refusedHostName(host: string, allowPrivate: boolean): string | null {
  const name = host.toLowerCase().replace(/\.$/, '');
  for (const address of addressesInHostName(name)) {
    const reason = refusedAddress(address, allowPrivate);
    if (reason) return `spells ${address}, which ${reason}`;
  }
  return null;
}

export type CheckedUrl = { ok: true; value: string } | { ok: false; message: string };

/**
 * Where Keyward may POST a partner's webhooks and callbacks: `https` on port 443 only, no
 * credentials in the URL, no literal address outside the public unicast range (in every
 * spelling the URL standard accepts: decimal, hex, octal, short IPv4, IPv4-mapped, NAT64,
 * 6to4), no local or metadata host names. With `allowPrivate` (development) also `http`, any
 * port and loopback/private targets, never link-local or metadata ones. Host names are checked
 * again against what they resolve to when a delivery connects.
 */
export function checkOutboundUrl(input: string, allowPrivate: boolean): CheckedUrl {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, message: 'must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return { ok: false, message: allowPrivate ? 'must use https or http' : 'must use https' };
  }
  if (!allowPrivate && url.port !== '') return { ok: false, message: 'must use the default https port 443' };
  if (url.username || url.password) return { ok: false, message: 'must not contain credentials' };
  if (url.hash) return { ok: false, message: 'must not contain a fragment' };
  // The URL standard has already turned 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 into 127.0.0.1.
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (ipaddr.isValid(host)) {
    const reason = refusedAddress(host, allowPrivate);
    return reason ? { ok: false, message: `must not point at an address that ${reason}` } : { ok: true, value: url.toString().replace(/\/$/, '') };
  }
  const name = host.replace(/\.$/, '');
  if (METADATA_HOSTS.has(name)) return { ok: false, message: 'must not point at a cloud metadata service' };
  const spelledReason = refusedHostName(name, allowPrivate);
  if (spelledReason) return { ok: false, message: `must not be a host name that ${spelledReason}` };
  if (!allowPrivate && (name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.internal') || name.endsWith('.local') || !name.includes('.'))) {
    return { ok: false, message: 'must be a public host name' };
  }
  return { ok: true, value: url.toString().replace(/\/$/, '') };
}
