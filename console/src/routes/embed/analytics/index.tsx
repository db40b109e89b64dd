// Embedded analytics (F-016): the console's analytics dashboard for one tenant, read with the page's embed
// session; its range form, placement links, CSV export and 60 s refresh carry the session, never the token.
import { $, component$ } from '@builder.io/qwik'
import { routeLoader$, server$, type DocumentHead, type RequestEventBase } from '@builder.io/qwik-city'
import { AnalyticsDashboard } from '../../../components/analytics/analytics-dashboard'
import { loadAnalyticsWith, type AnalyticsGet } from '../../../components/analytics/load'
import { embedGet } from '../../../lib/embed'
import { denyEmbed, EmbedDenied, useEmbedSession } from '../layout'

const embedAnalytics = (ev: RequestEventBase, session: string): AnalyticsGet => (path, query) => embedGet(ev, session)(`analytics/${path}`, query)

export const useEmbedAnalytics = routeLoader$(async (ev) => {
  const s = await ev.resolveValue(useEmbedSession)
  if (!s) return null
  if (!s.views.includes('analytics')) { denyEmbed(ev); return null }
  return { session: s.session, view: await loadAnalyticsWith(embedAnalytics(ev, s.session), ev.url.searchParams) }
})

const refreshEmbedAnalytics = server$(function (session: string, search: string) {
  return loadAnalyticsWith(embedAnalytics(this, session), new URLSearchParams(search))
})

export default component$(() => {
  const a = useEmbedAnalytics()
  if (!a.value) return <EmbedDenied />
  const { session, view } = a.value
  return (
    <AnalyticsDashboard loaded={view} base="/embed/analytics" exportPath="/embed/analytics/export" carry={{ session }}
      refresh$={$((search: string) => refreshEmbedAnalytics(session, search))} />
  )
})

export const head: DocumentHead = { title: 'Analytics' }
