// Imports a file of events or catalog items through POST /api/v1/imports
// (issue 20): the file is streamed as the request body (never read whole),
// then the job is polled until it ends. A progress bar on a terminal, plain
// lines in a log; the final counts and the error report's URL. Exit code: 0
// completed, 1 failed or cancelled (or refused), 2 bad flags. Ctrl-C cancels the job.
//
//   npm run import -- --api http://localhost:3000 --key rk_… --type events --file orders.csv \
//     [--format csv|ndjson|json] [--mapping '{"InvoiceDate":"timestamp"}'] [--event-type purchase] [--replace]
import { createReadStream, statSync } from 'node:fs'
import { Readable } from 'node:stream'
import { CONTENT_TYPE, countsLine, createUrl, jobLine, parseOptions, uploadLine, USAGE, type ImportOptions, type JobView } from './lib/import-progress.ts'

const TERMINAL = new Set(['completed', 'failed', 'cancelled'])

/** What a problem+json (or any) error answer says, one line. */
async function problemOf(res: Response): Promise<string> {
  const text = await res.text()
  try {
    const p = JSON.parse(text)
    const details = Array.isArray(p.errors) ? ` (${p.errors.map((e: { field?: string; message?: string }) => `${e.field ?? ''}: ${e.message ?? ''}`).join('; ')})` : ''
    return `${res.status} ${p.title ?? ''}${p.detail ? `: ${p.detail}` : ''}${details}`
  } catch { return `${res.status} ${text.slice(0, 200)}` }
}

async function main(o: ImportOptions): Promise<number> {
  const tty = Boolean(process.stdout.isTTY)
  const headers = { 'x-api-key': o.key }
  let total: number
  try { total = statSync(o.file).size } catch (e) { console.error(`Cannot read ${o.file}: ${(e as Error).message}`); return 2 }
  // One line rewritten in place on a terminal; on a pipe, a line whenever it says something new.
  let last = ''
  const show = (line: string) => {
    if (line === last) return
    last = line
    if (tty) process.stdout.write(`\r\x1b[2K${line}`)
    else console.log(line)
  }
  const endLine = () => { if (tty && last) process.stdout.write('\n'); last = '' }

  // The file as a stream, counted as the server pulls it: the upload's progress.
  let sent = 0
  const file = Readable.toWeb(createReadStream(o.file, { highWaterMark: 256 * 1024 })) as unknown as ReadableStream<Uint8Array>
  const body = file.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(chunk, c) { sent += chunk.byteLength; c.enqueue(chunk) } }))
  const ticker = setInterval(() => show(uploadLine(sent, total, tty)), tty ? 200 : 2000)
  let res: Response
  try {
    res = await fetch(createUrl(o), { method: 'POST', headers: { ...headers, 'content-type': CONTENT_TYPE[o.format] }, body, duplex: 'half' } as RequestInit)
  } catch (e) {
    clearInterval(ticker); endLine()
    console.error(`The upload failed: ${(e as Error).message}`)
    return 1
  }
  clearInterval(ticker)
  show(uploadLine(sent, total, tty)); endLine()
  if (res.status !== 202) { console.error(`The import was refused: ${await problemOf(res)}`); return 1 }
  const { id } = (await res.json() as { data: { id: string } }).data
  const jobUrl = `${o.api}/api/v1/imports/${id}`
  console.log(`import ${id} queued`)

  // Ctrl-C asks the server to cancel the job; the loop below then sees it end.
  let interrupted = false
  const onInt = () => {
    if (interrupted) process.exit(130)
    interrupted = true
    endLine(); console.error('cancelling…')
    void fetch(`${jobUrl}/cancel`, { method: 'POST', headers }).catch(() => {})
  }
  process.on('SIGINT', onInt)
  let job: JobView
  try {
    for (;;) {
      const r = await fetch(jobUrl, { headers })
      if (!r.ok) { endLine(); console.error(`Reading the job failed: ${await problemOf(r)}`); return 1 }
      job = (await r.json() as { data: JobView }).data
      if (TERMINAL.has(job.status)) break
      show(jobLine(job, tty))
      await new Promise((resolve) => setTimeout(resolve, o.pollMs))
    }
  } finally { process.off('SIGINT', onInt) }
  show(jobLine(job, tty)); endLine()
  console.log(countsLine(job))
  if (job.error) console.log(`error: ${job.error}`)
  console.log(`error report: ${jobUrl}/errors.csv (${job.rejected > 0 ? 'send the same X-API-Key' : 'no rows refused'})`)
  return job.status === 'completed' ? 0 : 1
}

if (import.meta.main) {
  const o = parseOptions(process.argv.slice(2))
  if (o instanceof Error) {
    console.error(`${o.message}\n${USAGE}`)
    process.exit(2)
  }
  process.exit(await main(o))
}
