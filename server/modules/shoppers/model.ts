import { t } from 'elysia'
import { DateTime, Strict, T } from '../../http/schemas.ts'
import { MAX_TRAITS } from '../../../db/queries/events.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'

/** Interactions a summary lists, newest first. */
export const SUMMARY_RECENT = 20

/** A trait's name (it is tested as traits.<name>) and value: short strings, numbers, booleans; null removes it. */
export const TRAIT_NAME = '^[A-Za-z0-9_-]{1,64}$'
export const MAX_TRAITS_PER_WRITE = 50
export const TraitValue = T.Union([T.String({ maxLength: 200 }), T.Number(), T.Boolean(), T.Null()])
export const Traits = T.Record(T.String({ pattern: TRAIT_NAME }), TraitValue, {
  maxProperties: MAX_TRAITS_PER_WRITE,
  description: `Up to ${MAX_TRAITS_PER_WRITE} traits: names of letters, digits, _ and - (≤ 64), values strings (≤ 200 characters), numbers or booleans; null removes a trait. A shopper holds at most ${MAX_TRAITS}.`,
})

export const ShopperModel = {
  params: t.Object({ userId: t.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]+$', description: 'the userId events carry' }) }),
  summary: T.Object({
    userId: T.String(),
    eventCount: T.Integer({ description: 'events stored for this shopper (counted as they were ingested)' }),
    purchasedCount: T.Integer({ description: 'distinct products bought' }),
    recent: T.Array(T.Object({ productId: T.String(), eventType: T.String({ description: EVENT_TYPES.join(', ') }), timestamp: DateTime }), { description: `the newest ${SUMMARY_RECENT} interactions` }),
    updatedAt: DateTime,
    traits: T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()]), { description: 'traits set by POST /users/{userId}/traits or metadata.traits' }),
  }),
  traitsBody: Strict({ traits: Traits }, { examples: [{ traits: { tier: 'gold', country: 'DE' } }] }),
  traits: T.Object({ userId: T.String(), traits: T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()]), { description: "The shopper's traits after the write" }) }),
  erasing: T.Object({ userId: T.String(), status: T.Literal('erasing') }),
} as const
