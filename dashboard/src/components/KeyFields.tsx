import { type ReactNode, useState } from 'react';
import type { DocumentInput } from 'urql';
import { entries, list, when } from '../format.ts';
import type { Currency, Permission } from '../gql/graphql.ts';
import { ActionForm } from './ActionForm.tsx';
import { Checkboxes } from './Checkboxes.tsx';

// What partner keys and user keys share: the choices their forms offer, their status, their cells.

/** Every permission, in the order the forms offer them; `satisfies` fails the type check when the schema gains one. */
const PERMISSIONS = Object.keys({
  CONNECTIONS_READ: true,
  CONNECTIONS_WRITE: true,
  KEYS_READ: true,
  KEYS_WRITE: true,
  WEBHOOKS_WRITE: true,
  LOGS_READ: true,
  ORDERS_CREATE: true,
  ORDERS_READ: true,
  BALANCE_READ: true,
  WITHDRAWALS_CREATE: true,
} satisfies Record<Permission, true>) as Permission[];

const PERMISSION_OPTIONS = PERMISSIONS.map((p) => ({ value: p, label: p }));

const CURRENCY_OPTIONS: { value: Currency; label: string }[] = [
  { value: 'FIAT', label: 'Fiat (EUR, IBAN)' },
  { value: 'CRYPTO', label: 'Crypto (Bitcoin)' },
];

interface KeyShown {
  name: string;
  keyId: string;
  permissions: readonly string[];
  currencies: readonly string[];
  allowedIps: readonly string[];
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  active: boolean;
  revokedAt?: string | null;
}

function keyStatus(key: Pick<KeyShown, 'active' | 'revokedAt' | 'expiresAt'>): string {
  if (key.revokedAt) return 'revoked';
  if (!key.active) return 'expired';
  return key.expiresAt ? 'active (expires)' : 'active';
}

/** The columns every key table has, in this order; `extra` (a key kind's own columns) goes before the dates. */
export function KeyHeaders({ extra }: { extra?: ReactNode }) {
  return (
    <>
      <th scope="col">Name</th>
      <th scope="col">Key ID</th>
      <th scope="col">Permissions</th>
      <th scope="col">Currencies</th>
      <th scope="col">IP allowlist</th>
      {extra}
      <th scope="col">Expires</th>
      <th scope="col">Last used</th>
      <th scope="col">Status</th>
    </>
  );
}

export function KeyCells({ apiKey, extra }: { apiKey: KeyShown; extra?: ReactNode }) {
  return (
    <>
      <td>{apiKey.name}</td>
      <td>
        <code>{apiKey.keyId}</code>
      </td>
      <td>{list(apiKey.permissions, 'none')}</td>
      <td>{list(apiKey.currencies, 'none')}</td>
      <td>{list(apiKey.allowedIps, 'any address')}</td>
      {extra}
      <td>{when(apiKey.expiresAt, 'never')}</td>
      <td>{when(apiKey.lastUsedAt, 'never')}</td>
      <td>{keyStatus(apiKey)}</td>
    </>
  );
}

/** A key's row actions (an active key's only), each named after the key: Edit where the page has it, Rotate, Revoke. */
export function KeyActions({ apiKey, onEdit, onRotate, onRevoke }: { apiKey: KeyShown; onEdit?: () => void; onRotate: () => void; onRevoke: () => void }) {
  return (
    <td className="row-actions">
      {apiKey.active && (
        <>
          {onEdit && (
            <button type="button" onClick={onEdit} aria-label={`Edit ${apiKey.name}`}>
              Edit
            </button>
          )}
          <button type="button" onClick={onRotate} aria-label={`Rotate ${apiKey.name}`}>
            Rotate
          </button>
          <button type="button" className="danger" onClick={onRevoke} aria-label={`Revoke ${apiKey.name}`}>
            Revoke
          </button>
        </>
      )}
    </td>
  );
}

/** What a new key of either kind is made with, as its form holds it. */
export interface KeyDraft {
  name: string;
  /** Never, or the datetime-local text of the expiry. */
  expiry: { never: boolean; at: string };
  currencies: Currency[];
  permissions: Permission[];
  /** One address or CIDR per line (or comma). */
  ips: string;
}

export const newKeyDraft = (permissions: Permission[]): KeyDraft => ({
  name: '',
  expiry: { never: true, at: '' },
  currencies: ['FIAT', 'CRYPTO'],
  permissions,
  ips: '',
});

/** The draft as the create mutations take it: no expiry means never. */
export const keyDraftInput = ({ name, expiry, currencies, permissions, ips }: KeyDraft) => ({
  name,
  permissions,
  currencies,
  allowedIps: entries(ips),
  ...(!expiry.never && expiry.at ? { expiresAt: new Date(expiry.at).toISOString() } : {}),
});

/** Name, expiry (never or a date), currencies, permissions and IP allowlist of a new key. */
export function KeyDraftFields({ draft, onChange }: { draft: KeyDraft; onChange: (draft: KeyDraft) => void }) {
  const set = (change: Partial<KeyDraft>) => onChange({ ...draft, ...change });
  return (
    <>
      <label htmlFor="key-name">Name</label>
      <input id="key-name" required minLength={3} maxLength={64} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
      <fieldset>
        <legend>Expiry</legend>
        <div className="choices">
          <label>
            <input type="radio" name="expires" checked={draft.expiry.never} onChange={() => set({ expiry: { ...draft.expiry, never: true } })} /> Never expires
          </label>
          <label>
            <input type="radio" name="expires" checked={!draft.expiry.never} onChange={() => set({ expiry: { ...draft.expiry, never: false } })} /> Expires on
          </label>
          {!draft.expiry.never && (
            <input
              type="datetime-local"
              aria-label="Expiry date"
              required
              value={draft.expiry.at}
              onChange={(e) => set({ expiry: { never: false, at: e.target.value } })}
            />
          )}
        </div>
      </fieldset>
      <Checkboxes legend="Currencies" options={CURRENCY_OPTIONS} value={draft.currencies} onChange={(currencies) => set({ currencies })} />
      <Checkboxes legend="Permissions" options={PERMISSION_OPTIONS} value={draft.permissions} onChange={(permissions) => set({ permissions })} />
      <label htmlFor="key-ips">IP allowlist (one address or CIDR per line; empty: any address)</label>
      <textarea id="key-ips" rows={3} value={draft.ips} onChange={(e) => set({ ips: e.target.value })} />
    </>
  );
}

const GRACE_HOURS = [0, 1, 6, 12, 24];

/** How long a rotated key keeps working: 0 to 24 hours, in seconds. */
function GraceField({ seconds, onChange }: { seconds: number; onChange: (seconds: number) => void }) {
  return (
    <>
      <label htmlFor="grace">The old key keeps working for</label>
      <select id="grace" value={seconds / 3600} onChange={(e) => onChange(Number(e.target.value) * 3600)}>
        {GRACE_HOURS.map((h) => (
          <option key={h} value={h}>
            {h === 0 ? 'no time: it stops now' : `${h} hour${h === 1 ? '' : 's'}`}
          </option>
        ))}
      </select>
    </>
  );
}

type Failure = { code: string; message: string };

/** Rotating a key of either kind: the grace period, then the successor's secret (shown once by `onRotated`). */
export function RotateKeyForm<Data>({
  apiKey,
  mutation,
  pick,
  onRotated,
  onCancel,
}: {
  apiKey: { id: string; name: string };
  mutation: DocumentInput<Data, { input: { id: string; gracePeriodSeconds: number } }>;
  pick: (data: Data) => { secret: string } | Failure | null | undefined;
  onRotated: (secret: string) => void;
  onCancel: () => void;
}) {
  const [grace, setGrace] = useState(0);
  return (
    <ActionForm
      mutation={mutation}
      variables={() => ({ input: { id: apiKey.id, gracePeriodSeconds: grace } })}
      pick={pick}
      onSuccess={(rotated) => onRotated(rotated.secret)}
      onCancel={onCancel}
      submit="Rotate key"
    >
      <p>A new key replaces {apiKey.name} with the same settings.</p>
      <GraceField seconds={grace} onChange={setGrace} />
    </ActionForm>
  );
}

/** The changes an edit sends: a user key also has recipients. */
interface KeyChanges {
  input: { id: string; name: string; permissions: Permission[]; allowedIps: string[]; allowedRecipients?: string[] };
}

/**
 * Editing a key of either kind in place (it keeps its secret): name, permissions, IP allowlist,
 * and for a user key (one with `allowedRecipients`) its recipients.
 */
export function EditKeyForm<Data>({
  apiKey,
  mutation,
  pick,
  onDone,
}: {
  apiKey: { id: string; keyId: string; name: string; permissions: Permission[]; allowedIps: string[]; allowedRecipients?: string[] };
  mutation: DocumentInput<Data, KeyChanges>;
  pick: (data: Data) => object | Failure | null | undefined;
  onDone: () => void;
}) {
  const [name, setName] = useState(apiKey.name);
  const [permissions, setPermissions] = useState<Permission[]>(apiKey.permissions);
  const [ips, setIps] = useState(apiKey.allowedIps.join('\n'));
  const [recipients, setRecipients] = useState(apiKey.allowedRecipients?.join('\n'));
  return (
    <ActionForm
      mutation={mutation}
      variables={() => ({
        input: { id: apiKey.id, name, permissions, allowedIps: entries(ips), ...(recipients !== undefined && { allowedRecipients: entries(recipients) }) },
      })}
      pick={pick}
      onSuccess={onDone}
      onCancel={onDone}
      submit="Save"
    >
      <p className="hint">
        The key keeps its secret: <code>{apiKey.keyId}</code> works on with the new settings.
      </p>
      <label htmlFor="edit-name">Name</label>
      <input id="edit-name" required minLength={3} maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
      <Checkboxes legend="Permissions" options={PERMISSION_OPTIONS} value={permissions} onChange={setPermissions} />
      <label htmlFor="edit-ips">IP allowlist (one per line; empty: any address)</label>
      <textarea id="edit-ips" rows={3} value={ips} onChange={(e) => setIps(e.target.value)} />
      {recipients !== undefined && (
        <>
          <label htmlFor="edit-recipients">Allowed recipients (IBANs and Bitcoin addresses, one per line; empty: any)</label>
          <textarea id="edit-recipients" rows={2} value={recipients} onChange={(e) => setRecipients(e.target.value)} spellCheck={false} />
        </>
      )}
    </ActionForm>
  );
}

/** Revoking a key of either kind, after this confirmation. */
export function RevokeKeyForm<Data>({
  apiKey,
  mutation,
  pick,
  onDone,
}: {
  apiKey: { id: string; keyId: string };
  mutation: DocumentInput<Data, { input: { id: string } }>;
  pick: (data: Data) => object | null | undefined;
  onDone: () => void;
}) {
  return (
    <ActionForm
      mutation={mutation}
      variables={() => ({ input: { id: apiKey.id } })}
      pick={pick}
      onSuccess={onDone}
      onCancel={onDone}
      submit="Revoke key"
      danger
    >
      <p>
        <code>{apiKey.keyId}</code> stops working at once, everywhere. This cannot be undone.
      </p>
    </ActionForm>
  );
}
