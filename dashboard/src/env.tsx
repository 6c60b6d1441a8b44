import { createContext, useContext } from 'react';
import type { Env } from './client.ts';

const STORAGE_KEY = 'keyward.env';

/** The environment the dashboard acts in, remembered in this browser. */
export function initialEnv(): Env {
  return localStorage.getItem(STORAGE_KEY) === 'live' ? 'live' : 'test';
}

export function rememberEnv(env: Env): void {
  localStorage.setItem(STORAGE_KEY, env);
}

export const EnvContext = createContext<{ env: Env; setEnv: (env: Env) => void }>({ env: 'test', setEnv: () => undefined });

export const useEnv = () => useContext(EnvContext);
