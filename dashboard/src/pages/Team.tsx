import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { FormActions } from '../components/FormActions.tsx';
import { Pager, usePages } from '../components/Pager.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useEnv } from '../env.tsx';
import { when } from '../format.ts';
import { graphql } from '../gql/index.ts';
import type { MemberRole, MemberRowFragment, SessionRowFragment } from '../gql/graphql.ts';
import { mayWrite, SignedOut, useMe } from '../session.tsx';

graphql(`
  fragment SessionRow on ApiKey {
    id
    keyId
    kind
    name
    createdAt
    lastUsedAt
    expiresAt
    member { id email }
    openedWith { id name }
  }
`);

graphql(`
  fragment MemberRow on Member {
    id
    email
    role
    createdAt
    lastSignInAt
  }
`);

const CurrentSession = graphql(`
  query CurrentSession {
    viewer { key { id } }
  }
`);

const Sessions = graphql(`
  query Sessions($kind: ApiKeyKind!, $first: Int!, $after: String) {
    sessions(kind: $kind, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...SessionRow } }
    }
  }
`);

// Devices' sessions are keys: they open and end in the key events (members' sessions are not an environment's).
const SessionKeyEvents = graphql(`
  subscription SessionKeyEvents($after: String) {
    apiKeyEvents(after: $after) { cursor type }
  }
`);

const Members = graphql(`
  query Members($first: Int!, $after: String) {
    members(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...MemberRow } }
    }
  }
`);

const RevokeSession = graphql(`
  mutation RevokeSession($input: RevokeSessionInput!) {
    revokeSession(input: $input) {
      __typename
      ... on RevokeSessionSuccess { session { ...SessionRow } }
      ... on Error { code message }
    }
  }
`);

const InviteMember = graphql(`
  mutation InviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      __typename
      ... on InviteMemberSuccess { member { ...MemberRow } }
      ... on Error { code message }
    }
  }
`);

const UpdateMember = graphql(`
  mutation UpdateMember($input: UpdateMemberInput!) {
    updateMember(input: $input) {
      __typename
      ... on UpdateMemberSuccess { member { ...MemberRow } }
      ... on Error { code message }
    }
  }
`);

const RemoveMember = graphql(`
  mutation RemoveMember($input: RemoveMemberInput!) {
    removeMember(input: $input) {
      __typename
      ... on RemoveMemberSuccess { member { ...MemberRow } }
      ... on Error { code message }
    }
  }
`);

/** Highest first, with what each may (docs/api.md, the role table). */
const ROLES: { value: MemberRole; label: string }[] = [
  { value: 'OWNER', label: 'OWNER: everything, members included' },
  { value: 'ADMIN', label: 'ADMIN: everything but members' },
  { value: 'DEVELOPER', label: 'DEVELOPER: reads both environments, changes TEST' },
  { value: 'VIEWER', label: 'VIEWER: reads both environments, changes nothing' },
];
const rank = (role: MemberRole) => ROLES.length - ROLES.findIndex((r) => r.value === role);

type Editing =
  | { kind: 'signOut'; session: SessionRowFragment; current: boolean }
  | { kind: 'invite' }
  | { kind: 'role' | 'remove'; member: MemberRowFragment }
  | null;

export function TeamPage() {
  const me = useMe();
  const owner = me.role === 'OWNER';
  const [editing, setEditing] = useState<Editing>(null);
  const [invited, setInvited] = useState<string | null>(null);
  const [{ data: current }] = useQuery({ query: CurrentSession });
  const currentId = current?.viewer.key?.id;
  // Devices' sessions open and end as their keys change, anywhere: the list follows.
  useSubscription({ query: SessionKeyEvents, variables: {} });
  const close = () => setEditing(null);
  return (
    <section aria-labelledby="team-title">
      <h1 id="team-title">Sessions and members</h1>
      <SessionList
        kind="MEMBER"
        title="Members signed in"
        hint={owner ? "Every member's dashboard sessions." : 'Your dashboard sessions.'}
        currentId={currentId}
        onSignOut={(session) => setEditing({ kind: 'signOut', session, current: session.id === currentId })}
      />
      <SessionList
        kind="SESSION"
        title="Devices"
        hint="Sessions that devices opened with a key (createSession) in this environment."
        currentId={currentId}
        onSignOut={(session) => setEditing({ kind: 'signOut', session, current: false })}
      />
      <MemberList
        owner={owner}
        onInvite={() => {
          setInvited(null);
          setEditing({ kind: 'invite' });
        }}
        onChangeRole={(member) => setEditing({ kind: 'role', member })}
        onRemove={(member) => setEditing({ kind: 'remove', member })}
        invited={invited}
      />
      <Dialog title="Sign this session out?" open={editing?.kind === 'signOut'} onClose={close}>
        {editing?.kind === 'signOut' && <SignOutForm session={editing.session} current={editing.current} onDone={close} />}
      </Dialog>
      <Dialog title="Invite a member" open={editing?.kind === 'invite'} onClose={close}>
        {editing?.kind === 'invite' && (
          <InviteForm
            onInvited={(email) => {
              setInvited(email);
              close();
            }}
            onCancel={close}
          />
        )}
      </Dialog>
      <Dialog title={editing?.kind === 'role' ? `Change the role of ${editing.member.email}` : 'Change role'} open={editing?.kind === 'role'} onClose={close}>
        {editing?.kind === 'role' && <RoleForm member={editing.member} onDone={close} />}
      </Dialog>
      <Dialog title={editing?.kind === 'remove' ? `Remove ${editing.member.email}?` : 'Remove'} open={editing?.kind === 'remove'} onClose={close}>
        {editing?.kind === 'remove' && <RemoveForm member={editing.member} onDone={close} />}
      </Dialog>
    </section>
  );
}

function SessionList({
  kind,
  title,
  hint,
  currentId,
  onSignOut,
}: {
  kind: 'MEMBER' | 'SESSION';
  title: string;
  hint: string;
  currentId: string | undefined;
  onSignOut: (session: SessionRowFragment) => void;
}) {
  const me = useMe();
  const { env } = useEnv();
  const pages = usePages();
  const [{ data, error, fetching }] = useQuery({ query: Sessions, variables: { kind, first: 20, after: pages.after } });
  // Members' sessions listed are the member's own (an OWNER's: everyone's): each may end them. Devices' need a role that changes the environment.
  const mayEnd = kind === 'MEMBER' || mayWrite(me, env);
  const connection = data?.sessions;
  const headingId = `sessions-${kind.toLowerCase()}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>
        {title}
        {connection ? ` (${connection.totalCount})` : ''}
      </h2>
      <p className="hint">{hint}</p>
      <ErrorNotice error={error} />
      {!connection && fetching && <Loading what="sessions" />}
      {connection && connection.edges.length === 0 && <Empty>No open sessions.</Empty>}
      {connection && connection.edges.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{kind === 'MEMBER' ? 'Member and browser' : 'Device'}</th>
                <th scope="col">Key ID</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                {mayEnd && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {connection.edges.map(({ node: session }) => (
                <tr key={session.id}>
                  <td>
                    {session.member ? (
                      <>
                        {session.member.email}
                        <br />
                        <span className="hint">{session.name}</span>
                      </>
                    ) : (
                      <>
                        {session.name}
                        {session.openedWith && (
                          <>
                            <br />
                            <span className="hint">opened with {session.openedWith.name}</span>
                          </>
                        )}
                      </>
                    )}
                    {session.id === currentId && <span className="badge">this browser</span>}
                  </td>
                  <td>
                    <code>{session.keyId}</code>
                  </td>
                  <td>{when(session.createdAt, '')}</td>
                  <td>{when(session.lastUsedAt, 'never')}</td>
                  <td>{when(session.expiresAt, 'never')}</td>
                  {mayEnd && (
                    <td className="row-actions">
                      <button type="button" className="danger" onClick={() => onSignOut(session)} aria-label={`Sign out ${session.keyId}`}>
                        Sign out
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {connection && <Pager pages={pages} pageInfo={connection.pageInfo} />}
    </section>
  );
}

function MemberList({
  owner,
  invited,
  onInvite,
  onChangeRole,
  onRemove,
}: {
  owner: boolean;
  invited: string | null;
  onInvite: () => void;
  onChangeRole: (member: MemberRowFragment) => void;
  onRemove: (member: MemberRowFragment) => void;
}) {
  const me = useMe();
  const pages = usePages();
  const [{ data, error, fetching }] = useQuery({ query: Members, variables: { first: 20, after: pages.after } });
  const connection = data?.members;
  return (
    <section aria-labelledby="members-title">
      <div className="page-head">
        <h2 id="members-title">Members{connection ? ` (${connection.totalCount})` : ''}</h2>
        {owner && (
          <button type="button" onClick={onInvite}>
            Invite member
          </button>
        )}
      </div>
      <p className="hint">
        {owner
          ? 'Inviting, changing a role and removing need a sign-in in the last 15 minutes.'
          : 'Only an OWNER invites, changes or removes members: ask one of them.'}
      </p>
      {invited && (
        <div className="notice" role="status">
          Invitation mailed to {invited}. Its sign-in link works for 24 hours.
        </div>
      )}
      <ErrorNotice error={error} />
      {!connection && fetching && <Loading what="members" />}
      {connection && connection.edges.length === 0 && <Empty>No members.</Empty>}
      {connection && connection.edges.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Member since</th>
                <th scope="col">Last sign-in</th>
                {owner && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {connection.edges.map(({ node: member }) => (
                <tr key={member.id}>
                  <td>
                    {member.email}
                    {member.email === me.email && <span className="badge">you</span>}
                  </td>
                  <td>{member.role}</td>
                  <td>{when(member.createdAt, '')}</td>
                  <td>{when(member.lastSignInAt, 'not yet (invited)')}</td>
                  {owner && (
                    <td className="row-actions">
                      <button type="button" onClick={() => onChangeRole(member)} aria-label={`Change role of ${member.email}`}>
                        Change role
                      </button>
                      <button type="button" className="danger" onClick={() => onRemove(member)} aria-label={`Remove ${member.email}`}>
                        Remove
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {connection && <Pager pages={pages} pageInfo={connection.pageInfo} />}
    </section>
  );
}

function SignOutForm({ session, current, onDone }: { session: SessionRowFragment; current: boolean; onDone: () => void }) {
  const [result, revoke] = useMutation(RevokeSession);
  const payload = result.data?.revokeSession;
  // This browser's own session: signed out, it signs in again.
  if (current && payload?.__typename === 'RevokeSessionSuccess') return <SignedOut />;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await revoke({ input: { id: session.id } });
        if (done.data?.revokeSession.__typename === 'RevokeSessionSuccess' && !current) onDone();
      }}
    >
      <p>
        {session.member ? `${session.member.email} on ${session.name}` : session.name} (<code>{session.keyId}</code>) ends at once: its next request is refused
        {current ? '. This is this browser: you sign in again.' : '.'}
      </p>
      <ErrorNotice error={result.error} payload={payload?.__typename === 'RevokeSessionSuccess' ? null : payload} />
      <FormActions label="Sign out" onCancel={onDone} busy={result.fetching} danger />
    </form>
  );
}

function RoleSelect({ id, value, onChange }: { id: string; value: MemberRole; onChange: (role: MemberRole) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as MemberRole)}>
      {ROLES.map((role) => (
        <option key={role.value} value={role.value}>
          {role.label}
        </option>
      ))}
    </select>
  );
}

function InviteForm({ onInvited, onCancel }: { onInvited: (email: string) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('DEVELOPER');
  const [result, invite] = useMutation(InviteMember);
  const payload = result.data?.inviteMember;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await invite({ input: { email, role } });
        const invited = done.data?.inviteMember;
        if (invited?.__typename === 'InviteMemberSuccess') onInvited(invited.member.email);
      }}
    >
      <p className="hint">Keyward mails the address a sign-in link that works for 24 hours.</p>
      <label htmlFor="invite-email">E-mail</label>
      <input id="invite-email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <label htmlFor="invite-role">Role</label>
      <RoleSelect id="invite-role" value={role} onChange={setRole} />
      <ErrorNotice error={result.error} payload={payload?.__typename === 'InviteMemberSuccess' ? null : payload} />
      <FormActions label="Send invitation" onCancel={onCancel} busy={result.fetching} />
    </form>
  );
}

function RoleForm({ member, onDone }: { member: MemberRowFragment; onDone: () => void }) {
  const [role, setRole] = useState<MemberRole>(member.role);
  const [result, update] = useMutation(UpdateMember);
  const payload = result.data?.updateMember;
  const demotion = rank(role) < rank(member.role);
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await update({ input: { id: member.id, role } });
        if (done.data?.updateMember.__typename === 'UpdateMemberSuccess') onDone();
      }}
    >
      <label htmlFor="member-role">New role (now {member.role})</label>
      <RoleSelect id="member-role" value={role} onChange={setRole} />
      {demotion && (
        <p className="notice warning">
          A lower role signs {member.email} out everywhere: every session of theirs ends now, and they sign in again as {role}.
        </p>
      )}
      <ErrorNotice error={result.error} payload={payload?.__typename === 'UpdateMemberSuccess' ? null : payload} />
      <FormActions label="Change role" onCancel={onDone} busy={result.fetching} disabled={role === member.role} />
    </form>
  );
}

function RemoveForm({ member, onDone }: { member: MemberRowFragment; onDone: () => void }) {
  const [result, remove] = useMutation(RemoveMember);
  const payload = result.data?.removeMember;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await remove({ input: { id: member.id } });
        if (done.data?.removeMember.__typename === 'RemoveMemberSuccess') onDone();
      }}
    >
      <p>
        {member.email} ({member.role}) loses access at once: every session of theirs ends now. To let them back, invite them again.
      </p>
      <ErrorNotice error={result.error} payload={payload?.__typename === 'RemoveMemberSuccess' ? null : payload} />
      <FormActions label="Remove member" onCancel={onDone} busy={result.fetching} danger />
    </form>
  );
}
