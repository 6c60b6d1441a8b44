import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Checkboxes } from '../components/Checkboxes.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Pager, usePages } from '../components/Pager.tsx';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useEnv } from '../env.tsx';
import { entries, list, when } from '../format.ts';
import { graphql } from '../gql/index.ts';
import type { Currency, KeyRowFragment, Permission } from '../gql/graphql.ts';
import { mayWrite, useMe } from '../session.tsx';

graphql(`
  fragment KeyRow on ApiKey {
    id
    keyId
    name
    permissions
    currencies
    allowedIps
    expiresAt
    lastUsedAt
    active
    revokedAt
    createdAt
  }
`);

const PartnerKeys = graphql(`
  query PartnerKeys($first: Int!, $after: String, $includeInactive: Boolean) {
    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...KeyRow } }
    }
  }
`);

const KeyEvents = graphql(`
  subscription KeyEvents($after: String) {
    apiKeyEvents(after: $after) { cursor type }
  }
`);

const CreatePartnerKey = graphql(`
  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {
    createPartnerKey(input: $input) {
      __typename
      ... on CreatePartnerKeySuccess { secret key { ...KeyRow } }
      ... on Error { code message }
    }
  }
`);

const UpdatePartnerKey = graphql(`
  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {
    updatePartnerKey(input: $input) {
      __typename
      ... on UpdatePartnerKeySuccess { key { ...KeyRow } }
      ... on Error { code message }
    }
  }
`);

const RotatePartnerKey = graphql(`
  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {
    rotatePartnerKey(input: $input) {
      __typename
      ... on RotatePartnerKeySuccess { secret key { ...KeyRow } previous { ...KeyRow } }
      ... on Error { code message }
    }
  }
`);

const RevokePartnerKey = graphql(`
  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {
    revokePartnerKey(input: $input) {
      __typename
      ... on RevokePartnerKeySuccess { key { ...KeyRow } }
      ... on Error { code message }
    }
  }
`);

const PERMISSIONS: Permission[] = [
  'CONNECTIONS_READ',
  'CONNECTIONS_WRITE',
  'KEYS_READ',
  'KEYS_WRITE',
  'WEBHOOKS_WRITE',
  'LOGS_READ',
  'ORDERS_CREATE',
  'ORDERS_READ',
  'BALANCE_READ',
  'WITHDRAWALS_CREATE',
];
const CURRENCIES: { value: Currency; label: string }[] = [
  { value: 'FIAT', label: 'Fiat (EUR, IBAN)' },
  { value: 'CRYPTO', label: 'Crypto (Bitcoin)' },
];

function status(key: Pick<KeyRowFragment, 'active' | 'revokedAt' | 'expiresAt'>): string {
  if (key.revokedAt) return 'revoked';
  if (!key.active) return 'expired';
  return key.expiresAt ? 'active (expires)' : 'active';
}

type Editing = { kind: 'create' } | { kind: 'edit' | 'rotate' | 'revoke'; key: KeyRowFragment } | { kind: 'secret'; secret: string } | null;

export function KeysPage() {
  const me = useMe();
  const { env } = useEnv();
  const writable = mayWrite(me, env);
  const [showInactive, setShowInactive] = useState(false);
  const pages = usePages();
  const [{ data, error, fetching }] = useQuery({ query: PartnerKeys, variables: { first: 20, after: pages.after, includeInactive: showInactive } });
  // Changes made anywhere (another tab, a partner's integration) reach the list as they happen.
  useSubscription({ query: KeyEvents, variables: {} });
  const [editing, setEditing] = useState<Editing>(null);
  const connection = data?.partnerKeys;
  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <h1 id="keys-title">API keys</h1>
        {writable && (
          <button type="button" onClick={() => setEditing({ kind: 'create' })}>
            Create API key
          </button>
        )}
      </div>
      <p className="hint">
        Partner keys of the {env.toUpperCase()} environment{connection ? ` (${connection.totalCount})` : ''}. A key is shown once, when it is made.
      </p>
      <label className="inline">
        <input type="checkbox" checked={showInactive} onChange={(e) => setShowInactive(e.target.checked)} /> Show revoked and expired keys
      </label>
      <ErrorNotice error={error} />
      {!connection && fetching && <Loading what="keys" />}
      {connection && connection.edges.length === 0 && <Empty>No keys yet.{writable && ' Create one to connect your integration.'}</Empty>}
      {connection && connection.edges.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key ID</th>
                <th scope="col">Permissions</th>
                <th scope="col">Currencies</th>
                <th scope="col">IP allowlist</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {connection.edges.map(({ node: key }) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.keyId}</code>
                  </td>
                  <td>{list(key.permissions, 'none')}</td>
                  <td>{list(key.currencies, 'none')}</td>
                  <td>{list(key.allowedIps, 'any address')}</td>
                  <td>{when(key.expiresAt, 'never')}</td>
                  <td>{when(key.lastUsedAt, 'never')}</td>
                  <td>{status(key)}</td>
                  {writable && (
                    <td className="row-actions">
                      {key.active && (
                        <>
                          <button type="button" onClick={() => setEditing({ kind: 'edit', key })} aria-label={`Edit ${key.name}`}>
                            Edit
                          </button>
                          <button type="button" onClick={() => setEditing({ kind: 'rotate', key })} aria-label={`Rotate ${key.name}`}>
                            Rotate
                          </button>
                          <button type="button" className="danger" onClick={() => setEditing({ kind: 'revoke', key })} aria-label={`Revoke ${key.name}`}>
                            Revoke
                          </button>
                        </>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {connection && <Pager pages={pages} pageInfo={connection.pageInfo} />}
      <Dialog title={`Create an API key (${env.toUpperCase()})`} open={editing?.kind === 'create'} onClose={() => setEditing(null)}>
        <CreateKeyForm onCreated={(secret) => setEditing({ kind: 'secret', secret })} onCancel={() => setEditing(null)} />
      </Dialog>
      <Dialog title="Your new API key" open={editing?.kind === 'secret'} onClose={() => setEditing(null)}>
        {editing?.kind === 'secret' && <SecretOnce label="API key" secret={editing.secret} onDone={() => setEditing(null)} />}
      </Dialog>
      <Dialog title={editing?.kind === 'edit' ? `Edit ${editing.key.name}` : 'Edit'} open={editing?.kind === 'edit'} onClose={() => setEditing(null)}>
        {editing?.kind === 'edit' && <EditKeyForm apiKey={editing.key} onDone={() => setEditing(null)} />}
      </Dialog>
      <Dialog title={editing?.kind === 'rotate' ? `Rotate ${editing.key.name}` : 'Rotate'} open={editing?.kind === 'rotate'} onClose={() => setEditing(null)}>
        {editing?.kind === 'rotate' && (
          <RotateKeyForm apiKey={editing.key} onRotated={(secret) => setEditing({ kind: 'secret', secret })} onCancel={() => setEditing(null)} />
        )}
      </Dialog>
      <Dialog title={editing?.kind === 'revoke' ? `Revoke ${editing.key.name}?` : 'Revoke'} open={editing?.kind === 'revoke'} onClose={() => setEditing(null)}>
        {editing?.kind === 'revoke' && <RevokeKeyForm apiKey={editing.key} onDone={() => setEditing(null)} />}
      </Dialog>
    </section>
  );
}

const permissionOptions = PERMISSIONS.map((p) => ({ value: p, label: p }));

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (secret: string) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState<'never' | 'date'>('never');
  const [expiresAt, setExpiresAt] = useState('');
  const [currencies, setCurrencies] = useState<Currency[]>(['FIAT', 'CRYPTO']);
  const [permissions, setPermissions] = useState<Permission[]>(['KEYS_READ']);
  const [ips, setIps] = useState('');
  const [result, create] = useMutation(CreatePartnerKey);
  const payload = result.data?.createPartnerKey;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await create({
          input: {
            name,
            permissions,
            currencies,
            allowedIps: entries(ips),
            ...(expires === 'date' && expiresAt && { expiresAt: new Date(expiresAt).toISOString() }),
          },
        });
        const created = done.data?.createPartnerKey;
        if (created?.__typename === 'CreatePartnerKeySuccess') onCreated(created.secret);
      }}
    >
      <label htmlFor="key-name">Name</label>
      <input id="key-name" required minLength={3} maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
      <fieldset>
        <legend>Expiry</legend>
        <div className="choices">
          <label>
            <input type="radio" name="expires" checked={expires === 'never'} onChange={() => setExpires('never')} /> Never expires
          </label>
          <label>
            <input type="radio" name="expires" checked={expires === 'date'} onChange={() => setExpires('date')} /> Expires on
          </label>
          {expires === 'date' && (
            <input type="datetime-local" aria-label="Expiry date" required value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />
          )}
        </div>
      </fieldset>
      <Checkboxes legend="Currencies" options={CURRENCIES} value={currencies} onChange={setCurrencies} />
      <Checkboxes legend="Permissions" options={permissionOptions} value={permissions} onChange={setPermissions} />
      <label htmlFor="key-ips">IP allowlist (one address or CIDR per line; empty: any address)</label>
      <textarea id="key-ips" rows={3} value={ips} onChange={(e) => setIps(e.target.value)} />
      <ErrorNotice error={result.error} payload={payload?.__typename === 'CreatePartnerKeySuccess' ? null : payload} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={result.fetching}>
          Create key
        </button>
      </div>
    </form>
  );
}

function EditKeyForm({ apiKey, onDone }: { apiKey: KeyRowFragment; onDone: () => void }) {
  const [name, setName] = useState(apiKey.name);
  const [permissions, setPermissions] = useState<Permission[]>(apiKey.permissions);
  const [ips, setIps] = useState(apiKey.allowedIps.join('\n'));
  const [result, update] = useMutation(UpdatePartnerKey);
  const payload = result.data?.updatePartnerKey;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await update({ input: { id: apiKey.id, name, permissions, allowedIps: entries(ips) } });
        if (done.data?.updatePartnerKey.__typename === 'UpdatePartnerKeySuccess') onDone();
      }}
    >
      <p className="hint">
        The key keeps its secret: <code>{apiKey.keyId}</code> works on with the new settings.
      </p>
      <label htmlFor="edit-name">Name</label>
      <input id="edit-name" required minLength={3} maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
      <Checkboxes legend="Permissions" options={permissionOptions} value={permissions} onChange={setPermissions} />
      <label htmlFor="edit-ips">IP allowlist (one per line; empty: any address)</label>
      <textarea id="edit-ips" rows={3} value={ips} onChange={(e) => setIps(e.target.value)} />
      <ErrorNotice error={result.error} payload={payload?.__typename === 'UpdatePartnerKeySuccess' ? null : payload} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" disabled={result.fetching}>
          Save
        </button>
      </div>
    </form>
  );
}

const GRACE_HOURS = [0, 1, 6, 12, 24];

function RotateKeyForm({ apiKey, onRotated, onCancel }: { apiKey: KeyRowFragment; onRotated: (secret: string) => void; onCancel: () => void }) {
  const [hours, setHours] = useState(0);
  const [result, rotate] = useMutation(RotatePartnerKey);
  const payload = result.data?.rotatePartnerKey;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await rotate({ input: { id: apiKey.id, gracePeriodSeconds: hours * 3600 } });
        const rotated = done.data?.rotatePartnerKey;
        if (rotated?.__typename === 'RotatePartnerKeySuccess') onRotated(rotated.secret);
      }}
    >
      <p>A new key replaces {apiKey.name} with the same settings.</p>
      <label htmlFor="grace">The old key keeps working for</label>
      <select id="grace" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
        {GRACE_HOURS.map((h) => (
          <option key={h} value={h}>
            {h === 0 ? 'no time: it stops now' : `${h} hour${h === 1 ? '' : 's'}`}
          </option>
        ))}
      </select>
      <ErrorNotice error={result.error} payload={payload?.__typename === 'RotatePartnerKeySuccess' ? null : payload} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={result.fetching}>
          Rotate key
        </button>
      </div>
    </form>
  );
}

function RevokeKeyForm({ apiKey, onDone }: { apiKey: KeyRowFragment; onDone: () => void }) {
  const [result, revoke] = useMutation(RevokePartnerKey);
  const payload = result.data?.revokePartnerKey;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await revoke({ input: { id: apiKey.id } });
        if (done.data?.revokePartnerKey.__typename === 'RevokePartnerKeySuccess') onDone();
      }}
    >
      <p>
        <code>{apiKey.keyId}</code> stops working at once, everywhere. This cannot be undone.
      </p>
      <ErrorNotice error={result.error} payload={payload?.__typename === 'RevokePartnerKeySuccess' ? null : payload} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="danger" disabled={result.fetching}>
          Revoke key
        </button>
      </div>
    </form>
  );
}
