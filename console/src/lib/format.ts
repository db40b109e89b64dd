// Number formatting shared by every page (pure; en-US, as the API's currency codes are ISO 4217).
export const formatInt = (n: number | null | undefined) => (n == null ? '—' : Math.round(n).toLocaleString('en-US'))
export const formatPercent = (ratio: number | null | undefined, digits = 2) => (ratio == null || !Number.isFinite(ratio) ? '—' : `${(ratio * 100).toFixed(digits)}%`)
export function formatMoney(amount: number | null | undefined, currency = 'USD') {
  if (amount == null || !Number.isFinite(amount)) return '—'
  try { return amount.toLocaleString('en-US', { style: 'currency', currency }) } catch { return `${amount.toFixed(2)} ${currency}` }
}
export const formatDate = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—')
