// Builds a placement's widget inside an open shadow root: the merchant's CSS cannot
// reach in and ours cannot leak out, while tests and assistive tech still see the cards.
// Text goes in as textContent and links/images only as http(s) URLs, so catalog data
// can never inject markup or script. Styles are a constructed stylesheet where the
// browser has them, which a strict style-src CSP allows (a <style> element it may not).
import type { Item } from './client.ts'

export interface WidgetConfig {
  layout: 'grid' | 'carousel' | 'list'
  columns: number
  showPrice: boolean
  ctaText: string
  title: string
  limit: number
  strategy?: string
  theme: { primaryColor: string; textColor: string; background: string; fontFamily: string; borderRadius: number }
}

export interface RenderedCard { el: HTMLElement; link: HTMLAnchorElement | null; item: Item; position: number }

const CSS = ':host{display:block}'
  + '.w{font-family:var(--f);color:var(--t);background:var(--b);border-radius:var(--r);padding:12px}'
  + 'h2{font-size:1.1em;margin:0 0 10px}'
  + 'ul{list-style:none;margin:0;padding:0;display:grid;gap:12px;grid-template-columns:repeat(var(--c),minmax(0,1fr))}'
  + '.carousel ul{grid-auto-flow:column;grid-template-columns:none;grid-auto-columns:calc((100% - (var(--c) - 1)*12px)/var(--c));overflow-x:auto;scroll-snap-type:x mandatory}'
  + '.carousel li{scroll-snap-align:start}.list ul{grid-template-columns:1fr}'
  + '.k{display:flex;flex-direction:column;gap:6px;height:100%;color:inherit;text-decoration:none;border-radius:var(--r)}'
  + '.list .k{flex-direction:row;align-items:center}.list img{width:80px}'
  + 'img{width:100%;aspect-ratio:1;object-fit:cover;border-radius:var(--r)}'
  + 'a:focus-visible{outline:2px solid var(--p);outline-offset:2px}.n{font-weight:600}'
  + '.cta{margin-top:auto;align-self:flex-start;background:var(--p);color:#fff;padding:6px 12px;border-radius:var(--r)}'

const hex = (v: string, fallback: string) => (/^#[0-9a-f]{3,8}$/i.test(v) ? v : fallback)
const http = (v: string | null) => (v && /^https?:\/\//i.test(v) ? v : '')

/** The theme as CSS custom properties; values are re-checked so nothing can break out of the rule. */
export function themeCss(c: WidgetConfig): string {
  const t = c.theme
  return `.w{--p:${hex(t.primaryColor, '#1d4ed8')};--t:${hex(t.textColor, '#111827')};--b:${hex(t.background, '#fff')};`
    + `--f:${String(t.fontFamily).replace(/[;{}<>\\]/g, '') || 'inherit'};--r:${Math.max(0, Math.min(48, Number(t.borderRadius) || 0))}px;`
    + `--c:${Math.max(1, Math.min(8, Math.floor(c.columns) || 1))}}`
}

function style(root: ShadowRoot, css: string) {
  const doc = root.ownerDocument
  const view = doc.defaultView as (Window & typeof globalThis) | null
  if (view?.CSSStyleSheet && 'adoptedStyleSheets' in root) {
    const sheet = new view.CSSStyleSheet()
    sheet.replaceSync(css)
    root.adoptedStyleSheets = [sheet]
  } else {
    root.append(Object.assign(doc.createElement('style'), { textContent: css }))
  }
}

/** Renders items into `host` (replacing what was there); returns the cards, or undefined when it cannot. */
export function render(host: HTMLElement, c: WidgetConfig, items: Item[], formatPrice: (n: number) => string): RenderedCard[] | undefined {
  const doc = host.ownerDocument
  let root = host.shadowRoot
  if (!root) {
    try { root = host.attachShadow({ mode: 'open' }) } catch { return undefined }
  }
  root.replaceChildren()
  if (!items.length) return []
  style(root, CSS + themeCss(c))
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) => {
    const e = doc.createElement(tag)
    if (cls) e.className = cls
    if (text !== undefined) e.textContent = text
    return e
  }
  const section = el('section', `w ${c.layout}`)
  section.setAttribute('aria-label', c.title || 'Recommendations')
  if (c.title) section.append(el('h2', '', c.title))
  const list = el('ul')
  const cards = items.slice(0, c.limit).map((item, position) => {
    const li = el('li')
    li.dataset.productId = item.productId
    const href = http(item.url)
    const card = href ? Object.assign(el('a', 'k'), { href }) : el('div', 'k')
    const src = http(item.imageUrl)
    // Decorative: the name right below says what the image shows.
    if (src) card.append(Object.assign(el('img'), { src, alt: '', loading: 'lazy', decoding: 'async' }))
    card.append(el('span', 'n', item.name))
    if (c.showPrice && typeof item.price === 'number') card.append(el('span', 'p', formatPrice(item.price)))
    if (href) card.append(el('span', 'cta', c.ctaText))
    li.append(card)
    list.append(li)
    return { el: li, link: href ? (card as HTMLAnchorElement) : null, item, position }
  })
  section.append(list)
  root.append(section)
  return cards
}
