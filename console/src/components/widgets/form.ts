// The widget settings form → the body of PUT /api/v1/widgets/:placement, and
// a contrast check so merchants hear when their colours fail WCAG AA. Pure.
import type { ApiData } from '../../lib/api.ts'
import { STRATEGIES } from '../../lib/vocabulary.ts'

/** A placement's full settings as the API stores and sends them; the form fills every field. */
export type WidgetConfig = ApiData<'/api/v1/widgets/{placement}', 'get'>['config']
export type WidgetTheme = WidgetConfig['theme']
export const LAYOUTS = ['grid', 'carousel', 'list'] as const satisfies readonly WidgetConfig['layout'][]
export interface FieldError { field: string; message: string }

const HEX = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '')

function int(form: Record<string, unknown>, field: string, min: number, max: number, errors: FieldError[]): number {
  const s = str(form[field])
  const n = Number(s)
  if (!/^\d+$/.test(s) || n < min || n > max) { errors.push({ field, message: `A whole number from ${min} to ${max}.` }); return min }
  return n
}

/** Every field of the form, checked like the API checks it (so mistakes show before the round trip). */
export function parseWidgetForm(form: Record<string, unknown>): { ok: true; config: WidgetConfig } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = []
  const layout = str(form.layout)
  if (!(LAYOUTS as readonly string[]).includes(layout)) errors.push({ field: 'layout', message: 'Choose grid, carousel or list.' })
  const columns = int(form, 'columns', 1, 8, errors)
  const limit = int(form, 'limit', 1, 50, errors)
  const ctaText = str(form.ctaText)
  if (!ctaText || ctaText.length > 40) errors.push({ field: 'ctaText', message: 'Button text of 1 to 40 characters.' })
  const title = str(form.title)
  if (title.length > 80) errors.push({ field: 'title', message: 'At most 80 characters.' })
  const strategy = str(form.strategy)
  if (strategy && !(STRATEGIES as readonly string[]).includes(strategy)) errors.push({ field: 'strategy', message: 'Unknown strategy.' })
  const theme = {} as WidgetTheme
  for (const k of ['primaryColor', 'textColor', 'background'] as const) {
    const v = str(form[k])
    if (!HEX.test(v)) errors.push({ field: k, message: 'A hex colour such as #1d4ed8.' })
    theme[k] = v.toLowerCase()
  }
  theme.fontFamily = str(form.fontFamily) || 'inherit'
  if (theme.fontFamily.length > 200 || /[;{}<>]/.test(theme.fontFamily)) errors.push({ field: 'fontFamily', message: 'A CSS font family without ; { } < >.' })
  theme.borderRadius = int(form, 'borderRadius', 0, 48, errors)
  if (errors.length) return { ok: false, errors }
  // A checkbox posts "on" when checked and nothing otherwise.
  const showPrice = form.showPrice === 'on' || form.showPrice === 'true' || form.showPrice === true
  return {
    ok: true,
    config: { layout: layout as WidgetConfig['layout'], columns, showPrice, ctaText, title, limit, ...(strategy ? { strategy: strategy as WidgetConfig['strategy'] } : {}), theme },
  }
}

/** #rgb / #rrggbb / #rrggbbaa → [r, g, b] 0–255 (alpha ignored: the widget paints on the page). */
export function hexToRgb(hex: string): [number, number, number] | null {
  if (!HEX.test(hex)) return null
  let h = hex.slice(1)
  if (h.length === 3) h = [...h].map((c) => c + c).join('')
  return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as [number, number, number]
}

/** WCAG 2.1 contrast ratio of two colours (1–21). */
export function contrastRatio(a: string, b: string): number | null {
  const ra = hexToRgb(a), rb = hexToRgb(b)
  if (!ra || !rb) return null
  const lum = ([r, g, b]: [number, number, number]) => {
    const f = (c: number) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4 }
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
  }
  const [x, y] = [lum(ra), lum(rb)].sort((p, q) => q - p) as [number, number]
  return (x + 0.05) / (y + 0.05)
}

/** Colour pairs of the theme that fall below AA for normal text (4.5:1). */
export function contrastWarnings(t: Pick<WidgetTheme, 'primaryColor' | 'textColor' | 'background'>): string[] {
  const out: string[] = []
  const pairs: [string, string, string][] = [
    [t.textColor, t.background, 'Text on background'],
    [t.primaryColor, t.background, 'Primary colour on background'],
  ]
  for (const [fg, bg, what] of pairs) {
    const r = contrastRatio(fg, bg)
    if (r !== null && r < 4.5) out.push(`${what}: contrast ${r.toFixed(2)}:1 is below the WCAG AA minimum of 4.5:1.`)
  }
  return out
}
