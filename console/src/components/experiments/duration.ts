// The new-experiment form's duration estimate, as one sentence: the server's
// formula (server/modules/experiments/duration.ts) over GET /experiments/traffic.
import { estimateDuration } from '../../../../server/modules/experiments/duration.ts'
import type { Traffic } from './types.ts'

export type PlacementTraffic = Traffic['placements'][number]
export interface EstimateInput { placement: string; metric: string; mdePercent: number; arms: number; variantPercent: number }

const num = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: x < 10 ? 1 : 0 })
const pct = (x: number) => `${(x * 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`

/**
 * One sentence for the form. Without a placement the experiment covers them all; the busiest
 * placement's shoppers stand for that (shoppers on several placements would be counted twice
 * in a sum), so the estimate errs long.
 */
export function durationSentence(placements: PlacementTraffic[], i: EstimateInput): string {
  const wanted = i.placement.trim()
  const t = wanted ? placements.find((p) => p.placement === wanted) : [...placements].sort((a, b) => b.shoppersPerDay - a.shoppersPerDay)[0]
  if (!t || !(t.shoppersPerDay > 0)) return 'No traffic on this placement in the last 14 days.'
  if (i.metric !== 'ctr' && i.metric !== 'conversion_rate') return 'The duration estimate covers click-through and conversion rate.'
  const rate = i.metric === 'ctr' ? t.ctr : t.conversionRate
  const rateText = i.metric === 'ctr' ? `CTR ${pct(rate ?? 0)}` : `conversion rate ${pct(rate ?? 0)}`
  const where = wanted ? wanted : 'every placement'
  if (!(i.mdePercent > 0)) return 'Enter a minimum detectable effect above 0 %.'
  // Two arms split by the variant's share wait for the smaller one; more arms split evenly.
  const smallestShare = i.arms === 2 ? Math.min(i.variantPercent, 100 - i.variantPercent) / 100 : 1 / i.arms
  const e = estimateDuration({ rate: rate ?? 0, relativeMde: i.mdePercent / 100, arms: i.arms, shoppersPerDay: t.shoppersPerDay, smallestShare })
  if (!e) return `No estimate: the ${rateText} on ${where} leaves nothing to detect a ${num(i.mdePercent)} % lift in.`
  return `About ${e.days.toLocaleString('en-US')} day${e.days === 1 ? '' : 's'} at ${num(t.shoppersPerDay)} shoppers a day on ${where} (${rateText}) to detect a ${num(i.mdePercent)} % lift with 80 % power.`
}
