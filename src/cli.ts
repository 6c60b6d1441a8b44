/**
 * The operator command line: `npm run -s keyward -- <group> <action> [options]`.
 *
 * It opens the same runtime as the server (the embedded data dir, locked to this process, or
 * DATABASE_URL) and calls the same domain services as the GraphQL API, as the operator. Flags are
 * checked before anything is opened, so a typo never waits for the database or takes the lock.
 *
 * Exit codes: 0 done; 1 Keyward could not run (configuration, data dir in use, unexpected
 * failure); 2 the command was refused (bad usage, invalid input, or a domain error); 3 `audit
 * verify` found an audit row that was edited or deleted.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { servicesFor, openRuntime, upgradeData, type Runtime } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import type { Services } from './context.ts';
import type { ApiKey, Member, Organization } from './generated/prisma/client.ts';
import { createPartnerKeyInput } from './domain/api-key/api-key.schemas.ts';
import { apiKeysWhere, membersWhere } from './domain/access/visibility.ts';
import { activeWhere, isActive } from './domain/api-key/api-key.service.ts';
import type { Caller } from './domain/caller.ts';
import { AccessError, DomainError, NotFoundError, ValidationError } from './domain/errors.ts';
import { inviteMemberInput, requestSignInLinkInput } from './domain/member/member.schemas.ts';
import { createOrganizationInput, updateOrganizationInput } from './domain/organization/organization.schemas.ts';
import { parseInput } from './domain/validation.ts';
import { verifyAuditChains } from './domain/audit/audit-chain.ts';
import { DataDirLockedError } from './infra/data-dir.ts';
import { createLogger } from './infra/logger.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_REFUSED = 2;
/** `audit verify` found a row that was edited or deleted. */
const EXIT_AUDIT_BROKEN = 3;

const OPERATOR: Caller = { type: 'operator' };

/** Wrong command line: refused before the runtime is opened. */
class UsageError extends Error {
  override name = 'UsageError';
}

type Values = Record<string, string | boolean | undefined>;

interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder in help, e.g. `<uuid>`. */
  value?: string;
  required?: boolean;
  description: string;
}

interface Output {
  /** Human-readable lines for stdout. */
  text: string[];
  /** What `--json` prints, as one line. */
  json: unknown;
  /** The process's exit code when not 0 (a check that found a problem). */
  exitCode?: number;
}

type Work = (services: Services) => Promise<Output>;

interface Command {
  group: string;
  action: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Service input field → the flag that sets it, so validation errors name the flag. */
  flags: Record<string, string>;
  /** Checks the flags (no database yet) and returns the work to run once the runtime is open. */
  prepare(values: Values): Work;
}

// ---------------------------------------------------------------------------------------------
// Flag helpers

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function requiredText(values: Values, name: string): string {
  const value = text(values, name);
  if (value === undefined) throw new UsageError(`missing required option --${name}`);
  return value;
}

/** `A, b,C` → `['A', 'B', 'C']`; an empty string is an empty list. */
function upperList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim().toUpperCase())
    .filter((item) => item !== '');
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const upper = (value: string | undefined) => value?.trim().toUpperCase();

function isoDate(value: string, field: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim()) || Number.isNaN(date.getTime())) {
    throw ValidationError.field(field, 'must be an ISO 8601 date-time, e.g. 2030-01-31T00:00:00Z');
  }
  return date;
}

const organizationIdInput = z.object({ organizationId: z.uuid('must be an organization id') });
const keyIdInput = z.object({
  keyId: z
    .string()
    .refine((v) => !v.startsWith('kw_'), 'give the 8-character key id, never the key itself')
    .refine((v) => /^[0-9A-Za-z]{8}$/.test(v), 'must be an 8-character key id'),
});

// ---------------------------------------------------------------------------------------------
// Output shapes: public fields only, never a secret hash

type KeyRecord = Omit<ApiKey, 'secretHash'>;

function organizationJson(org: Organization) {
  return {
    id: org.id,
    name: org.name,
    status: org.status,
    disabledPermissions: org.disabledPermissions,
    userKeyRecovery: org.userKeyRecovery,
    liveAccess: org.liveAccess,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}

function keyJson(key: KeyRecord, now: Date) {
  return {
    id: key.id,
    keyId: key.keyId,
    organizationId: key.organizationId,
    kind: key.kind,
    name: key.name,
    environment: key.environment,
    permissions: key.permissions,
    allowedIps: key.allowedIps,
    active: isActive(key, now),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
  };
}

function memberJson(member: Member) {
  return {
    id: member.id,
    organizationId: member.organizationId,
    email: member.email,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
    lastSignInAt: member.lastSignInAt?.toISOString() ?? null,
  };
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** A list command's output: a table, or one line when there is nothing; with --json `{ [name]: records }`. */
function listing<T>(name: string, items: T[], empty: string, header: string[], row: (item: T) => string[], record: (item: T) => unknown): Output {
  return {
    text: items.length === 0 ? [empty] : table(header, items.map(row)),
    json: { [name]: items.map(record) },
  };
}

const secretLine = (secret: string) => `Partner key (shown once, store it now): ${secret}`;

/** Where the invitation went: the outbox directory or the SMTP server, never a credential. */
const invitationLine = (member: Member, mailer: string) => `Invitation mailed to ${member.email} (a sign-in link, valid 24 hours; ${mailer})`;

function keyDetails(key: KeyRecord): string[] {
  return [
    `  environment:  ${key.environment}`,
    `  permissions:  ${key.permissions.join(', ')}`,
    `  allowed IPs:  ${key.allowedIps.length > 0 ? key.allowedIps.join(', ') : 'any'}`,
    `  expires:      ${key.expiresAt?.toISOString() ?? 'never'}`,
  ];
}

function organizationDetails(org: Organization): string[] {
  return [
    `  name:                  ${org.name}`,
    `  status:                ${org.status}`,
    `  disabled permissions:  ${org.disabledPermissions.length > 0 ? org.disabledPermissions.join(', ') : 'none'}`,
    `  user key recovery:     ${org.userKeyRecovery}`,
    `  LIVE access:           ${org.liveAccess}${org.liveAccess === 'PENDING' ? ' (its keys cannot create LIVE keys or connect users in LIVE until you enable it)' : ''}`,
    `  created:               ${org.createdAt.toISOString()}`,
  ];
}

function memberDetails(member: Member): string[] {
  return [`  email:  ${member.email}`, `  role:   ${member.role}`];
}

// ---------------------------------------------------------------------------------------------
// Commands

const COMMANDS: Command[] = [
  {
    group: 'org',
    action: 'create',
    summary: 'Create an organization and its first partner key (every permission)',
    options: {
      name: { type: 'string', value: '<name>', required: true, description: 'organization name, 2–100 characters' },
      env: { type: 'string', value: 'test|live', description: 'environment of the first partner key (default test)' },
      'live-access': {
        type: 'string',
        value: 'pending|enabled',
        description: 'pending (default): its keys work in TEST only until you enable LIVE; enabled: LIVE is open at once',
      },
      'owner-email': {
        type: 'string',
        value: '<email>',
        description: 'the first OWNER of its dashboard, mailed an invitation (a sign-in link valid 24 hours)',
      },
    },
    flags: { name: '--name', environment: '--env', liveAccess: '--live-access', ownerEmail: '--owner-email' },
    prepare(values) {
      const input = {
        name: requiredText(values, 'name'),
        environment: upper(text(values, 'env')) ?? 'TEST',
        liveAccess: upper(text(values, 'live-access')),
        ownerEmail: text(values, 'owner-email'),
      };
      parseInput(createOrganizationInput, input);
      return async (services) => {
        const { organization, key, secret, signingSecret, signingSecrets, owner } = await services.organizations.create(OPERATOR, input);
        return {
          text: [
            `Created organization ${organization.id}`,
            ...organizationDetails(organization),
            `First partner key ${key.keyId} ("${key.name}")`,
            ...keyDetails(key),
            secretLine(secret),
            // One line per secret; a TEST credential must never be handed the LIVE one.
            ...signingSecrets.map((s) => `${s.environment} signing secret (shown once; ${s.environment} signed requests and webhooks): ${s.signingSecret}`),
            ...(owner ? [`First OWNER ${owner.email} (member ${owner.id})`, invitationLine(owner, services.mailer.description)] : []),
          ],
          json: {
            organization: organizationJson(organization),
            key: keyJson(key, services.clock.now()),
            secret,
            signingSecret,
            signingSecrets,
            owner: owner ? memberJson(owner) : null,
          },
        };
      };
    },
  },
  {
    group: 'org',
    action: 'update',
    summary: 'Change an organization (at least one of the optional flags)',
    options: {
      id: { type: 'string', value: '<uuid>', required: true, description: 'the organization id' },
      name: { type: 'string', value: '<name>', description: 'new name' },
      status: { type: 'string', value: 'active|inactive', description: 'inactive: none of its keys authenticate' },
      'disable-permissions': {
        type: 'string',
        value: 'A,B',
        description: 'permissions no key of the organization may use (replaces the list; "" clears it)',
      },
      'user-key-recovery': {
        type: 'string',
        value: 'encrypted|none',
        description: 'whether user keys are also stored encrypted so connectUser can return them again',
      },
      'live-access': {
        type: 'string',
        value: 'enabled|pending',
        description: 'enabled opens LIVE (LIVE keys, LIVE connections); pending closes it to new ones (its LIVE keys keep working)',
      },
    },
    flags: {
      id: '--id',
      name: '--name',
      status: '--status',
      disabledPermissions: '--disable-permissions',
      userKeyRecovery: '--user-key-recovery',
      liveAccess: '--live-access',
    },
    prepare(values) {
      const disabled = text(values, 'disable-permissions');
      const input = {
        id: requiredText(values, 'id'),
        name: text(values, 'name'),
        status: upper(text(values, 'status')),
        disabledPermissions: disabled === undefined ? undefined : upperList(disabled),
        userKeyRecovery: upper(text(values, 'user-key-recovery')),
        liveAccess: upper(text(values, 'live-access')),
      };
      if (Object.entries(input).every(([field, value]) => field === 'id' || value === undefined)) {
        throw new UsageError('give at least one of --name, --status, --disable-permissions, --user-key-recovery, --live-access');
      }
      parseInput(updateOrganizationInput, input);
      return async (services) => {
        const organization = await services.organizations.update(OPERATOR, input);
        return {
          text: [`Updated organization ${organization.id}`, ...organizationDetails(organization)],
          json: { organization: organizationJson(organization) },
        };
      };
    },
  },
  {
    group: 'org',
    action: 'list',
    summary: 'List every organization',
    options: {},
    flags: {},
    prepare() {
      return async (services) => {
        const organizations = await services.prisma.organization.findMany({
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
        return listing(
          'organizations',
          organizations,
          'No organizations.',
          ['ID', 'NAME', 'STATUS', 'LIVE', 'CREATED'],
          (org) => [org.id, org.name, org.status, org.liveAccess, org.createdAt.toISOString()],
          organizationJson,
        );
      };
    },
  },
  {
    group: 'audit',
    action: 'verify',
    summary: 'Recompute the audit trail hash chains; exit 3 when a row was edited or deleted',
    options: {
      org: { type: 'string', value: '<uuid>', description: 'only this organization (default: every one)' },
    },
    flags: { organizationId: '--org' },
    prepare(values) {
      const org = text(values, 'org');
      const organizationId = org === undefined ? undefined : parseInput(organizationIdInput, { organizationId: org }).organizationId;
      return async (services) => {
        if (organizationId && !(await services.organizations.get(organizationId))) throw new NotFoundError('Organization');
        const report = await verifyAuditChains(services.prisma, organizationId);
        const breaks = report.breaks.map((b) => ({ organizationId: b.organizationId, seq: b.seq.toString(), id: b.id }));
        return {
          text: [
            `Checked ${report.rows} audit rows of ${report.organizations} organization(s).`,
            ...(breaks.length === 0
              ? ['Every chain is intact.']
              : breaks.map((b) => `BROKEN: organization ${b.organizationId}, from row ${b.seq} (${b.id}): edited, or a row before it deleted`)),
          ],
          json: { organizations: report.organizations, rows: report.rows, intact: breaks.length === 0, breaks },
          ...(breaks.length > 0 && { exitCode: EXIT_AUDIT_BROKEN }),
        };
      };
    },
  },
  {
    group: 'key',
    action: 'create',
    summary: 'Create a partner key for an organization',
    options: {
      org: { type: 'string', value: '<uuid>', required: true, description: 'the organization id' },
      name: { type: 'string', value: '<name>', required: true, description: 'key name, 3–64 characters' },
      permissions: { type: 'string', value: 'A,B', required: true, description: 'permissions, e.g. KEYS_READ,CONNECTIONS_READ' },
      env: { type: 'string', value: 'test|live', description: 'environment (default test)' },
      'allowed-ips': { type: 'string', value: 'cidr,...', description: 'IPs/CIDRs the key may be used from (default any)' },
      'expires-at': { type: 'string', value: '<ISO date>', description: 'when the key stops working (default never)' },
    },
    flags: {
      organizationId: '--org',
      name: '--name',
      permissions: '--permissions',
      environment: '--env',
      allowedIps: '--allowed-ips',
      expiresAt: '--expires-at',
    },
    prepare(values) {
      const allowedIps = text(values, 'allowed-ips');
      const expiresAt = text(values, 'expires-at');
      const input = {
        organizationId: requiredText(values, 'org'),
        name: requiredText(values, 'name'),
        permissions: upperList(requiredText(values, 'permissions')),
        environment: upper(text(values, 'env')) ?? 'TEST',
        allowedIps: allowedIps === undefined ? [] : list(allowedIps),
        expiresAt: expiresAt === undefined ? null : isoDate(expiresAt, 'expiresAt'),
      };
      parseInput(createPartnerKeyInput(new Date()), input);
      return async (services) => {
        const { key, secret } = await services.apiKeys.createPartnerKey(OPERATOR, input);
        return {
          text: [`Created partner key ${key.keyId} ("${key.name}") for organization ${key.organizationId}`, ...keyDetails(key), secretLine(secret)],
          json: { key: keyJson(key, services.clock.now()), secret },
        };
      };
    },
  },
  {
    group: 'key',
    action: 'list',
    summary: "List an organization's partner keys (never their secrets)",
    options: {
      org: { type: 'string', value: '<uuid>', required: true, description: 'the organization id' },
      all: { type: 'boolean', description: 'include revoked and expired keys' },
    },
    flags: { organizationId: '--org' },
    prepare(values) {
      const { organizationId } = parseInput(organizationIdInput, { organizationId: requiredText(values, 'org') });
      const all = values.all === true;
      return async (services) => {
        if (!(await services.organizations.get(organizationId))) throw new NotFoundError('Organization');
        const now = services.clock.now();
        const keys = await services.prisma.apiKey.findMany({
          where: { AND: [apiKeysWhere(OPERATOR), { kind: 'PARTNER', organizationId }, all ? {} : activeWhere(now)] },
          omit: { secretHash: true },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        });
        return listing(
          'keys',
          keys,
          all ? 'No partner keys.' : 'No active partner keys (--all shows revoked and expired ones).',
          ['KEY ID', 'NAME', 'ENV', 'ACTIVE', 'PERMISSIONS'],
          (key) => [key.keyId, key.name, key.environment, isActive(key, now) ? 'yes' : 'no', key.permissions.join(',')],
          (key) => keyJson(key, now),
        );
      };
    },
  },
  {
    group: 'key',
    action: 'revoke',
    summary: 'Revoke a partner key at once',
    options: {
      org: { type: 'string', value: '<uuid>', required: true, description: 'the organization id' },
      'key-id': { type: 'string', value: '<keyId>', required: true, description: 'the 8-character public key id' },
    },
    flags: { organizationId: '--org', keyId: '--key-id' },
    prepare(values) {
      const { organizationId } = parseInput(organizationIdInput, { organizationId: requiredText(values, 'org') });
      const { keyId } = parseInput(keyIdInput, { keyId: requiredText(values, 'key-id') });
      return async (services) => {
        // The service revokes by the key's uuid; the operator knows the public keyId.
        const found = await services.prisma.apiKey.findFirst({
          where: { AND: [apiKeysWhere(OPERATOR), { kind: 'PARTNER', organizationId, keyId }] },
          select: { id: true },
        });
        if (!found) throw new NotFoundError('API key');
        const key = await services.apiKeys.revokePartnerKey(OPERATOR, { id: found.id });
        return {
          text: [`Revoked partner key ${key.keyId} ("${key.name}") of organization ${key.organizationId}`],
          json: { key: keyJson(key, services.clock.now()) },
        };
      };
    },
  },
  {
    group: 'member',
    action: 'add',
    summary: 'Add a member to an organization and mail it an invitation (a sign-in link valid 24 hours)',
    options: {
      org: { type: 'string', value: '<uuid>', required: true, description: 'the organization id' },
      email: { type: 'string', value: '<email>', required: true, description: "the member's email address (its sign-in links go there)" },
      role: { type: 'string', value: 'owner|admin|developer|viewer', description: 'what the member may do on the dashboard (default viewer)' },
    },
    flags: { organizationId: '--org', email: '--email', role: '--role' },
    prepare(values) {
      const input = {
        organizationId: requiredText(values, 'org'),
        email: requiredText(values, 'email'),
        role: upper(text(values, 'role')) ?? 'VIEWER',
      };
      parseInput(inviteMemberInput, input);
      return async (services) => {
        const member = await services.members.invite(OPERATOR, input);
        return {
          text: [
            `Added member ${member.id} to organization ${member.organizationId}`,
            ...memberDetails(member),
            invitationLine(member, services.mailer.description),
          ],
          json: { member: memberJson(member) },
        };
      };
    },
  },
  {
    group: 'member',
    action: 'list',
    summary: "List an organization's members",
    options: {
      org: { type: 'string', value: '<uuid>', required: true, description: 'the organization id' },
    },
    flags: { organizationId: '--org' },
    prepare(values) {
      const { organizationId } = parseInput(organizationIdInput, { organizationId: requiredText(values, 'org') });
      return async (services) => {
        if (!(await services.organizations.get(organizationId))) throw new NotFoundError('Organization');
        const members = await services.prisma.member.findMany({
          where: { AND: [membersWhere(OPERATOR), { organizationId }] },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
        return listing(
          'members',
          members,
          'No members.',
          ['ID', 'EMAIL', 'ROLE', 'LAST SIGN-IN'],
          (member) => [member.id, member.email, member.role, member.lastSignInAt?.toISOString() ?? 'never'],
          memberJson,
        );
      };
    },
  },
  {
    group: 'member',
    action: 'remove',
    summary: 'Remove a member: its sessions end at once (never the last OWNER)',
    options: {
      org: { type: 'string', value: '<uuid>', required: true, description: 'the organization id' },
      email: { type: 'string', value: '<email>', required: true, description: "the member's email address" },
    },
    flags: { organizationId: '--org', email: '--email' },
    prepare(values) {
      const { organizationId } = parseInput(organizationIdInput, { organizationId: requiredText(values, 'org') });
      const { email } = parseInput(requestSignInLinkInput, { email: requiredText(values, 'email') });
      return async (services) => {
        // The service removes by the member's id; the operator knows the address.
        const found = await services.prisma.member.findFirst({
          where: { AND: [membersWhere(OPERATOR), { organizationId, email }] },
          select: { id: true },
        });
        if (!found) throw new NotFoundError('Member');
        const member = await services.members.remove(OPERATOR, { id: found.id });
        return {
          text: [`Removed member ${member.email} (${member.id}) from organization ${member.organizationId}; its sessions ended`],
          json: { member: memberJson(member) },
        };
      };
    },
  },
];

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'machine-readable output: one JSON object on one line of stdout' },
  help: { type: 'boolean', description: 'show help' },
};

// ---------------------------------------------------------------------------------------------
// Help

function synopsis(command: Command): string {
  const parts = Object.entries(command.options).map(([name, spec]) => {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? '<value>'}`;
    return spec.required ? flag : `[${flag}]`;
  });
  return [`${command.group} ${command.action}`, ...parts].join(' ');
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const entries = Object.entries(options).map(([name, spec]) => [
    spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? '<value>'}`,
    spec.required ? `${spec.description} (required)` : spec.description,
  ]);
  const width = Math.max(...entries.map(([flag]) => flag!.length));
  return entries.map(([flag, description]) => `  ${flag!.padEnd(width)}  ${description}`);
}

const FOOTER = [
  'Environment: the same as the server (KEYWARD_DATA_DIR, DATABASE_URL, KEYWARD_PEPPER, ...).',
  'The embedded database serves one process at a time: while the server runs on it, use the',
  'GraphQL API with the X-Admin-Token header instead (createOrganization, createPartnerKey, ...).',
  '',
  'Exit codes: 0 done; 1 configuration error, data directory in use, or unexpected failure;',
  '2 refused: bad usage, invalid input, not found, key limit, disabled capability, invalid state.',
  "With npm, pass -s so that --json output is not preceded by npm's own lines:",
  '  npm run -s keyward -- key list --org <uuid> --json',
];

function generalHelp(group?: string): string {
  const commands = COMMANDS.filter((c) => group === undefined || c.group === group);
  const width = Math.max(...commands.map((c) => `${c.group} ${c.action}`.length));
  return [
    `Usage: keyward ${group ?? '<org|key|member|audit>'} <command> [options] [--json]`,
    '',
    'Operator commands; they call the same services as the GraphQL API, as the operator.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${`${c.group} ${c.action}`.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run "keyward <group> <command> --help" for the options of one command.',
    '',
    ...FOOTER,
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: keyward ${synopsis(command)} [--json]`,
    '',
    `${command.summary}.`,
    '',
    'Options:',
    ...optionLines({ ...command.options, ...GLOBAL_OPTIONS }),
    '',
    ...FOOTER,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Command line → invocation

type Invocation = { kind: 'help'; text: string } | { kind: 'run'; command: Command; values: Values; json: boolean };

function parseInvocation(argv: string[]): Invocation {
  // The command words come first; --json and --help may appear anywhere.
  const words: string[] = [];
  let rest = argv;
  while (rest.length > 0 && words.length < 2 && !rest[0]!.startsWith('-')) {
    words.push(rest[0]!);
    rest = rest.slice(1);
  }
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  const [group, action] = words;

  if (group === undefined || group === 'help') {
    if (wantsHelp || group === 'help') return { kind: 'help', text: generalHelp() };
    throw new UsageError('no command given');
  }
  if (!COMMANDS.some((c) => c.group === group)) throw new UsageError(`unknown command "${group}"`);
  if (action === undefined) {
    if (wantsHelp) return { kind: 'help', text: generalHelp(group) };
    throw new UsageError(
      `"${group}" needs a command: ${COMMANDS.filter((c) => c.group === group)
        .map((c) => c.action)
        .join(', ')}`,
    );
  }
  const command = COMMANDS.find((c) => c.group === group && c.action === action);
  if (!command) throw new UsageError(`unknown command "${group} ${action}"`);
  if (wantsHelp) return { kind: 'help', text: commandHelp(command) };

  let values: Values;
  try {
    const options = Object.fromEntries(Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([name, spec]) => [name, { type: spec.type }]));
    values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    // Node's messages are long and suggest `--`; the first sentence is the useful part.
    const message = (error as Error).message.split(/\.\s/)[0]!.replace(/\.$/, '');
    throw new UsageError(message);
  }
  return { kind: 'run', command, values, json: values.json === true };
}

// ---------------------------------------------------------------------------------------------
// Running

function write(stream: NodeJS.WriteStream, lines: string): void {
  stream.write(lines.endsWith('\n') ? lines : `${lines}\n`);
}

/** `permissions.0 (--permissions): Invalid option ...`: the service path and the flag that set it. */
function fieldLine(path: string[], message: string, flags: Record<string, string>): string {
  const flag = flags[path[0] ?? ''];
  return `${path.join('.')}${flag ? ` (${flag})` : ''}: ${message}`;
}

/** A refused command: one line on stderr; with --json also `{ error }` on stdout. */
function refuse(error: DomainError | AccessError | UsageError, command: Command | undefined, json: boolean): number {
  if (error instanceof ValidationError) {
    const fields = error.fields.map((f) => fieldLine(f.path, f.message, command?.flags ?? {}));
    write(process.stderr, `keyward: invalid input: ${fields.join('; ')}`);
  } else if (error instanceof UsageError) {
    write(process.stderr, `keyward: ${error.message}. Run "keyward --help" for usage.`);
  } else {
    write(process.stderr, `keyward: ${error.message} (${error.code})`);
  }
  if (json) {
    const code = error instanceof UsageError ? 'USAGE' : error.code;
    const fields = error instanceof ValidationError ? error.fields : undefined;
    write(process.stdout, JSON.stringify({ error: { code, message: error.message, ...(fields && { fields }) } }));
  }
  return EXIT_REFUSED;
}

function isRefusal(error: unknown): error is DomainError | AccessError | UsageError {
  return error instanceof DomainError || error instanceof AccessError || error instanceof UsageError;
}

async function main(argv: string[]): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    if (error instanceof UsageError) return refuse(error, undefined, argv.includes('--json'));
    throw error;
  }
  if (invocation.kind === 'help') {
    write(process.stdout, invocation.text);
    return EXIT_OK;
  }
  const { command, values, json } = invocation;

  let work: Work;
  try {
    work = command.prepare(values);
  } catch (error) {
    if (isRefusal(error)) return refuse(error, command, json);
    throw error;
  }

  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      write(process.stderr, `keyward: ${error.message}`);
      return EXIT_FAILED;
    }
    throw error;
  }

  // Logs go to stderr: stdout is for the command's output only.
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', destination: process.stderr });
  let runtime: Runtime;
  try {
    runtime = await openRuntime(config, logger);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      write(
        process.stderr,
        `keyward: ${error.message}\n` +
          'keyward: while the server is running, use its GraphQL API with the X-Admin-Token header instead ' +
          '(createOrganization, updateOrganization, createPartnerKey, revokePartnerKey, inviteMember).',
      );
      return EXIT_FAILED;
    }
    throw error;
  }

  try {
    if (runtime.firstStart && config.DATABASE_URL === undefined) {
      // The server prints its first-start notice only when it creates the data dir itself.
      const dir = resolve(config.KEYWARD_DATA_DIR);
      write(
        process.stderr,
        `keyward: created a new data directory at ${dir}; its generated secrets, including the ` +
          `operator token for X-Admin-Token, are in ${resolve(dir, 'keyward-secrets.json')}`,
      );
    }
    const services = servicesFor(config, runtime, logger);
    await upgradeData(services);
    let output: Output;
    try {
      output = await work(services);
    } catch (error) {
      if (isRefusal(error)) return refuse(error, command, json);
      throw error;
    }
    // One line either way, so a secret in the output is on exactly one line.
    write(process.stdout, json ? JSON.stringify(output.json) : output.text.join('\n'));
    return output.exitCode ?? EXIT_OK;
  } finally {
    await runtime.close();
  }
}

/** Exits once stdout and stderr are flushed: the migration engine can leave timers behind. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`keyward: unexpected failure: ${message}\n`);
  exit(EXIT_FAILED);
});
