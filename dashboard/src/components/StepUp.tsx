import { useContext } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql/index.ts';
import { MeContext } from '../session.tsx';

export const RequestSignInLink = graphql(`
  mutation RequestSignInLink($email: String!) {
    requestSignInLink(input: { email: $email }) {
      __typename
      ... on RequestSignInLinkSuccess { message }
      ... on Error { code message }
    }
  }
`);

/**
 * A sensitive action needs a sign-in in the last 15 minutes: the member asks for a fresh link,
 * opens it in this browser (its session is refreshed, nothing ends), and tries again.
 */
export function StepUp({ message }: { message: string }) {
  const me = useContext(MeContext);
  const [sent, send] = useMutation(RequestSignInLink);
  const answer = sent.data?.requestSignInLink;
  return (
    <div className="notice warning" role="alert">
      <p>
        <strong>REAUTHENTICATION_REQUIRED</strong> {message}
      </p>
      {answer?.__typename === 'RequestSignInLinkSuccess' ? (
        <p>Check your mail: open the new link in this browser, then try again.</p>
      ) : (
        me && (
          <button type="button" onClick={() => send({ email: me.email })} disabled={sent.fetching}>
            Email me a sign-in link
          </button>
        )
      )}
      {sent.error && <p>{sent.error.message}</p>}
    </div>
  );
}
