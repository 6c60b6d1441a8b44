import { useQuery } from 'urql';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/States.tsx';
import { list, when } from '../format.ts';
import { graphql } from '../gql/index.ts';

const OrganizationSettings = graphql(`
  query OrganizationSettings {
    viewer {
      organization {
        id
        name
        status
        liveAccess
        rateLimitRequests
        rateLimitWindowSeconds
        sessionIdleTimeoutSeconds
        disabledPermissions
        userKeyRecovery
        createdAt
        updatedAt
      }
    }
  }
`);

const UNITS: [seconds: number, name: string][] = [
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** Seconds as people say them: "1 hour 30 minutes", "2 days". */
function duration(seconds: number): string {
  const parts: string[] = [];
  let left = seconds;
  for (const [size, name] of UNITS) {
    const count = Math.floor(left / size);
    if (count === 0) continue;
    parts.push(`${count} ${name}${count === 1 ? '' : 's'}`);
    left -= count * size;
  }
  return parts.join(' ') || '0 seconds';
}

/** "per minute" for one of a unit, "per 5 minutes" otherwise. */
const per = (seconds: number) => `per ${duration(seconds).replace(/^1 /, '')}`;

/** The organization's settings: the platform operator's to change, shown to every member as they are. */
export function OrganizationPage() {
  const [{ data, error, fetching }] = useQuery({ query: OrganizationSettings });
  const org = data?.viewer.organization;
  return (
    <section aria-labelledby="organization-title">
      <h1 id="organization-title">Organization</h1>
      <p className="hint">These settings are the platform operator's: ask the operator to change any of them.</p>
      <ErrorNotice error={error} />
      {!org && fetching && <Loading what="the organization" />}
      {org && (
        <dl className="settings">
          <dt>Name</dt>
          <dd>{org.name}</dd>
          <dt>Status</dt>
          <dd>{org.status === 'ACTIVE' ? 'Active' : 'Inactive: its keys and members are refused (ORG_INACTIVE)'}</dd>
          <dt>LIVE access</dt>
          <dd>
            {org.liveAccess === 'ENABLED' ? (
              'Enabled: LIVE keys and connections work'
            ) : (
              <>
                <strong>Not enabled yet</strong> (PENDING). TEST works now. Ask the platform operator to enable LIVE access; until then LIVE keys and
                connections cannot be created.
              </>
            )}
          </dd>
          <dt>Rate limit</dt>
          <dd>
            {org.rateLimitRequests.toLocaleString('en')} requests {per(org.rateLimitWindowSeconds)} for each key, unless a key has its own number
          </dd>
          <dt>Auto-logout</dt>
          <dd>After {duration(org.sessionIdleTimeoutSeconds)} without a request (sessions and members signed in)</dd>
          <dt>Disabled permissions</dt>
          <dd>{list(org.disabledPermissions, 'none: every permission is available')}</dd>
          <dt>User-key recovery</dt>
          <dd>
            {org.userKeyRecovery === 'ENCRYPTED'
              ? "On: user keys are kept encrypted, so connectUser and connectionStatus can return a connected user's key again"
              : 'Off: a user key is shown once, when it is made'}
          </dd>
          <dt>Created</dt>
          <dd>{when(org.createdAt, '')}</dd>
          <dt>Last changed</dt>
          <dd>{when(org.updatedAt, '')}</dd>
        </dl>
      )}
    </section>
  );
}
