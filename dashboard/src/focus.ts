import { type RefObject, useEffect } from 'react';

/**
 * Keeps keyboard focus in the page when the focused control goes away with what it acted on (the
 * Revoke button of a key that revocation removes from the list, the link to a page that replaces
 * this one): the browser would drop focus to the document's start, and the next Tab would begin
 * again at the top. Focus goes to `container` (focusable by script: tabIndex -1) instead, so the
 * next Tab reaches the page's first control.
 */
export function useFocusKept(container: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const target = container.current;
    if (!target) return;
    let last: Element | null = null;
    const remember = (event: FocusEvent) => {
      // A dialog returns focus itself when it closes (components/Dialog.tsx).
      last = (event.target as Element).closest('dialog') ? null : (event.target as Element);
    };
    const observer = new MutationObserver(() => {
      const lost = document.activeElement === null || document.activeElement === document.body;
      if (lost && last && !last.isConnected) {
        last = null;
        target.focus();
      }
    });
    document.addEventListener('focusin', remember);
    observer.observe(target, { childList: true, subtree: true });
    return () => {
      document.removeEventListener('focusin', remember);
      observer.disconnect();
    };
  }, [container]);
}
