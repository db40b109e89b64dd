import { t } from 'elysia'
import { DateTime, T } from '../../http/schemas.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'

/** Interactions a summary lists, newest first. */
export const SUMMARY_RECENT = 20

export const ShopperModel = {
  params: t.Object({ userId: t.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]+$', description: 'the userId events carry' }) }),
  summary: T.Object({
    userId: T.String(),
    eventCount: T.Integer({ description: 'events stored for this shopper (counted as they were ingested)' }),
    purchasedCount: T.Integer({ description: 'distinct products bought' }),
    recent: T.Array(T.Object({ productId: T.String(), eventType: T.String({ description: EVENT_TYPES.join(', ') }), timestamp: DateTime }), { description: `the newest ${SUMMARY_RECENT} interactions` }),
    updatedAt: DateTime,
  }),
  erasing: T.Object({ userId: T.String(), status: T.Literal('erasing') }),
} as const
