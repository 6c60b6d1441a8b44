import { useState } from 'react';

/** Cursor pages: the cursors of the pages before, so "Previous" goes back without `last`/`before`. */
export function usePages() {
  const [stack, setStack] = useState<string[]>([]);
  return {
    after: stack.at(-1),
    page: stack.length + 1,
    next: (cursor: string) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => s.slice(0, -1)),
    reset: () => setStack([]),
  };
}

export function Pager({ pages, pageInfo }: { pages: ReturnType<typeof usePages>; pageInfo: { hasNextPage: boolean; endCursor?: string | null } }) {
  if (pages.page === 1 && !pageInfo.hasNextPage) return null;
  return (
    <nav className="pager" aria-label="Pages of the list">
      <button type="button" className="secondary" disabled={pages.page === 1} onClick={pages.previous}>
        Previous
      </button>
      <span>Page {pages.page}</span>
      <button type="button" className="secondary" disabled={!pageInfo.hasNextPage || !pageInfo.endCursor} onClick={() => pages.next(pageInfo.endCursor!)}>
        Next
      </button>
    </nav>
  );
}
