/**
 * Whether a browser request comes from one of Keyward's own pages: its `Origin` is the public
 * URL's (KEYWARD_PUBLIC_URL), or names the very host the request was sent to (the page and the
 * request share an origin, e.g. `localhost` where the public URL says `127.0.0.1`). A page of
 * another site cannot forge its Origin; and a host name pointed at Keyward by someone else
 * (DNS rebinding) gets no member cookie, which the browser keeps per host name.
 */
export function isOwnOrigin(origin: string | null | undefined, host: string | null | undefined, publicUrl: string): boolean {
  if (!origin) return false;
  if (origin === new URL(publicUrl).origin) return true;
  try {
    const { host: originHost, protocol } = new URL(origin);
    return (protocol === 'http:' || protocol === 'https:') && host !== null && host !== undefined && originHost === host.toLowerCase();
  } catch {
    return false;
  }
}
