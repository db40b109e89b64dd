import { describe, expect, test } from 'bun:test'
import { contrastRatio, contrastWarnings, hexToRgb, parseWidgetForm } from './form.ts'

const good = {
  layout: 'carousel', columns: '4', limit: '8', showPrice: 'on', ctaText: ' Add to Cart ', title: 'You may also like', strategy: '',
  primaryColor: '#FF6600', textColor: '#111827', background: '#ffffff', fontFamily: 'Georgia, serif', borderRadius: '6',
}

describe('parseWidgetForm', () => {
  test('the PRD example becomes the PUT body', () => {
    expect(parseWidgetForm(good)).toEqual({ ok: true, config: {
      layout: 'carousel', columns: 4, showPrice: true, ctaText: 'Add to Cart', title: 'You may also like', limit: 8,
      theme: { primaryColor: '#ff6600', textColor: '#111827', background: '#ffffff', fontFamily: 'Georgia, serif', borderRadius: 6 },
    } })
  })
  test('an unchecked box is false; a chosen strategy is kept', () => {
    const { showPrice: _s, ...rest } = good
    const r = parseWidgetForm({ ...rest, strategy: 'trending' })
    expect(r.ok && r.config.showPrice).toBe(false)
    expect(r.ok && r.config.strategy).toBe('trending')
  })
  test('each bad field is named', () => {
    const fields = (f: Record<string, unknown>) => { const r = parseWidgetForm(f); return r.ok ? [] : r.errors.map((e) => e.field) }
    expect(fields({ ...good, layout: 'table' })).toEqual(['layout'])
    expect(fields({ ...good, columns: '9' })).toEqual(['columns'])
    expect(fields({ ...good, limit: '0' })).toEqual(['limit'])
    expect(fields({ ...good, ctaText: '' })).toEqual(['ctaText'])
    expect(fields({ ...good, primaryColor: 'orange' })).toEqual(['primaryColor'])
    expect(fields({ ...good, fontFamily: 'x;}body{' })).toEqual(['fontFamily'])
    expect(fields({ ...good, borderRadius: '49' })).toEqual(['borderRadius'])
    expect(fields({ ...good, strategy: 'random' })).toEqual(['strategy'])
  })
})

describe('contrast', () => {
  test('WCAG ratios', () => {
    expect(hexToRgb('#f60')).toEqual([255, 102, 0])
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5)
    expect(contrastRatio('#767676', '#ffffff')!).toBeCloseTo(4.54, 2)
    expect(contrastRatio('nope', '#fff')).toBeNull()
  })
  test('warnings below 4.5:1', () => {
    expect(contrastWarnings({ primaryColor: '#1d4ed8', textColor: '#111827', background: '#ffffff' })).toEqual([])
    const w = contrastWarnings({ primaryColor: '#ff6600', textColor: '#999999', background: '#ffffff' })
    expect(w).toHaveLength(2)
    expect(w[0]).toStartWith('Text on background: contrast 2.85:1')
  })
})
