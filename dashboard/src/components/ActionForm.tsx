import { type ReactNode, useState } from 'react';
import { type AnyVariables, type CombinedError, type DocumentInput, useMutation } from 'urql';
import { ErrorNotice } from './ErrorNotice.tsx';

type Failure = { code: string; message: string };

/** Typed errors (`... on Error { code message }`) are the payloads with a code. */
const isFailure = (payload: unknown): payload is Failure => typeof payload === 'object' && payload !== null && 'code' in payload;

/** A form's last row: Cancel, and the button that submits it. */
function FormActions({ onCancel, submit, busy, danger }: { onCancel: () => void; submit: string; busy: boolean; danger?: boolean | undefined }) {
  return (
    <div className="actions">
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" className={danger ? 'danger' : undefined} disabled={busy}>
        {submit}
      </button>
    </div>
  );
}

/**
 * A form that runs one mutation: its fields (children), the API's error with its code and
 * message, Cancel and the submit button. `pick` finds the payload in the answer; a payload with a
 * `code` is a typed error and stays on the form, anything else goes to `onSuccess`.
 */
export function ActionForm<Data, Variables extends AnyVariables, Payload>({
  mutation,
  variables,
  pick,
  onSuccess,
  onCancel,
  submit,
  danger,
  children,
}: {
  mutation: DocumentInput<Data, Variables>;
  /** Read when the form is submitted, from the fields' state. */
  variables: () => Variables;
  pick: (data: Data) => Payload | null | undefined;
  onSuccess: (payload: Exclude<Payload, Failure>) => void;
  onCancel: () => void;
  submit: string;
  danger?: boolean;
  children?: ReactNode;
}) {
  const [result, run] = useMutation(mutation);
  const [failure, setFailure] = useState<Failure | null>(null);
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const done = await run(variables());
        const payload = done.data ? pick(done.data) : null;
        setFailure(isFailure(payload) ? payload : null);
        if (payload && !isFailure(payload)) onSuccess(payload as Exclude<Payload, Failure>);
      }}
    >
      {children}
      <ErrorNotice error={result.error as CombinedError | undefined} payload={failure} />
      <FormActions onCancel={onCancel} submit={submit} busy={result.fetching} danger={danger} />
    </form>
  );
}
