// Embedded experiments (F-016): the console's experiments table, limited to what the token names.
import { component$ } from '@builder.io/qwik'
import { routeLoader$, type DocumentHead } from '@builder.io/qwik-city'
import { ExperimentsTable } from '../../../components/experiments/experiments-table'
import type { Experiment } from '../../../components/experiments/types'
import { EmptyState, PageHeader } from '../../../components/ui'
import { embedGet } from '../../../lib/embed'
import { denyEmbed, EmbedDenied, useEmbedSession } from '../layout'

export const useEmbedExperiments = routeLoader$(async (ev) => {
  const s = await ev.resolveValue(useEmbedSession)
  if (!s) return null
  const r = await embedGet(ev, s.session)<Experiment[]>('experiments', { limit: 100 })
  if (!r.ok) { denyEmbed(ev); return null }
  return { session: s.session, rows: r.data }
})

export default component$(() => {
  const list = useEmbedExperiments()
  if (!list.value) return <EmbedDenied />
  const { rows, session } = list.value
  return (
    <>
      <PageHeader title="Experiments" lead="A/B tests of one recommendation strategy against another." />
      {rows.length === 0
        ? <EmptyState title="No experiments yet." />
        : <ExperimentsTable rows={rows} base="/embed/experiments" search={`?session=${encodeURIComponent(session)}`} />}
    </>
  )
})

export const head: DocumentHead = { title: 'Experiments' }
