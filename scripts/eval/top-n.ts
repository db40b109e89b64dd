// What both offline evaluations share: the top-N measures of one ranked list (the
// engine's, which grades each build too), and grouping rows by a key (a customer's
// lines, a user's ratings).

export { type TopN, topN } from '../../server/engine/top-n.ts'

/** Rows by key, in the order they come. */
export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const r of rows) {
    const k = key(r)
    const list = out.get(k)
    if (list) list.push(r)
    else out.set(k, [r])
  }
  return out
}
