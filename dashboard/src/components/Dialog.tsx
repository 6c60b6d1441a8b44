import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A modal dialog on the browser's own <dialog>: focus moves into it and stays there, Escape
 * closes it, the page behind is inert, and focus returns where it was. (No injected styles, so
 * the dashboard's Content-Security-Policy needs no 'unsafe-inline'.)
 */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      // Escape asks to close; the state decides (closing it here would also fire for the next dialog's opening).
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      aria-labelledby="dialog-title"
    >
      {open && (
        <>
          <h2 id="dialog-title">{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}
