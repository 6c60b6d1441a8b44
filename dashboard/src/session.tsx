import { createContext, useContext } from 'react';

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
