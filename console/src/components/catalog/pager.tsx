import { component$ } from '@builder.io/qwik'
import { Link, useLocation } from '@builder.io/qwik-city'
import { pageHref, pager, type Pagination } from './query'

/** "Showing 21–40 of 95" with previous/next links that keep the filters. */
export const Pager = component$<{ pagination: Pagination; noun: string }>(({ pagination, noun }) => {
  const loc = useLocation()
  const p = pager(pagination)
  return (
    <nav class="pager form-row" aria-label={`${noun} pages`} style="align-items:center;justify-content:space-between">
      <p style="margin:0" id="pager-status">{p.total === 0 ? `No ${noun}.` : p.from === 0 ? `Page ${p.page} is past the last page (${p.total.toLocaleString('en-US')} ${noun}).` : `Showing ${p.from}–${p.to} of ${p.total.toLocaleString('en-US')} ${noun} (page ${p.page} of ${p.pages})`}</p>
      <div class="form-row">
        {p.prev ? <Link class="btn btn-secondary" href={pageHref(loc.url.searchParams, p.prev)} rel="prev">Previous page</Link> : null}
        {p.next ? <Link class="btn btn-secondary" href={pageHref(loc.url.searchParams, p.next)} rel="next">Next page</Link> : null}
      </div>
    </nav>
  )
})
