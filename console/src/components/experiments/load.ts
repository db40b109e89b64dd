// Server side of an experiment page: the experiment and its results, in parallel, through `get` (the
// console's admin session, or an embedded page's session). Shared by loaders and their 60 s server$ refresh.
import type { ApiResult, Problem } from '../../lib/api'
import type { Experiment, Results } from './types'

/** Reads `<id>` or `<id>/results` under the experiments path the caller may use. */
export type ExperimentGet = <T>(path: string) => Promise<ApiResult<T>>

export interface ExperimentView { experiment: Experiment | null; results: Results | null; problem: Problem | null; loadedAt: string }

export async function loadExperimentWith(get: ExperimentGet, expId: string): Promise<ExperimentView> {
  const id = encodeURIComponent(expId)
  const [e, r] = await Promise.all([get<Experiment>(id), get<Results>(`${id}/results`)])
  return {
    experiment: e.ok ? e.data : null,
    results: r.ok ? r.data : null,
    problem: !e.ok ? e.problem : !r.ok ? r.problem : null,
    loadedAt: new Date().toISOString(),
  }
}
