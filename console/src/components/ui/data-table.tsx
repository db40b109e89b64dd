import { component$ } from '@builder.io/qwik'

export interface Column { key: string; label: string; numeric?: boolean }
export type Cell = string | number | null | undefined

/** A captioned table of pre-formatted cells; the accessible alternative to every chart.
 *  For cells with links or buttons, write the <table> by hand with the same classes. */
export const DataTable = component$<{ caption: string; columns: Column[]; rows: Record<string, Cell>[]; empty?: string; captionHidden?: boolean }>(
  ({ caption, columns, rows, empty, captionHidden }) => (
    <div class="table-wrap">
      <table>
        <caption class={captionHidden ? 'sr-only' : undefined}>{caption}</caption>
        <thead>
          <tr>{columns.map((c) => <th key={c.key} scope="col" class={c.numeric ? 'num' : undefined}>{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {rows.length === 0 && <tr><td colSpan={columns.length} class="muted">{empty ?? 'No data yet.'}</td></tr>}
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c, j) => j === 0
                ? <th key={c.key} scope="row" class={c.numeric ? 'num' : undefined} style="font-weight:400;background:none">{r[c.key] ?? '—'}</th>
                : <td key={c.key} class={c.numeric ? 'num' : undefined}>{r[c.key] ?? '—'}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  ),
)
