// One embedded experiment (F-016): the console's verdict and results, refreshed every 60 s; no actions.
import { component$, useSignal, useTask$, useVisibleTask$ } from '@builder.io/qwik'
import { Link, routeLoader$, server$, useLocation, type DocumentHead, type RequestEventBase } from '@builder.io/qwik-city'
import { ExperimentResults } from '../../../../components/experiments/experiment-results'
import { experimentLead, STATUS_LABELS } from '../../../../components/experiments/labels'
import { loadExperimentWith } from '../../../../components/experiments/load'
import { STATUS_BADGE } from '../../../../components/experiments/types'
import { PageHeader } from '../../../../components/ui'
import { embedGet } from '../../../../lib/embed'
import { denyEmbed, EmbedDenied, useEmbedSession } from '../../layout'

const load = (ev: RequestEventBase, session: string, expId: string) =>
  loadExperimentWith((path) => embedGet(ev, session)(`experiments/${path}`), expId)

export const useEmbedExperiment = routeLoader$(async (ev) => {
  const s = await ev.resolveValue(useEmbedSession)
  if (!s) return null
  const v = await load(ev, s.session, ev.params.expId)
  // Not this token's experiment (or not this tenant's): the same 401 page as a bad token.
  if (!v.experiment) { denyEmbed(ev); return null }
  return { session: s.session, canList: s.views.includes('experiments') || s.views.filter((x) => x.startsWith('experiment:')).length > 1, ...v }
})

const refreshEmbedExperiment = server$(function (session: string, expId: string) {
  return load(this, session, expId)
})

export default component$(() => {
  const loaded = useEmbedExperiment()
  const loc = useLocation()
  const view = useSignal(loaded.value)
  useTask$(({ track }) => { view.value = track(() => loaded.value) })
  // eslint-disable-next-line qwik/no-use-visible-task -- live results only matter in an open frame
  useVisibleTask$(({ cleanup }) => {
    const session = view.value?.session
    if (!session) return
    const timer = setInterval(async () => {
      try {
        const next = await refreshEmbedExperiment(session, loc.params.expId)
        if (view.value && next.experiment) view.value = { ...view.value, ...next }
      } catch { /* keep the last results */ }
    }, 60_000)
    cleanup(() => clearInterval(timer))
  })
  const v = view.value
  if (!v?.experiment) return <EmbedDenied />
  const e = v.experiment
  return (
    <>
      <PageHeader title={e.name} lead={experimentLead(e)}>
        <span class={STATUS_BADGE[e.status]} id="experiment-status">{STATUS_LABELS[e.status]}</span>
      </PageHeader>
      <ExperimentResults experiment={e} results={v.results} />
      {v.canList && <p><Link href={`/embed/experiments?session=${encodeURIComponent(v.session)}`}>All experiments</Link></p>}
    </>
  )
})

export const head: DocumentHead = ({ resolveValue }) => ({ title: resolveValue(useEmbedExperiment)?.experiment?.name ?? 'Experiment' })
