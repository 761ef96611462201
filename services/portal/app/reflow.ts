/**
 * Tables that reflow on a phone (WCAG 1.4.10 Reflow: no sideways scrolling at 320 CSS px).
 * Below 40em styles.css lays each row out as a stacked block and shows each cell's column
 * heading in front of it, from `data-label`. This labels every `.table` cell from its column's
 * `<th scope="col">`, for every table any screen renders (a MutationObserver on the main
 * element), so screens write ordinary tables. Explicit ARIA table roles are added because a
 * table laid out with `display: block` loses its table semantics in some browsers.
 */
const ROLE_FOR: Record<string, string> = {
  TABLE: 'table',
  THEAD: 'rowgroup',
  TBODY: 'rowgroup',
  TFOOT: 'rowgroup',
  TR: 'row',
  TD: 'cell',
};

function label(table: HTMLTableElement): void {
  // A heading only screen readers get (e.g. "Change") labels nothing visibly.
  const headings = [...table.querySelectorAll<HTMLTableCellElement>('thead th')].map((th) => {
    const visible = th.cloneNode(true) as HTMLElement;
    for (const hidden of visible.querySelectorAll('.visually-hidden')) hidden.remove();
    return (visible.textContent ?? '').trim();
  });
  for (const el of table.querySelectorAll<HTMLElement>('table, thead, tbody, tfoot, tr, td')) {
    const role = ROLE_FOR[el.tagName];
    if (role && el.getAttribute('role') !== role) el.setAttribute('role', role);
  }
  if (table.getAttribute('role') !== 'table') table.setAttribute('role', 'table');
  for (const th of table.querySelectorAll<HTMLTableCellElement>('th')) {
    const role = th.closest('thead') || th.scope === 'col' ? 'columnheader' : 'rowheader';
    if (th.getAttribute('role') !== role) th.setAttribute('role', role);
  }
  for (const row of table.querySelectorAll<HTMLTableRowElement>('tbody tr')) {
    [...row.cells].forEach((cell, i) => {
      const text = headings[i] ?? '';
      if (text && cell.dataset.label !== text) cell.dataset.label = text;
    });
  }
}

export function reflowTables(root: HTMLElement): () => void {
  const run = () => {
    for (const table of root.querySelectorAll<HTMLTableElement>('table.table')) label(table);
  };
  run();
  const observer = new MutationObserver(run);
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  return () => observer.disconnect();
}
