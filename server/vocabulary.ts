// The product's words, defined once: event types, strategies, page contexts.
// Schemas, the engine, the console and the SDK take their lists from here.

export const EVENT_TYPES = ['product_viewed', 'product_clicked', 'add_to_cart', 'remove_from_cart', 'purchase', 'recommendation_clicked', 'recommendation_impressed'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** What a browser may send through /track: never purchases, so revenue cannot be forged client-side. */
export const BROWSER_EVENT_TYPES: readonly EventType[] = ['product_viewed', 'product_clicked', 'add_to_cart', 'remove_from_cart', 'recommendation_impressed', 'recommendation_clicked']

export const STRATEGIES = ['collaborative', 'content_based', 'trending', 'frequently_bought_together'] as const
export type StrategyName = (typeof STRATEGIES)[number]

/** Where on the site a list is shown. */
export const CONTEXTS = ['product_page', 'cart_page', 'homepage'] as const
export type Context = (typeof CONTEXTS)[number]

/** What a webhook endpoint may subscribe to (F-015); `ping` is only sent by POST /webhooks/:id/test. */
export const WEBHOOK_EVENT_TYPES = [
  'experiment.started', 'experiment.significant', 'experiment.srm_detected', 'experiment.completed',
  'model.ready', 'model.failed', 'tenant.suspended', 'tenant.reactivated',
  'api_key.created', 'api_key.revoked', 'import.completed', 'import.failed',
] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]
