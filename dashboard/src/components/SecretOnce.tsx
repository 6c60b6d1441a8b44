import { useState } from 'react';

/** A secret the API shows once: copy it now, it cannot be shown again. */
export function SecretOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret-once">
      <p className="notice warning" role="alert">
        Copy the {label} now and store it safely. <strong>It is shown only this once</strong>: Keyward keeps only a hash of it.
      </p>
      <label htmlFor="secret">{label}</label>
      <div className="secret-row">
        <input id="secret" readOnly value={secret} onFocus={(e) => e.target.select()} spellCheck={false} />
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard.writeText(secret);
            setCopied(true);
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <div className="actions">
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}
