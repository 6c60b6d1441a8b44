import { describe, expect, it } from 'vitest';
import { allTransitions, transition, type ConnectionEvent } from '../../src/domain/connection/connection.state.ts';

const STATES = ['NONE', 'ONBOARDING', 'PENDING', 'CONNECTED', 'REJECTED', 'REVOKED'] as const;
const EVENTS: ConnectionEvent[] = ['REQUEST_NEW_USER', 'REQUEST_KNOWN_USER', 'KYC_APPROVED', 'KYC_REJECTED', 'CONSENT_GIVEN', 'CONSENT_DECLINED', 'DISCONNECT'];

/** The whole table: every state × every event, '—' where the transition does not exist. */
const EXPECTED: Record<(typeof STATES)[number], Record<ConnectionEvent, string>> = {
  NONE: {
    REQUEST_NEW_USER: 'ONBOARDING',
    REQUEST_KNOWN_USER: 'PENDING',
    KYC_APPROVED: '—',
    KYC_REJECTED: '—',
    CONSENT_GIVEN: '—',
    CONSENT_DECLINED: '—',
    DISCONNECT: '—',
  },
  ONBOARDING: {
    REQUEST_NEW_USER: '—',
    REQUEST_KNOWN_USER: '—',
    KYC_APPROVED: 'PENDING',
    KYC_REJECTED: 'REJECTED',
    CONSENT_GIVEN: '—',
    CONSENT_DECLINED: '—',
    DISCONNECT: '—',
  },
  PENDING: {
    REQUEST_NEW_USER: '—',
    REQUEST_KNOWN_USER: '—',
    KYC_APPROVED: '—',
    KYC_REJECTED: '—',
    CONSENT_GIVEN: 'CONNECTED',
    CONSENT_DECLINED: 'REJECTED',
    DISCONNECT: '—',
  },
  CONNECTED: {
    REQUEST_NEW_USER: '—',
    REQUEST_KNOWN_USER: '—',
    KYC_APPROVED: '—',
    KYC_REJECTED: '—',
    CONSENT_GIVEN: '—',
    CONSENT_DECLINED: '—',
    DISCONNECT: 'REVOKED',
  },
  REJECTED: {
    REQUEST_NEW_USER: 'ONBOARDING',
    REQUEST_KNOWN_USER: 'PENDING',
    KYC_APPROVED: '—',
    KYC_REJECTED: '—',
    CONSENT_GIVEN: '—',
    CONSENT_DECLINED: '—',
    DISCONNECT: '—',
  },
  REVOKED: {
    REQUEST_NEW_USER: 'ONBOARDING',
    REQUEST_KNOWN_USER: 'PENDING',
    KYC_APPROVED: '—',
    KYC_REJECTED: '—',
    CONSENT_GIVEN: '—',
    CONSENT_DECLINED: '—',
    DISCONNECT: '—',
  },
};

describe('connection state machine', () => {
  for (const from of STATES) {
    for (const event of EVENTS) {
      const expected = EXPECTED[from][event];
      it(`${from} + ${event} → ${expected}`, () => {
        const result = transition(from, event);
        if (expected === '—') {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.message).toContain(event);
        } else {
          expect(result).toEqual({ ok: true, to: expected });
        }
      });
    }
  }

  it('lists exactly the transitions of the table', () => {
    const listed = allTransitions().length;
    const inTable = Object.values(EXPECTED)
      .flatMap((row) => Object.values(row))
      .filter((to) => to !== '—').length;
    expect(listed).toBe(inTable);
  });

  it('never leaves CONNECTED except by disconnecting, and never reaches CONNECTED without consent', () => {
    for (const { from, event, to } of allTransitions()) {
      if (from === 'CONNECTED') expect(event).toBe('DISCONNECT');
      if (to === 'CONNECTED') expect([from, event]).toEqual(['PENDING', 'CONSENT_GIVEN']);
    }
  });
});
