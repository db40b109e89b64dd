// Which segments a shopper is in, from their profile as it is now: pure (the profile, the clock's
// `now`, the tenant's model for product categories and the high_value threshold). Serving calls
// it only for tenants whose segment strategies, experiments or rules read segments.
import { compileCondition, type Condition, type ConditionFn, type ConditionVocabulary } from '../../engine/conditions.ts'
import { modelIndex } from '../../engine/strategies/model-index.ts'
import type { TenantModel } from '../../engine/types.ts'
import type { UserProfile } from '../../../db/queries/profiles.ts'

const DAY_MS = 86_400_000
/** The window high_value ranks spend over. */
export const HIGH_VALUE_DAYS = 90

/** The profile fields a segment's conditions may test. */
export const PROFILE_FIELDS = [
  'eventCount', 'purchaseCount', 'totalSpend', 'averageOrderValue', 'spendLast90Days', 'daysSinceFirstSeen', 'daysSinceLastPurchase', 'categoriesViewed',
] as const
export const SEGMENT_VOCABULARY: ConditionVocabulary = { fields: { exact: PROFILE_FIELDS, prefixes: ['traits.'] }, params: { exact: [] } }

export const BUILT_IN_SEGMENTS = ['new_visitor', 'returning', 'buyer', 'high_value'] as const
export type BuiltInSegment = (typeof BUILT_IN_SEGMENTS)[number]
export const isBuiltIn = (key: string): key is BuiltInSegment => (BUILT_IN_SEGMENTS as readonly string[]).includes(key)

/** The built-ins as conditions (high_value's threshold comes with each model build; none before the first). */
export function builtInConditions(key: BuiltInSegment, highValueSpend: number | null | undefined): Condition | null {
  switch (key) {
    case 'new_visitor': return { field: 'eventCount', op: 'eq', value: 0 }
    case 'returning': return { and: [{ field: 'eventCount', op: 'gt', value: 0 }, { field: 'daysSinceFirstSeen', op: 'gte', value: 1 }] }
    case 'buyer': return { field: 'purchaseCount', op: 'gte', value: 1 }
    case 'high_value': return highValueSpend ? { field: 'spendLast90Days', op: 'gte', value: highValueSpend } : null
  }
}

export const BUILT_IN_DESCRIPTIONS: Record<BuiltInSegment, { name: string; description: string }> = {
  new_visitor: { name: 'New visitors', description: 'No events yet (shoppers never seen, or known by traits alone)' },
  returning: { name: 'Returning shoppers', description: 'Seen before today: their first event is at least 24 hours old' },
  buyer: { name: 'Buyers', description: 'At least one purchase' },
  high_value: { name: 'High-value shoppers', description: `The top 10 % of buyers by spend over the last ${HIGH_VALUE_DAYS} days: spend at or above the threshold each model build recomputes` },
}

const empty: UserProfile = { recent: [], purchased: [], eventCount: 0, firstSeenAt: null, purchaseCount: 0, totalSpend: 0, lastPurchaseAt: null, spendDays: {}, traits: {}, updatedAt: 0 }

/** Spend over the last `days` days (whole UTC days, today included) from the profile's per-day spend. */
export function spendOver(profile: UserProfile, now: number, days: number): number {
  const from = Math.floor(now / DAY_MS) - (days - 1)
  let sum = 0
  for (const k in profile.spendDays) if (Number(k) >= from) sum += profile.spendDays[k]!
  return sum
}

/** Field accessor over one profile: categoriesViewed is worked out only when a condition reads it. */
export function profileFields(profile: UserProfile | undefined, now: number, model: TenantModel | undefined): (name: string) => unknown {
  const p = profile ?? empty
  let categories: string[] | undefined
  return (name) => {
    switch (name) {
      case 'eventCount': return p.eventCount
      case 'purchaseCount': return p.purchaseCount
      case 'totalSpend': return p.totalSpend
      case 'averageOrderValue': return p.purchaseCount > 0 ? p.totalSpend / p.purchaseCount : undefined
      case 'spendLast90Days': return spendOver(p, now, HIGH_VALUE_DAYS)
      case 'daysSinceFirstSeen': return p.firstSeenAt === null ? undefined : Math.floor((now - p.firstSeenAt) / DAY_MS)
      case 'daysSinceLastPurchase': return p.lastPurchaseAt === null ? undefined : Math.floor((now - p.lastPurchaseAt) / DAY_MS)
      case 'categoriesViewed': return (categories ??= categoriesOf(p, model))
    }
    if (name.startsWith('traits.')) {
      const v = p.traits[name.slice(7)]
      return v === null ? undefined : v
    }
    return undefined
  }
}

// Per profile object (the same one while the profile cache holds it) and model: a walk over 100 interactions
// is most of what membership costs (scripts/bench/segments.ts, BENCHMARKS.md).
const categoriesMemo = new WeakMap<UserProfile, { model: TenantModel; categories: string[] }>()

/** The categories of the products among the profile's kept interactions (the newest 100), as the model knows them. */
function categoriesOf(p: UserProfile, model: TenantModel | undefined): string[] {
  if (!model || !p.recent.length) return []
  const hit = categoriesMemo.get(p)
  if (hit && hit.model === model) return hit.categories
  const categories = walkCategories(p, model)
  categoriesMemo.set(p, { model, categories })
  return categories
}

function walkCategories(p: UserProfile, model: TenantModel): string[] {
  const byId = modelIndex(model).byId
  const out = new Set<string>()
  for (const r of p.recent) {
    if (r.eventType === 'recommendation_impressed') continue // shown, not looked at
    const i = byId.get(r.productId)
    const c = i === undefined ? null : model.items[i]!.category
    if (c) out.add(c)
  }
  return [...out]
}

const noParams = () => undefined

/** A tenant's segments ready to test: built-ins first (in their fixed order), then the tenant's by key. */
export interface CompiledSegment { key: string; test: ConditionFn }

export function compileSegments(stored: readonly { key: string; conditions: Condition }[], highValueSpend: number | null | undefined): CompiledSegment[] {
  const out: CompiledSegment[] = []
  for (const key of BUILT_IN_SEGMENTS) {
    const c = builtInConditions(key, highValueSpend)
    if (c) out.push({ key, test: compileCondition(c) })
  }
  for (const s of stored) out.push({ key: s.key, test: compileCondition(s.conditions) })
  return out
}

/** The keys of the segments the shopper is in (all of them, or those `only` names). */
export function segmentsOf(segments: readonly CompiledSegment[], profile: UserProfile | undefined, now: number, model: TenantModel | undefined, only?: ReadonlySet<string>): string[] {
  const fields = profileFields(profile, now, model)
  const out: string[] = []
  for (const s of segments) if ((!only || only.has(s.key)) && s.test(fields, noParams)) out.push(s.key)
  return out
}
