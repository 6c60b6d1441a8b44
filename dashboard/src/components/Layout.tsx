import { type ReactNode, useRef } from 'react';
import { useMutation } from 'urql';
import { Link, useLocation } from 'wouter';
import type { Env } from '../client.ts';
import { useEnv } from '../env.tsx';
import { useFocusKept } from '../focus.ts';
import { graphql } from '../gql/index.ts';
import { useMe } from '../session.tsx';

const SignOut = graphql(`
  mutation SignOut {
    signOut { signedOut }
  }
`);

const PAGES = [
  { path: '/', label: 'API keys' },
  { path: '/connections', label: 'Connections' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/logs', label: 'Logs' },
  { path: '/team', label: 'Sessions and members' },
  { path: '/organization', label: 'Organization' },
];

function EnvSwitch() {
  const { env, setEnv } = useEnv();
  return (
    <fieldset className="env-switch">
      <legend className="visually-hidden">Environment</legend>
      {(['test', 'live'] as Env[]).map((value) => (
        <label key={value} className={env === value ? 'selected' : undefined}>
          <input type="radio" name="env" value={value} checked={env === value} onChange={() => setEnv(value)} />
          {value.toUpperCase()}
        </label>
      ))}
    </fieldset>
  );
}

/** While the operator has not opened LIVE, LIVE pages say so and what to do. */
function LivePending() {
  const { env } = useEnv();
  const me = useMe();
  if (env !== 'live' || me.organization.liveAccess === 'ENABLED') return null;
  return (
    <div className="notice warning" role="status">
      <strong>LIVE is not enabled yet</strong> for {me.organization.name}. TEST works now. Ask the platform operator to enable LIVE access; until then LIVE keys
      and connections cannot be created.
    </div>
  );
}

/** A page is current on its own path and on the pages under it (a connection's detail under Connections). */
const isCurrent = (path: string, location: string) => location === path || (path !== '/' && location.startsWith(`${path}/`));

export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const [location, navigate] = useLocation();
  const [, signOut] = useMutation(SignOut);
  const main = useRef<HTMLElement>(null);
  useFocusKept(main);
  return (
    <div className="shell">
      {/* The first Tab of every page: past the environment switch and the menu, to the page itself. */}
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Keyward</span>
        <span className="org">{me.organization.name}</span>
        <EnvSwitch />
        <span className="me">
          {me.email} <span className="role">{me.role}</span>
        </span>
        <button
          type="button"
          className="link"
          onClick={async () => {
            await signOut({});
            navigate('/sign-in');
          }}
        >
          Sign out
        </button>
      </header>
      <nav aria-label="Pages">
        <ul>
          {PAGES.map((page) => (
            <li key={page.path}>
              <Link href={page.path} aria-current={isCurrent(page.path, location) ? 'page' : undefined}>
                {page.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <LivePending />
        {children}
      </main>
    </div>
  );
}
