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
  test('API error fields map to form fields', () => {
    expect(formField('/trafficSplit')).toBe('trafficSplit')
    expect(formField('body.name')).toBe('name')
    expect(formField('metric')).toBe('metric')
  })
})

describe('verdict', () => {
  const base: ResultsView = {
    controlMetric: 0.1, variantMetric: 0.12, lift: 0.2, liftCI: [0.05, 0.35], pValue: 0.01, isSignificant: true,
    sampleSize: { control: 5000, variant: 5000 }, lowConfidence: false, minimumSampleSize: 4000, srm: { pValue: 0.6, detected: false },
  }
  test('significantly better variant wins, no warnings', () => {
    const v = verdict(base)
    expect(v).toMatchObject({ tone: 'success', winner: 'variant', warnings: [] })
    expect(v.headline).toContain('p = 0.010')
  })
  test('significantly worse variant: control wins', () => {
    expect(verdict({ ...base, lift: -0.2, variantMetric: 0.08 })).toMatchObject({ winner: 'control', tone: 'warning' })
  })
  test('not significant: control stays, keep collecting', () => {
    const v = verdict({ ...base, isSignificant: false, pValue: 0.3 })
    expect(v.winner).toBe('control')
    expect(v.headline).toContain('No significant difference')
  })
  test('SRM, low confidence and sample-size warnings', () => {
    const v = verdict({ ...base, srm: { pValue: 0.0001, detected: true }, lowConfidence: true, sampleSize: { control: 120, variant: 80 } })
    expect(v.warnings.map((w) => w.kind)).toEqual(['srm', 'low-confidence', 'sample-size'])
    expect(v.tone).toBe('warning')
    expect(v.warnings[0]!.message).toContain('< 0.001')
  })
  test('no data', () => {
    expect(verdict({ ...base, controlMetric: null, variantMetric: null, lift: null, liftCI: null, pValue: null, isSignificant: false, minimumSampleSize: null, sampleSize: { control: 0, variant: 0 }, lowConfidence: true }).headline).toBe('Not enough data for a test yet.')
  })
})

describe('intervalGeometry', () => {
  test('dots sit inside their intervals; axis starts at zero for rates near zero', () => {
    const g = intervalGeometry([
      { key: 'control', label: 'Control', value: 0.1, ci: [0.08, 0.12] },
      { key: 'variant', label: 'Variant', value: 0.15, ci: [0.12, 0.18] },
    ])
    expect(g.ticks[0]!.value).toBe(0)
    expect(g.ticks[0]!.x).toBe(g.plot.x)
    for (const r of g.rows) { expect(r.lo!).toBeLessThan(r.x!); expect(r.x!).toBeLessThan(r.hi!) }
    expect(g.rows[1]!.hi!).toBeLessThanOrEqual(g.plot.x + g.plot.width)
    expect(g.rows[0]!.y).toBeLessThan(g.rows[1]!.y)
  })
  test('missing values and intervals draw nothing, not NaN', () => {
    const g = intervalGeometry([{ key: 'control', label: 'Control', value: null, ci: null }, { key: 'variant', label: 'Variant', value: null, ci: null }])
    expect(g.rows.every((r) => r.x === null && r.lo === null)).toBe(true)
    expect(g.ticks.every((t) => Number.isFinite(t.x))).toBe(true)
  })
})

test('formatMetric', () => {
  expect(formatMetric('ctr', 0.0512)).toBe('5.12%')
  expect(formatMetric('revenue_per_visitor', 3.5, 'EUR')).toBe('€3.50')
})
