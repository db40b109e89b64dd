// The merchandising rules the serving benchmarks run (issue 21): filters and excludes, boosts and buries over
// categories, prices and $product parameters, a pin and a diversity cap, all unscoped (every answer runs them).
// scripts/bench/recommend.ts --rules N creates them through the API; scripts/bench/rules.ts runs them in-process.

/** The first `n` (at most 20) of the benchmark's rules, as API bodies, for a catalog of `items`. */
export function benchRules(items: readonly { productId: string; category?: string | null }[], n: number): Record<string, unknown>[] {
  const byCategory = new Map<string, number>()
  for (const i of items) if (i.category) byCategory.set(i.category, (byCategory.get(i.category) ?? 0) + 1)
  const common = [...byCategory].sort((a, b) => b[1] - a[1]).map(([c]) => c)
  const some = (n: number, from: number) => items.slice(from, from + n).map((i) => i.productId)
  return [
    { name: 'No big tickets', action: 'exclude', condition: { field: 'price', op: 'gt', value: 100 } },
    { name: 'Priced', action: 'filter', condition: { field: 'price', op: 'gt', value: 0.05 } },
    { name: 'Hidden products', action: 'exclude', condition: { field: 'productId', op: 'in', value: some(40, 100) } },
    { name: 'No postage', action: 'exclude', condition: { or: [{ field: 'category', op: 'eq', value: 'POSTAGE' }, { field: 'category', op: 'eq', value: 'MANUAL' }] } },
    { name: 'No samples', action: 'exclude', condition: { and: [{ field: 'price', op: 'lt', value: 0.2 }, { not: { field: 'category', op: 'exists' } }] } },
    { name: 'Not the viewed one', action: 'exclude', condition: { field: 'productId', op: 'eq', value: '$context.productId' } },
    ...common.slice(0, 6).map((c, k) => ({ name: `Boost ${c}`, action: 'boost', factor: 1.2 + k / 10, condition: { field: 'category', op: 'eq', value: c } })),
    { name: 'Cheap first', action: 'boost', factor: 1.5, condition: { field: 'price', op: 'lt', value: 2 } },
    { name: 'Same category', action: 'boost', factor: 1.3, condition: { field: 'category', op: 'eq', value: '$product.category' } },
    { name: 'Near in price', action: 'boost', factor: 1.2, condition: { and: [{ field: 'price', op: 'gte', value: '$product.price*0.7' }, { field: 'price', op: 'lte', value: '$product.price*1.3' }] } },
    { name: 'Bury dear', action: 'bury', factor: 2, condition: { field: 'price', op: 'gt', value: 20 } },
    { name: 'Bury some', action: 'bury', factor: 1.5, condition: { field: 'productId', op: 'in', value: some(100, 300) } },
    { name: 'Bury words', action: 'bury', factor: 1.2, condition: { field: 'category', op: 'contains', value: 'CARD' } },
    { name: 'Hero', action: 'pin', productIds: [items[500]!.productId, items[501]!.productId], positions: [1, 4] },
    { name: 'Mix', action: 'diversify', maxPerCategory: 3 },
  ].slice(0, n)
}
