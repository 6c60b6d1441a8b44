import type { ReactNode } from 'react';

/**
 * A table named `label`, in a box that scrolls sideways when the screen is narrower than the
 * table (the page itself never does). The box is in the tab order, so the keyboard can reach it
 * and scroll it even when the table holds no button or link.
 */
export function TableBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1; axe's scrollable-region-focusable)
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      <table>
        <caption className="visually-hidden">{label}</caption>
        {children}
      </table>
    </section>
  );
}
