// Display names for the API's enum values (the API's names stay the form values).
import type { StrategyName } from '../../lib/vocabulary.ts'
import { formatMoney, formatPercent } from '../analytics/format.ts'
import type { Experiment } from './types.ts'

export const STRATEGY_LABELS: Record<StrategyName, string> = {
  collaborative: 'Collaborative filtering',
  content_based: 'Content-based',
  trending: 'Trending',
  frequently_bought_together: 'Frequently bought together',
}

export const METRICS = ['ctr', 'conversion_rate', 'revenue_per_visitor'] as const
export type Metric = (typeof METRICS)[number]
export const METRIC_LABELS: Record<Metric, string> = {
  ctr: 'Click-through rate',
  conversion_rate: 'Conversion rate',
  revenue_per_visitor: 'Revenue per visitor',
}

export const STATUS_LABELS: Record<string, string> = { draft: 'Draft', running: 'Running', paused: 'Paused', completed: 'Completed' }

export const strategyLabel = (s: string) => STRATEGY_LABELS[s as StrategyName] ?? s
export const metricLabel = (m: string) => METRIC_LABELS[m as Metric] ?? m

/** An arm's metric value as read: rates as percentages, revenue per visitor in money. */
export function formatMetric(metric: string, value: number | null | undefined, currency: string | null = null): string {
  return metric === 'revenue_per_visitor' ? formatMoney(value, currency) : formatPercent(value)
}

/** The line under an experiment's name: its arms and split, metric and placement. */
export function experimentLead(e: Experiment): string {
  const arms = e.variants
    ? e.variants.map((a, i) => `${a.key}: ${strategyLabel(a.strategy)} ${a.weight}%${i === 0 ? ' (control)' : ''}`).join(', ')
    : `${strategyLabel(e.control)} (control) vs ${strategyLabel(e.variant)} (variant) · ${e.trafficSplit}% of shoppers in the variant`
  return `${arms} · ${metricLabel(e.metric)} · ${e.placement ? `placement ${e.placement}` : 'every placement'}`
}
