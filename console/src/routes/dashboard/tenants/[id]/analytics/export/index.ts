// GET …/analytics/export?range=…: the CSV download (F-009 "Export CSV"). Streams
// the API's GET /analytics/export.csv (the same range and filters as the page)
// with the admin's session, keeping the API's file name.
import type { RequestHandler } from '@builder.io/qwik-city'
import { parseFilters, parseRange, rangeQuery, toSearch } from '../../../../../../components/analytics/range'
import { apiRaw } from '../../../../../../lib/api'

export const onGet: RequestHandler = async (ev) => {
  const { range } = parseRange(ev.url.searchParams)
  const query = toSearch({ ...rangeQuery(range), ...parseFilters(ev.url.searchParams) })
  const res = await apiRaw(ev, `/api/v1/analytics/export.csv${query}`, { tenantId: ev.params.id })
  if (!res.ok) {
    // Pass the API's problem on as it is (403/404 for a tenant that is not this admin's).
    ev.send(new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/problem+json' } }))
    return
  }
  ev.send(new Response(res.body, {
    status: 200,
    headers: {
      'content-type': res.headers.get('content-type') ?? 'text/csv; charset=utf-8',
      'content-disposition': res.headers.get('content-disposition') ?? 'attachment; filename="analytics.csv"',
      'cache-control': 'no-store',
    },
  }))
}
