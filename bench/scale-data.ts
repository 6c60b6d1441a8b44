// The data of `npm run bench:scale`: Keyward's own tables filled with SQL `generate_series`, in two
// stages over the same deterministic rows: `small` inserts about 1 % of every table, `rest` the
// other 99 %. Every row has a global index g (1…total of its table); a hash of g decides its
// stage, so the small stage is an even 1 % sample of the full data: every organization keeps its
// share, and timestamps, statuses and orderings look the same at both sizes.
//
// Organizations follow a power law (organization k gets a share ∝ log((k+1)/k), plus a tenth of
// everything for organization 1, the big one the benchmark measures): most are small, a few big.
// Timestamps spread over each table's retention window, in the order of a row's index within its
// organization, and the monotonic `seq` columns follow time, as they would in production.
import type pg from 'pg';

/** Rows at full size (BENCH_SCALE=1). */
export const FULL_SIZE = {
  organizations: 10_000,
  connections: 1_000_000,
  /** Partner keys; user keys come with connections (one per CONNECTED or REVOKED connection, plus rotated ones): ~800,000. */
  partnerKeys: 200_000,
  requestLogs: 10_000_000,
  events: 1_000_000,
  auditEvents: 1_000_000,
  /** Finished webhook deliveries, each with its attempt. */
  deliveries: 1_000_000,
  seenSignatures: 100_000,
};

export type Sizes = typeof FULL_SIZE;

export type Stage = 'small' | 'rest';

/** What every row gets from the power law on top of its share: organization 1 is the big one. */
const BIG_SHARE = 0.1;
/** Pending outbox rows, due now and due later: the dispatcher's work, which does not grow with history. */
const PENDING_DUE = 3_000;
const PENDING_LATER = 3_000;

const DAY = 86_400;

/** A deterministic number in [0, 1) for row g and a seed (each use of randomness has its own seed). */
const rnd = (g: string, seed: number) => `((hashint8((${g})::bigint * 64 + ${seed}) & 2147483647)::float8 / 2147483648.0)`;

export interface FillPlan {
  sizes: Sizes;
  /** The share of the small stage (0.01). */
  small: number;
  /** The moment the data ends: every timestamp is before it. */
  now: Date;
}

export function scaledSizes(scale: number): Sizes {
  const sizes = { ...FULL_SIZE };
  for (const key of Object.keys(sizes) as (keyof Sizes)[]) sizes[key] = Math.max(1, Math.round(FULL_SIZE[key] * scale));
  return sizes;
}

/** The id of organization k: deterministic, so both stages and the benchmark find it. */
export const organizationSql = (k: string) => `md5('scale-org-' || ${k})::uuid`;

class Sql {
  constructor(private readonly plan: FillPlan) {}

  get now(): string {
    return `'${this.plan.now.toISOString()}'::timestamptz`;
  }

  /** Milliseconds since the epoch where `seq` columns start counting (400 days before the end). */
  get baseMs(): number {
    return this.plan.now.getTime() - 400 * DAY * 1000;
  }

  /** Whether row g belongs to this stage. */
  inStage(stage: Stage, g: string, seed: number): string {
    return `${rnd(g, seed)} ${stage === 'small' ? '<' : '>='} ${this.plan.small}`;
  }

  /** The time of the i-th of n rows of an organization, spread over `days` before the end (with jitter inside its slot). */
  time(i: string, n: string, days: number, g: string, seed: number): string {
    return `(${this.now} - make_interval(secs => ${days * DAY}::float8 * (1 - ((${i}) - 0.9 + 0.8 * ${rnd(g, seed)}) / (${n}))::float8))`;
  }

  /** A `seq` that follows time across organizations: milliseconds since the base, then the organization. */
  seq(t: string, k: string): string {
    return `((round(extract(epoch from ${t}) * 1000)::bigint - ${this.baseMs}) * 65536 + ${k})`;
  }

  /** A `seq` above every filled one: where the table's own sequence continues. */
  get seqCeiling(): number {
    return (this.plan.now.getTime() + 1000 - this.baseMs) * 65536;
  }
}

const hex7 = (g: string) => `lpad(to_hex(${g}), 7, '0')`;
const ALL_PERMISSIONS = `'{CONNECTIONS_READ,CONNECTIONS_WRITE,KEYS_READ,KEYS_WRITE,WEBHOOKS_WRITE,LOGS_READ,ORDERS_CREATE,ORDERS_READ,BALANCE_READ,WITHDRAWALS_CREATE}'::"Permission"[]`;
const USER_PERMISSIONS = `'{ORDERS_CREATE,ORDERS_READ,BALANCE_READ,WITHDRAWALS_CREATE}'::"Permission"[]`;
const ALL_EVENT_TYPES = `'{CONNECTION_STATUS_CHANGED,API_KEY_CREATED,API_KEY_UPDATED,API_KEY_ROTATED,API_KEY_REVOKED,API_KEY_EXPIRED,WEBHOOK_ENDPOINT_DISABLED,ORGANIZATION_LIVE_ACCESS_CHANGED}'::"WebhookEventType"[]`;

/**
 * A temporary table of the organizations with, for every table, where its rows start in the
 * global index (`*_off`) and how many it has at full size (`*_n`): the power law's cumulative
 * share, floored, so the counts add up exactly.
 */
function organizationsTable(plan: FillPlan): string {
  const { sizes } = plan;
  const n = sizes.organizations;
  const totals = {
    conn: sizes.connections,
    pkey: sizes.partnerKeys,
    log: sizes.requestLogs,
    event: sizes.events,
    audit: sizes.auditEvents,
    delivery: sizes.deliveries,
  };
  const columns = Object.entries(totals).map(
    ([name, total]) => `floor(${total} * prev.cum)::bigint AS ${name}_off, (floor(${total} * cur.cum) - floor(${total} * prev.cum))::bigint AS ${name}_n`,
  );
  return `
    CREATE TEMP TABLE scale_orgs AS
    WITH c AS (
      SELECT k, CASE WHEN k = 0 THEN 0::float8 ELSE ${BIG_SHARE} + (1 - ${BIG_SHARE}) * ln(k + 1) / ln(${n} + 1) END AS cum
      FROM generate_series(0, ${n}) AS k)
    SELECT cur.k, ${organizationSql('cur.k')} AS id, ${columns.join(', ')}
    FROM c cur JOIN c prev ON prev.k = cur.k - 1;
    CREATE UNIQUE INDEX ON scale_orgs (k);
    ANALYZE scale_orgs`;
}

/** The statements of one stage, each with a name for the log. */
function statements(plan: FillPlan, stage: Stage): [string, string][] {
  const sql = new Sql(plan);
  const { now } = sql;
  const small = stage === 'small';
  const out: [string, string][] = [];

  if (small) {
    out.push([
      'organizations',
      `INSERT INTO organizations (id, name, status, "liveAccess", "rateLimitRequests", "createdAt", "updatedAt")
       SELECT id, 'Scale org ' || k,
         (CASE WHEN k > 1 AND ${rnd('k', 63)} < 0.01 THEN 'INACTIVE' ELSE 'ACTIVE' END)::"OrganizationStatus",
         'ENABLED', CASE WHEN k = 1 THEN 1000000000 ELSE 1000 END,
         ${now} - make_interval(days => 1100), ${now} - make_interval(days => 1)
       FROM scale_orgs`,
    ]);
    out.push([
      'members',
      `INSERT INTO members (id, "organizationId", email, role, "createdAt", "updatedAt")
       SELECT md5('scale-member-' || k)::uuid, id, 'owner' || k || '@scale.test', 'OWNER', ${now} - make_interval(days => 1000), ${now}
       FROM scale_orgs`,
    ]);
    out.push([
      'webhook endpoints',
      `INSERT INTO webhook_endpoints (id, "organizationId", environment, url, "eventTypes", "createdAt", "updatedAt")
       SELECT md5('scale-endpoint-' || k || '-' || env)::uuid, id, env::"Environment", 'https://hooks.scale.test/' || k, ${ALL_EVENT_TYPES},
         ${now} - make_interval(days => 900), ${now} - make_interval(days => 900)
       FROM scale_orgs, (VALUES ('TEST'), ('LIVE')) AS e(env)`,
    ]);
  }
  // Members' sessions: one open and one that ended days ago (what the members' pruning deletes) per organization and stage.
  out.push([
    "members' sessions",
    `INSERT INTO api_keys (id, "keyId", kind, "organizationId", environment, name, permissions, "secretHash", "expiresAt", "revokedAt",
         "memberId", "authenticatedAt", "createdAt", "updatedAt")
     SELECT md5('scale-session-' || prefix || k)::uuid, prefix || ${hex7('k')}, 'MEMBER', id, 'LIVE', 'Dashboard', '{}',
       sha256(('scale-session-' || prefix || k)::bytea), expires, NULL, md5('scale-member-' || k)::uuid, expires - interval '1 hour',
       expires - interval '1 hour', expires - interval '1 hour'
     FROM scale_orgs, (VALUES ${small ? `('m', ${now} + interval '1 hour'), ('n', ${now} - interval '3 days')` : `('o', ${now} - interval '2 days')`}) AS s(prefix, expires)`,
  ]);

  // Users and connections: over two years; 60 % CONNECTED, 10 % PENDING, 10 % ONBOARDING, 12 % REJECTED, 8 % REVOKED.
  const connections = `
    SELECT g, k, org, t, ${rnd('g', 3)} AS r FROM (
      SELECT o.conn_off + i AS g, o.k, o.id AS org, ${sql.time('i', 'o.conn_n', 730, 'o.conn_off + i', 7)} AS t
      FROM scale_orgs o, generate_series(1, o.conn_n) AS i) x
    WHERE ${sql.inStage(stage, 'g', 1)}`;
  out.push([
    'users',
    `INSERT INTO users (id, email, "createdAt", "updatedAt")
     SELECT md5('scale-user-' || g)::uuid, 'user' || g || '@scale.test', t, t FROM (${connections}) c`,
  ]);
  out.push([
    'connections',
    `INSERT INTO connections (id, "organizationId", "userId", environment, ref, status, direction, "createdAt", "updatedAt")
     SELECT md5('scale-conn-' || g)::uuid, org, md5('scale-user-' || g)::uuid,
       (CASE WHEN ${rnd('g', 2)} < 0.8 THEN 'LIVE' ELSE 'TEST' END)::"Environment", 'ref-' || g,
       (CASE WHEN r < 0.6 THEN 'CONNECTED' WHEN r < 0.7 THEN 'PENDING' WHEN r < 0.8 THEN 'ONBOARDING' WHEN r < 0.92 THEN 'REJECTED' ELSE 'REVOKED' END)::"ConnectionStatus",
       (CASE WHEN ${rnd('g', 4)} < 0.5 THEN 'BUY' ELSE 'SELL' END)::"ConnectionDirection",
       t, t + (${now} - t) * 0.1
     FROM (${connections}) c`,
  ]);

  // User keys: one per CONNECTED (active; 10 % with a future expiry) or REVOKED (revoked) connection, and a rotated-away
  // predecessor for a sixth of them (~12 % of connections).
  const connectionsOfStage = `
    SELECT c.*, substr(c.ref, 5)::bigint AS g FROM connections c
    WHERE c.ref LIKE 'ref-%' AND c.status IN ('CONNECTED', 'REVOKED')`;
  const userKeyColumns = `id, "keyId", kind, "organizationId", environment, name, permissions, "secretHash", "expiresAt", "revokedAt", "connectionId", "createdAt", "updatedAt"`;
  out.push([
    'user keys',
    `INSERT INTO api_keys (${userKeyColumns})
     SELECT md5('scale-key-u' || g)::uuid, 'u' || ${hex7('g')}, 'USER', "organizationId", environment, 'User key', ${USER_PERMISSIONS},
       sha256(('scale-secret-u' || g)::bytea),
       CASE WHEN status = 'CONNECTED' AND ${rnd('g', 6)} < 0.1 THEN ${now} + make_interval(days => 30 + (${rnd('g', 8)} * 300)::int) END,
       CASE WHEN status = 'REVOKED' THEN created + (${now} - created) / 2 END,
       id, created, created
     FROM (SELECT *, CASE WHEN rotated THEN "createdAt" + (${now} - "createdAt") / 2 ELSE "createdAt" END AS created
           FROM (SELECT *, ${rnd('g', 5)} < 0.1765 AS rotated FROM (${connectionsOfStage}) s) r) c
     WHERE ${sql.inStage(stage, 'g', 1)}`,
  ]);
  out.push([
    'rotated user keys',
    `INSERT INTO api_keys (${userKeyColumns})
     SELECT md5('scale-key-r' || g)::uuid, 'r' || ${hex7('g')}, 'USER', "organizationId", environment, 'User key', ${USER_PERMISSIONS},
       sha256(('scale-secret-r' || g)::bytea), NULL, "createdAt" + (${now} - "createdAt") / 2, id, "createdAt", "createdAt"
     FROM (${connectionsOfStage}) c
     WHERE ${rnd('g', 5)} < 0.1765 AND ${sql.inStage(stage, 'g', 1)}`,
  ]);

  // Partner keys over three years: each organization's newest three are active (in the small stage already), the rest
  // revoked (60 %) or expired with the expiry recorded by the sweeper (40 %).
  out.push([
    'partner keys',
    `INSERT INTO api_keys (id, "keyId", kind, "organizationId", environment, name, permissions, "secretHash", "expiresAt", "revokedAt",
         "expiryRecordedAt", "createdAt", "updatedAt")
     SELECT md5('scale-key-p' || g)::uuid, 'p' || ${hex7('g')}, 'PARTNER', org,
       (CASE WHEN active OR ${rnd('g', 11)} < 0.7 THEN 'LIVE' ELSE 'TEST' END)::"Environment", 'Partner key ' || i, ${ALL_PERMISSIONS},
       sha256(('scale-secret-p' || g)::bytea),
       CASE WHEN active AND i = n - 2 THEN ${now} + interval '200 days' WHEN NOT active AND NOT revoked THEN t + (${now} - t) * 0.3 END,
       CASE WHEN NOT active AND revoked THEN t + (${now} - t) * 0.3 END,
       CASE WHEN NOT active AND NOT revoked THEN t + (${now} - t) * 0.3 + interval '1 second' END,
       t, t
     FROM (SELECT o.pkey_off + i AS g, i, o.pkey_n AS n, o.id AS org, i > o.pkey_n - 3 AS active,
             ${rnd('o.pkey_off + i', 12)} < 0.6 AS revoked, ${sql.time('i', 'o.pkey_n', 1095, 'o.pkey_off + i', 13)} AS t
           FROM scale_orgs o, generate_series(1, o.pkey_n) AS i) p
     WHERE ${small ? `(active OR ${sql.inStage('small', 'g', 10)})` : `(NOT active AND ${sql.inStage('rest', 'g', 10)})`}`,
  ]);

  // Request logs over 31 days (the 30-day retention and a day the pruning has not reached yet). 60/10/5 % by the
  // organization's three newest partner keys, 25 % by its users' keys; 5 % by members (the dashboard).
  const t = sql.time('i', 'o.log_n', 31, 'o.log_off + i', 28);
  out.push([
    'request logs',
    `INSERT INTO request_logs (seq, id, "organizationId", environment, "keyId", "memberId", "operationName", "operationType", outcome,
         "httpStatus", ip, "durationMs", "createdAt")
     SELECT ${sql.seq('t', 'k')}, gen_random_uuid(), org, (CASE WHEN ${rnd('g', 25)} < 0.85 THEN 'LIVE' ELSE 'TEST' END)::"Environment",
       CASE WHEN rk < 0.6 THEN 'p' || ${hex7('pkey_off + pkey_n')} WHEN rk < 0.7 THEN 'p' || ${hex7('pkey_off + pkey_n - 1')}
            WHEN rk < 0.75 THEN 'p' || ${hex7('pkey_off + pkey_n - 2')}
            ELSE 'u' || ${hex7(`conn_off + 1 + floor(${rnd('g', 22)} * greatest(conn_n, 1))::bigint`)} END,
       CASE WHEN ${rnd('g', 24)} < 0.05 THEN md5('scale-member-' || k)::uuid END,
       (ARRAY['Viewer', 'Connections', 'PartnerKeys', 'CreateConnection', 'VerifyKey'])[1 + floor(${rnd('g', 26)} * 5)::int],
       CASE WHEN ${rnd('g', 26)} < 0.6 THEN 'query' ELSE 'mutation' END,
       CASE WHEN ro < 0.93 THEN 'OK' WHEN ro < 0.96 THEN 'RATE_LIMITED' WHEN ro < 0.98 THEN 'VALIDATION_FAILED' WHEN ro < 0.99 THEN 'NOT_FOUND'
            WHEN ro < 0.995 THEN 'RATE_LIMITED,VALIDATION_FAILED' ELSE 'INTERNAL_SERVER_ERROR' END,
       CASE WHEN ro < 0.93 THEN 200 WHEN ro < 0.96 THEN 429 WHEN ro < 0.99 THEN 200 WHEN ro < 0.995 THEN 429 ELSE 500 END,
       '10.' || (g % 250) || '.' || (g / 250 % 250) || '.' || (k % 250), round((${rnd('g', 27)} * 80)::numeric, 2)::float8, t
     FROM (SELECT o.*, o.log_off + i AS g, o.id AS org, ${t} AS t, ${rnd('o.log_off + i', 21)} AS rk, ${rnd('o.log_off + i', 23)} AS ro
           FROM scale_orgs o, generate_series(1, o.log_n) AS i) l
     WHERE ${sql.inStage(stage, 'g', 20)}`,
  ]);

  // The event log over a year: positions are the row's index in its organization (the small stage has gaps, the rest fills them).
  out.push([
    'events',
    `INSERT INTO events (id, "organizationId", environment, position, type, "connectionId", "apiKeyId", data, "createdAt")
     SELECT gen_random_uuid(), org, (CASE WHEN ${rnd('g', 32)} < 0.8 THEN 'LIVE' ELSE 'TEST' END)::"Environment", i,
       (CASE WHEN r < 0.6 THEN 'CONNECTION_STATUS_CHANGED' WHEN r < 0.75 THEN 'API_KEY_CREATED' WHEN r < 0.85 THEN 'API_KEY_REVOKED'
             WHEN r < 0.92 THEN 'API_KEY_ROTATED' WHEN r < 0.97 THEN 'API_KEY_UPDATED' ELSE 'API_KEY_EXPIRED' END)::"EventType",
       CASE WHEN r < 0.6 THEN md5('scale-conn-' || (conn_off + 1 + floor(${rnd('g', 34)} * greatest(conn_n, 1))::bigint))::uuid END,
       CASE WHEN r >= 0.6 THEN md5('scale-key-p' || (pkey_off + 1 + floor(${rnd('g', 34)} * greatest(pkey_n, 1))::bigint))::uuid END,
       CASE WHEN r < 0.6 THEN json_build_object('status', 'CONNECTED', 'previousStatus', 'PENDING', 'ref', 'ref-' || g)
            ELSE json_build_object('keyId', 'p' || ${hex7('g')}, 'kind', 'PARTNER') END,
       t
     FROM (SELECT o.*, o.event_off + i AS g, i, o.id AS org, ${rnd('o.event_off + i', 31)} AS r,
             ${sql.time('i', 'o.event_n', 365, 'o.event_off + i', 33)} AS t
           FROM scale_orgs o, generate_series(1, o.event_n) AS i) e
     WHERE ${sql.inStage(stage, 'g', 30)}`,
  ]);
  // Every position up to an organization's full count is taken (now or by the rest): Keyward appends after it.
  out.push([
    'event positions',
    `UPDATE organizations o SET "eventSeq" = greatest(o."eventSeq", s.event_n) FROM scale_orgs s WHERE o.id = s.id AND s.event_n > 0`,
  ]);

  // The audit trail over a year, chained (a hash on every row, as Keyward writes them).
  const at = sql.time('i', 'o.audit_n', 365, 'o.audit_off + i', 44);
  out.push([
    'audit events',
    `INSERT INTO audit_events (seq, id, "organizationId", environment, "actorKind", "actorKeyId", action, "targetType", "targetId", ip,
         details, "createdAt", hash)
     SELECT ${sql.seq('t', 'k')}, md5('scale-audit-' || g)::uuid, org,
       (CASE WHEN re < 0.75 THEN 'LIVE' WHEN re < 0.95 THEN 'TEST' END)::"Environment",
       (CASE WHEN ra < 0.7 THEN 'PARTNER_KEY' WHEN ra < 0.85 THEN 'SYSTEM' WHEN ra < 0.95 THEN 'USER_KEY' ELSE 'OPERATOR' END)::"ActorKind",
       CASE WHEN ra < 0.7 THEN 'p' || ${hex7(`pkey_off + pkey_n - floor(${rnd('g', 45)} * 3)::bigint`)} END,
       action, CASE WHEN action LIKE 'api_key.%' THEN 'api_key' ELSE 'connection' END,
       CASE WHEN action LIKE 'api_key.%' THEN 'p' || ${hex7(`pkey_off + 1 + floor(${rnd('g', 46)} * greatest(pkey_n, 1))::bigint`)}
            ELSE md5('scale-conn-' || (conn_off + 1 + floor(${rnd('g', 46)} * greatest(conn_n, 1))::bigint))::text END,
       '10.0.' || (g % 250) || '.' || (k % 250), '{}', t, md5(g::text) || md5((g + 1)::text)
     FROM (SELECT o.*, o.audit_off + i AS g, o.id AS org, ${at} AS t, ${rnd('o.audit_off + i', 41)} AS re, ${rnd('o.audit_off + i', 42)} AS ra,
             (ARRAY['api_key.created', 'api_key.revoked', 'api_key.rotated', 'api_key.updated', 'connection.status_changed', 'connection.status_changed'])
               [1 + floor(${rnd('o.audit_off + i', 43)} * 6)::int] AS action
           FROM scale_orgs o, generate_series(1, o.audit_n) AS i) a
     WHERE ${sql.inStage(stage, 'g', 40)}`,
  ]);

  // Finished webhook deliveries over 31 days (30-day retention and a day past it), each with its attempt:
  // 90 % SUCCEEDED, 8 % FAILED, 2 % CANCELLED.
  const dt = sql.time('i', 'o.delivery_n', 31, 'o.delivery_off + i', 53);
  out.push([
    'webhook deliveries and attempts',
    `WITH d AS (
       INSERT INTO webhook_deliveries (id, "organizationId", environment, "endpointId", type, payload, state, "attemptCount", "createdAt", "updatedAt")
       SELECT md5('scale-delivery-' || g)::uuid, org, env::"Environment", md5('scale-endpoint-' || k || '-' || env)::uuid, 'api_key.created',
         json_build_object('type', 'api_key.created', 'timestamp', t, 'data', json_build_object('keyId', 'p' || ${hex7('g')}, 'kind', 'PARTNER')),
         (CASE WHEN rs < 0.9 THEN 'SUCCEEDED' WHEN rs < 0.98 THEN 'FAILED' ELSE 'CANCELLED' END)::"WebhookDeliveryState", 1, t, t + interval '2 seconds'
       FROM (SELECT o.*, o.delivery_off + i AS g, o.id AS org, ${dt} AS t, ${rnd('o.delivery_off + i', 51)} AS rs,
               CASE WHEN ${rnd('o.delivery_off + i', 52)} < 0.8 THEN 'LIVE' ELSE 'TEST' END AS env
             FROM scale_orgs o, generate_series(1, o.delivery_n) AS i) x
       WHERE ${sql.inStage(stage, 'g', 50)}
       RETURNING id, "organizationId", environment, state, "createdAt")
     INSERT INTO webhook_attempts (seq, id, "deliveryId", "organizationId", environment, number, url, succeeded, "statusCode", "durationMs", error, "attemptedAt")
     SELECT ${sql.seq('d."createdAt" + interval \'1 second\'', 's.k')}, md5('scale-attempt-' || d.id)::uuid, d.id, d."organizationId", d.environment, 1,
       'https://hooks.scale.test/' || s.k, d.state = 'SUCCEEDED', CASE WHEN d.state = 'SUCCEEDED' THEN 200 ELSE 500 END, 120,
       CASE WHEN d.state = 'SUCCEEDED' THEN NULL ELSE 'HTTP 500' END, d."createdAt" + interval '1 second'
     FROM d JOIN scale_orgs s ON s.id = d."organizationId"`,
  ]);

  // Signatures of signed requests: the replay window's worth, and ten minutes past it (what the pruning deletes).
  out.push([
    'seen signatures',
    `INSERT INTO seen_signatures (signature, "expiresAt")
     SELECT encode(sha256(('scale-signature-' || g)::bytea), 'hex'), ${now} - interval '600 seconds' + make_interval(secs => ${rnd('g', 61)} * 1200)
     FROM generate_series(1, ${plan.sizes.seenSignatures}) AS g
     WHERE ${sql.inStage(stage, 'g', 60)}`,
  ]);

  // Keyward's own inserts continue above every filled seq (the rest stage fills below it).
  for (const table of ['request_logs', 'audit_events', 'webhook_attempts']) {
    out.push([`${table} sequence`, `SELECT setval(pg_get_serial_sequence('${table}', 'seq'), greatest(${sql.seqCeiling}, (SELECT max(seq) FROM ${table})))`]);
  }
  return out;
}

/**
 * The outbox as the dispatcher finds it: some deliveries due now, some retries due later, spread
 * over the organizations (replaces the pending ones of an earlier stage and those the benchmark claimed).
 */
function pendingOutbox(plan: FillPlan): string {
  return `
    DELETE FROM webhook_deliveries WHERE state = 'PENDING';
    INSERT INTO webhook_deliveries (id, "organizationId", environment, "endpointId", type, payload, state, "nextAttemptAt", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), o.id, 'LIVE', md5('scale-endpoint-' || o.k || '-LIVE')::uuid, 'api_key.created',
      json_build_object('type', 'api_key.created', 'timestamp', now(), 'data', json_build_object('keyId', 'pending', 'kind', 'PARTNER')), 'PENDING',
      CASE WHEN j <= ${PENDING_DUE} THEN now() - make_interval(secs => ${rnd('j', 62)} * 600) ELSE now() + make_interval(secs => 600 + ${rnd('j', 62)} * 3000) END,
      now() - interval '10 minutes', now() - interval '10 minutes'
    FROM generate_series(1, ${PENDING_DUE + PENDING_LATER}) AS j
    JOIN scale_orgs o ON o.k = 1 + floor(${rnd('j', 59)} * ${plan.sizes.organizations})::int`;
}

/** Runs one stage of the fill on `client` (its own session: the temporary table lives there), then VACUUM ANALYZE. */
export async function fill(client: pg.Client, plan: FillPlan, stage: Stage, log: (line: string) => void): Promise<void> {
  await client.query("SET work_mem = '256MB'");
  await client.query("SET maintenance_work_mem = '1GB'");
  await client.query('DROP TABLE IF EXISTS scale_orgs');
  await client.query(organizationsTable(plan));
  for (const [name, statement] of statements(plan, stage)) {
    const started = performance.now();
    const result = await client.query(statement);
    const rows = Array.isArray(result) ? result.at(-1)?.rowCount : result.rowCount;
    log(`  ${name}: ${rows ?? '?'} rows, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await client.query(pendingOutbox(plan));
  const started = performance.now();
  // As autovacuum would in time: statistics, the visibility map and hint bits, so that the measurement does not meet a vacuum midway.
  await client.query('VACUUM (ANALYZE)');
  log(`  VACUUM (ANALYZE): ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Puts the pending outbox back as it was (the claims of a measurement leased part of it). */
export async function resetOutbox(client: pg.Client, plan: FillPlan): Promise<void> {
  await client.query('DROP TABLE IF EXISTS scale_orgs');
  await client.query(organizationsTable(plan));
  await client.query(pendingOutbox(plan));
  await client.query('ANALYZE webhook_deliveries');
}
