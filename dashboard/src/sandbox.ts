import type { ConnectionStatus, SandboxTarget } from './gql/graphql.ts';

/**
 * The sandbox's moves from each status: exactly those advanceSandboxConnection accepts, the
 * platform's and the user's decisions of the real lifecycle (src/domain/connection/connection.state.ts;
 * test/browser/dashboard-connections.test.ts holds the two together).
 */
export const SANDBOX_STEPS: Record<ConnectionStatus, { to: SandboxTarget; label: string }[]> = {
  ONBOARDING: [
    { to: 'PENDING', label: 'Approve KYC' },
    { to: 'REJECTED', label: 'Reject KYC' },
  ],
  PENDING: [
    { to: 'CONNECTED', label: 'User consents' },
    { to: 'REJECTED', label: 'User declines' },
  ],
  CONNECTED: [{ to: 'REVOKED', label: 'Disconnect' }],
  REJECTED: [],
  REVOKED: [],
};
