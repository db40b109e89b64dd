import { describe, expect, test } from 'bun:test'
import { formField, parseExperimentForm } from './form.ts'
import { intervalGeometry } from './interval.ts'
import { sequenceGeometry } from './sequence.ts'
import { formatMetric } from './labels.ts'
import { durationSentence } from './duration.ts'
import { verdict, type ResultsView } from './verdict.ts'

describe('parseExperimentForm', () => {
  const good = { name: ' Collab vs Content ', control: 'collaborative', variant: 'content_based', trafficSplit: '50', metric: 'ctr', placement: '' }
  test('the PRD example becomes the API body', () => {
    expect(parseExperimentForm(good)).toEqual({ ok: true, body: { name: 'Collab vs Content', control: 'collaborative', variant: 'content_based', trafficSplit: 50, metric: 'ctr', placement: null, status: 'running' } })
    // Scoped to a segment: only its shoppers are enrolled; "Everyone" leaves it out.
    expect(parseExperimentForm({ ...good, segment: 'gold' })).toMatchObject({ ok: true, body: { segment: 'gold' } })
    expect(parseExperimentForm({ ...good, segment: '' })).toEqual(parseExperimentForm(good))
    expect(parseExperimentForm({ ...good, segment: 'Not A Key' })).toMatchObject({ ok: false, errors: [{ field: 'segment' }] })
  })
  test('placement and draft are passed on', () => {
    const r = parseExperimentForm({ ...good, placement: 'home', status: 'draft' })
    expect(r.ok && r.body.placement).toBe('home')
    expect(r.ok && r.body.status).toBe('draft')
  })
  test('each mistake names its field', () => {
    const fields = (f: Record<string, unknown>) => { const r = parseExperimentForm(f); return r.ok ? [] : r.errors.map((e) => e.field) }
    expect(fields({ ...good, name: '  ' })).toEqual(['name'])
    expect(fields({ ...good, variant: 'collaborative' })).toEqual(['variant'])
    expect(fields({ ...good, control: 'magic' })).toEqual(['control'])
    for (const s of ['0', '100', '50.5', 'abc', '']) expect(fields({ ...good, trafficSplit: s })).toEqual(['trafficSplit'])
    expect(fields({ ...good, metric: 'revenue' })).toEqual(['metric'])
    expect(fields({ ...good, placement: 'x'.repeat(101) })).toEqual(['placement'])
    expect(fields({})).toEqual(['name', 'control', 'variant', 'trafficSplit', 'metric'])
  })
  test('extra arms: the variants form, split evenly, the control taking the remainder', () => {
    const r = parseExperimentForm({ ...good, arm3: '', arm4: '', arm5: 'trending' })
    expect(r.ok && r.body).toEqual({ name: 'Collab vs Content', metric: 'ctr', placement: null, status: 'running', variants: [
      { key: 'control', strategy: 'collaborative', weight: 34 }, { key: 'variant', strategy: 'content_based', weight: 33 }, { key: 'arm5', strategy: 'trending', weight: 33 },
    ] })
    const five = parseExperimentForm({ ...good, arm3: 'trending', arm4: 'frequently_bought_together', arm5: 'collaborative' })
    expect(five.ok && five.body.variants!.map((a) => a.weight)).toEqual([20, 20, 20, 20, 20])
    const bad = parseExperimentForm({ ...good, arm4: 'magic' })
    expect(bad.ok ? [] : bad.errors.map((e) => e.field)).toEqual(['arm4'])
  })
  test('API error fields map to form fields', () => {
    expect(formField('/trafficSplit')).toBe('trafficSplit')
    expect(formField('body.name')).toBe('name')
    expect(formField('metric')).toBe('metric')
  })
})

describe('verdict', () => {
  const base: ResultsView = {
    lift: 0.2, pValue: 0.01, sampleSize: { control: 5000, variant: 5000 }, lowConfidence: false, minimumSampleSize: 4000, srm: { pValue: 0.6, detected: false },
    analysis: 'sequential', peeking: false,
    decision: { status: 'ship_variant', arm: 'variant', reason: 'Ship content_based: +20.0 % CTR, valid at any look' },
  }
  test('ship_variant: the variant wins, promote needs no confirmation, the banner is the decision', () => {
    const v = verdict(base)
    expect(v).toMatchObject({ tone: 'success', winner: 'variant', promoteConfirmed: true, warnings: [] })
    expect(v.headline).toBe('Ship content_based: +20.0 % CTR, valid at any look')
  })
  test('any other decision: the control stays and promoting asks first', () => {
    for (const status of ['keep_control', 'no_difference', 'continue', 'guardrail_harm'] as const) {
      const v = verdict({ ...base, decision: { status, arm: null, reason: 'x' } })
      expect(v).toMatchObject({ winner: 'control', promoteConfirmed: false })
    }
    expect(verdict({ ...base, decision: { status: 'keep_control', arm: 'control', reason: 'x' } }).tone).toBe('warning')
    expect(verdict({ ...base, decision: { status: 'guardrail_harm', arm: 'control', reason: 'x' } }).tone).toBe('error')
  })
  test('no shoppers in an arm yet: nothing to promote', () => {
    expect(verdict(base).hasResults).toBe(true)
    expect(verdict({ ...base, sampleSize: { control: 0, variant: 0 } }).hasResults).toBe(false)
    expect(verdict({ ...base, sampleSize: { control: 3, variant: 0 } }).hasResults).toBe(false)
  })
  test('warnings: SRM, low confidence, and a fixed analysis read before its size', () => {
    const small = { srm: { pValue: 0.0001, detected: true }, lowConfidence: true, sampleSize: { control: 120, variant: 80 } }
    const v = verdict({ ...base, ...small, analysis: 'fixed', peeking: true })
    expect(v.warnings.map((w) => w.kind)).toEqual(['srm', 'low-confidence', 'sample-size'])
    expect(v.warnings[0]!.message).toContain('< 0.001')
    // Sequential results are valid at any look: no size to wait for.
    expect(verdict({ ...base, ...small }).warnings.map((w) => w.kind)).toEqual(['srm', 'low-confidence'])
  })
})

describe('sequenceGeometry', () => {
  const days = [
    { date: '2026-11-01', arms: [{ key: 'b', lift: 0.2, liftInterval: [-0.4, 0.8] as [number, number] }, { key: 'c', lift: null, liftInterval: null }] },
    { date: '2026-11-02', arms: [{ key: 'b', lift: 0.1, liftInterval: [-0.1, 0.3] as [number, number] }, { key: 'c', lift: -0.05, liftInterval: [-0.2, 0.1] as [number, number] }] },
    { date: '2026-11-03', arms: [{ key: 'b', lift: 0.12, liftInterval: [0.02, 0.22] as [number, number] }, { key: 'c', lift: -0.02, liftInterval: [-0.1, 0.06] as [number, number] }] },
  ]
  test('one line and band per arm; the axis spans every interval and 0; days left to right', () => {
    const g = sequenceGeometry(days)
    expect(g.series.map((s) => s.key)).toEqual(['b', 'c'])
    const b = g.series[0]!
    expect(b.line.split(' ')).toHaveLength(3)
    expect(b.band.split(' ')).toHaveLength(6)
    expect(g.series[1]!.line.split(' ')).toHaveLength(2) // no lift yet on day 1
    const ys = b.band.split(' ').map((p) => Number(p.split(',')[1]))
    for (const y of ys) { expect(y).toBeGreaterThanOrEqual(g.plot.y); expect(y).toBeLessThanOrEqual(g.plot.y + g.plot.height) }
    // 0.02 (day 3's lower end) lies above the zero line: the band has left 0.
    expect(ys[3]!).toBeLessThan(g.zeroY) // the band: uppers left to right, then lowers right to left
    expect(ys[4]!).toBeGreaterThan(g.zeroY) // day 2's lower end, −0.1, below it
    expect(g.xLabels.map((l) => l.date)).toEqual(['2026-11-01', '2026-11-03'])
    expect(g.xLabels[0]!.x).toBeLessThan(g.xLabels[1]!.x)
  })
  test('no data: an axis around 0, no series', () => {
    const g = sequenceGeometry([])
    expect(g.series).toEqual([])
    expect(g.zeroY).toBeGreaterThan(g.plot.y)
  })
})

describe('durationSentence', () => {
  const traffic = [
    { placement: 'home', shoppersPerDay: 10_000, impressionsPerDay: 30_000, ctr: 0.1, conversionRate: 0.02 },
    { placement: 'pdp', shoppersPerDay: 500, impressionsPerDay: 900, ctr: 0, conversionRate: 0 },
  ]
  const input = { placement: 'home', metric: 'ctr', mdePercent: 5, arms: 2, variantPercent: 50 }
  test('days from the sequential sample size at the placement\'s traffic', () => {
    // 98,896 per arm (1.75 × 56,512), two arms at 10,000 a day → 20 days.
    expect(durationSentence(traffic, input)).toBe('About 20 days at 10,000 shoppers a day on home (CTR 10 %) to detect a 5 % lift with 80 % power.')
    expect(durationSentence(traffic, { ...input, variantPercent: 20 })).toStartWith('About 50 days')
    expect(durationSentence(traffic, { ...input, mdePercent: 10 })).toStartWith('About 5 days')
    expect(durationSentence(traffic, { ...input, metric: 'conversion_rate' })).toContain('(conversion rate 2 %)')
    expect(durationSentence(traffic, { ...input, placement: '' })).toContain('on every placement')
  })
  test('no traffic, no rate, other metrics', () => {
    expect(durationSentence(traffic, { ...input, placement: 'cart' })).toBe('No traffic on this placement in the last 14 days.')
    expect(durationSentence([], { ...input, placement: '' })).toBe('No traffic on this placement in the last 14 days.')
    expect(durationSentence(traffic, { ...input, placement: 'pdp' })).toStartWith('No estimate')
    expect(durationSentence(traffic, { ...input, metric: 'revenue_per_visitor' })).toContain('covers click-through and conversion rate')
  })
})
