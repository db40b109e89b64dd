// Recommendations as an email fragment: pure functions from the items (with
// their tracked links) and the tenant's widget settings to HTML or plain text.
// Email clients ignore <style> and scripts and vary in CSS support, so the HTML
// is tables with inline styles, absolute https images with alt text, and fits
// 600 px. Every string from a tenant (names, the theme's font) is escaped.
import type { WidgetConfig } from '../widgets/config.ts'

/** The most a fragment may weigh (Gmail clips mails past ~100 KB; ours is a part of one). */
export const MAX_FRAGMENT_BYTES = 20 * 1024
/** Longer names are cut here: a product name is tenant data of up to 500 characters. */
const MAX_NAME_CHARS = 120
const MAX_COLUMNS = 4
const enc = new TextEncoder()

export interface EmailItem {
  productId: string; name: string; imageUrl: string | null; price: number | null
  position: number
  /** /r/<token>: records the click, then redirects to the product. */
  trackedUrl: string
  /** /o/<token>.gif: records the impression when the mail's images load. */
  pixelUrl: string
}
export type EmailLook = Pick<WidgetConfig, 'title' | 'ctaText' | 'showPrice' | 'columns' | 'theme'>

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c])

const shortName = (name: string) => (name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS - 1)}…` : name)
/** Only absolute https images: http ones are blocked or warned about by mail clients, relative ones cannot resolve. */
const httpsImage = (url: string | null) => (url && /^https:\/\/[^\s"'<>]+$/.test(url) ? url : null)
const priceText = (price: number | null) => (price === null ? '' : price.toFixed(2))

function cell(item: EmailItem, look: EmailLook, widthPct: number): string {
  const { theme } = look
  const name = escapeHtml(shortName(item.name))
  const href = escapeHtml(item.trackedUrl)
  const image = httpsImage(item.imageUrl)
  const img = image
    ? `<a href="${href}" style="text-decoration:none"><img src="${escapeHtml(image)}" alt="${name}" width="130" style="display:block;width:100%;max-width:130px;height:auto;border:0;border-radius:${theme.borderRadius}px;margin:0 auto" /></a>`
    : ''
  const price = look.showPrice && item.price !== null ? `<p style="margin:4px 0 8px;font-size:14px;color:${theme.textColor}">${priceText(item.price)}</p>` : ''
  return `<td width="${widthPct}%" valign="top" align="center" style="padding:8px;width:${widthPct}%">${img}`
    + `<p style="margin:8px 0 0;font-size:14px;line-height:18px"><a href="${href}" style="color:${theme.textColor};text-decoration:none">${name}</a></p>${price}`
    + `<a href="${href}" style="display:inline-block;padding:8px 12px;background:${theme.primaryColor};color:#ffffff;text-decoration:none;font-size:13px;border-radius:${theme.borderRadius}px">${escapeHtml(look.ctaText)}</a>`
    + `<img src="${escapeHtml(item.pixelUrl)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" /></td>`
}

function html(items: readonly EmailItem[], look: EmailLook): string {
  const { theme } = look
  const columns = Math.max(1, Math.min(look.columns, MAX_COLUMNS, items.length))
  const width = Math.floor(100 / columns)
  const rows: string[] = []
  for (let i = 0; i < items.length; i += columns) {
    const row = items.slice(i, i + columns).map((it) => cell(it, look, width))
    while (row.length < columns) row.push(`<td width="${width}%" style="width:${width}%"></td>`)
    rows.push(`<tr>${row.join('')}</tr>`)
  }
  const title = look.title ? `<tr><td colspan="${columns}" style="padding:8px;font-size:18px;font-weight:bold;color:${theme.textColor}">${escapeHtml(look.title)}</td></tr>` : ''
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;margin:0 auto;border-collapse:collapse;background:${theme.background};font-family:${escapeHtml(theme.fontFamily === 'inherit' ? 'Arial, Helvetica, sans-serif' : theme.fontFamily)}">`
    + `${title}${rows.join('')}</table>`
}

/**
 * The HTML fragment, at most MAX_FRAGMENT_BYTES: items are dropped from the end
 * until it fits (long ids make long links), so a mail never breaks on size.
 */
export function renderHtml(items: readonly EmailItem[], look: EmailLook): { html: string; items: number } {
  for (let n = items.length; n > 0; n--) {
    const out = html(items.slice(0, n), look)
    if (enc.encode(out).byteLength <= MAX_FRAGMENT_BYTES) return { html: out, items: n }
  }
  return { html: '', items: 0 }
}

/** The plain-text part: the title, then each item's name, price and tracked link. */
export function renderText(items: readonly EmailItem[], look: EmailLook): string {
  const lines = look.title ? [look.title, ''] : []
  for (const it of items) {
    const price = look.showPrice && it.price !== null ? ` — ${priceText(it.price)}` : ''
    lines.push(`${it.position}. ${shortName(it.name).replace(/[\r\n]+/g, ' ')}${price}`, `   ${it.trackedUrl}`, '')
  }
  return lines.join('\n')
}
