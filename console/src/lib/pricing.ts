// Pricing tiers and the usage calculator (pure). The PRD leaves the pricing
// model open (§13); this is usage-based per event, with catalog size setting
// the floor tier, sized for the PRD's market (1M–100M events a month).
export interface Tier {
  id: 'free' | 'growth' | 'scale' | 'enterprise'
  name: string
  /** Monthly base price in USD (null: quoted). */
  base: number | null
  includedEvents: number
  /** Largest catalog the tier serves. */
  maxProducts: number
  /** USD per 1,000 events above includedEvents (null: no overage, move up a tier). */
  overagePer1k: number | null
  /** Most events a month the tier takes, overage included. */
  maxEvents: number
  features: string[]
}

export const TIERS: Tier[] = [
  { id: 'free', name: 'Free', base: 0, includedEvents: 100_000, maxProducts: 1_000, overagePer1k: null, maxEvents: 100_000,
    features: ['1 tenant', 'All four strategies', 'JavaScript SDK and widgets', '7-day analytics'] },
  { id: 'growth', name: 'Growth', base: 99, includedEvents: 1_000_000, maxProducts: 50_000, overagePer1k: 0.05, maxEvents: 10_000_000,
    features: ['Unlimited tenants', 'A/B tests with significance testing', '90-day analytics and CSV export', 'Email support'] },
  { id: 'scale', name: 'Scale', base: 499, includedEvents: 10_000_000, maxProducts: 500_000, overagePer1k: 0.03, maxEvents: 100_000_000,
    features: ['Everything in Growth', 'Higher rate limits', 'PostgreSQL + Redis deployment guidance', 'Priority support'] },
  { id: 'enterprise', name: 'Enterprise', base: null, includedEvents: Infinity, maxProducts: Infinity, overagePer1k: null, maxEvents: Infinity,
    features: ['Above 100M events or 500k products', 'Self-hosting support', 'Custom SLA'] },
]

export interface Quote { tier: Tier; monthly: number | null; overageEvents: number; overageCost: number }

const clampCount = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0)

/** The cheapest tier that fits the usage, and its monthly price in USD (null for Enterprise: quoted). */
export function quote(eventsPerMonth: number, products: number): Quote {
  const events = clampCount(eventsPerMonth)
  const items = clampCount(products)
  let best: Quote | undefined
  for (const tier of TIERS) {
    if (events > tier.maxEvents || items > tier.maxProducts || tier.base === null) continue
    const overageEvents = Math.max(0, events - tier.includedEvents)
    const overageCost = tier.overagePer1k === null ? 0 : Math.ceil(overageEvents / 1000) * tier.overagePer1k
    const monthly = Math.round((tier.base + overageCost) * 100) / 100
    if (!best || monthly < best.monthly!) best = { tier, monthly, overageEvents, overageCost: Math.round(overageCost * 100) / 100 }
  }
  return best ?? { tier: TIERS[TIERS.length - 1], monthly: null, overageEvents: 0, overageCost: 0 }
}
