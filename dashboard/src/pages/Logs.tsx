import { type KeyboardEvent, type ReactNode, useRef, useState } from 'react';
import { type CombinedError, useQuery } from 'urql';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Pager, usePages } from '../components/Pager.tsx';
import { TableBox } from '../components/TableBox.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useEnv } from '../env.tsx';
import { when } from '../format.ts';
import { graphql } from '../gql/index.ts';
import type { ActorKind, ErrorCode } from '../gql/graphql.ts';
import { AUDIT_ACTIONS } from '../../../src/domain/audit/audit-actions.ts';

const RequestLogs = graphql(`
  query RequestLogs($first: Int!, $after: String, $keyId: String, $outcome: String, $from: DateTime, $to: DateTime, $includeMembers: Boolean) {
    requestLogs(first: $first, after: $after, keyId: $keyId, outcome: $outcome, from: $from, to: $to, includeMembers: $includeMembers) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id keyId memberId operationName operationType outcome httpStatus ip durationMs createdAt } }
    }
  }
`);

const AuditEvents = graphql(`
  query AuditEvents($first: Int!, $after: String, $keyId: String, $actorKind: ActorKind, $action: String, $from: DateTime, $to: DateTime) {
    auditEvents(first: $first, after: $after, keyId: $keyId, actorKind: $actorKind, action: $action, from: $from, to: $to) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id action actorKind actorKeyId targetType targetId environment ip details createdAt } }
    }
  }
`);

const PAGE_SIZE = 20;

const TABS = [
  { id: 'requests', label: 'Request logs' },
  { id: 'audit', label: 'Audit log' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** The organization's request logs and audit log, one tab each. */
export function LogsPage() {
  const { env } = useEnv();
  const [tab, setTab] = useState<Tab>('requests');
  return (
    <section aria-labelledby="logs-title">
      <div className="page-head">
        <h1 id="logs-title">Logs</h1>
      </div>
      <p className="hint">
        What happened in the {env.toUpperCase()} environment: every authenticated request (kept 30 days), and every change with who made it.
      </p>
      <Tabs selected={tab} onSelect={setTab} />
      {/* Both panels stay mounted (a hidden one keeps its filters and page), so each tab controls a panel that exists. */}
      <div role="tabpanel" id="panel-requests" aria-labelledby="tab-requests" hidden={tab !== 'requests'}>
        <RequestLogList />
      </div>
      <div role="tabpanel" id="panel-audit" aria-labelledby="tab-audit" hidden={tab !== 'audit'}>
        <AuditLogList />
      </div>
    </section>
  );
}

/** A tablist as the ARIA pattern has it: one tab in the tab order, arrows, Home and End move between tabs. */
function Tabs({ selected, onSelect }: { selected: Tab; onSelect: (tab: Tab) => void }) {
  const refs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});
  const onKeyDown = (event: KeyboardEvent) => {
    const index = TABS.findIndex((t) => t.id === selected);
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = TABS[(target + TABS.length) % TABS.length]!.id;
    onSelect(next);
    refs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label="Logs" className="tabs">
      {TABS.map((t) => (
        <button
          key={t.id}
          ref={(element) => {
            refs.current[t.id] = element;
          }}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={selected === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={selected === t.id ? 0 : -1}
          onClick={() => onSelect(t.id)}
          onKeyDown={onKeyDown}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** A date-time field's value as the API takes it; null when empty or not a date. */
function isoOf(local: string): string | null {
  const date = local ? new Date(local) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

/** The variables both logs take: the page, the key and the time range. */
function sharedVariables(applied: { keyId: string; from: string; to: string }, after: string | undefined) {
  return { first: PAGE_SIZE, after: after ?? null, keyId: applied.keyId.trim() || null, from: isoOf(applied.from), to: isoOf(applied.to) };
}

interface FieldProps {
  id: string;
  value: string;
  onChange: (event: { target: { value: string } }) => void;
}

/**
 * Filters as a form: typed into a draft, applied together (a keystroke is not a request), and
 * every change goes back to the first page.
 */
function useFilters<F extends Record<string, string>>(empty: F) {
  const [draft, setDraft] = useState(empty);
  const [applied, setApplied] = useState(empty);
  const pages = usePages();
  return {
    applied,
    pages,
    /** A field's id (`<prefix>-<name>`), value and change handler. */
    field: (name: keyof F & string, prefix: string): FieldProps => ({
      id: `${prefix}-${name}`,
      value: draft[name] ?? '',
      onChange: (e) => setDraft((d) => ({ ...d, [name]: e.target.value })),
    }),
    apply: () => {
      setApplied(draft);
      pages.reset();
    },
    clear: () => {
      setDraft(empty);
      setApplied(empty);
      pages.reset();
    },
  };
}

interface FilterControls {
  field: (name: 'keyId' | 'from' | 'to', prefix: string) => FieldProps;
  apply: () => void;
  clear: () => void;
}

/** The fields both logs share: a key, and a time range in the browser's time zone. */
function FilterForm({ filters, prefix, children }: { filters: FilterControls; prefix: string; children: ReactNode }) {
  return (
    <form
      className="filters"
      aria-label="Filters"
      onSubmit={(event) => {
        event.preventDefault();
        filters.apply();
      }}
    >
      {children}
      <div>
        <label htmlFor={`${prefix}-keyId`}>Key ID</label>
        <input {...filters.field('keyId', prefix)} maxLength={200} spellCheck={false} />
      </div>
      <div>
        <label htmlFor={`${prefix}-from`}>From</label>
        <input type="datetime-local" {...filters.field('from', prefix)} />
      </div>
      <div>
        <label htmlFor={`${prefix}-to`}>Until</label>
        <input type="datetime-local" {...filters.field('to', prefix)} />
      </div>
      <div className="actions">
        <button type="submit">Apply filters</button>
        <button type="button" className="secondary" onClick={filters.clear}>
          Clear
        </button>
      </div>
    </form>
  );
}

/** Loading, error, empty, the table in its scrolling box, and the pager: the same for both logs. */
function LogTable<Row>({
  what,
  result,
  pages,
  head,
  row,
  onRefresh,
}: {
  what: string;
  result: {
    error?: CombinedError | undefined;
    fetching: boolean;
    list?: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor?: string | null }; edges: { node: Row }[] } | undefined;
  };
  pages: ReturnType<typeof usePages>;
  head: string[];
  row: (node: Row) => ReactNode;
  onRefresh: () => void;
}) {
  const { list } = result;
  return (
    <>
      <div className="list-head">
        <p className="hint" role="status">
          {list ? `${list.totalCount} ${what}, newest first` : ''}
        </p>
        <button type="button" className="secondary" onClick={onRefresh}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={result.error} />
      {!list && result.fetching && <Loading what={what} />}
      {list && list.edges.length === 0 && <Empty>No {what} match these filters.</Empty>}
      {list && list.edges.length > 0 && (
        <TableBox label={what}>
          <thead>
            <tr>
              {head.map((title) => (
                <th key={title} scope="col">
                  {title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{list.edges.map((edge) => row(edge.node))}</tbody>
        </TableBox>
      )}
      {list && <Pager pages={pages} pageInfo={list.pageInfo} />}
    </>
  );
}

/** Every code a request can end with; `satisfies` makes the type check fail when the schema gains one. */
const ERROR_CODES = {
  BAD_USER_INPUT: true,
  CAPABILITY_DISABLED: true,
  CSRF_REQUIRED: true,
  ENV_MISMATCH: true,
  FORBIDDEN: true,
  INTERNAL_SERVER_ERROR: true,
  INVALID_STATE: true,
  IP_NOT_ALLOWED: true,
  KEY_LIMIT_REACHED: true,
  LIVE_ACCESS_PENDING: true,
  NOT_FOUND: true,
  ORG_INACTIVE: true,
  RATE_LIMITED: true,
  REAUTHENTICATION_REQUIRED: true,
  SIGNATURE_INVALID: true,
  SIGNATURE_REQUIRED: true,
  TIMEOUT: true,
  UNAUTHENTICATED: true,
  UNAVAILABLE: true,
  VALIDATION_FAILED: true,
} satisfies Record<ErrorCode, true>;

const OUTCOMES = ['OK', ...Object.keys(ERROR_CODES)];

function RequestLogList() {
  const filters = useFilters({ keyId: '', outcome: '', from: '', to: '' });
  const [includeMembers, setIncludeMembers] = useState(false);
  const { applied, pages } = filters;
  const [result, refetch] = useQuery({
    query: RequestLogs,
    variables: { ...sharedVariables(applied, pages.after), outcome: applied.outcome.trim() || null, includeMembers },
  });
  return (
    <>
      <FilterForm filters={filters} prefix="requests">
        <div>
          <label htmlFor="requests-outcome">Outcome</label>
          <input {...filters.field('outcome', 'requests')} list="outcomes" maxLength={200} spellCheck={false} />
          <datalist id="outcomes">
            {OUTCOMES.map((code) => (
              <option key={code} value={code} />
            ))}
          </datalist>
        </div>
      </FilterForm>
      <label className="inline">
        <input
          type="checkbox"
          checked={includeMembers}
          onChange={(e) => {
            setIncludeMembers(e.target.checked);
            pages.reset();
          }}
        />{' '}
        Include members' requests (this dashboard's)
      </label>
      <LogTable
        what="requests"
        result={{ error: result.error, fetching: result.fetching, list: result.data?.requestLogs }}
        pages={pages}
        head={['Time', 'Key ID', 'Operation', 'Outcome', 'HTTP status', 'Duration', 'IP']}
        onRefresh={() => refetch({ requestPolicy: 'network-only' })}
        row={(log) => (
          <tr key={log.id}>
            <td>{when(log.createdAt, '')}</td>
            <td>
              <code>{log.keyId}</code>
              {log.memberId && ' (member)'}
            </td>
            <td>
              {log.operationName ?? 'anonymous'} {log.operationType && <span className="hint">{log.operationType}</span>}
            </td>
            <td>
              <code>{log.outcome}</code>
            </td>
            <td>{log.httpStatus}</td>
            <td>{Math.round(log.durationMs)} ms</td>
            <td>{log.ip ?? ''}</td>
          </tr>
        )}
      />
    </>
  );
}

const ACTOR_KINDS: { value: ActorKind; label: string }[] = [
  { value: 'MEMBER', label: 'Member' },
  { value: 'PARTNER_KEY', label: 'Partner key' },
  { value: 'USER_KEY', label: 'User key' },
  { value: 'OPERATOR', label: 'Operator' },
  { value: 'SYSTEM', label: 'Keyward' },
];

const actorLabel = (kind: ActorKind) => ACTOR_KINDS.find((k) => k.value === kind)?.label ?? kind;

function AuditLogList() {
  const filters = useFilters({ keyId: '', actorKind: '', action: '', from: '', to: '' });
  const { applied, pages } = filters;
  const [result, refetch] = useQuery({
    query: AuditEvents,
    variables: {
      ...sharedVariables(applied, pages.after),
      actorKind: (applied.actorKind || null) as ActorKind | null,
      action: applied.action.trim() || null,
    },
  });
  return (
    <>
      <FilterForm filters={filters} prefix="audit">
        <div>
          <label htmlFor="audit-actorKind">Actor</label>
          <select {...filters.field('actorKind', 'audit')}>
            <option value="">Anyone</option>
            {ACTOR_KINDS.map((kind) => (
              <option key={kind.value} value={kind.value}>
                {kind.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-action">Action</label>
          <input {...filters.field('action', 'audit')} list="actions" maxLength={200} spellCheck={false} />
          <datalist id="actions">
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action} />
            ))}
          </datalist>
        </div>
      </FilterForm>
      <LogTable
        what="audit events"
        result={{ error: result.error, fetching: result.fetching, list: result.data?.auditEvents }}
        pages={pages}
        head={['Time', 'Action', 'Actor', 'Target', 'Environment', 'IP', 'Details']}
        onRefresh={() => refetch({ requestPolicy: 'network-only' })}
        row={(event) => (
          <tr key={event.id}>
            <td>{when(event.createdAt, '')}</td>
            <td>
              <code>{event.action}</code>
            </td>
            <td>
              {actorLabel(event.actorKind)} {event.actorKeyId && <code>{event.actorKeyId}</code>}
            </td>
            <td>
              {event.targetType} {event.targetId && <code>{event.targetId}</code>}
            </td>
            <td>{event.environment ?? 'organization'}</td>
            <td>{event.ip ?? ''}</td>
            <td>
              <code className="details">{JSON.stringify(event.details)}</code>
            </td>
          </tr>
        )}
      />
    </>
  );
}
