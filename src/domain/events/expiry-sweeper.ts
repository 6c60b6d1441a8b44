import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { keyEvent } from '../api-key/api-key.service.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

const BATCH = 500;

/**
 * Writes an EXPIRED event for every key that passed its `expiresAt` (rotation grace periods
 * included), so expiry reaches subscribers and webhooks like any other change. Instances may
 * all run it: each organization is handled under its lock and re-read there, so a key expires
 * in the log exactly once.
 */
export class ExpirySweeper {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  /** One pass; returns how many EXPIRED events it wrote. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    // Members' sessions end quietly: a person's sign-in is not a key that partners follow.
    const due = { revokedAt: null, expiryRecordedAt: null, expiresAt: { lte: now }, kind: { not: 'MEMBER' as const } };
    const organizations = await this.prisma.apiKey.findMany({
      where: due,
      select: { organizationId: true },
      distinct: ['organizationId'],
      take: 100,
    });
    let written = 0;
    for (const { organizationId } of organizations) {
      written += await this.uow.run({ type: 'system' }, organizationId, async ({ tx, audit, emit }) => {
        const keys = await tx.apiKey.findMany({ where: { organizationId, ...due }, orderBy: { expiresAt: 'asc' }, take: BATCH });
        if (keys.length === 0) return 0;
        await tx.apiKey.updateMany({ where: { id: { in: keys.map((k) => k.id) } }, data: { expiryRecordedAt: now } });
        for (const key of keys) {
          await audit({
            environment: key.environment,
            action: 'api_key.expired',
            targetType: 'api_key',
            targetId: key.keyId,
            details: { expiresAt: key.expiresAt!.toISOString() },
          });
        }
        await emit(keys.map((key) => keyEvent('API_KEY_EXPIRED', key, { expiresAt: key.expiresAt!.toISOString() })));
        return keys.length;
      });
    }
    return written;
  }

  /** Runs a pass every `intervalMs` (one at a time); returns the stop function. */
  start(intervalMs: number, onError: (error: unknown) => void): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.runOnce()
        .catch(onError)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
