import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Checkboxes } from '../components/Checkboxes.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Pager, usePages } from '../components/Pager.tsx';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { TableBox } from '../components/TableBox.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useEnv } from '../env.tsx';
import { list, when } from '../format.ts';
import { graphql } from '../gql/index.ts';
import type { EndpointRowFragment, WebhookEventType } from '../gql/graphql.ts';
import { mayWrite, useMe } from '../session.tsx';

graphql(`
  fragment EndpointRow on WebhookEndpoint {
    id
    url
    eventTypes
    enabled
    disabledReason
    createdAt
  }
`);

// At most 20 endpoints per organization and environment (the API's limit): one page holds them all.
const MAX_ENDPOINTS = 20;

const WebhookEndpoints = graphql(`
  query WebhookEndpoints($first: Int!) {
    webhookEndpoints(first: $first) {
      totalCount
      edges { node { ...EndpointRow } }
    }
  }
`);

const WebhookDeliveries = graphql(`
  query WebhookDeliveries($first: Int!, $after: String, $endpointId: ID) {
    webhookDeliveries(first: $first, after: $after, endpointId: $endpointId) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node { id webhookId eventType url attempt manual state succeeded statusCode error nextAttemptAt attemptedAt }
      }
    }
  }
`);

// Each attempt, cancellation and endpoint Keyward disabled drops the lists from the cache (client.ts),
// so they are read again; LISTENING (first, and after every reconnect) too, as nothing is replayed.
const DeliveryEvents = graphql(`
  subscription WebhookDeliveryEvents {
    webhookDeliveryEvents { type }
  }
`);

const CreateWebhookEndpoint = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointSuccess { endpoint { ...EndpointRow } }
      ... on Error { code message }
    }
  }
`);

const UpdateWebhookEndpoint = graphql(`
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      __typename
      ... on UpdateWebhookEndpointSuccess { endpoint { ...EndpointRow } }
      ... on Error { code message }
    }
  }
`);

const DeleteWebhookEndpoint = graphql(`
  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {
    deleteWebhookEndpoint(input: $input) {
      __typename
      ... on DeleteWebhookEndpointSuccess { deletedId }
      ... on Error { code message }
    }
  }
`);

const RedeliverWebhook = graphql(`
  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {
    redeliverWebhook(input: $input) {
      __typename
      ... on RedeliverWebhookSuccess { delivery { id attempt succeeded statusCode error state } }
      ... on Error { code message }
    }
  }
`);

const RotateSigningSecret = graphql(`
  mutation RotateSigningSecret($input: RotateSigningSecretInput!) {
    rotateSigningSecret(input: $input) {
      __typename
      ... on RotateSigningSecretSuccess { signingSecret previousValidUntil environment }
      ... on Error { code message }
    }
  }
`);

const EVENT_TYPES: WebhookEventType[] = [
  'API_KEY_CREATED',
  'API_KEY_UPDATED',
  'API_KEY_ROTATED',
  'API_KEY_REVOKED',
  'API_KEY_EXPIRED',
  'CONNECTION_STATUS_CHANGED',
  'ORGANIZATION_LIVE_ACCESS_CHANGED',
  'WEBHOOK_ENDPOINT_DISABLED',
];
const eventTypeOptions = EVENT_TYPES.map((value) => ({ value, label: value }));

function endpointStatus(endpoint: EndpointRowFragment): string {
  if (endpoint.enabled) return 'enabled';
  return endpoint.disabledReason ? 'disabled by Keyward' : 'disabled';
}

type Editing =
  | { kind: 'create' | 'rotate' }
  | { kind: 'edit' | 'delete'; endpoint: EndpointRowFragment }
  | { kind: 'secret'; secret: string; previousValidUntil: string | null }
  | null;

export function WebhooksPage() {
  const me = useMe();
  const { env } = useEnv();
  const writable = mayWrite(me, env);
  const [{ data, error, fetching }] = useQuery({ query: WebhookEndpoints, variables: { first: MAX_ENDPOINTS } });
  useSubscription({ query: DeliveryEvents, variables: {} });
  const [editing, setEditing] = useState<Editing>(null);
  const endpoints = data?.webhookEndpoints.edges.map((edge) => edge.node);
  const close = () => setEditing(null);
  return (
    <section aria-labelledby="webhooks-title">
      <div className="page-head">
        <h1 id="webhooks-title">Webhooks</h1>
        {writable && (
          <div className="head-actions">
            <button type="button" className="secondary" onClick={() => setEditing({ kind: 'rotate' })}>
              Rotate signing secret
            </button>
            <button type="button" onClick={() => setEditing({ kind: 'create' })}>
              Add endpoint
            </button>
          </div>
        )}
      </div>
      <p className="hint">
        Endpoints of the {env.toUpperCase()} environment{endpoints ? ` (${endpoints.length} of at most ${MAX_ENDPOINTS})` : ''} receive the events they
        selected, signed with the environment's signing secret.
      </p>
      {endpoints?.flatMap((endpoint) =>
        !endpoint.enabled && endpoint.disabledReason
          ? [
              <div key={endpoint.id} className="notice warning" role="status">
                <strong>Keyward disabled {endpoint.url}</strong>: {endpoint.disabledReason}. Its pending deliveries were cancelled. Fix the endpoint, then
                enable it again (Edit).
              </div>,
            ]
          : [],
      )}
      <ErrorNotice error={error} />
      {!endpoints && fetching && <Loading what="webhook endpoints" />}
      {endpoints && endpoints.length === 0 && <Empty>No webhook endpoints yet.{writable && ' Add one to receive events as they happen.'}</Empty>}
      {endpoints && endpoints.length > 0 && (
        <TableBox label="Webhook endpoints">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Event types</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              {writable && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {endpoints.map((endpoint) => (
              <tr key={endpoint.id}>
                <td>
                  <code>{endpoint.url}</code>
                </td>
                <td>{list(endpoint.eventTypes, 'none')}</td>
                <td>{endpointStatus(endpoint)}</td>
                <td>{when(endpoint.createdAt, '')}</td>
                {writable && (
                  <td className="row-actions">
                    <button type="button" onClick={() => setEditing({ kind: 'edit', endpoint })} aria-label={`Edit ${endpoint.url}`}>
                      Edit
                    </button>
                    <button type="button" className="danger" onClick={() => setEditing({ kind: 'delete', endpoint })} aria-label={`Delete ${endpoint.url}`}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      <DeliveryLog endpoints={endpoints ?? []} writable={writable} />
      <Dialog title={`Add a webhook endpoint (${env.toUpperCase()})`} open={editing?.kind === 'create'} onClose={close}>
        {editing?.kind === 'create' && <EndpointForm onDone={close} />}
      </Dialog>
      <Dialog title={editing?.kind === 'edit' ? `Edit ${editing.endpoint.url}` : 'Edit'} open={editing?.kind === 'edit'} onClose={close}>
        {editing?.kind === 'edit' && <EndpointForm endpoint={editing.endpoint} onDone={close} />}
      </Dialog>
      <Dialog title={editing?.kind === 'delete' ? `Delete ${editing.endpoint.url}?` : 'Delete'} open={editing?.kind === 'delete'} onClose={close}>
        {editing?.kind === 'delete' && <DeleteEndpointForm endpoint={editing.endpoint} onDone={close} />}
      </Dialog>
      <Dialog title={`Rotate the ${env.toUpperCase()} signing secret`} open={editing?.kind === 'rotate'} onClose={close}>
        {editing?.kind === 'rotate' && (
          <RotateSecretForm onRotated={(secret, previousValidUntil) => setEditing({ kind: 'secret', secret, previousValidUntil })} onCancel={close} />
        )}
      </Dialog>
      <Dialog title="Your new signing secret" open={editing?.kind === 'secret'} onClose={close}>
        {editing?.kind === 'secret' && (
          <>
            <p>
              {editing.previousValidUntil
                ? `The previous secret still signs webhooks and verifies requests, beside this one, until ${when(editing.previousValidUntil, '')}.`
                : 'The previous secret no longer works.'}
            </p>
            <SecretOnce label="Signing secret" secret={editing.secret} onDone={close} />
          </>
        )}
      </Dialog>
    </section>
  );
}

const DELIVERIES_PAGE = 20;

/** Every attempt, newest first, with the message's state now; one endpoint's on request. */
function DeliveryLog({ endpoints, writable }: { endpoints: EndpointRowFragment[]; writable: boolean }) {
  const [endpointId, setEndpointId] = useState('');
  const pages = usePages();
  const [{ data, error, fetching }] = useQuery({
    query: WebhookDeliveries,
    variables: { first: DELIVERIES_PAGE, after: pages.after, endpointId: endpointId || null },
  });
  const [redelivered, redeliver] = useMutation(RedeliverWebhook);
  const payload = redelivered.data?.redeliverWebhook;
  const connection = data?.webhookDeliveries;
  return (
    <section aria-labelledby="deliveries-title" className="subsection">
      <h2 id="deliveries-title">Delivery log</h2>
      <p className="hint">
        Every attempt, newest first{connection ? ` (${connection.totalCount})` : ''}, as it happens. Failed messages are retried for about 3 days.
      </p>
      <label htmlFor="delivery-endpoint">Endpoint</label>
      <select
        id="delivery-endpoint"
        value={endpointId}
        onChange={(e) => {
          setEndpointId(e.target.value);
          pages.reset();
        }}
      >
        <option value="">All endpoints and callbacks</option>
        {endpoints.map((endpoint) => (
          <option key={endpoint.id} value={endpoint.id}>
            {endpoint.url}
          </option>
        ))}
      </select>
      {payload?.__typename === 'RedeliverWebhookSuccess' && (
        <p className="notice" role="status">
          Sent again as attempt {payload.delivery.attempt}:{' '}
          {payload.delivery.succeeded ? `delivered (HTTP ${payload.delivery.statusCode})` : `failed (${payload.delivery.error ?? payload.delivery.statusCode})`}
          .
        </p>
      )}
      <ErrorNotice error={error ?? redelivered.error} payload={payload?.__typename === 'RedeliverWebhookSuccess' ? null : payload} />
      {!connection && fetching && <Loading what="deliveries" />}
      {connection && connection.edges.length === 0 && <Empty>No deliveries {endpointId ? 'to this endpoint ' : ''}yet.</Empty>}
      {connection && connection.edges.length > 0 && (
        <TableBox label="Webhook deliveries">
          <thead>
            <tr>
              <th scope="col">Attempted</th>
              <th scope="col">Event type</th>
              <th scope="col">URL</th>
              <th scope="col">Attempt</th>
              <th scope="col">Result</th>
              <th scope="col">HTTP code</th>
              <th scope="col">Error</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Message status</th>
              {writable && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {connection.edges.map(({ node: delivery }) => (
              <tr key={delivery.id}>
                <td>{when(delivery.attemptedAt, '')}</td>
                <td>
                  <code>{delivery.eventType}</code>
                </td>
                <td>
                  <code>{delivery.url}</code>
                </td>
                <td>
                  {delivery.attempt}
                  {delivery.manual && ' (redelivery)'}
                </td>
                <td>{delivery.succeeded ? 'delivered' : 'failed'}</td>
                <td>{delivery.statusCode ?? 'no answer'}</td>
                <td>{delivery.error ?? ''}</td>
                <td>{when(delivery.nextAttemptAt, 'none')}</td>
                <td>{delivery.state.toLowerCase()}</td>
                {writable && (
                  <td className="row-actions">
                    <button
                      type="button"
                      disabled={redelivered.fetching}
                      onClick={() => redeliver({ input: { id: delivery.id } })}
                      aria-label={`Redeliver ${delivery.eventType} (${delivery.webhookId})`}
                    >
                      Redeliver
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {connection && <Pager pages={pages} pageInfo={connection.pageInfo} />}
    </section>
  );
}

/** Create an endpoint, or (given one) change its URL, event types, or whether it is enabled. */
function EndpointForm({ endpoint, onDone }: { endpoint?: EndpointRowFragment; onDone: () => void }) {
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [eventTypes, setEventTypes] = useState<WebhookEventType[]>(endpoint?.eventTypes ?? []);
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);
  const [created, create] = useMutation(CreateWebhookEndpoint);
  const [updated, update] = useMutation(UpdateWebhookEndpoint);
  const result = endpoint ? updated : created;
  const payload = endpoint ? updated.data?.updateWebhookEndpoint : created.data?.createWebhookEndpoint;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = endpoint
          ? (await update({ input: { id: endpoint.id, url, eventTypes, enabled } })).data?.updateWebhookEndpoint
          : (await create({ input: { url, eventTypes } })).data?.createWebhookEndpoint;
        if (done && !('code' in done)) onDone();
      }}
    >
      <label htmlFor="endpoint-url">URL (https)</label>
      <input id="endpoint-url" type="url" required maxLength={2048} value={url} onChange={(e) => setUrl(e.target.value)} />
      <Checkboxes legend="Event types" options={eventTypeOptions} value={eventTypes} onChange={setEventTypes} />
      {endpoint && (
        <label className="inline">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          {endpoint.disabledReason && ' (enabling clears why Keyward disabled it)'}
        </label>
      )}
      <ErrorNotice error={result.error} payload={payload && 'code' in payload ? payload : null} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" disabled={result.fetching}>
          {endpoint ? 'Save' : 'Add endpoint'}
        </button>
      </div>
    </form>
  );
}

function DeleteEndpointForm({ endpoint, onDone }: { endpoint: EndpointRowFragment; onDone: () => void }) {
  const [result, remove] = useMutation(DeleteWebhookEndpoint);
  const payload = result.data?.deleteWebhookEndpoint;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await remove({ input: { id: endpoint.id } });
        if (done.data?.deleteWebhookEndpoint.__typename === 'DeleteWebhookEndpointSuccess') onDone();
      }}
    >
      <p>
        <code>{endpoint.url}</code> receives no more webhooks, and its deliveries (pending ones and the log of past ones) are deleted with it. This cannot be
        undone.
      </p>
      <ErrorNotice error={result.error} payload={payload?.__typename === 'DeleteWebhookEndpointSuccess' ? null : payload} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="danger" disabled={result.fetching}>
          Delete endpoint
        </button>
      </div>
    </form>
  );
}

const GRACE_PERIODS = [
  { seconds: 0, label: 'no time: it stops now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '24 hours' },
  { seconds: 7 * 86400, label: '7 days' },
];

function RotateSecretForm({ onRotated, onCancel }: { onRotated: (secret: string, previousValidUntil: string | null) => void; onCancel: () => void }) {
  const [grace, setGrace] = useState(86400);
  const [result, rotate] = useMutation(RotateSigningSecret);
  const payload = result.data?.rotateSigningSecret;
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = (await rotate({ input: { gracePeriodSeconds: grace } })).data?.rotateSigningSecret;
        if (done?.__typename === 'RotateSigningSecretSuccess') onRotated(done.signingSecret, done.previousValidUntil ?? null);
      }}
    >
      <p>
        A new secret signs this environment's webhooks and verifies its signed requests. Give your receivers time to switch: both secrets work during the grace
        period.
      </p>
      <label htmlFor="secret-grace">The previous secret keeps working for</label>
      <select id="secret-grace" value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
        {GRACE_PERIODS.map((period) => (
          <option key={period.seconds} value={period.seconds}>
            {period.label}
          </option>
        ))}
      </select>
      <ErrorNotice error={result.error} payload={payload?.__typename === 'RotateSigningSecretSuccess' ? null : payload} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={result.fetching}>
          Rotate secret
        </button>
      </div>
    </form>
  );
}
