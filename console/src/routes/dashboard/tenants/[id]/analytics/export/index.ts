// GET …/analytics/export?range=…: the CSV download (F-009 "Export CSV"). Streams
// the API's GET /analytics/export.csv (the same range and filters as the page)
// with the admin's session, keeping the API's file name.
import type { RequestHandler } from '@builder.io/qwik-city'
import { parseFilters, parseRange, rangeQuery, toSearch } from '../../../../../../components/analytics/range'
import { apiRaw } from '../../../../../../lib/api'
import { passCsvOn } from '../../../../../../lib/csv-download'

export const onGet: RequestHandler = async (ev) => {
  const { range } = parseRange(ev.url.searchParams)
  const query = toSearch({ ...rangeQuery(range), ...parseFilters(ev.url.searchParams) })
  const res = await apiRaw(ev, `/api/v1/analytics/export.csv${query}`, { tenantId: ev.params.id })
  passCsvOn(ev, res, 'analytics.csv')
}
