import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { ActionForm } from '../components/ActionForm.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import {
  EditKeyForm,
  KeyActions,
  KeyCells,
  KeyDraftFields,
  KeyHeaders,
  keyDraftInput,
  newKeyDraft,
  RevokeKeyForm,
  RotateKeyForm,
} from '../components/KeyFields.tsx';
import { Pager, usePages } from '../components/Pager.tsx';
import { TableBox } from '../components/TableBox.tsx';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useEnv } from '../env.tsx';
import { entries, list, when } from '../format.ts';
import { graphql } from '../gql/index.ts';
import type { ConnectionDetailQuery, SandboxTarget } from '../gql/graphql.ts';
import { SANDBOX_STEPS } from '../sandbox.ts';
import { mayWrite, useMe } from '../session.tsx';
import { ConnectionEvents, STATUS_MEANING, StatusBadge } from './Connections.tsx';
import { KeyEvents } from './Keys.tsx';

const ConnectionDetail = graphql(`
  query ConnectionDetail($id: ID!, $first: Int!, $after: String) {
    node(id: $id) {
      __typename
      ... on Connection {
        id
        email
        ref
        status
        direction
        environment
        depositIban
        depositAddress
        createdAt
        updatedAt
        keys(first: $first, after: $after) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { node { ...KeyRow allowedRecipients } }
        }
      }
    }
  }
`);

const CreateUserKey = graphql(`
  mutation CreateUserKey($input: CreateUserKeyInput!) {
    createUserKey(input: $input) {
      __typename
      ... on CreateUserKeySuccess { secret key { ...KeyRow allowedRecipients } }
      ... on Error { code message }
    }
  }
`);

const RotateUserKey = graphql(`
  mutation RotateUserKey($input: RotateUserKeyInput!) {
    rotateUserKey(input: $input) {
      __typename
      ... on RotateUserKeySuccess { secret key { ...KeyRow allowedRecipients } previous { ...KeyRow } }
      ... on Error { code message }
    }
  }
`);

const UpdateUserKey = graphql(`
  mutation UpdateUserKey($input: UpdateUserKeyInput!) {
    updateUserKey(input: $input) {
      __typename
      ... on UpdateUserKeySuccess { key { ...KeyRow allowedRecipients } }
      ... on Error { code message }
    }
  }
`);

const RevokeUserKey = graphql(`
  mutation RevokeUserKey($input: RevokeUserKeyInput!) {
    revokeUserKey(input: $input) {
      __typename
      ... on RevokeUserKeySuccess { key { ...KeyRow } }
      ... on Error { code message }
    }
  }
`);

const RevokeAllUserKeys = graphql(`
  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {
    revokeAllUserKeys(input: $input) {
      __typename
      ... on RevokeAllUserKeysSuccess { revokedCount }
      ... on Error { code message }
    }
  }
`);

const DisconnectUser = graphql(`
  mutation DisconnectUser($input: DisconnectUserInput!) {
    disconnectUser(input: $input) {
      __typename
      ... on DisconnectUserSuccess { connection { id status updatedAt } }
      ... on Error { code message }
    }
  }
`);

const AdvanceSandboxConnection = graphql(`
  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {
    advanceSandboxConnection(input: $input) {
      __typename
      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status updatedAt depositIban depositAddress } }
      ... on Error { code message }
    }
  }
`);

type Detail = Extract<NonNullable<ConnectionDetailQuery['node']>, { __typename: 'Connection' }>;
type UserKey = Detail['keys']['edges'][number]['node'];
type Open =
  | { kind: 'create' | 'revokeAll' | 'disconnect' }
  | { kind: 'edit' | 'rotate' | 'revoke'; key: UserKey }
  | { kind: 'secret'; label: string; secret: string }
  | null;

/** One connection: what it is, where its user pays in, its user keys; in TEST, the sandbox's moves. */
export function ConnectionPage({ params }: { params: { id: string } }) {
  const id = decodeURIComponent(params.id);
  const me = useMe();
  const { env } = useEnv();
  const writable = mayWrite(me, env);
  const keyPages = usePages();
  const [{ data, error, fetching }] = useQuery({ query: ConnectionDetail, variables: { id, first: 20, after: keyPages.after } });
  // The status (connectionEvents) and the keys (apiKeyEvents) follow every change, wherever it is made.
  useSubscription({ query: ConnectionEvents, variables: {} });
  useSubscription({ query: KeyEvents, variables: {} });
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  const showSecret = (label: string, secret: string) => setOpen({ kind: 'secret', label, secret });
  const node = data?.node;
  const connection = node?.__typename === 'Connection' ? node : null;
  const back = <Link href="/connections">All connections</Link>;
  if (!data && fetching) return <Loading what="the connection" />;
  if (!connection) {
    return (
      <section aria-labelledby="connection-title">
        <h1 id="connection-title">Connection</h1>
        <ErrorNotice error={error} />
        {!error && <Empty>There is no such connection in the {env.toUpperCase()} environment.</Empty>}
        <p>{back}</p>
      </section>
    );
  }
  const keys = connection.keys;
  const anyActive = keys.edges.some((edge) => edge.node.active) || keys.pageInfo.hasNextPage;
  return (
    <section aria-labelledby="connection-title">
      <p className="breadcrumb">{back}</p>
      <div className="page-head">
        <h1 id="connection-title">{connection.email}</h1>
        {writable && connection.status === 'CONNECTED' && (
          <button type="button" className="danger" onClick={() => setOpen({ kind: 'disconnect' })}>
            Disconnect
          </button>
        )}
      </div>
      <ErrorNotice error={error} />
      <dl className="settings">
        <dt>Status</dt>
        <dd aria-live="polite">
          <StatusBadge status={connection.status} /> {STATUS_MEANING[connection.status]}
        </dd>
        <dt>Ref</dt>
        <dd>{connection.ref ?? 'none'}</dd>
        <dt>Environment</dt>
        <dd>{connection.environment}</dd>
        <dt>Direction</dt>
        <dd>{connection.direction ?? 'none'}</dd>
        <DepositFacts connection={connection} />
        <dt>Created</dt>
        <dd>{when(connection.createdAt, '—')}</dd>
        <dt>Updated</dt>
        <dd>{when(connection.updatedAt, '—')}</dd>
      </dl>
      {env === 'test' && writable && <SandboxControls connection={connection} onKey={(secret) => showSecret('User key', secret)} />}
      <section className="subsection" aria-labelledby="user-keys-title">
        <div className="page-head">
          <h2 id="user-keys-title">User keys ({keys.totalCount})</h2>
          {writable && (
            <div className="head-actions">
              {anyActive && (
                <button type="button" className="danger" onClick={() => setOpen({ kind: 'revokeAll' })}>
                  Revoke all keys
                </button>
              )}
              {connection.status === 'CONNECTED' && (
                <button type="button" onClick={() => setOpen({ kind: 'create' })}>
                  Create user key
                </button>
              )}
            </div>
          )}
        </div>
        <p className="hint">Keys that act for this user. A key is shown once, when it is made.</p>
        {keys.edges.length === 0 ? (
          <Empty>No user keys.{connection.status !== 'CONNECTED' && ' A connection gets its first key when it connects.'}</Empty>
        ) : (
          <TableBox label={`User keys of ${connection.email}`}>
            <thead>
              <tr>
                <KeyHeaders extra={<th scope="col">Recipients</th>} />
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {keys.edges.map(({ node: key }) => (
                <tr key={key.id}>
                  <KeyCells apiKey={key} extra={<td>{list(key.allowedRecipients, 'any')}</td>} />
                  {writable && (
                    <KeyActions
                      apiKey={key}
                      onEdit={() => setOpen({ kind: 'edit', key })}
                      onRotate={() => setOpen({ kind: 'rotate', key })}
                      onRevoke={() => setOpen({ kind: 'revoke', key })}
                    />
                  )}
                </tr>
              ))}
            </tbody>
          </TableBox>
        )}
        <Pager pages={keyPages} pageInfo={keys.pageInfo} />
      </section>
      <Dialog title={`Create a user key for ${connection.email}`} open={open?.kind === 'create'} onClose={close}>
        {open?.kind === 'create' && <CreateUserKeyForm connectionId={connection.id} onCreated={(secret) => showSecret('User key', secret)} onCancel={close} />}
      </Dialog>
      <Dialog title="Your new user key" open={open?.kind === 'secret'} onClose={close}>
        {open?.kind === 'secret' && <SecretOnce label={open.label} secret={open.secret} onDone={close} />}
      </Dialog>
      <Dialog title={open?.kind === 'edit' ? `Edit ${open.key.name}` : 'Edit'} open={open?.kind === 'edit'} onClose={close}>
        {open?.kind === 'edit' && <EditKeyForm apiKey={open.key} mutation={UpdateUserKey} pick={(data) => data.updateUserKey} onDone={close} />}
      </Dialog>
      <Dialog title={open?.kind === 'rotate' ? `Rotate ${open.key.name}` : 'Rotate'} open={open?.kind === 'rotate'} onClose={close}>
        {open?.kind === 'rotate' && (
          <RotateKeyForm
            apiKey={open.key}
            mutation={RotateUserKey}
            pick={(data) => data.rotateUserKey}
            onRotated={(secret) => showSecret('User key', secret)}
            onCancel={close}
          />
        )}
      </Dialog>
      <Dialog title={open?.kind === 'revoke' ? `Revoke ${open.key.name}?` : 'Revoke'} open={open?.kind === 'revoke'} onClose={close}>
        {open?.kind === 'revoke' && <RevokeKeyForm apiKey={open.key} mutation={RevokeUserKey} pick={(data) => data.revokeUserKey} onDone={close} />}
      </Dialog>
      <Dialog title={`Revoke every key of ${connection.email}?`} open={open?.kind === 'revokeAll'} onClose={close}>
        {open?.kind === 'revokeAll' && (
          <ActionForm
            mutation={RevokeAllUserKeys}
            variables={() => ({ input: { connectionId: connection.id } })}
            pick={(data) => data.revokeAllUserKeys}
            onSuccess={close}
            onCancel={close}
            submit="Revoke all keys"
            danger
          >
            <p>Every key of this user that is not revoked yet stops working at once. The connection stays connected: new keys can be made.</p>
          </ActionForm>
        )}
      </Dialog>
      <Dialog title={`Disconnect ${connection.email}?`} open={open?.kind === 'disconnect'} onClose={close}>
        {open?.kind === 'disconnect' && (
          <ActionForm
            mutation={DisconnectUser}
            variables={() => ({ input: { id: connection.id } })}
            pick={(data) => data.disconnectUser}
            onSuccess={close}
            onCancel={close}
            submit="Disconnect"
            danger
          >
            <p>The connection becomes REVOKED and every key of it stops working. To connect the user again, the user has to consent again.</p>
          </ActionForm>
        )}
      </Dialog>
    </section>
  );
}

/** Where the user sends what it trades away: an IBAN (BUY) or a Bitcoin address (SELL), once CONNECTED. */
function DepositFacts({ connection }: { connection: Pick<Detail, 'direction' | 'status' | 'depositIban' | 'depositAddress'> }) {
  const none =
    connection.status !== 'CONNECTED'
      ? 'given once connected'
      : connection.direction
        ? 'not available yet (the deposit provider has none)'
        : 'none: the connection has no direction';
  return (
    <>
      <dt>Deposit IBAN</dt>
      <dd>{connection.depositIban ? <code>{connection.depositIban}</code> : connection.direction === 'SELL' ? 'none (SELL deposits BTC)' : none}</dd>
      <dt>Deposit address</dt>
      <dd>{connection.depositAddress ? <code>{connection.depositAddress}</code> : connection.direction === 'BUY' ? 'none (BUY pays in EUR)' : none}</dd>
    </>
  );
}

/** TEST only: the moves the real lifecycle allows from this status, with their real effects. */
function SandboxControls({ connection, onKey }: { connection: Pick<Detail, 'id' | 'status'>; onKey: (secret: string) => void }) {
  const [result, advance] = useMutation(AdvanceSandboxConnection);
  const payload = result.data?.advanceSandboxConnection;
  const steps = SANDBOX_STEPS[connection.status];
  const move = async (to: SandboxTarget) => {
    const done = await advance({ input: { connectionId: connection.id, to } });
    const moved = done.data?.advanceSandboxConnection;
    if (moved?.__typename === 'AdvanceSandboxConnectionSuccess' && moved.apiKey) onKey(moved.apiKey);
  };
  return (
    <section className="subsection sandbox" aria-labelledby="sandbox-title">
      <h2 id="sandbox-title">Sandbox</h2>
      <p className="hint">Play what KYC and the user would decide, with the same mails, keys, events and webhooks as in LIVE.</p>
      {steps.length === 0 ? (
        <p>{connection.status} is final here: connect the user again to start over.</p>
      ) : (
        <div className="head-actions">
          {steps.map((step) => (
            <button key={step.to} type="button" className="secondary" disabled={result.fetching} onClick={() => move(step.to)}>
              {step.label} (to {step.to})
            </button>
          ))}
        </div>
      )}
      <ErrorNotice error={result.error} payload={payload?.__typename === 'AdvanceSandboxConnectionSuccess' ? null : payload} />
    </section>
  );
}

function CreateUserKeyForm({ connectionId, onCreated, onCancel }: { connectionId: string; onCreated: (secret: string) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState(() => newKeyDraft(['BALANCE_READ', 'ORDERS_READ']));
  const [recipients, setRecipients] = useState('');
  return (
    <ActionForm
      mutation={CreateUserKey}
      variables={() => ({ input: { connectionId, ...keyDraftInput(draft), allowedRecipients: entries(recipients) } })}
      pick={(data) => data.createUserKey}
      onSuccess={(created) => onCreated(created.secret)}
      onCancel={onCancel}
      submit="Create key"
    >
      <KeyDraftFields draft={draft} onChange={setDraft} />
      <label htmlFor="user-key-recipients">Allowed recipients (IBANs and Bitcoin addresses, one per line; empty: any)</label>
      <textarea id="user-key-recipients" rows={2} value={recipients} onChange={(e) => setRecipients(e.target.value)} spellCheck={false} />
    </ActionForm>
  );
}
