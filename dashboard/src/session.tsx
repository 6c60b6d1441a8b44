import { createContext, useContext } from 'react';
import { Redirect } from 'wouter';

export interface Me {
  email: string;
  role: 'OWNER' | 'ADMIN' | 'DEVELOPER' | 'VIEWER';
  organization: { id: string; name: string; liveAccess: 'PENDING' | 'ENABLED' };
}

export const MeContext = createContext<Me | null>(null);

/** The signed-in member (pages render only once it is known). */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe() outside a signed-in page');
  return me;
}

/** Whether the member's role may change things in this environment (docs/api.md, the role table). */
export function mayWrite(me: Me, env: 'test' | 'live'): boolean {
  return me.role === 'OWNER' || me.role === 'ADMIN' || (me.role === 'DEVELOPER' && env === 'test');
}

/** Keyward sets `kw_signed_in=1` beside the session cookie (which no script may read). */
export const seemsSignedIn = () => document.cookie.split(';').some((c) => c.trim() === 'kw_signed_in=1');

/** The session ended (idle, removed, demoted, signed out elsewhere): so does the hint, and the member signs in again. */
export function SignedOut() {
  // biome-ignore lint/suspicious/noDocumentCookie: one assignment that drops a hint cookie; the Cookie Store API is not in every browser the dashboard serves
  document.cookie = 'kw_signed_in=; Max-Age=0; Path=/; SameSite=Strict';
  return <Redirect to="/sign-in" />;
}
