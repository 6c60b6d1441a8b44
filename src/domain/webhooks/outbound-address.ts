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
      return null;
  }
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
      // NAT64, 6to4 and Teredo are transition mechanisms, not where partners host webhooks.
      return (parsed as ipaddr.IPv6).range() === 'ipv4Mapped' || allowPrivate ? null : `is a ${parsed.range()} address`;
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (allowPrivate && PRIVATE_RANGES.has(range)) return null;
  return `is a ${range} address`;
}

/**
 * A host name that spells an IPv4 address in its first labels, as wildcard DNS services do
 * (`127.0.0.1.nip.io`, `10-0-0-5.sslip.io`): the address it will resolve to.
 */
function addressInHostName(host: string): string | null {
  const match = /^(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-][a-z]/.exec(host);
  if (!match) return null;
  const text = match.slice(1, 5).join('.');
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? text : null;
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
  const spelled = addressInHostName(name);
  const spelledReason = spelled ? refusedAddress(spelled, allowPrivate) : null;
  if (spelledReason) return { ok: false, message: `must not be a host name that resolves to an address that ${spelledReason}` };
  if (!allowPrivate && (name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.internal') || name.endsWith('.local') || !name.includes('.'))) {
    return { ok: false, message: 'must be a public host name' };
  }
  return { ok: true, value: url.toString().replace(/\/$/, '') };
}
