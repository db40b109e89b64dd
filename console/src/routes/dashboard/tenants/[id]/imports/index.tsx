// Import data (issue 20): choose or drop a file; its format and columns are read
// from its first 64 KB in the browser, each column mapped to one of our fields;
// the upload goes (multipart: file + mapping) through ./upload to POST
// /api/v1/imports, then GET /imports/:id is polled every second for the progress
// bar, then the counts and the error report. The recent imports, with cancel.
import { $, component$, noSerialize, useSignal, useStore, useTask$, useVisibleTask$, type NoSerialize } from '@builder.io/qwik'
import { Form, routeAction$, routeLoader$, server$, useLocation, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, PageHeader, ProblemAlert } from '../../../../../components/ui'
import { failWith } from '../../../../../lib/actions'
import { apiFetch, type ApiData, type Problem } from '../../../../../lib/api'
import { formatDate, formatInt } from '../../../../../lib/format'
import { columnsOf, fieldsFor, formatBytes, formatOfFile, guessMapping, HEAD_BYTES, mappingOf, MAX_CONSOLE_UPLOAD, nestedFor, type ImportFormat, type ImportType } from '../../../../../lib/import-file'
import { EVENT_TYPES } from '../../../../../lib/vocabulary'

type Job = ApiData<'/api/v1/imports/{id}', 'get'>
const POLL_MS = 1_000
const RECENT = 10
const ENDED = ['completed', 'failed', 'cancelled']
const BADGE: Record<string, string> = { completed: 'badge-ok', failed: 'badge-err', cancelled: 'badge-warn', running: '', queued: '' }

async function recent(ev: Parameters<typeof apiFetch>[0], tenantId: string): Promise<Job[]> {
  const r = await apiFetch<Job[]>(ev, '/api/v1/imports', { tenantId, query: { limit: RECENT } })
  return r.ok ? r.data : []
}
export const useImports = routeLoader$((ev) => recent(ev, ev.params.id))
const recentImports = server$(function (tenantId: string) { return recent(this, tenantId) })
const importStatus = server$(async function (tenantId: string, id: string) {
  const r = await apiFetch<Job>(this, `/api/v1/imports/${encodeURIComponent(id)}`, { tenantId })
  return r.ok ? r.data : null
})

export const useCancelImport = routeAction$(async (form, ev) => {
  const r = await apiFetch<Job>(ev, `/api/v1/imports/${encodeURIComponent(form.id)}/cancel`, { method: 'POST', tenantId: ev.params.id })
  if (!r.ok) return failWith(ev, r)
  return { cancelled: r.data.id }
}, zod$({ id: z.string().uuid() }))

/** A job's progress in words (the progress bar's text). */
function progressText(j: Job): string {
  const total = j.bytesTotal ?? 0
  const pct = total > 0 ? ` (${Math.floor((j.bytesRead / total) * 100)}%)` : ''
  return `${j.status[0].toUpperCase()}${j.status.slice(1)}: ${formatInt(j.rowsRead)} rows read · ${formatBytes(j.bytesRead)}${total ? ` of ${formatBytes(total)}` : ''}${pct}`
}

export default component$(() => {
  const loc = useLocation()
  const loaded = useImports()
  const cancel = useCancelImport()
  const jobs = useSignal<Job[]>(loaded.value)
  useTask$(({ track }) => { jobs.value = track(() => loaded.value) })
  const s = useStore({
    type: 'events' as ImportType, format: '' as ImportFormat | '', eventType: '',
    fileName: '', fileSize: 0, file: undefined as NoSerialize<File>, columns: [] as string[], chosen: [] as string[], detectError: '',
    phase: 'choose' as 'choose' | 'uploading' | 'watching' | 'done', sent: 0, total: 0, watching: '', job: null as Job | null, problem: null as Problem | null,
  })
  const base = `/dashboard/tenants/${loc.params.id}/imports`

  const detect = $(async () => {
    s.columns = []; s.chosen = []; s.detectError = ''
    if (!s.file || !s.format) return
    const found = columnsOf(s.format, await s.file.slice(0, HEAD_BYTES).text())
    if ('error' in found) { s.detectError = found.error; return }
    s.columns = found.columns
    s.chosen = guessMapping(s.type, found.columns)
  })
  const pick = $(async (file: File | undefined) => {
    if (!file) return
    s.file = noSerialize(file); s.fileName = file.name; s.fileSize = file.size
    s.format = formatOfFile(file.name, file.type) ?? ''
    s.phase = 'choose'; s.job = null; s.problem = null
    await detect()
  })

  const start = $(async () => {
    if (!s.file || !s.format) return
    if (s.fileSize > MAX_CONSOLE_UPLOAD) {
      s.problem = { status: 413, title: 'The file is too large for the console', detail: `The console takes files up to ${formatBytes(MAX_CONSOLE_UPLOAD)}; import this one with the CLI: npm run import -- --api … --key … --type ${s.type} --file ${s.fileName}` }
      return
    }
    const form = new FormData()
    const mapping = mappingOf(s.type, s.columns, s.chosen)
    if (Object.keys(mapping).length) form.append('mapping', JSON.stringify(mapping))
    form.append('file', s.file, s.fileName)
    const q = new URLSearchParams({ type: s.type, format: s.format })
    if (s.type === 'events' && s.eventType) q.set('eventType', s.eventType)
    s.phase = 'uploading'; s.sent = 0; s.total = s.fileSize; s.problem = null; s.job = null
    // XMLHttpRequest, not fetch: it reports the upload's progress.
    const res = await new Promise<{ status: number; text: string }>((resolve) => {
      const x = new XMLHttpRequest()
      x.open('POST', `${base}/upload?${q}`)
      x.upload.onprogress = (e) => { s.sent = e.loaded; if (e.lengthComputable) s.total = e.total }
      x.onload = () => resolve({ status: x.status, text: x.responseText })
      x.onerror = () => resolve({ status: 0, text: '' })
      x.send(form)
    })
    let body: any = null
    try { body = JSON.parse(res.text) } catch { /* not JSON */ }
    if (res.status !== 202) {
      s.phase = 'choose'
      s.problem = body?.title ? body : { status: res.status, title: res.status ? `The upload failed (${res.status})` : 'The upload failed: the server could not be reached' }
      return
    }
    s.watching = body.data.id
    s.phase = 'watching'
    jobs.value = await recentImports(loc.params.id)
  })

  // eslint-disable-next-line qwik/no-use-visible-task -- polls the running job while the page shows it
  useVisibleTask$(({ track, cleanup }) => {
    const id = track(() => s.watching)
    if (!id) return
    let busy = false
    const timer = setInterval(async () => {
      if (busy) return
      busy = true
      try {
        const job = await importStatus(loc.params.id, id)
        if (!job) return
        s.job = job
        if (ENDED.includes(job.status)) {
          clearInterval(timer)
          s.watching = ''; s.phase = 'done'
          jobs.value = await recentImports(loc.params.id)
        }
      } catch { /* the next tick tries again */ } finally { busy = false }
    }, POLL_MS)
    cleanup(() => clearInterval(timer))
  })

  const j = s.job
  const busy = s.phase === 'uploading' || s.phase === 'watching'
  const fields = fieldsFor(s.type)
  const nested = nestedFor(s.type)
  const cv = cancel.value as any
  return (
    <>
      <PageHeader title="Import data" lead="Months of orders or a catalog export, in one file: CSV (a header row first), NDJSON or a JSON array." />
      <section class="card" aria-labelledby="import-file-title">
        <h2 id="import-file-title">1. Choose a file</h2>
        <div class="form-row">
          <div class="field">
            <label for="import-type">What the file holds</label>
            <select id="import-type" disabled={busy} onChange$={(_, el) => { s.type = el.value as ImportType; s.chosen = guessMapping(s.type, s.columns) }}>
              <option value="events" selected={s.type === 'events'}>Events (views, carts, purchases…)</option>
              <option value="catalog" selected={s.type === 'catalog'}>Catalog items</option>
            </select>
          </div>
          <div class="field">
            <label for="import-file">File (or drop it here)</label>
            <input id="import-file" class="drop-zone" type="file" accept=".csv,.ndjson,.jsonl,.json,text/csv,application/json,application/x-ndjson" disabled={busy}
              preventdefault:dragover preventdefault:drop
              onDrop$={(e: DragEvent) => pick(e.dataTransfer?.files?.[0])}
              onChange$={(_, el) => pick(el.files?.[0])} />
          </div>
          <div class="field">
            <label for="import-format">Format</label>
            <select id="import-format" value={s.format} disabled={busy || !s.fileName} aria-describedby="import-format-hint"
              onChange$={async (_, el) => { s.format = el.value as ImportFormat | ''; await detect() }}>
              <option value="" selected={!s.format}>Choose…</option>
              {(['csv', 'ndjson', 'json'] as const).map((f) => <option key={f} value={f} selected={s.format === f}>{f.toUpperCase()}</option>)}
            </select>
            <span id="import-format-hint" class="muted small">{s.fileName ? (s.format ? `Detected from ${s.fileName} (${formatBytes(s.fileSize)})` : `Could not tell from "${s.fileName}": choose one`) : 'From the file name'}</span>
          </div>
        </div>
        {s.detectError && <Alert kind="error" title="No columns found">{s.detectError}</Alert>}
      </section>

      {s.columns.length > 0 && (
        <section class="card" aria-labelledby="import-mapping-title">
          <h2 id="import-mapping-title">2. Map the columns</h2>
          <p class="muted">Read from the first line of the file. Columns named like our fields (<code>user_id</code>, <code>User ID</code>) are recognised; a column left empty is not imported.</p>
          <div class="table-wrap">
            <table id="import-mapping">
              <caption class="sr-only">Source column → field</caption>
              <thead><tr><th scope="col">Column in the file</th><th scope="col">Our field</th></tr></thead>
              <tbody>
                {s.columns.map((c, i) => (
                  <tr key={`${c}-${i}`}>
                    <td><label for={`map-${i}`}><code>{c}</code></label></td>
                    <td>
                      <select id={`map-${i}`} value={s.chosen[i] ?? ''} disabled={busy} onChange$={(_, el) => { const next = [...s.chosen]; next[i] = el.value; s.chosen = next }}>
                        <option value="" selected={!s.chosen[i]}>— not imported —</option>
                        {fields.map((f) => <option key={f} value={f} selected={s.chosen[i] === f}>{f}</option>)}
                        <option value={`${nested}.${c}`} selected={s.chosen[i] === `${nested}.${c}`}>{`${nested}.${c}`}</option>
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {s.type === 'events' && (
            <div class="field">
              <label for="import-event-type">Event type of rows that name none</label>
              <select id="import-event-type" disabled={busy} onChange$={(_, el) => { s.eventType = el.value }}>
                <option value="" selected={!s.eventType}>None (such rows are refused)</option>
                {EVENT_TYPES.map((t) => <option key={t} value={t} selected={s.eventType === t}>{t}</option>)}
              </select>
            </div>
          )}
          <div class="form-row">
            <button type="button" class="btn" id="import-start" disabled={busy || !s.format} onClick$={start}>Start the import</button>
          </div>
        </section>
      )}

      <ProblemAlert problem={s.problem} />
      {s.phase !== 'choose' && (
        <section class="card" aria-labelledby="import-progress-title">
          <h2 id="import-progress-title">3. Progress</h2>
          {s.phase === 'uploading' ? (
            <>
              <progress id="import-progress" max={s.total || 1} value={s.sent} aria-labelledby="import-progress-title" aria-describedby="import-progress-text" />
              <p id="import-progress-text" aria-live="polite">Uploading: {formatBytes(s.sent)} of {formatBytes(s.total)}</p>
            </>
          ) : (
            <>
              <progress id="import-progress" max={j?.bytesTotal || 1} value={j ? (j.status === 'completed' ? j.bytesTotal ?? 1 : j.bytesRead) : 0}
                aria-labelledby="import-progress-title" aria-describedby="import-progress-text" />
              <p id="import-progress-text" aria-live="polite">{j ? progressText(j) : 'Queued: waiting for the job to start…'}</p>
            </>
          )}
          {s.phase === 'done' && j && (
            <div id="import-result">
              <dl class="counts">
                <dt>Rows read</dt><dd id="count-rows">{formatInt(j.rowsRead)}</dd>
                <dt>Accepted</dt><dd id="count-accepted">{formatInt(j.accepted)}</dd>
                <dt>Duplicates</dt><dd id="count-duplicates">{formatInt(j.duplicates)}</dd>
                <dt>Rejected</dt><dd id="count-rejected">{formatInt(j.rejected)}</dd>
              </dl>
              {j.error && <Alert kind={j.status === 'cancelled' ? 'warning' : 'error'} title={j.status === 'cancelled' ? 'The import was cancelled' : 'The import failed'}>{j.error}</Alert>}
              {j.rejected > 0 && <p><a href={`${base}/${j.id}/errors`} download>Download the error report ({formatInt(j.rejected)} refused rows: line, column, message)</a></p>}
            </div>
          )}
        </section>
      )}

      <section aria-labelledby="recent-imports-title">
        <h2 id="recent-imports-title">Recent imports</h2>
        {cv?.cancelled && <Alert kind="success">Import cancelled.</Alert>}
        {cv?.failed && <ProblemAlert problem={cv.problem} />}
        <div class="table-wrap">
          <table id="imports-table">
            <caption class="sr-only">The tenant's last {RECENT} imports, newest first</caption>
            <thead><tr>
              <th scope="col">Created</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col" class="num">Rows read</th>
              <th scope="col" class="num">Accepted</th><th scope="col" class="num">Duplicates</th><th scope="col" class="num">Rejected</th><th scope="col">Actions</th>
            </tr></thead>
            <tbody>
              {jobs.value.length === 0 && <tr><td colSpan={8} class="muted">No imports yet.</td></tr>}
              {jobs.value.map((x) => (
                <tr key={x.id}>
                  <td>{formatDate(x.createdAt)}</td>
                  <td>{x.type} ({x.format})</td>
                  <td><span class={`badge ${BADGE[x.status] ?? ''}`}>{x.status}</span></td>
                  <td class="num">{formatInt(x.rowsRead)}</td>
                  <td class="num">{formatInt(x.accepted)}</td>
                  <td class="num">{formatInt(x.duplicates)}</td>
                  <td class="num">{formatInt(x.rejected)}</td>
                  <td>
                    {x.rejected > 0 && <a href={`${base}/${x.id}/errors`} download>Error report<span class="sr-only"> of the import of {formatDate(x.createdAt)}</span></a>}
                    {!ENDED.includes(x.status) && (
                      <Form action={cancel}>
                        <input type="hidden" name="id" value={x.id} />
                        <button type="submit" class="btn btn-danger">Cancel<span class="sr-only"> the import of {formatDate(x.createdAt)}</span></button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  )
})

export const head: DocumentHead = { title: 'Import data · RecomEngine' }
