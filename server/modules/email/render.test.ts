import { describe, expect, test } from 'bun:test'
import { DEFAULT_WIDGET_CONFIG } from '../widgets/config.ts'
import { MAX_FRAGMENT_BYTES, renderHtml, renderText, type EmailItem } from './render.ts'

const look = DEFAULT_WIDGET_CONFIG
const item = (i: number, over: Partial<EmailItem> = {}): EmailItem => ({
  productId: `p${i}`, name: `Product ${i}`, imageUrl: `https://cdn.example/p${i}.jpg`, price: 10 + i, position: i + 1,
  trackedUrl: `https://api.example/r/tok${i}`, pixelUrl: `https://api.example/o/tok${i}.gif`, ...over,
})
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])

describe('email rendering', () => {
  test('hostile names and themes are escaped: no script, no markup, no attribute break-out', () => {
    const evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>\'&'
    const { html } = renderHtml([item(0, { name: evil })], { ...look, title: '<b>t</b>', ctaText: '<script>', theme: { ...look.theme, fontFamily: '"Evil" onload="x' } })
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/<img src=x/i)
    expect(html).not.toMatch(/<b>/)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('alt="&quot;&gt;&lt;script&gt;')
    expect(html).not.toContain('onload="x')
    expect(html).toContain('&#39;&amp;')
  })

  test('tables, inline styles, 600 px, only tracked links, https images with alt text, one pixel per item', () => {
    const items = [0, 1, 2, 3].map((i) => item(i))
    const { html, items: n } = renderHtml(items, look)
    expect(n).toBe(4)
    expect(html.startsWith('<table role="presentation"')).toBe(true)
    expect(html).toContain('max-width:600px')
    expect(html).not.toMatch(/<style|<link|class=/)
    expect(new Set(hrefs(html))).toEqual(new Set(items.map((i) => i.trackedUrl)))
    for (const i of items) expect(html).toContain(`<img src="${i.imageUrl}" alt="${i.name}"`)
    expect(html.match(/\/o\/tok\d\.gif/g)).toHaveLength(4)
    expect(html).toContain(`background:${look.theme.primaryColor}`)
    // An http or relative image is left out rather than shown broken or blocked.
    const plain = renderHtml([item(0, { imageUrl: 'http://cdn.example/a.jpg' }), item(1, { imageUrl: '/a.jpg' })], look).html
    expect(plain).not.toContain('cdn.example')
    expect(plain).not.toContain('/a.jpg')
  })

  test('never more than 20 KB: items are dropped from the end until it fits', () => {
    const long = 'x'.repeat(900)
    const items = Array.from({ length: 12 }, (_, i) => item(i, { name: 'n'.repeat(500), trackedUrl: `https://api.example/r/${long}${i}`, pixelUrl: `https://api.example/o/${long}${i}.gif` }))
    const { html, items: n } = renderHtml(items, look)
    expect(new TextEncoder().encode(html).byteLength).toBeLessThanOrEqual(MAX_FRAGMENT_BYTES)
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThan(12)
    expect(html).not.toContain('n'.repeat(200)) // names are shortened
  })

  test('no items, no block: an empty fragment rather than a title over nothing', () => {
    expect(renderHtml([], look)).toEqual({ html: '', items: 0 })
  })

  test('the plain-text part: title, names, prices and tracked links, no markup', () => {
    const text = renderText([item(0, { name: 'Mug\r\nwith <b>' }), item(1, { price: null })], look)
    expect(text).toContain(look.title)
    expect(text).toContain('1. Mug with <b> — 10.00\n   https://api.example/r/tok0')
    expect(text).toContain('2. Product 1\n   https://api.example/r/tok1')
    expect(text).not.toContain('.gif')
  })
})
