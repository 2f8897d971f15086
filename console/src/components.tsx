// Small pieces shared by the views: tables that download as CSV/JSON, state badges, empty states.
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  value: (row: T) => unknown;
  render?: (row: T) => ComponentChildren;
}

function csvCell(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 text: a header line, then one line per row. */
export function csvText(labels: string[], rows: unknown[][]): string {
  return [labels.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Rows picked by key, for batch actions. */
export interface Selection {
  keys: Set<string>;
  set(keys: Set<string>): void;
}

export function Table<T>(props: {
  caption: string;
  rows: T[];
  columns: Column<T>[];
  name: string;
  empty?: ComponentChildren;
  rowKey?: (row: T) => string;
  /** With a rowKey: a checkbox per row and one for all. */
  selection?: Selection;
}) {
  const { rows, columns, selection } = props;
  const key = (row: T, i: number) => props.rowKey?.(row) ?? String(i);
  const allKeys = rows.map(key);
  const allPicked = selection !== undefined && rows.length > 0 && allKeys.every((k) => selection.keys.has(k));
  const toggle = (k: string) => {
    if (selection === undefined) return;
    const next = new Set(selection.keys);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    selection.set(next);
  };
  const asCsv = () =>
    download(
      `${props.name}.csv`,
      'text/csv',
      csvText(
        columns.map((c) => c.label),
        rows.map((r) => columns.map((c) => c.value(r))),
      ),
    );
  const asJson = () =>
    download(
      `${props.name}.json`,
      'application/json',
      JSON.stringify(
        rows.map((r) => Object.fromEntries(columns.map((c) => [c.label, c.value(r)]))),
        null,
        2,
      ),
    );
  return (
    <div class="table-block">
      <div class="table-tools">
        <span class="count">{rows.length} rows</span>
        <button type="button" class="small" onClick={asCsv} disabled={rows.length === 0}>
          Download CSV<span class="sr-only"> of {props.caption}</span>
        </button>
        <button type="button" class="small" onClick={asJson} disabled={rows.length === 0}>
          Download JSON<span class="sr-only"> of {props.caption}</span>
        </button>
      </div>
      <div class="scroll">
        <table>
          <caption>{props.caption}</caption>
          <thead>
            <tr>
              {selection && (
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label={`Select all of ${props.caption}`}
                    checked={allPicked}
                    onChange={() => selection.set(allPicked ? new Set() : new Set(allKeys))}
                  />
                </th>
              )}
              {columns.map((c) => (
                <th scope="col">{c.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length + (selection ? 1 : 0)} class="empty">
                  {props.empty ?? 'Nothing yet.'}
                </td>
              </tr>
            ) : (
              rows.map((row, i) => (
                <tr key={key(row, i)}>
                  {selection && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${key(row, i)}`}
                        checked={selection.keys.has(key(row, i))}
                        onChange={() => toggle(key(row, i))}
                      />
                    </td>
                  )}
                  {columns.map((c) => (
                    <td>{c.render ? c.render(row) : show(c.value(row))}</td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function show(value: unknown): string {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'number')
    return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export const time = (ms: number | undefined): string =>
  ms === undefined ? '–' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export function Badge(props: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${props.kind}`}>{props.children}</span>;
}

export function Notice(props: { kind: 'error' | 'info' | 'warn'; children: ComponentChildren }) {
  return (
    <p class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </p>
  );
}
