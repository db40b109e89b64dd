// The ESM entry of @recomengine/sdk, for bundlers:
//
//   import { init, getRecommendations } from '@recomengine/sdk'
//   init({ apiKey: 'rk_live_…', apiBase: 'https://api.example.com' })
//   const items = await getRecommendations({ placement: 'product_page', productId: 'sku-1' })
//
// The same engine and behaviour as the script tag (placements render, impressions and clicks
// are tracked), without a global: one SDK per page, started by init(). Nothing runs on import.
import { createSdk, type RecomEngineApi } from './api.ts'

export type { Callback, Options, RecommendationQuery, RecomEngineApi, TrackedEvent } from './api.ts'
export type { Item } from './client.ts'
export type { RecommendationsEvent } from './engine.ts'

let sdk: RecomEngineApi | undefined
const the = () => (sdk ??= createSdk(() => ({})))

/** Starts the SDK: `apiKey` (a read key) is required; `apiBase` defaults to the page's origin. A second call does nothing. */
export const init: RecomEngineApi['init'] = (options) => the().init(options)
/** Recommendations for this shopper ([] before init or when the API cannot be reached). */
export const getRecommendations: RecomEngineApi['getRecommendations'] = (q) => the().getRecommendations(q)
/** Headless rendering: the callback gets each placement's items and the SDK draws nothing there. */
export const onRecommendations: RecomEngineApi['onRecommendations'] = (fn, placement) => the().onRecommendations(fn, placement)
/** Sends one browser event (product_viewed, add_to_cart, …) for this shopper. */
export const track: RecomEngineApi['track'] = (e) => the().track(e)
/** This shopper's arm of a running experiment, computed as the server does; null otherwise. */
export const getVariant: RecomEngineApi['getVariant'] = (experimentId) => the().getVariant(experimentId)
/** The shopper id the SDK uses (the merchant's, or the anonymous one); undefined before init. */
export const getUserId = (): string | undefined => the().userId
