import { type Static, t } from 'elysia'
import type { ModelEvaluation } from '../../engine/tune.ts'
import type { RulesTrace } from '../../engine/rules/trace.ts'
import { DateTime, Literals, QueryEnum, T } from '../../http/schemas.ts'
import { CART_MAX_ITEMS } from '../../engine/strategies/cart.ts'
import { CONTEXTS, STRATEGIES } from '../../vocabulary.ts'

/** One id of a cart list: a product id (catalog/model.ts) that holds no comma. */
const CART_ID = '[^,\\x00-\\x1F\\x7F]{1,256}'

const Quality = T.Object({
  precisionAt10: T.Number({ minimum: 0, maximum: 1, description: 'Share of the 10 listed items the shopper went on to find' }),
  recallAt10: T.Number({ minimum: 0, maximum: 1, description: 'Share of what the shopper went on to find that the 10 listed' }),
  ndcgAt10: T.Number({ minimum: 0, maximum: 1, description: 'The same, counting hits near the top more' }),
})

/** A build's grade of itself (engine/tune.ts ModelEvaluation, checked against this below). */
const Evaluation = T.Object({
  holdoutUsers: T.Integer({ minimum: 0, description: 'Shoppers whose newest interactions were held out and predicted' }),
  protocol: T.String({ description: 'How the grade was made, in words' }),
  chosenSettings: T.Object({
    halfLifeDays: T.Number(), itemsPerShopper: T.Number(), intentHalfLifeDays: T.Number(), regularisation: T.Number(),
  }, { description: 'The settings the model was built with: chosen where the tenant left them "auto", as set otherwise' }),
  strategies: T.Object({ collaborative: Quality, content_based: Quality, popularity: Quality }, { description: 'popularity: the best-sellers, the baseline' }),
  evaluatedAt: DateTime,
})

const RuleRef = T.Object({
  id: T.String(), name: T.String(),
  effect: Literals(['boosted', 'buried', 'demoted', 'pinned', 'moved_up', 'removed'] as const),
}, { description: 'moved_up: the item rose because the rule removed items above it' })

/** engine/rules/trace.ts RulesTrace (checked against it below). */
const Explain = T.Object({
  rules: T.Array(T.Object({
    id: T.String(), name: T.String(), action: T.String(), applied: T.Boolean(),
    skipped: T.Optional(Literals(['inactive', 'schedule', 'scope'] as const)),
  }), { description: "Each of the tenant's rules, and why one did not run" }),
  hardExclusions: T.Object({ contextProduct: T.Union([T.String(), T.Null()]), cart: T.Integer(), purchased: T.Integer(), unavailable: T.Integer() }),
  candidates: T.Array(T.Object({ productId: T.String(), score: T.Number(), reason: T.String(), source: Literals(['strategy', 'fallback', 'refill'] as const) }), { description: 'Every candidate the rules saw, in rank order, scored before them' }),
  before: T.Array(T.String(), { description: 'The answer without rules' }),
  steps: T.Array(T.Object({
    stage: Literals(['filter', 'boost', 'diversify', 'pin'] as const), ruleId: T.String(), ruleName: T.String(), productId: T.String(),
    effect: Literals(['boosted', 'buried', 'demoted', 'pinned', 'moved_up', 'removed'] as const),
    from: T.Optional(T.Integer({ description: '1-based position before the step' })), to: T.Optional(T.Integer({ description: '1-based position after it' })),
  })),
}, { description: 'With explain=true: what the merchandising rules saw and did' })

export const RecommendationModel = {
  query: t.Object({
    userId: t.String({ minLength: 1, maxLength: 256, description: 'Your id for the shopper (any stable string; anonymous ids work)' }),
    productId: t.Optional(t.String({ minLength: 1, maxLength: 256, description: 'The product in view. It anchors the list (meta.context product_page): collaborative answers with its neighbours ("Shoppers who viewed … also viewed"), personalised by the shopper\'s history once they have one; content_based with similar items; frequently_bought_together with its partners. On a cart page it counts as in the cart.' })),
    context: t.Optional(QueryEnum(CONTEXTS, { description: 'The page the list is for. product_page (or any request with a productId): around that product. cart_page: collaborative and frequently_bought_together answer with what goes with the cart (bought-together partners by lift, then collaborative neighbours) and no strategy returns an item in the cart. homepage (or none): the shopper\'s own list. meta.context says which was used.' })),
    cartProductIds: t.Optional(t.String({
      minLength: 1, maxLength: CART_MAX_ITEMS * 257 - 1, pattern: `^${CART_ID}(,${CART_ID}){0,${CART_MAX_ITEMS - 1}}$`,
      description: `The cart on a cart page: up to ${CART_MAX_ITEMS} product ids, comma-separated (each 1–256 characters, no commas or control characters). Implies context=cart_page; another context is a 400. Absent on a cart page, the cart is what the shopper's add_to_cart events put there and no remove_from_cart or purchase took out.`,
    })),
    placement: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
    limit: t.Integer({ minimum: 1, maximum: 50, default: 8 }),
    strategy: t.Optional(QueryEnum(STRATEGIES, { description: "Overrides the tenant's defaultStrategy" })),
    explain: t.Optional(t.Boolean({ description: 'Also return `explain`: the candidates considered and which merchandising rule removed or moved what. Write key or admin only (a read key gets 403); worked out afresh (never cached) and outside experiments.' })),
  }),
  item: T.Object({
    productId: T.String(), name: T.String(), imageUrl: T.Union([T.String(), T.Null()]), price: T.Union([T.Number(), T.Null()]),
    url: T.Union([T.String(), T.Null()]), score: T.Number({ minimum: 0, maximum: 1 }), reason: T.String({ description: "The algorithm's reason (rules never change it)" }),
    rules: T.Optional(T.Array(RuleRef, { description: 'The merchandising rules that moved this item' })),
  }),
  explain: Explain,
  meta: T.Object({
    strategy: T.String({ description: 'What actually ran, e.g. trending_fallback on cold start' }),
    // The page context that shaped the answer: product_page when a productId anchored it, cart_page for a cart, else homepage.
    context: Literals(CONTEXTS),
    requestId: T.String(), modelVersion: T.Union([T.String(), T.Null()]), cached: T.Boolean(), padded: T.Integer(),
    stale: T.Optional(T.Boolean({ description: 'Served from the last known answer because the database was unreachable' })),
    modelLoading: T.Optional(T.Boolean({ description: "The tenant's model was still loading into this server: the answer is the fallback list (the newest products); its model serves once loaded" })),
    experiment: T.Optional(T.Object({ id: T.String(), variant: T.String({ description: "the arm's key: 'control' or 'variant' in the two-arm form, the variants' key otherwise" }) })),
    segment: T.Optional(T.String({ description: "The shopper's segment whose entry in the tenant's segmentStrategies chose the strategy (absent when none did)" })),
  }),
  evaluation: Evaluation,
  status: T.Object({
    status: T.Union([T.Literal('building'), T.Literal('ready'), T.Literal('empty'), T.Literal('failed')]),
    version: T.Union([T.String(), T.Null()]), builtAt: T.Union([DateTime, T.Null()]), stats: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
    lastError: T.Union([T.String(), T.Null()]),
    evaluation: T.Union([Evaluation, T.Null()], { description: "The model's grade of itself at its last full rebuild; null until it had enough shoppers to hold out" }),
  }),
} as const

// The engine's interface and this schema describe one shape: a drift fails the type check.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _sameEvaluation: Same<Static<typeof Evaluation>, ModelEvaluation> = true
void _sameEvaluation
const _sameTrace: Same<Static<typeof Explain>, RulesTrace> = true
void _sameTrace
