import { describe, expect, test } from 'bun:test'
import { formField, parseExperimentForm } from './form.ts'
import { intervalGeometry } from './interval.ts'
import { formatMetric } from './labels.ts'
import { verdict, type ResultsView } from './verdict.ts'

describe('parseExperimentForm', () => {
  const good = { name: ' Collab vs Content ', control: 'collaborative', variant: 'content_based', trafficSplit: '50', metric: 'ctr', placement: '' }
  test('the PRD example becomes the API body', () => {
    expect(parseExperimentForm(good)).toEqual({ ok: true, body: { name: 'Collab vs Content', control: 'collaborative', variant: 'content_based', trafficSplit: 50, metric: 'ctr', placement: null, status: 'running' } })
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
  test('warnings: SRM, low confidence, and a fixed analysis read before its size', () => {
    const small = { srm: { pValue: 0.0001, detected: true }, lowConfidence: true, sampleSize: { control: 120, variant: 80 } }
    const v = verdict({ ...base, ...small, analysis: 'fixed', peeking: true })
    expect(v.warnings.map((w) => w.kind)).toEqual(['srm', 'low-confidence', 'sample-size'])
    expect(v.warnings[0]!.message).toContain('< 0.001')
    // Sequential results are valid at any look: no size to wait for.
    expect(verdict({ ...base, ...small }).warnings.map((w) => w.kind)).toEqual(['srm', 'low-confidence'])
  })
})
