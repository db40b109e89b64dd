// The dashboard's revenue figures (pure). Only tenants that earned something
// decide the total's currency, and a tenant whose catalog names no currency
// shows its amount without one: no "$0.00" in a currency nobody chose.
import { formatMoney } from './format'

export interface RevenueRow { revenue: number; currency: string | null }

/** One tenant's revenue: in its catalog's currency, or a bare amount ("—" for none) when it names none. */
export function formatRevenue(amount: number, currency: string | null): string {
  if (currency) return formatMoney(amount, currency)
  return amount ? amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '—'
}

/** The card across tenants: the sum when every tenant with revenue shares one currency, else "Mixed currencies". */
export function revenueTotal(rows: RevenueRow[]): { value: string; hint?: string } {
  const earning = rows.filter((r) => Number(r.revenue) > 0)
  if (!earning.length) return { value: '—', hint: 'no attributed purchases yet' }
  const currencies = new Set(earning.map((r) => r.currency))
  if (currencies.size > 1) return { value: 'Mixed currencies', hint: 'see per tenant below' }
  return { value: formatRevenue(earning.reduce((a, r) => a + Number(r.revenue), 0), earning[0]!.currency) }
}
