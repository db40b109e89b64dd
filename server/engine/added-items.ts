// A product uploaded after the last build is recommendable at once (PRD F-004: within
// 30 s, without waiting for a build that takes minutes on a large catalog): it joins the
// served model with a content vector made as the build makes them, and no behaviour yet
// (zero popularity and trending, no neighbours or partners) until the next build.
// The grown model is a new object, so every table kept per model (memo.ts) starts afresh;
// the costly ones (pair lists, the approximate index) are carried over, not rebuilt.
import type { Kernels } from '../kernels/load.ts'
import { memo } from './memo.ts'
import { annWithAddedRows } from './strategies/ann.ts'
import { addedContentVectors, documentFrequencies } from './strategies/content-vectors.ts'
import { indexGrownFrom, modelIndex } from './strategies/model-index.ts'
import type { Item, TenantModel } from './types.ts'

/**
 * Counts the model's document frequencies ahead of withAddedItems, a slice at a time with a
 * turn of the event loop between (`yieldTurn`): at 50,000 items the count takes ≈ 0.5 s,
 * which one upload should not hold every request up for.
 */
export async function countDocumentFrequencies(model: TenantModel, yieldTurn: () => Promise<void>, slice = 2000): Promise<void> {
  if (memo.documentFrequencies.has(model.content)) return
  const df = new Map<string, number>()
  for (let i = 0; i < model.items.length; i += slice) {
    documentFrequencies(model.items, df, i, Math.min(model.items.length, i + slice))
    await yieldTurn()
  }
  memo.documentFrequencies.set(model.content, df)
}

/** Whether withAddedItems will find the model's document frequencies counted. */
export const documentFrequenciesCounted = (model: TenantModel): boolean => memo.documentFrequencies.has(model.content)

/** `model` with `added` (products it does not know) appended, as version `version`. */
export function withAddedItems(model: TenantModel, added: readonly Item[], version: string, kernels?: Kernels): TenantModel {
  const from = modelIndex(model)
  const n = model.items.length
  const { dim } = model.content
  // Counted once per built model, then handed from each grown model to the next (only the newest grows).
  const df = memo.documentFrequencies.get(model.content) ?? documentFrequencies(model.items)
  memo.documentFrequencies.delete(model.content)
  const more = addedContentVectors(added, df, n, dim, kernels ? (s) => kernels.murmur3(s) : undefined)
  // A model compacted for serving has let its vectors go (its index's content rows hold them): only the added items' are read.
  const vectors = model.content.vectors.length === n ? [...model.content.vectors, ...more.vectors] : new Array<number[]>(n).concat(more.vectors)
  const content = { dim, vectors, terms: [...model.content.terms, ...more.terms] }
  memo.documentFrequencies.set(content, df)
  const zeros = (): number[] => added.map(() => 0)
  const none = (): [number, number, number][][] => added.map(() => [])
  const grown: TenantModel = {
    ...model,
    version,
    items: [...model.items, ...added],
    // A model compacted for serving has let its triples go; its index holds them.
    itemNeighbors: model.itemNeighbors.length === 0 ? [] : [...model.itemNeighbors, ...none()],
    fbt: model.fbt.length === 0 ? [] : [...model.fbt, ...none()],
    content,
    // The hours are kept as they are: triples of the items the model had, whose indexes do not move.
    trending: {
      ...model.trending, views24h: [...model.trending.views24h, ...zeros()], score: [...model.trending.score, ...zeros()],
      ...(model.trending.baseline ? { baseline: [...model.trending.baseline, ...zeros()] } : {}),
    },
    popularity: [...model.popularity, ...zeros()],
    stats: { ...model.stats, items: n + added.length },
  }
  const index = indexGrownFrom(grown, from)
  const ann = memo.ann.get(model.content)
  if (ann && kernels) memo.ann.set(content, annWithAddedRows(ann, index.contentMatrix(), grown.items.length, kernels))
  return grown
}
