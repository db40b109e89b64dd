// The tenant's events: the live stream (newest first, re-read every 5 s while
// nothing is filtered; a button pauses it, WCAG 2.2.2) and a search by user,
// product, type and time.
import { $, component$, useSignal, useTask$, useVisibleTask$ } from '@builder.io/qwik'
import { routeLoader$, server$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { Pager } from '../../../../../components/catalog/pager'
import { loadEvents, type EventsView } from '../../../../../components/events/load'
import { EVENT_TYPES } from '../../../../../lib/vocabulary'
import { PageHeader, ProblemAlert } from '../../../../../components/ui'

const STREAM_MS = 5_000

export const useEvents = routeLoader$((ev) => loadEvents(ev, ev.params.id, ev.url.searchParams))

const refreshEvents = server$(function (tenantId: string) {
  return loadEvents(this, tenantId, new URLSearchParams())
})

const summary = (m: Record<string, unknown> | null) => {
  if (!m || !Object.keys(m).length) return ''
  const s = JSON.stringify(m)
  return s.length > 80 ? `${s.slice(0, 79)}…` : s
}

export default component$(() => {
  const loaded = useEvents()
  const loc = useLocation()
  const view = useSignal<EventsView>(loaded.value)
  const paused = useSignal(false)
  useTask$(({ track }) => { view.value = track(() => loaded.value) })
  // eslint-disable-next-line qwik/no-use-visible-task -- polling only while the tab shows the stream
  useVisibleTask$(({ track, cleanup }) => {
    const live = track(() => view.value.stream && !paused.value)
    if (!live) return
    const timer = setInterval(async () => {
      try { view.value = await refreshEvents(loc.params.id) } catch { /* keep the last page */ }
    }, STREAM_MS)
    cleanup(() => clearInterval(timer))
  })
  const toggle = $(() => { paused.value = !paused.value })

  const v = view.value
  const f = v.filters
  const errorOf = (field: string) => v.errors.find((e) => e.field === field)?.message
  const base = `/dashboard/tenants/${loc.params.id}/events`
  return (
    <>
      <PageHeader title="Events" lead="What your shoppers did, newest first." />
      <form method="get" action={base} class="card" role="search" aria-label="Search events">
        <div class="form-row">
          <div class="field">
            <label for="e-user">User ID</label>
            <input id="e-user" name="userId" value={f.userId} maxLength={256} />
          </div>
          <div class="field">
            <label for="e-product">Product ID</label>
            <input id="e-product" name="productId" value={f.productId} maxLength={256} />
          </div>
          <div class="field">
            <label for="e-type">Event type</label>
            <select id="e-type" name="eventType" aria-invalid={errorOf('eventType') ? 'true' : undefined}>
              <option value="" selected={!f.eventType}>All types</option>
              {EVENT_TYPES.map((t) => <option key={t} value={t} selected={t === f.eventType}>{t}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="e-from">From (UTC)</label>
            <input id="e-from" type="datetime-local" name="from" value={f.from} aria-invalid={errorOf('from') ? 'true' : undefined} aria-describedby={errorOf('from') ? 'e-from-error' : undefined} />
            {errorOf('from') && <span id="e-from-error" class="error">{errorOf('from')}</span>}
          </div>
          <div class="field">
            <label for="e-to">To (UTC)</label>
            <input id="e-to" type="datetime-local" name="to" value={f.to} aria-invalid={errorOf('to') ? 'true' : undefined} aria-describedby={errorOf('to') ? 'e-to-error' : undefined} />
            {errorOf('to') && <span id="e-to-error" class="error">{errorOf('to')}</span>}
          </div>
        </div>
        <div class="form-row">
          <button type="submit" class="btn">Search</button>
          {!v.stream && <a href={base}>Back to the live stream</a>}
        </div>
      </form>
      <ProblemAlert problem={v.problem} />
      {v.stream && (
        <div class="form-row" style="align-items:center;margin-bottom:1rem">
          <p style="margin:0" aria-live="polite" id="stream-status">
            {paused.value ? 'Live updates paused.' : `Live: re-read every ${STREAM_MS / 1000} s (last ${v.loadedAt.slice(11, 19)} UTC).`}
          </p>
          <button type="button" class="btn btn-secondary" onClick$={toggle} aria-pressed={paused.value ? 'true' : 'false'}>
            {paused.value ? 'Resume live updates' : 'Pause live updates'}
          </button>
        </div>
      )}
      <div class="table-wrap">
        <table id="events-table">
          <caption class="sr-only">{v.stream ? 'Latest events' : 'Events matching the search'}</caption>
          <thead><tr>
            <th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">User</th><th scope="col">Product</th>
            <th scope="col">Placement</th><th scope="col">Strategy</th><th scope="col">Details</th>
          </tr></thead>
          <tbody>
            {v.events.length === 0 && <tr><td colSpan={7} class="muted">{v.stream ? 'No events yet. Send some with POST /api/v1/events or the SDK.' : 'No events match this search.'}</td></tr>}
            {v.events.map((e) => (
              <tr key={e.id}>
                <td>{e.timestamp.slice(0, 19).replace('T', ' ')}</td>
                <td><code>{e.eventType}</code></td>
                <td>{e.userId}</td>
                <td>{e.productId}</td>
                <td>{e.placement ?? ''}</td>
                <td>{e.strategy ?? ''}</td>
                <td><code class="small">{summary(e.metadata)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {v.pagination && v.events.length > 0 && <Pager pagination={v.pagination} noun="events" />}
    </>
  )
})

export const head: DocumentHead = { title: 'Events · RecomEngine' }
