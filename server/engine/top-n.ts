// The top-N measures of one ranked list, shared by a build's own holdout evaluation
// (tune.ts) and the offline evaluations (scripts/eval/). Pure.

export interface TopN { precision: number; recall: number; ndcg: number }

/** Precision, recall and NDCG (binary relevance) of the first k items of `ranked` against `truth`. */
export function topN(ranked: readonly string[], truth: ReadonlySet<string>, k: number): TopN {
  let hits = 0
  let dcg = 0
  ranked.slice(0, k).forEach((p, rank) => { if (truth.has(p)) { hits++; dcg += 1 / Math.log2(rank + 2) } })
  let idcg = 0
  for (let rank = 0; rank < Math.min(k, truth.size); rank++) idcg += 1 / Math.log2(rank + 2)
  return { precision: hits / k, recall: hits / truth.size, ndcg: dcg / idcg }
}
