import { describe, expect, test } from 'bun:test'
import { THEME_PATTERNS as API_PATTERNS } from '../../../server/modules/embed/model.ts'
import { frameAncestors, THEME_PATTERNS, themeLogo, themeStyle, urlWithSession } from './embed'

describe('embedded pages: pure helpers', () => {
  test('the console checks the theme with the API\'s own patterns', () => {
    expect(THEME_PATTERNS).toEqual(API_PATTERNS)
  })

  test('themeStyle: valid values become CSS; anything else is left out', () => {
    expect(themeStyle({ primaryColor: '#0a7', textColor: '#111111', background: '#fafafa', fontFamily: 'Inter, Arial, sans-serif' }))
      .toBe('--brand: #0a7; --brand-dark: #0a7; --text: #111111; color: #111111; --bg: #fafafa; background: #fafafa; font-family: Inter, Arial, sans-serif')
    expect(themeStyle({ primaryColor: 'red;background:url(x)', textColor: '#12', fontFamily: 'a;}body{x:y', background: 'expression(1)' })).toBe('')
    expect(themeStyle({})).toBe('')
  })

  test('themeLogo: https URLs without quotes or parentheses only', () => {
    expect(themeLogo({ logoUrl: 'https://cdn.example/logo.svg?v=2' })).toBe('https://cdn.example/logo.svg?v=2')
    for (const bad of ['http://cdn.example/a.png', 'javascript:alert(1)', 'https://x.example/a").png', "https://x.example/'a"]) expect(themeLogo({ logoUrl: bad })).toBeUndefined()
  })

  test('frameAncestors: the allowed origins, or none', () => {
    expect(frameAncestors([])).toBe("frame-ancestors 'none'")
    expect(frameAncestors(['https://shop.example', 'http://127.0.0.1:8080'])).toBe('frame-ancestors https://shop.example http://127.0.0.1:8080')
    expect(frameAncestors(['*', 'https://a.example; script-src *'])).toBe("frame-ancestors 'none'")
  })

  test('urlWithSession: the token leaves the URL, the session takes its place', () => {
    expect(urlWithSession('http://c.example/embed/analytics?token=abc.def.ghi&range=7d', 'es_1')).toBe('/embed/analytics?range=7d&session=es_1')
  })
})
