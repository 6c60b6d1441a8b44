/**
 * Which address a request comes from. X-Forwarded-For is attacker-controlled except
 * for the hops our own proxies appended on its right, so it is read only when the
 * socket peer is a trusted proxy, and only from the right.
 */
import { compileAllowlist, normalizeIp, parseCidr } from './cidr.ts';

export function resolveClientIp(
  socketAddress: string | undefined,
  forwardedFor: string | null | undefined,
  trustedProxies: ((ip: string) => boolean) | null,
): string | undefined {
  const peer = socketAddress === undefined ? null : normalizeIp(socketAddress);
  if (peer === null) return undefined;
  if (!trustedProxies || !forwardedFor || !trustedProxies(peer)) return peer;

  // Each hop was appended by the proxy to its right. Stop at the first hop we don't
  // trust: everything left of it is whatever that client chose to send.
  let leftmostTrusted = peer;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const text = hops[i]!.trim();
    if (text === '') continue;
    const hop = normalizeIp(text);
    // A trusted proxy vouched for garbage (or a port, `unknown`, …): the client is unknown.
    if (hop === null) return undefined;
    if (!trustedProxies(hop)) return hop;
    leftmostTrusted = hop;
  }
  return leftmostTrusted;
}

/**
 * Parses a comma-separated list of proxy IPs/CIDRs (no minimum prefix: `0.0.0.0/0`
 * means "trust every peer"). Unset or blank → null (trust no proxy).
 */
export function parseTrustedProxies(value: string | undefined): ((ip: string) => boolean) | null {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return null;
  return compileAllowlist(
    entries.map((entry) => {
      const parsed = parseCidr(entry, { minimumPrefix: false });
      if (!parsed.ok) throw new Error(`Invalid trusted proxy "${entry}": ${parsed.message}`);
      return parsed.value;
    }),
  );
}
