// Recommendations for mails (F-013): the widget's engine and rules, asked for
// the page a mail stands for, with every item's links signed; and what a
// shopper's click or open on those links records, through event ingestion.
import type { Db } from '../../../db/client.ts'
import { tenantForKey } from '../../../db/queries/tenants.ts'
import { AppError, NotFound } from '../../errors.ts'
import { randomToken } from '../../infra/crypto.ts'
import type { Logger } from '../../logger.ts'
import type { CatalogService } from '../catalog/service.ts'
import type { EventService } from '../events/service.ts'
import type { RecommendationService } from '../recommendations/service.ts'
import type { Recommendation } from '../../engine/types.ts'
import type { WidgetService } from '../widgets/service.ts'
import { effectiveConfig, type TenantConfig } from '../tenants/config.ts'
import type { LinkClaims, LinkSigner } from './links.ts'
import type { EmailContext } from './model.ts'
import { renderHtml } from './render.ts'

export interface EmailDeps {
  db: Db; log: Logger; signer: LinkSigner
  recommendations: Pick<RecommendationService, 'recommend' | 'warmShoppers'>
  catalog: Pick<CatalogService, 'get'>
  events: Pick<EventService, 'ingest'>
  widgets: Pick<WidgetService, 'get'>
}
export interface EmailQuery { userId: string; context: EmailContext; limit: number; campaign?: string }
export interface BatchQuery extends Omit<EmailQuery, 'userId'> { userIds: string[]; format: 'json' | 'html' }
/**
 * Shoppers of a batch answered at once, their profiles read up front (BENCHMARKS.md "Recommendations
 * in email": 128 was 4× the users/s of 16 at once; more was no faster).
 */
const BATCH_GROUP = 128

/**
 * The engine request each mail stands for. An abandoned cart is a cart page whose cart is read
 * from the shopper's events; an order confirmation is their own list with every purchase left out
 * (the order just placed is among them: profiles are updated at ingestion); a newsletter, their own list.
 */
const pageFor = (context: EmailContext) => (context === 'abandoned_cart' ? 'cart_page' as const : 'homepage' as const)
const configFor = (context: EmailContext, config: TenantConfig): TenantConfig =>
  context === 'order_confirmation' && !config.excludePurchased ? { ...config, excludePurchased: true } : config

/** The transparent 1×1 GIF the open pixel answers with. */
export const PIXEL_GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (c) => c.charCodeAt(0))

export function createEmailService(d: EmailDeps) {
  /** The tenant a verified token names, while it still exists and is active. */
  async function tenantOf(c: LinkClaims) {
    const t = await tenantForKey(d.db, c.tenantId)
    if (!t || t.status !== 'active') throw new NotFound('No such link')
    return { id: c.tenantId, attributionWindowHours: effectiveConfig(t.config).attributionWindowHours }
  }
  const placementOf = (campaign: string) => `email:${campaign}`

  return {
    /** The items for one mail, each with its tracked link and open pixel under `baseUrl`. */
    async recommend(tenantId: string, config: TenantConfig, q: EmailQuery, baseUrl: string) {
      const campaign = q.campaign ?? q.context
      const placement = placementOf(campaign)
      const served = await d.recommendations.recommend(tenantId, configFor(q.context, config), { userId: q.userId, context: pageFor(q.context), placement, limit: q.limit })
      const mailId = randomToken(16)
      // A cached answer holds its list serialised only.
      const list: Recommendation[] = served.items ?? JSON.parse(served.itemsJson)
      const items = await Promise.all(list.map(async (it, i) => {
        const token = await d.signer.sign({ tenantId, userId: q.userId, productId: it.productId, campaign, position: i + 1, mailId, strategy: served.strategy })
        return {
          productId: it.productId, name: it.name, imageUrl: it.imageUrl, price: it.price, url: it.url, position: i + 1,
          trackedUrl: `${baseUrl}/r/${token}`, pixelUrl: `${baseUrl}/o/${token}.gif`, score: it.score, reason: it.reason,
        }
      }))
      return { items, meta: { context: q.context, placement, strategy: served.strategy, mailId } }
    },

    /**
     * A campaign's shoppers as NDJSON, a chunk of lines per group, in the order given. One
     * shopper's failure (a busy database) is their line, not the end of the export.
     */
    async *batch(tenantId: string, config: TenantConfig, q: BatchQuery, baseUrl: string): AsyncGenerator<string, void, undefined> {
      const { userIds, format, ...rest } = q
      // One look for the whole batch (every mail is the same placement); JSON needs none.
      const look = format === 'html' ? await this.look(tenantId, config, rest) : undefined
      // Every shopper's profile in a few queries up front, not 32 at a time as their requests ask.
      await d.recommendations.warmShoppers(tenantId, userIds)
      for (let i = 0; i < userIds.length; i += BATCH_GROUP) {
        const lines = await Promise.all(userIds.slice(i, i + BATCH_GROUP).map(async (userId) => {
          try {
            const r = await this.recommend(tenantId, config, { ...rest, userId }, baseUrl)
            return JSON.stringify(look ? { userId, html: renderHtml(r.items, look).html, meta: r.meta } : { userId, data: r.items, meta: r.meta })
          } catch (error) {
            const status = error instanceof AppError ? error.status : 500
            if (status === 500) d.log.error('email batch: a shopper could not be answered', { tenantId, error })
            return JSON.stringify({ userId, error: { status, detail: 'Recommendations for this shopper are unavailable; retry them' } })
          }
        }))
        yield `${lines.join('\n')}\n`
      }
    },

    /** How the mail's items look: the placement's widget settings (the tenant's theme, or what PUT /widgets/email:<campaign> set). */
    async look(tenantId: string, config: TenantConfig, q: Pick<EmailQuery, 'context' | 'campaign'>) {
      return (await d.widgets.get(tenantId, config, placementOf(q.campaign ?? q.context))).config
    },

    /** A click: recorded as recommendation_clicked (once per mail and product), then where to send the shopper (the product's stored URL only). */
    async click(token: string): Promise<string> {
      const c = await d.signer.verify(token)
      const tenant = await tenantOf(c)
      const product = await d.catalog.get(c.tenantId, c.productId)
      if (!product.url) throw new NotFound('This product has no URL to go to')
      try {
        await d.events.ingest(tenant, {
          eventType: 'recommendation_clicked', userId: c.userId, productId: c.productId, placement: placementOf(c.campaign), strategy: c.strategy,
          // One click per (mail, product): a link forwarded or clicked again still redirects, but cannot inflate the count.
          eventId: `email-click.${c.mailId}.${c.position}`, metadata: { campaign: c.campaign, position: c.position, mailId: c.mailId },
        })
      } catch (error) {
        // A busy or unreachable event store loses the click, never the shopper's way to the product.
        if (!(error instanceof AppError) || error.status !== 503) throw error
        d.log.warn('email click not recorded', { tenantId: c.tenantId, error })
      }
      return product.url
    },

    /** An open: one recommendation_impressed per (mail, product), however often the images load. */
    async open(token: string): Promise<void> {
      const c = await d.signer.verify(token)
      const tenant = await tenantOf(c)
      await d.events.ingest(tenant, {
        eventType: 'recommendation_impressed', userId: c.userId, productId: c.productId, placement: placementOf(c.campaign), strategy: c.strategy,
        eventId: `email-open.${c.mailId}.${c.position}`, metadata: { campaign: c.campaign, position: c.position, mailId: c.mailId },
      })
    },
  }
}
export type EmailService = ReturnType<typeof createEmailService>
