import { useState } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { RequestSignInLink } from '../components/StepUp.tsx';

/** Sign in: an e-mail address, then "check your mail"; the link's own page signs in. */
export function SignInPage() {
  const [email, setEmail] = useState('');
  const [result, request] = useMutation(RequestSignInLink);
  const answer = result.data?.requestSignInLink;
  return (
    <main className="sign-in">
      <h1>Sign in to Keyward</h1>
      {answer?.__typename === 'RequestSignInLinkSuccess' ? (
        <div role="status">
          <h2>Check your mail</h2>
          <p>{answer.message}</p>
          <button type="button" className="link" onClick={() => window.location.reload()}>
            Use another address
          </button>
        </div>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void request({ email });
          }}
        >
          <label htmlFor="email">Work e-mail</label>
          <input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <button type="submit" disabled={result.fetching}>
            Email me a sign-in link
          </button>
          <ErrorNotice error={result.error} payload={answer} />
        </form>
      )}
    </main>
  );
}
