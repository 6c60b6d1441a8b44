import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { Redirect, Route, Router, Switch } from 'wouter';
import { createDashboardClient, type Env } from './client.ts';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { Layout } from './components/Layout.tsx';
import { Loading } from './components/States.tsx';
import { EnvContext, initialEnv, rememberEnv } from './env.tsx';
import { graphql } from './gql/index.ts';
import { KeysPage, prefetchKeys } from './pages/Keys.tsx';
import { MeContext, type Me, seemsSignedIn } from './session.tsx';

// The keys page (the one most visits open) comes with the app; every other page is its own chunk,
// fetched when first shown, so the keys page's first render parses only what it needs.
const ConnectionPage = lazy(() => import('./pages/Connection.tsx').then((m) => ({ default: m.ConnectionPage })));
const ConnectionsPage = lazy(() => import('./pages/Connections.tsx').then((m) => ({ default: m.ConnectionsPage })));
const LogsPage = lazy(() => import('./pages/Logs.tsx').then((m) => ({ default: m.LogsPage })));
const OrganizationPage = lazy(() => import('./pages/Organization.tsx').then((m) => ({ default: m.OrganizationPage })));
const SignInPage = lazy(() => import('./pages/SignIn.tsx').then((m) => ({ default: m.SignInPage })));
const TeamPage = lazy(() => import('./pages/Team.tsx').then((m) => ({ default: m.TeamPage })));
const WebhooksPage = lazy(() => import('./pages/Webhooks.tsx').then((m) => ({ default: m.WebhooksPage })));

const MeQuery = graphql(`
  query Me {
    viewer {
      kind
      member { id email role }
      organization { id name liveAccess }
    }
  }
`);

/** The pages of a signed-in member; without a session, the sign-in page. */
function SignedIn() {
  const signedIn = seemsSignedIn();
  const [{ data, error, fetching }] = useQuery({ query: MeQuery, requestPolicy: 'cache-and-network', pause: !signedIn });
  if (!signedIn) return <Redirect to="/sign-in" />;
  // (An ended session, UNAUTHENTICATED, shows the sign-in page: ErrorNotice does that for every request.)
  if (error) return <ErrorNotice error={error} />;
  if (fetching && !data) return <Loading what="your account" />;
  const viewer = data?.viewer;
  if (!viewer?.member || !viewer.organization) return <Redirect to="/sign-in" />;
  const me: Me = { email: viewer.member.email, role: viewer.member.role, organization: viewer.organization };
  return (
    <MeContext.Provider value={me}>
      <Layout>
        <Suspense fallback={<Loading what="the page" />}>
          <Switch>
            <Route path="/" component={KeysPage} />
            <Route path="/webhooks" component={WebhooksPage} />
            <Route path="/logs" component={LogsPage} />
            <Route path="/team" component={TeamPage} />
            <Route path="/organization" component={OrganizationPage} />
            <Route path="/connections" component={ConnectionsPage} />
            <Route path="/connections/:id" component={ConnectionPage} />
            <Route>
              <p>There is no such page. Choose one from the menu.</p>
            </Route>
          </Switch>
        </Suspense>
      </Layout>
    </MeContext.Provider>
  );
}

export function App() {
  const [env, setEnvState] = useState<Env>(initialEnv);
  // One client (and cache, and socket) per environment: switching never shows the other's data.
  const { client, ws } = useMemo(() => {
    const made = createDashboardClient(env);
    if (seemsSignedIn() && /^\/dashboard\/?$/.test(window.location.pathname)) prefetchKeys(made.client);
    return made;
  }, [env]);
  useEffect(() => () => void ws.dispose(), [ws]);
  const setEnv = (next: Env) => {
    rememberEnv(next);
    setEnvState(next);
  };
  return (
    <EnvContext.Provider value={{ env, setEnv }}>
      <Provider value={client}>
        <Router base="/dashboard">
          <Suspense fallback={<Loading what="the page" />}>
            <Switch>
              <Route path="/sign-in" component={SignInPage} />
              <Route>
                <SignedIn />
              </Route>
            </Switch>
          </Suspense>
        </Router>
      </Provider>
    </EnvContext.Provider>
  );
}
