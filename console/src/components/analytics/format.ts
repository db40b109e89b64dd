// Number formatting for KPI cards, tables and the CSV-consistent labels.
// en-US throughout so the console reads the same on every server locale.

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : int.format(n)
}

/** A 0–1 ratio as a percentage with two decimals: 0.03254 → "3.25%". */
export function formatPercent(ratio: number | null | undefined, digits = 2): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–'
  return `${(ratio * 100).toFixed(digits)}%`
}

/** Money in the tenant's currency; an unknown code falls back to "1,234.50 XYZ", none to "1,234.50". */
export function formatMoney(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '–'
  // A catalog without prices names no currency: show the plain amount rather than invent one.
  if (!currency) return new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount)
  const code = currency.toUpperCase()
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).format(amount)
  } catch {
    return `${new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount)} ${code}`
  }
}

/** Compact axis labels: 1200 → "1.2k", 3_400_000 → "3.4M". */
export function formatCompact(n: number): string {
  const abs = Math.abs(n)
  const trim = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1).replace(/\.0$/, ''))
  if (abs >= 1e9) return `${trim(n / 1e9)}B`
  if (abs >= 1e6) return `${trim(n / 1e6)}M`
  if (abs >= 1e3) return `${trim(n / 1e3)}k`
  return trim(n)
}

/** A p-value as researchers read it: "< 0.001" below that, else three decimals. */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–'
  return p < 0.001 ? '< 0.001' : p.toFixed(3)
}

/** Seconds as "3 d 4 h", "2 h 5 min", "45 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–'
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60)
  if (d > 0) return `${d} d ${h} h`
  if (h > 0) return `${h} h ${m} min`
  if (m > 0) return `${m} min`
  return `${Math.floor(seconds)} s`
}
