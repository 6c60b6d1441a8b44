import { useState } from 'react';
import { type Client, useQuery, useSubscription } from 'urql';
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
import { SecretOnce } from '../components/SecretOnce.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useEnv } from '../env.tsx';
import { graphql } from '../gql/index.ts';
import type { KeyRowFragment } from '../gql/graphql.ts';
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

export const KeyEvents = graphql(`
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

type Editing = { kind: 'create' } | { kind: 'edit' | 'rotate' | 'revoke'; key: KeyRowFragment } | { kind: 'secret'; secret: string } | null;

const keysVariables = (after: string | undefined, includeInactive: boolean) => ({ first: 20, after, includeInactive });

/**
 * Asks for the keys page's first page at once, beside the account query rather than after it:
 * the page's own query then finds it in the cache (or in flight) instead of waiting its turn.
 */
export function prefetchKeys(client: Client): void {
  prefetchedAt = Date.now();
  void client.query(PartnerKeys, keysVariables(undefined, false)).toPromise();
}

/** When the first page was last asked for ahead: the page then takes it from the cache instead of asking again. */
let prefetchedAt = Number.NEGATIVE_INFINITY;
const PREFETCH_FRESH_MS = 5_000;

export function KeysPage() {
  const me = useMe();
  const { env } = useEnv();
  const writable = mayWrite(me, env);
  const [showInactive, setShowInactive] = useState(false);
  const pages = usePages();
  // The prefetched first page is fresh (and kept so by the subscription below): no second request for it.
  const [prefetched] = useState(() => Date.now() - prefetchedAt < PREFETCH_FRESH_MS);
  const firstPage = pages.after === undefined && !showInactive;
  const [{ data, error, fetching }] = useQuery({
    query: PartnerKeys,
    variables: keysVariables(pages.after, showInactive),
    ...(prefetched && firstPage && { requestPolicy: 'cache-first' as const }),
  });
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
                <KeyHeaders />
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {connection.edges.map(({ node: key }) => (
                <tr key={key.id}>
                  <KeyCells apiKey={key} />
                  {writable && (
                    <KeyActions
                      apiKey={key}
                      onEdit={() => setEditing({ kind: 'edit', key })}
                      onRotate={() => setEditing({ kind: 'rotate', key })}
                      onRevoke={() => setEditing({ kind: 'revoke', key })}
                    />
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
        {editing?.kind === 'edit' && (
          <EditKeyForm apiKey={editing.key} mutation={UpdatePartnerKey} pick={(data) => data.updatePartnerKey} onDone={() => setEditing(null)} />
        )}
      </Dialog>
      <Dialog title={editing?.kind === 'rotate' ? `Rotate ${editing.key.name}` : 'Rotate'} open={editing?.kind === 'rotate'} onClose={() => setEditing(null)}>
        {editing?.kind === 'rotate' && (
          <RotateKeyForm
            apiKey={editing.key}
            mutation={RotatePartnerKey}
            pick={(data) => data.rotatePartnerKey}
            onRotated={(secret) => setEditing({ kind: 'secret', secret })}
            onCancel={() => setEditing(null)}
          />
        )}
      </Dialog>
      <Dialog title={editing?.kind === 'revoke' ? `Revoke ${editing.key.name}?` : 'Revoke'} open={editing?.kind === 'revoke'} onClose={() => setEditing(null)}>
        {editing?.kind === 'revoke' && (
          <RevokeKeyForm apiKey={editing.key} mutation={RevokePartnerKey} pick={(data) => data.revokePartnerKey} onDone={() => setEditing(null)} />
        )}
      </Dialog>
    </section>
  );
}

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (secret: string) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState(() => newKeyDraft(['KEYS_READ']));
  return (
    <ActionForm
      mutation={CreatePartnerKey}
      variables={() => ({ input: keyDraftInput(draft) })}
      pick={(data) => data.createPartnerKey}
      onSuccess={(created) => onCreated(created.secret)}
      onCancel={onCancel}
      submit="Create key"
    >
      <KeyDraftFields draft={draft} onChange={setDraft} />
    </ActionForm>
  );
}
