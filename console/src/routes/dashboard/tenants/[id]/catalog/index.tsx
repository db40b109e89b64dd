// The tenant's product catalog: search (name or description), filter by
// category and availability, paginate. Filters live in the URL (a GET form).
import { component$ } from '@builder.io/qwik'
import { routeLoader$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { formatMoney } from '../../../../../components/analytics/format'
import { Pager } from '../../../../../components/catalog/pager'
import { catalogApiQuery, parseCatalogFilters, type Pagination } from '../../../../../components/catalog/query'
import { EmptyState, PageHeader, ProblemAlert } from '../../../../../components/ui'
import { apiFetch, type ApiData } from '../../../../../lib/api'

type Item = ApiData<'/api/v1/catalog', 'get'>[number]

export const useCatalog = routeLoader$(async (ev) => {
  const filters = parseCatalogFilters(ev.url.searchParams)
  const r = await apiFetch<Item[]>(ev, '/api/v1/catalog', { tenantId: ev.params.id, query: catalogApiQuery(filters) })
  return r.ok
    ? { filters, items: r.data, pagination: r.meta?.pagination as Pagination, problem: null }
    : { filters, items: [] as Item[], pagination: null, problem: r.problem }
})

export default component$(() => {
  const data = useCatalog()
  const loc = useLocation()
  const { filters: f, items, pagination, problem } = data.value
  const filtered = !!(f.q || f.category || f.availability !== 'all')
  return (
    <>
      <PageHeader title="Catalog" lead="The products recommendations are drawn from, as your backend sent them." />
      <form method="get" action={`/dashboard/tenants/${loc.params.id}/catalog`} class="card form-row" role="search" aria-label="Search the catalog">
        <div class="field">
          <label for="c-q">Search</label>
          <input id="c-q" type="search" name="q" value={f.q} minLength={2} maxLength={200} aria-describedby="c-q-hint" />
          <span id="c-q-hint" class="hint">Name or description, at least 2 characters</span>
        </div>
        <div class="field">
          <label for="c-category">Category</label>
          <input id="c-category" type="text" name="category" value={f.category} maxLength={200} aria-describedby="c-category-hint" />
          <span id="c-category-hint" class="hint">Exact name</span>
        </div>
        <div class="field">
          <label for="c-available">Availability</label>
          <select id="c-available" name="available">
            <option value="all" selected={f.availability === 'all'}>All products</option>
            <option value="available" selected={f.availability === 'available'}>Available</option>
            <option value="unavailable" selected={f.availability === 'unavailable'}>Unavailable or deleted</option>
          </select>
        </div>
        <div class="field"><button type="submit" class="btn">Search</button></div>
      </form>
      <ProblemAlert problem={problem} />
      {!problem && items.length === 0 && !filtered
        ? (
          <EmptyState title="No products yet.">
            <p>Send your catalog with <code>POST /api/v1/catalog/batch</code> (see <a href="/docs/quickstart">the quick start</a>).</p>
          </EmptyState>
        )
        : (
          <div class="table-wrap">
            <table id="catalog-table">
              <caption class="sr-only">Products{f.q ? ` matching “${f.q}”` : ''}</caption>
              <thead><tr>
                <th scope="col">Product</th><th scope="col">Product ID</th><th scope="col">Category</th>
                <th scope="col" class="num">Price</th><th scope="col">Status</th><th scope="col">Updated (UTC)</th>
              </tr></thead>
              <tbody>
                {items.length === 0 && <tr><td colSpan={6} class="muted">No products match these filters.</td></tr>}
                {items.map((i) => (
                  <tr key={i.productId}>
                    <th scope="row" style="font-weight:400;background:none">{i.url ? <a href={i.url} rel="noopener noreferrer" target="_blank">{i.name}<span class="sr-only"> (opens in a new tab)</span></a> : i.name}</th>
                    <td><code>{i.productId}</code></td>
                    <td>{i.category ?? <span class="muted">none</span>}</td>
                    <td class="num">{i.price === null ? '–' : formatMoney(i.price, i.currency)}</td>
                    <td>{i.deletedAt ? <span class="badge badge-err">Deleted</span> : i.available ? <span class="badge badge-ok">Available</span> : <span class="badge badge-warn">Unavailable</span>}</td>
                    <td>{i.updatedAt.slice(0, 16).replace('T', ' ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {pagination && (items.length > 0 || pagination.offset > 0) && <Pager pagination={pagination} noun="products" />}
    </>
  )
})

export const head: DocumentHead = { title: 'Catalog · RecomEngine' }
