import { type ReactNode, useEffect, useRef } from 'react';

/**
 * What had focus before each open dialog. A dialog that replaces another (a form, then the secret
 * it made) may open before the first has closed, when the first's content and the focus in it are
 * gone already: the browser would return focus to nothing, so it returns to what opened the first.
 */
const openers = new WeakMap<Element, Element>();

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
    if (open && !dialog.open) {
      // Focus on nothing while another dialog is open: that one's content has just gone, and it is about to close.
      const active = document.activeElement;
      const closing = !active || active === document.body ? document.querySelector('dialog[open]') : null;
      const opener = closing ? openers.get(closing) : active;
      if (opener) openers.set(dialog, opener);
      dialog.showModal();
    }
    if (!open && dialog.open) {
      dialog.close();
      const opener = openers.get(dialog);
      openers.delete(dialog);
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    }
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
