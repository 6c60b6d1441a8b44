import { useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { Redirect, Route, Router, Switch } from 'wouter';
import { createDashboardClient, type Env } from './client.ts';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { Layout } from './components/Layout.tsx';
import { Loading } from './components/States.tsx';
import { EnvContext, initialEnv, rememberEnv } from './env.tsx';
import { graphql } from './gql/index.ts';
import { ConnectionPage } from './pages/Connection.tsx';
import { ConnectionsPage } from './pages/Connections.tsx';
import { KeysPage } from './pages/Keys.tsx';
import { LogsPage } from './pages/Logs.tsx';
import { OrganizationPage } from './pages/Organization.tsx';
import { SignInPage } from './pages/SignIn.tsx';
import { TeamPage } from './pages/Team.tsx';
import { WebhooksPage } from './pages/Webhooks.tsx';
import { MeContext, type Me, seemsSignedIn } from './session.tsx';

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
      </Layout>
    </MeContext.Provider>
  );
}

export function App() {
  const [env, setEnvState] = useState<Env>(initialEnv);
  // One client (and cache, and socket) per environment: switching never shows the other's data.
  const { client, ws } = useMemo(() => createDashboardClient(env), [env]);
  useEffect(() => () => void ws.dispose(), [ws]);
  const setEnv = (next: Env) => {
    rememberEnv(next);
    setEnvState(next);
  };
  return (
    <EnvContext.Provider value={{ env, setEnv }}>
      <Provider value={client}>
        <Router base="/dashboard">
          <Switch>
            <Route path="/sign-in" component={SignInPage} />
            <Route>
              <SignedIn />
            </Route>
          </Switch>
        </Router>
      </Provider>
    </EnvContext.Provider>
  );
}
