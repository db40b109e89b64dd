// GET /embed/analytics/export?session=…&range=…: the embedded page's CSV download, streamed from the API's
// /embed/analytics/export.csv with the session (the same range and filters as the page).
import type { RequestHandler } from '@builder.io/qwik-city'
import { parseFilters, parseRange, rangeQuery, toSearch } from '../../../../components/analytics/range'
import { SESSION_PARAM } from '../../../../lib/embed'
import { send } from '../../../../lib/transport'
import { passCsvOn } from '../../../../lib/csv-download'

export const onGet: RequestHandler = async (ev) => {
  const { range } = parseRange(ev.url.searchParams)
  const query = toSearch({ ...rangeQuery(range), ...parseFilters(ev.url.searchParams) })
  const res = await send(ev, `/api/v1/embed/analytics/export.csv${query}`, { headers: { 'x-embed-session': ev.url.searchParams.get(SESSION_PARAM) ?? '' } })
  passCsvOn(ev, res, 'analytics.csv')
}
