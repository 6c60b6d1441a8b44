import type { Prisma } from '../generated/prisma/client.ts';
import { recordAudit, type AuditEntry } from './audit/audit.service.ts';
import type { Caller } from './caller.ts';
import type { EventDraft, EventLog, EventRecord, LockedOrganization } from './events/event-log.ts';

type Tx = Prisma.TransactionClient;

/** What a write can do inside its unit of work. */
export interface Work {
  readonly tx: Tx;
  /** Who is acting: the actor of every audit row the unit writes. */
  readonly caller: Caller;
  /** The organization the write belongs to, locked before anything else. */
  readonly organizationId: string;
  readonly organization: LockedOrganization;
  /** One audit row by the unit's caller, the next link of the organization's chain. */
  audit(entry: Omit<AuditEntry, 'organizationId'>): Promise<void>;
  /** Events of the change, numbered in commit order and published after commit. */
  emit(drafts: EventDraft[]): Promise<EventRecord[]>;
  /** Runs once the change has committed (cache invalidation, mail); never if it rolls back. */
  afterCommit(effect: () => void | Promise<void>): void;
}

/**
 * Every write of Keyward goes through `run`: one transaction that locks its organization first
 * (so every writer takes locks in the same order: organization, then its connections, then keys),
 * records audit rows by the acting caller and events in that transaction, and only after commit
 * publishes the events and runs the effects the work asked for. A write cannot skip a step or lock
 * in another order, because there is no other way to write.
 */
export class UnitOfWork {
  constructor(
    private readonly events: EventLog,
    /** An effect failed after commit: the change stands; the failure is reported, not thrown. */
    private readonly onEffectError: (error: unknown) => void = () => {},
  ) {}

  /**
   * `organization` names the organization the change belongs to, or finds it in the transaction
   * (a read, or the insert of a new organization) before the lock is taken.
   */
  async run<T>(caller: Caller, organization: string | ((tx: Tx) => Promise<string>), work: (w: Work) => Promise<T>): Promise<T> {
    let effects: (() => void | Promise<void>)[] = [];
    const result = await this.events.transaction(async (tx) => {
      effects = [];
      const organizationId = typeof organization === 'string' ? organization : await organization(tx);
      const locked = await this.events.lockOrganization(tx, organizationId);
      return work({
        tx,
        caller,
        organizationId,
        organization: locked,
        audit: (entry) => recordAudit(tx, caller, { ...entry, organizationId }),
        emit: (drafts) => this.events.append(tx, drafts),
        afterCommit: (effect) => void effects.push(effect),
      });
    });
    for (const effect of effects) {
      try {
        await effect();
      } catch (error) {
        this.onEffectError(error);
      }
    }
    return result;
  }
}
