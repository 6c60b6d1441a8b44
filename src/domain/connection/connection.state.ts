import type { ConnectionStatus } from '../../generated/prisma/enums.ts';

/**
 * The connection lifecycle (docs/api.md, "Connection lifecycle") as one pure table: every status
 * change in Keyward goes through `transition`, so an impossible one cannot happen anywhere.
 */
export type ConnectionEvent =
  /** The partner asks to connect the user (connectUser): new to the platform, or KYC-approved already. */
  | 'REQUEST_NEW_USER'
  | 'REQUEST_KNOWN_USER'
  /** KYC decided (decideOnboarding). */
  | 'KYC_APPROVED'
  | 'KYC_REJECTED'
  /** The user answered on the consent page. */
  | 'CONSENT_GIVEN'
  | 'CONSENT_DECLINED'
  /** The partner disconnected the user (disconnectUser). */
  | 'DISCONNECT';

export type ConnectionState = ConnectionStatus | 'NONE';

const TABLE: Record<ConnectionState, Partial<Record<ConnectionEvent, ConnectionStatus>>> = {
  NONE: { REQUEST_NEW_USER: 'ONBOARDING', REQUEST_KNOWN_USER: 'PENDING' },
  ONBOARDING: { KYC_APPROVED: 'PENDING', KYC_REJECTED: 'REJECTED' },
  PENDING: { CONSENT_GIVEN: 'CONNECTED', CONSENT_DECLINED: 'REJECTED' },
  CONNECTED: { DISCONNECT: 'REVOKED' },
  // Asking again after a rejection or a disconnection starts over: onboarding again when KYC
  // never approved the user, consent again when it did.
  REJECTED: { REQUEST_NEW_USER: 'ONBOARDING', REQUEST_KNOWN_USER: 'PENDING' },
  REVOKED: { REQUEST_NEW_USER: 'ONBOARDING', REQUEST_KNOWN_USER: 'PENDING' },
};

export type Transition = { ok: true; to: ConnectionStatus } | { ok: false; message: string };

export function transition(from: ConnectionState, event: ConnectionEvent): Transition {
  const to = TABLE[from][event];
  if (to) return { ok: true, to };
  return { ok: false, message: `A connection in ${from === 'NONE' ? 'no state' : from} cannot take ${event}` };
}

/** What the sandbox may play: everything the platform and the user decide, never the partner's own requests. */
const SANDBOX_EVENTS: ConnectionEvent[] = ['KYC_APPROVED', 'KYC_REJECTED', 'CONSENT_GIVEN', 'CONSENT_DECLINED', 'DISCONNECT'];

/** The sandbox's way to a target status (advanceSandboxConnection): the event of the table that leads there, if any. */
export function sandboxEvent(from: ConnectionStatus, to: ConnectionStatus): ConnectionEvent | undefined {
  return SANDBOX_EVENTS.find((event) => {
    const result = transition(from, event);
    return result.ok && result.to === to;
  });
}

/** Every (from, event) → to that exists, for documentation and tests. */
export function allTransitions(): { from: ConnectionState; event: ConnectionEvent; to: ConnectionStatus }[] {
  return Object.entries(TABLE).flatMap(([from, events]) =>
    Object.entries(events).map(([event, to]) => ({ from: from as ConnectionState, event: event as ConnectionEvent, to: to! })),
  );
}
