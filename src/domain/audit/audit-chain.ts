import { createHash } from 'node:crypto';
import type { AuditEvent, Prisma, PrismaClient } from '../../generated/prisma/client.ts';

/** The fields of an audit row that its hash covers: all of them but the database's own `seq`. */
export type ChainedFields = Pick<
  AuditEvent,
  'id' | 'organizationId' | 'environment' | 'actorKind' | 'actorKeyId' | 'action' | 'targetType' | 'targetId' | 'ip' | 'createdAt'
> & { details: unknown; actorMemberId?: string | null | undefined };

/** JSON with object keys sorted at every level, so a value hashes the same after a JSONB round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** SHA-256 (hex) of the previous row's hash (empty for an organization's first row) and this row. */
export function auditHash(previous: string | null, row: ChainedFields): string {
  const content = canonicalJson([
    row.id,
    row.organizationId,
    row.environment,
    row.actorKind,
    row.actorKeyId,
    row.action,
    row.targetType,
    row.targetId,
    row.ip,
    row.details,
    row.createdAt.toISOString(),
    // Rows by members carry the member; the rows from before members hash as they always did.
    ...(row.actorMemberId ? [row.actorMemberId] : []),
  ]);
  return createHash('sha256')
    .update(`${previous ?? ''}\n${content}`)
    .digest('hex');
}

/**
 * Appends a row to its organization's chain, in the caller's transaction. The organization's row
 * lock (the one every change of the organization already takes) orders the appends, so each row
 * follows the one committed before it.
 */
export async function appendAudit(tx: Prisma.TransactionClient, row: Omit<ChainedFields, 'details'> & { details: Prisma.InputJsonValue }): Promise<void> {
  const organizationId = row.organizationId!;
  await tx.$queryRaw`SELECT 1 FROM organizations WHERE id = ${organizationId}::uuid FOR NO KEY UPDATE`;
  const last = await tx.auditEvent.findFirst({
    where: { organizationId, hash: { not: null } },
    orderBy: { seq: 'desc' },
    select: { hash: true },
  });
  await tx.auditEvent.create({ data: { ...row, hash: auditHash(last?.hash ?? null, row) } });
}

interface ChainBreak {
  organizationId: string;
  /** The first row whose hash does not follow: it was edited, or a row before it was deleted. */
  seq: bigint;
  id: string;
}

export interface ChainReport {
  organizations: number;
  rows: number;
  breaks: ChainBreak[];
}

const PAGE = 1_000;

/**
 * Recomputes every organization's audit chain (or one organization's): any row edited after it
 * was written, deleted, or inserted out of turn shows as a break at the first row that no longer
 * follows. Rows from before the chain (no hash) are skipped. The newest rows cannot be checked
 * against anything after them: deleting only the last rows leaves no break.
 */
export async function verifyAuditChains(prisma: PrismaClient, organizationId?: string): Promise<ChainReport> {
  const organizations = organizationId
    ? [organizationId]
    : (await prisma.organization.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((o) => o.id);
  const report: ChainReport = { organizations: organizations.length, rows: 0, breaks: [] };
  for (const id of organizations) {
    let previous: string | null = null;
    let after = -1n;
    for (;;) {
      const rows = await prisma.auditEvent.findMany({
        where: { organizationId: id, hash: { not: null }, seq: { gt: after } },
        orderBy: { seq: 'asc' },
        take: PAGE,
      });
      let broken: (typeof rows)[number] | undefined;
      for (const row of rows) {
        report.rows++;
        if (auditHash(previous, row) !== row.hash) {
          broken = row;
          break;
        }
        previous = row.hash;
      }
      if (broken) {
        report.breaks.push({ organizationId: id, seq: broken.seq, id: broken.id });
        break;
      }
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.seq;
    }
  }
  return report;
}
