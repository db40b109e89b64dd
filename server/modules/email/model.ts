import { t } from 'elysia'
import { QueryEnum, T } from '../../http/schemas.ts'

export const EMAIL_CONTEXTS = ['order_confirmation', 'abandoned_cart', 'newsletter'] as const
export type EmailContext = (typeof EMAIL_CONTEXTS)[number]
/** A mail shows a few items: more would not fit 600 px nor the 20 KB fragment. */
export const MAX_EMAIL_ITEMS = 12
/** Shoppers per batch call: an ESP export pages through its list in calls of this size. */
export const MAX_BATCH_USERS = 1000

export const EmailModel = {
  query: t.Object({
    userId: t.String({ minLength: 1, maxLength: 256, description: 'Your id for the shopper the mail goes to' }),
    context: QueryEnum(EMAIL_CONTEXTS, {
      description: 'abandoned_cart: what goes with the shopper\'s cart (as their add_to_cart/remove_from_cart/purchase events leave it), never a cart item. '
        + 'order_confirmation: their own list without anything they bought (the order just placed included). newsletter: their own list.',
    }),
    limit: t.Integer({ minimum: 1, maximum: MAX_EMAIL_ITEMS, default: 4 }),
    format: t.Optional(QueryEnum(['html', 'json', 'text'] as const, { description: 'html (default): an email-safe fragment; text: the plain-text part; json: the items with their tracked links' })),
    campaign: t.Optional(t.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'Names the mail in analytics: clicks and opens are recorded with placement email:<campaign>. Default: the context.' })),
  }),
  item: T.Object({
    productId: T.String(), name: T.String(), imageUrl: T.Union([T.String(), T.Null()]), price: T.Union([T.Number(), T.Null()]),
    url: T.Union([T.String(), T.Null()], { description: "The product's stored URL (where trackedUrl redirects)" }),
    position: T.Integer({ minimum: 1 }),
    trackedUrl: T.String({ description: 'Link this in the mail: records recommendation_clicked (placement email:<campaign>), then 302 to url. Valid 30 days.' }),
    pixelUrl: T.String({ description: '1×1 GIF: records one recommendation_impressed per mail and product when images load' }),
    score: T.Number(), reason: T.String(),
  }),
  meta: T.Object({
    context: T.String(), placement: T.String({ description: 'email:<campaign>' }), strategy: T.String(), mailId: T.String(),
  }),
  batch: t.Object({
    userIds: t.Array(t.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: MAX_BATCH_USERS, description: `Up to ${MAX_BATCH_USERS} shoppers; one NDJSON line each, in this order` }),
    context: t.Union(EMAIL_CONTEXTS.map((c) => t.Literal(c))),
    limit: t.Integer({ minimum: 1, maximum: MAX_EMAIL_ITEMS, default: 4 }),
    format: t.Union([t.Literal('json'), t.Literal('html')], { default: 'json' }),
    campaign: t.Optional(t.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
  }, { additionalProperties: false }),
  token: t.Object({ token: t.String({ minLength: 1, maxLength: 4096 }) }),
  pixel: t.Object({ file: t.String({ minLength: 1, maxLength: 4096, description: '<token>.gif' }) }),
} as const
