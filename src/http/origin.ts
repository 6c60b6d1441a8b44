/**
 * Whether a browser request comes from one of Keyward's own pages: its `Origin` is the public
 * URL's (KEYWARD_PUBLIC_URL). Without a configured public URL (a local start), an Origin naming
 * the very host the request was sent to counts too (`localhost` where the default public URL says
 * `127.0.0.1`). A page of another site cannot forge its Origin; and a host name pointed at
 * Keyward by someone else (DNS rebinding) gets no member cookie, which browsers keep per host.
 */
export function isOwnOrigin(
  origin: string | null | undefined,
  host: string | null | undefined,
  services: { publicUrl: string; originFromHost: boolean },
): boolean {
  if (!origin) return false;
  if (origin === new URL(services.publicUrl).origin) return true;
  if (!services.originFromHost || !host) return false;
  try {
    const { host: originHost, protocol } = new URL(origin);
    return (protocol === 'http:' || protocol === 'https:') && originHost === host.toLowerCase();
  } catch {
    return false;
  }
}
