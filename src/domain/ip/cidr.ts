/**
 * IP allowlists. Only canonical literals are accepted, IPv4-mapped IPv6 is folded
 * into IPv4 on both sides (entries and client addresses), so `::ffff:203.0.113.5`
 * cannot slip past a `203.0.113.0/24` entry or around a deny.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = { net: Address; prefix: number };
type Result = { ok: true; value: string } | { ok: false; message: string };

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DOTTED = `${OCTET}(?:\\.${OCTET}){3}`;
// Strict four-part decimal: no leading zeros (octal to some parsers), no hex, no short forms like `10.1`.
const IPV4_RE = new RegExp(`^${DOTTED}$`);
// Hex groups and colons, optionally ending in a dotted IPv4 that follows a colon
// (so `::ffff:01.2.3.4` cannot pass as `::ffff:0` + `1.2.3.4`); no zone id.
const IPV6_RE = new RegExp(`^(?:[0-9a-f:]+|[0-9a-f:]*:${DOTTED})$`, 'i');
const PREFIX_RE = /^(?:0|[1-9]\d{0,2})$/;
const MAX_ADDRESS_LENGTH = 45; // 0000:0000:0000:0000:0000:ffff:255.255.255.255
const MIN_PREFIX = { ipv4: 8, ipv6: 16 } as const;
const MAPPED = ipaddr.IPv6.parse('::ffff:0:0'); // ::ffff:0:0/96 is where IPv4 lives inside IPv6

/** Parses one canonical literal without unmapping; null when anything is off. */
function parseLiteral(text: string): Address | null {
  if (typeof text !== 'string' || text.length > MAX_ADDRESS_LENGTH) return null;
  if (IPV4_RE.test(text)) return ipaddr.IPv4.parse(text);
  if (!IPV6_RE.test(text) || !ipaddr.IPv6.isValid(text)) return null;
  // ipaddr.js reads `::1.2.3.4` as IPv4-mapped (::ffff:1.2.3.4), unlike `0::1.2.3.4`;
  // RFC 4291 makes it ::102:304, so expand it to the form ipaddr.js reads correctly.
  if (text.startsWith('::') && text.indexOf(':', 2) < 0 && text.includes('.')) return ipaddr.IPv6.parse(`0:0:0:0:0:0:${text.slice(2)}`);
  return ipaddr.IPv6.parse(text);
}

function unmap(addr: Address): Address {
  return addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress() ? addr.toIPv4Address() : addr;
}

function maxPrefix(addr: Address): number {
  return addr.kind() === 'ipv4' ? 32 : 128;
}

/** Clears the host bits. */
function networkAddress(addr: Address, prefix: number): Address {
  const bytes = addr.toByteArray().map((byte, i) => {
    const keep = Math.min(8, Math.max(0, prefix - 8 * i));
    return byte & (0xff00 >> keep) & 0xff;
  });
  return ipaddr.fromByteArray(bytes);
}

/** An IPv6 range of /96 or wider that holds ::ffff:0:0 holds every IPv4 address. */
function coversAllIpv4({ net, prefix }: Range): boolean {
  return net.kind() === 'ipv6' && prefix <= 96 && MAPPED.match(net, prefix);
}

function format({ net, prefix }: Range): string {
  return prefix === maxPrefix(net) ? net.toString() : `${net.toString()}/${prefix}`;
}

function parseRange(input: string, minimumPrefix: boolean): { ok: true; range: Range } | { ok: false; message: string } {
  if (typeof input !== 'string') return { ok: false, message: 'must be an IP address or CIDR range' };
  const text = input.trim();
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  if (addrText.includes('%')) {
    return { ok: false, message: `"${addrText.slice(0, 64)}": zone ids (like %eth0) are not allowed` };
  }
  const raw = parseLiteral(addrText);
  if (!raw) {
    return {
      ok: false,
      message: `"${addrText.slice(0, 64)}" is not a valid IP address; write IPv4 as four decimal numbers without leading zeros (like 203.0.113.7) or IPv6 like 2001:db8::1`,
    };
  }
  let prefix = maxPrefix(raw);
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!PREFIX_RE.test(prefixText) || Number(prefixText) > prefix) {
      return { ok: false, message: `"/${prefixText.slice(0, 16)}" is not a valid prefix length; use /0 to /${prefix}` };
    }
    prefix = Number(prefixText);
  }

  let addr = raw;
  if (raw instanceof ipaddr.IPv6 && prefix >= 96 && raw.isIPv4MappedAddress()) {
    addr = raw.toIPv4Address(); // ::ffff:10.0.0.0/104 is 10.0.0.0/8
    prefix -= 96;
  }
  const range = { net: networkAddress(addr, prefix), prefix };

  if (minimumPrefix) {
    const kind = range.net.kind();
    const min = MIN_PREFIX[kind];
    if (prefix < min) {
      return { ok: false, message: `prefix /${prefix} is wider than the minimum /${min} for ${kind === 'ipv4' ? 'IPv4' : 'IPv6'}` };
    }
    if (coversAllIpv4(range)) {
      return {
        ok: false,
        message: `${format(range)} contains every IPv4 address (as ::ffff:0:0/96), which is wider than the minimum /8 for IPv4`,
      };
    }
  }
  return { ok: true, range };
}

/**
 * Parses an IP or CIDR into its normalized text: unmapped, host bits cleared,
 * single addresses without `/32` or `/128`, IPv6 in compact lower case.
 * `minimumPrefix` enforces /8 (IPv4) and /16 (IPv6); trusted-proxy lists skip it.
 */
export function parseCidr(input: string, options: { minimumPrefix: boolean }): Result {
  const parsed = parseRange(input, options.minimumPrefix);
  return parsed.ok ? { ok: true, value: format(parsed.range) } : parsed;
}

/** Validates and normalizes one allowlist entry (an IP or CIDR) as stored on a key. */
export function parseAllowlistEntry(input: string): Result {
  return parseCidr(input, { minimumPrefix: true });
}

/** Canonical text of a single client address (IPv4-mapped IPv6 becomes IPv4), or null. */
export const normalizeIp = remembered((input: string): string | null => {
  const addr = parseLiteral(input);
  return addr ? unmap(addr).toString() : null;
});

/**
 * The group a client address is counted in by per-address limits: an IPv4 address alone, an
 * IPv6 address by its /64 (the block one subscriber or host is usually given, so that holding
 * many IPv6 addresses buys no more attempts). Null when the address does not parse.
 */
export const addressGroup = remembered((input: string): string | null => {
  const raw = parseLiteral(input);
  if (!raw) return null;
  const addr = unmap(raw);
  return addr.kind() === 'ipv4' ? addr.toString() : format({ net: networkAddress(addr, 64), prefix: 64 });
});

/**
 * Every request parses its client's address twice (normalized, grouped), and clients repeat: the
 * last thousand answers are kept (a few µs a request). The map starts over when full, so a flood
 * of new addresses costs parsing, never memory.
 */
function remembered(parse: (input: string) => string | null): (input: string) => string | null {
  const answers = new Map<string, string | null>();
  return (input) => {
    let answer = answers.get(input);
    if (answer === undefined) {
      answer = parse(input);
      // Only what could be an address is kept (a forwarded hop is the client's own text).
      if (input.length > 64) return answer;
      if (answers.size >= 1_000) answers.clear();
      answers.set(input, answer);
    }
    return answer;
  };
}

/**
 * Compiles normalized entries (see parseCidr) into a matcher for raw client addresses.
 * An empty list allows everyone; otherwise an unparsable address is denied.
 * Throws on an entry that does not parse, so corrupt data fails loudly and closed.
 */
export function compileAllowlist(entries: readonly string[]): (ip: string) => boolean {
  if (entries.length === 0) return () => true;
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const entry of entries) {
    const parsed = parseRange(entry, false);
    if (!parsed.ok) throw new Error(`invalid allowlist entry "${entry}": ${parsed.message}`);
    const { range } = parsed;
    if (range.net.kind() === 'ipv4') v4.push(range);
    else {
      v6.push(range);
      // Clients are unmapped to IPv4 before matching, so a range like `::/0` must match them too.
      if (coversAllIpv4(range)) v4.push({ net: ipaddr.IPv4.parse('0.0.0.0'), prefix: 0 });
    }
  }
  return (ip) => {
    const raw = parseLiteral(ip);
    if (!raw) return false;
    const addr = unmap(raw);
    // ipaddr's match throws across families, hence one list per family.
    return (addr.kind() === 'ipv4' ? v4 : v6).some(({ net, prefix }) => addr.match(net, prefix));
  };
}

/**
 * The entries of `inner` that `outer` does not wholly cover (each normalized, see parseCidr).
 * An empty `outer` allows everyone and covers anything; an empty `inner` allows everyone, so
 * against a non-empty `outer` it is reported as `*`. Used to keep a key's allowlist within the
 * acting key's (src/domain/access/reach.ts).
 */
export function uncoveredEntries(inner: readonly string[], outer: readonly string[]): string[] {
  if (outer.length === 0) return [];
  if (inner.length === 0) return ['*'];
  const ranges = outer.map((entry) => parseRange(entry, false)).flatMap((parsed) => (parsed.ok ? [parsed.range] : []));
  return inner.filter((entry) => {
    const parsed = parseRange(entry, false);
    if (!parsed.ok) return true;
    const { net, prefix } = parsed.range;
    return !ranges.some((range) => {
      if (range.net.kind() === net.kind()) return prefix >= range.prefix && net.match(range.net, range.prefix);
      // An IPv4 range is inside an IPv6 range that holds the whole mapped block.
      return net.kind() === 'ipv4' && coversAllIpv4(range);
    });
  });
}
