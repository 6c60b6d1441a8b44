import { type FormEvent, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { ActionForm } from '../components/ActionForm.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Pager, usePages } from '../components/Pager.tsx';
import { TableBox } from '../components/TableBox.tsx';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useEnv } from '../env.tsx';
import { when } from '../format.ts';
import { graphql } from '../gql/index.ts';
import type { ConnectionDirection, ConnectionStatus, SandboxUserType } from '../gql/graphql.ts';
import { mayWrite, useMe } from '../session.tsx';

const ConnectionsList = graphql(`
  query ConnectionsList($first: Int!, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {
    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id email ref status direction createdAt updatedAt } }
    }
  }
`);

/** Every status change of the environment: the cache drops its connection lists and nodes (client.ts), open pages read them again. */
export const ConnectionEvents = graphql(`
  subscription ConnectionEvents($after: String) {
    connectionEvents(after: $after) { cursor status connection { id status updatedAt } }
  }
`);

const ConnectUser = graphql(`
  mutation ConnectUser($input: ConnectUserInput!) {
    connectUser(input: $input) {
      __typename
      ... on ConnectUserSuccess { apiKey connection { id email status } }
      ... on Error { code message }
    }
  }
`);

const CreateSandboxUser = graphql(`
  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {
    createSandboxUser(input: $input) {
      __typename
      ... on CreateSandboxUserSuccess { apiKey connection { id email status } }
      ... on Error { code message }
    }
  }
`);

const STATUSES: ConnectionStatus[] = ['ONBOARDING', 'PENDING', 'CONNECTED', 'REJECTED', 'REVOKED'];

/** What each status means for the partner, in a word or two (docs/api.md, "Connection lifecycle"). */
export const STATUS_MEANING: Record<ConnectionStatus, string> = {
  ONBOARDING: 'waiting for KYC',
  PENDING: "waiting for the user's consent",
  CONNECTED: 'connected',
  REJECTED: 'rejected',
  REVOKED: 'disconnected',
};

export function StatusBadge({ status }: { status: ConnectionStatus }) {
  return (
    <span className={`status status-${status.toLowerCase()}`} title={STATUS_MEANING[status]}>
      {status}
    </span>
  );
}

/** The detail page of a connection (its global id in the path). */
const connectionPath = (id: string) => `/connections/${encodeURIComponent(id)}`;

type Filters = { status?: ConnectionStatus; email?: string; ref?: string };
type Made = { connection: { id: string; email: string; status: ConnectionStatus }; apiKey?: string | null };
type Open = 'connect' | 'sandbox' | { made: Made } | null;

export function ConnectionsPage() {
  const me = useMe();
  const { env } = useEnv();
  const writable = mayWrite(me, env);
  const [filters, setFilters] = useState<Filters>({});
  const pages = usePages();
  const [{ data, error, fetching }] = useQuery({ query: ConnectionsList, variables: { first: 20, after: pages.after, ...filters } });
  // Statuses change as users answer and KYC decides: the list follows without a reload.
  useSubscription({ query: ConnectionEvents, variables: {} });
  const [open, setOpen] = useState<Open>(null);
  const list = data?.connections;
  const filtered = Object.keys(filters).length > 0;
  const made = (result: Made) => setOpen({ made: result });
  const shown = open !== null && typeof open === 'object' ? open.made : null;
  return (
    <section aria-labelledby="connections-title">
      <div className="page-head">
        <h1 id="connections-title">Connections</h1>
        {writable && (
          <div className="head-actions">
            {env === 'test' && (
              <button type="button" className="secondary" onClick={() => setOpen('sandbox')}>
                Create sandbox user
              </button>
            )}
            <button type="button" onClick={() => setOpen('connect')}>
              Connect a user
            </button>
          </div>
        )}
      </div>
      <p className="hint">
        Users connected to your platform in the {env.toUpperCase()} environment{list ? ` (${list.totalCount}${filtered ? ' matching' : ''})` : ''}. Statuses
        change here as they happen.
      </p>
      <FilterForm
        onApply={(next) => {
          pages.reset();
          setFilters(next);
        }}
      />
      <ErrorNotice error={error} />
      {!list && fetching && <Loading what="connections" />}
      {list && list.edges.length === 0 && (
        <Empty>{filtered ? 'No connection matches these filters.' : `No connections yet.${writable ? ' Connect a user to start.' : ''}`}</Empty>
      )}
      {list && list.edges.length > 0 && (
        <TableBox label="Connections">
          <thead>
            <tr>
              <th scope="col">E-mail</th>
              <th scope="col">Ref</th>
              <th scope="col">Status</th>
              <th scope="col">Direction</th>
              <th scope="col">Created</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.edges.map(({ node: connection }) => (
              <tr key={connection.id}>
                <td>
                  <Link href={connectionPath(connection.id)}>{connection.email}</Link>
                </td>
                <td>{connection.ref ?? '—'}</td>
                <td>
                  <StatusBadge status={connection.status} />
                </td>
                <td>{connection.direction ?? '—'}</td>
                <td>{when(connection.createdAt, '—')}</td>
                <td>{when(connection.updatedAt, '—')}</td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {list && <Pager pages={pages} pageInfo={list.pageInfo} />}
      <Dialog title={`Connect a user (${env.toUpperCase()})`} open={open === 'connect'} onClose={() => setOpen(null)}>
        {open === 'connect' && <ConnectUserForm onMade={made} onCancel={() => setOpen(null)} />}
      </Dialog>
      <Dialog title="Create a sandbox user (TEST)" open={open === 'sandbox'} onClose={() => setOpen(null)}>
        {open === 'sandbox' && <SandboxUserForm onMade={made} onCancel={() => setOpen(null)} />}
      </Dialog>
      <Dialog title={shown ? `${shown.connection.email}: ${shown.connection.status}` : ''} open={!!shown} onClose={() => setOpen(null)}>
        {shown && <MadeNotice made={shown} onDone={() => setOpen(null)} />}
      </Dialog>
    </section>
  );
}

function FilterForm({ onApply }: { onApply: (filters: Filters) => void }) {
  const [status, setStatus] = useState<ConnectionStatus | ''>('');
  const [email, setEmail] = useState('');
  const [ref, setRef] = useState('');
  const filtersWith = (chosen: ConnectionStatus | ''): Filters => ({
    ...(chosen && { status: chosen }),
    ...(email.trim() && { email: email.trim() }),
    ...(ref.trim() && { ref: ref.trim() }),
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    onApply(filtersWith(status));
  };
  return (
    <form className="filters" aria-label="Filter connections" onSubmit={apply}>
      <div>
        <label htmlFor="filter-status">Status</label>
        <select
          id="filter-status"
          value={status}
          onChange={(e) => {
            // A status is one choice among few: it applies at once, the text filters with the button.
            const next = e.target.value as ConnectionStatus | '';
            setStatus(next);
            onApply(filtersWith(next));
          }}
        >
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s} ({STATUS_MEANING[s]})
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="filter-email">E-mail (exact)</label>
        <input id="filter-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div>
        <label htmlFor="filter-ref">Ref (exact)</label>
        <input id="filter-ref" value={ref} onChange={(e) => setRef(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setStatus('');
            setEmail('');
            setRef('');
            onApply({});
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

/** Where the money goes: a direction, and the user's own IBAN (SELL) or Bitcoin address (BUY). */
type DirectionChoice = { direction: ConnectionDirection | ''; payout: string };
const NO_DIRECTION: DirectionChoice = { direction: '', payout: '' };

function DirectionFields({ value, onChange }: { value: DirectionChoice; onChange: (value: DirectionChoice) => void }) {
  return (
    <>
      <label htmlFor="direction">Direction</label>
      <select id="direction" value={value.direction} onChange={(e) => onChange({ direction: e.target.value as ConnectionDirection | '', payout: '' })}>
        <option value="">None yet</option>
        <option value="BUY">BUY: the user pays EUR, receives BTC</option>
        <option value="SELL">SELL: the user sends BTC, receives EUR</option>
      </select>
      {value.direction && (
        <>
          <label htmlFor="payout">
            {value.direction === 'SELL' ? "The user's IBAN, where EUR is paid out" : "The user's Bitcoin address, where BTC is sent"}
          </label>
          <input id="payout" required value={value.payout} onChange={(e) => onChange({ ...value, payout: e.target.value })} spellCheck={false} />
        </>
      )}
    </>
  );
}

const directionInput = ({ direction, payout }: DirectionChoice) =>
  direction ? { direction, ...(direction === 'SELL' ? { iban: payout.trim() } : { address: payout.trim() }) } : {};

function ConnectUserForm({ onMade, onCancel }: { onMade: (made: Made) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [ref, setRef] = useState('');
  const [direction, setDirection] = useState<DirectionChoice>(NO_DIRECTION);
  return (
    <ActionForm
      mutation={ConnectUser}
      variables={() => ({ input: { email, ...refInput(ref), ...directionInput(direction) } })}
      pick={(data) => data.connectUser}
      onSuccess={onMade}
      onCancel={onCancel}
      submit="Connect user"
    >
      <p className="hint">
        A user new to the platform gets a sign-up mail (KYC first); a known user gets a consent link. Nothing is connected without the user.
      </p>
      <label htmlFor="connect-email">The user's e-mail</label>
      <input id="connect-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <RefField value={ref} onChange={setRef} />
      <DirectionFields value={direction} onChange={setDirection} />
    </ActionForm>
  );
}

function SandboxUserForm({ onMade, onCancel }: { onMade: (made: Made) => void; onCancel: () => void }) {
  const [type, setType] = useState<SandboxUserType>('PERSON');
  const [ref, setRef] = useState('');
  const [direction, setDirection] = useState<DirectionChoice>(NO_DIRECTION);
  return (
    <ActionForm
      mutation={CreateSandboxUser}
      variables={() => ({ input: { type, ...refInput(ref), ...directionInput(direction) } })}
      pick={(data) => data.createSandboxUser}
      onSuccess={onMade}
      onCancel={onCancel}
      submit="Create sandbox user"
    >
      <p className="hint">A dummy user, KYC-approved for TEST, connected at once with its first user key.</p>
      <fieldset>
        <legend>Kind of user</legend>
        <div className="choices">
          {(['PERSON', 'BUSINESS'] as const).map((value) => (
            <label key={value}>
              <input type="radio" name="sandbox-type" checked={type === value} onChange={() => setType(value)} /> {value === 'PERSON' ? 'Person' : 'Business'}
            </label>
          ))}
        </div>
      </fieldset>
      <RefField value={ref} onChange={setRef} />
      <DirectionFields value={direction} onChange={setDirection} />
    </ActionForm>
  );
}

function RefField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <>
      <label htmlFor="user-ref">Your ref for the user (optional)</label>
      <input id="user-ref" maxLength={200} value={value} onChange={(e) => onChange(e.target.value)} />
    </>
  );
}

const refInput = (ref: string) => (ref.trim() ? { ref: ref.trim() } : {});

/** What connecting did: the user key once (when it connected at once), and the way to the connection. */
function MadeNotice({ made, onDone }: { made: Made; onDone: () => void }) {
  const { connection, apiKey } = made;
  const detail = (
    <p>
      <Link href={connectionPath(connection.id)} onClick={onDone}>
        Open the connection
      </Link>
    </p>
  );
  if (apiKey) {
    return (
      <>
        <SecretOnce label="User key" secret={apiKey} onDone={onDone} />
        {detail}
      </>
    );
  }
  return (
    <>
      <p>
        {connection.email} is {connection.status} ({STATUS_MEANING[connection.status]}).
      </p>
      {detail}
      <div className="actions">
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </>
  );
}
