/** A dialog form's buttons: Cancel, and the action it submits (disabled while it runs). */
export function FormActions({
  label,
  onCancel,
  busy,
  danger,
  disabled,
}: {
  label: string;
  onCancel: () => void;
  busy: boolean;
  danger?: boolean;
  disabled?: boolean;
}) {
  return (
    <div className="actions">
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" className={danger ? 'danger' : undefined} disabled={busy || disabled}>
        {label}
      </button>
    </div>
  );
}
