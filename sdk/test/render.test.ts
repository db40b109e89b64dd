import { describe, expect, test } from 'bun:test'
import { themeCss, type WidgetConfig } from '../src/render.ts'
import { sessionIdOf } from '../src/identity.ts'

const config: WidgetConfig = {
  layout: 'grid', columns: 4, showPrice: true, ctaText: 'View', title: 'T', limit: 4,
  theme: { primaryColor: '#ff6600', textColor: '#111', background: '#ffffffcc', fontFamily: 'Georgia, "Times New Roman", serif', borderRadius: 8 },
}

describe('themeCss', () => {
  test('the theme becomes custom properties on the widget', () => {
    expect(themeCss(config)).toBe('.w{--p:#ff6600;--t:#111;--b:#ffffffcc;--f:Georgia, "Times New Roman", serif;--r:8px;--c:4}')
  })
  test('values that could break out of the rule are neutralised (the server validates too)', () => {
    const css = themeCss({
      ...config, columns: 99,
      theme: { primaryColor: 'red;}body{display:none', textColor: 'url(x)', background: '#12', fontFamily: 'x;}</style><script>{', borderRadius: 'x' as unknown as number },
    })
    expect(css).toBe('.w{--p:#1d4ed8;--t:#111827;--b:#fff;--f:x/stylescript;--r:0px;--c:8}')
    expect(css.match(/[{}]/g)).toEqual(['{', '}'])
  })
})

test('session id: one per tab, kept in sessionStorage', () => {
  const m = new Map<string, string>()
  const s = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) }
  const id = sessionIdOf(s)
  expect(id).toMatch(/^[0-9a-f]{32}$/)
  expect(sessionIdOf(s)).toBe(id)
  expect(sessionIdOf(undefined)).not.toBe(id)
})
