import type { CombinedError } from 'urql';
import { SignedOut } from '../session.tsx';
import { StepUp } from './StepUp.tsx';

/** The code of an API error: a top-level error's `extensions.code`, or a network failure. */
function errorCode(error: CombinedError | undefined): string | undefined {
  if (!error) return undefined;
  if (error.networkError) return 'NETWORK_ERROR';
  return error.graphQLErrors[0]?.extensions?.code as string | undefined;
}

/** An API error as the API said it: its code and its message (a typed payload error, or a top-level one). */
export function ErrorNotice({ error, payload }: { error?: CombinedError | undefined; payload?: { code: string; message: string } | null | undefined }) {
  const code = payload?.code ?? errorCode(error);
  if (!code) return null;
  const message =
    payload?.message ?? (error?.networkError ? 'Keyward could not be reached. Check your connection and try again.' : error?.graphQLErrors[0]?.message);
  if (code === 'REAUTHENTICATION_REQUIRED') return <StepUp message={message ?? ''} />;
  // The session ended (idle, removed, demoted, signed out elsewhere): whatever was asked, sign in again.
  if (code === 'UNAUTHENTICATED') return <SignedOut />;
  return (
    <div className="notice error" role="alert">
      <strong>{code}</strong> {message}
    </div>
  );
}
