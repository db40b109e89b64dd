// Records out of a file read as a stream of text chunks: CSV (RFC 4180: quoted
// fields may hold commas, quotes and line breaks), NDJSON (one JSON value a line)
// and JSON (one top-level array, split into its elements without parsing the
// whole). Memory is bounded by the longest record, itself bounded: a longer one
// is reported as a bad record and skipped, and the rest of the file goes on. Pure.

/** A record as found: its fields (CSV) or value (JSON), or why it could not be read; `line` is where it starts (1-based). */
export type RawRecord = { line: number; fields: string[] } | { line: number; value: unknown } | { line: number; error: string }

/** A file-level problem (not one row's): the import stops with it. */
export class UnreadableFile extends Error {}

/** Longest record read (characters): beyond it a record is refused and skipped. */
export const MAX_RECORD_CHARS = 1 << 20

const tooLong = `is longer than ${MAX_RECORD_CHARS.toLocaleString('en')} characters`

/** CSV records; the first is the header. Lines may end in \n or \r\n. */
export async function* csvRecords(chunks: AsyncIterable<string>, maxRecord = MAX_RECORD_CHARS): AsyncGenerator<RawRecord> {
  let fields: string[] = []
  let field = ''
  let quoted = false // inside a quoted field
  let afterQuote = false // a quoted field has just closed (a quote here is an escaped one)
  let line = 1
  let startLine = 1
  let size = 0
  let skipping = false // an over-long record: drop characters until its line ends
  let any = false
  for await (const chunk of chunks) {
    const n = chunk.length
    let i = 0
    while (i < n) {
      if (skipping) {
        const nl = chunk.indexOf('\n', i)
        if (nl < 0) { i = n; break }
        line++; i = nl + 1; skipping = false; quoted = false; afterQuote = false; fields = []; field = ''; size = 0; any = false; startLine = line
        continue
      }
      if (!quoted) {
        // Fast path: take the run of plain characters up to the next special one at once.
        let j = i
        while (j < n) { const c = chunk.charCodeAt(j); if (c === 44 || c === 10 || c === 13 || c === 34) break; j++ }
        if (j > i) { field += chunk.slice(i, j); size += j - i; any = true; afterQuote = false; i = j; if (size > maxRecord) { yield { line: startLine, error: `The record ${tooLong}` }; skipping = true; continue } }
        if (i >= n) break
        const c = chunk.charCodeAt(i)
        if (c === 44) { fields.push(field); field = ''; any = true; afterQuote = false; i++ } // ,
        else if (c === 10) { // \n ends the record
          if (any || field) { fields.push(field); yield { line: startLine, fields } }
          fields = []; field = ''; any = false; afterQuote = false; size = 0; line++; startLine = line; i++
        } else if (c === 13) i++ // \r before \n (a stray one is dropped)
        else { // "
          if (afterQuote) field += '"' // "" inside a quoted field
          quoted = true; afterQuote = false; any = true; i++
        }
      } else {
        const q = chunk.indexOf('"', i)
        const end = q < 0 ? n : q
        const part = chunk.slice(i, end)
        field += part; size += part.length
        for (let k = part.indexOf('\n'); k >= 0; k = part.indexOf('\n', k + 1)) line++
        if (size > maxRecord) { yield { line: startLine, error: `The record ${tooLong}` }; skipping = true; i = end; continue }
        if (q < 0) break
        quoted = false; afterQuote = true; i = q + 1
      }
    }
  }
  if (skipping) return
  if (quoted) { yield { line: startLine, error: 'A quoted field is not closed before the end of the file' }; return }
  if (any || field) { fields.push(field); yield { line: startLine, fields } }
}

/** Lines of text, each with its number; an over-long line is reported and skipped. */
async function* lines(chunks: AsyncIterable<string>, maxRecord: number): AsyncGenerator<{ line: number; text: string } | { line: number; error: string }> {
  let buf = ''
  let line = 1
  let skipping = false
  for await (const chunk of chunks) {
    let from = 0
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', from)) {
      if (!skipping) yield { line, text: buf + chunk.slice(from, nl) }
      buf = ''; skipping = false; line++; from = nl + 1
    }
    if (skipping) continue
    buf += chunk.slice(from)
    if (buf.length > maxRecord) { yield { line, error: `The line ${tooLong}` }; buf = ''; skipping = true }
  }
  if (!skipping && buf) yield { line, text: buf }
}

/** NDJSON: one JSON value per non-blank line. */
export async function* ndjsonRecords(chunks: AsyncIterable<string>, maxRecord = MAX_RECORD_CHARS): AsyncGenerator<RawRecord> {
  for await (const l of lines(chunks, maxRecord)) {
    if ('error' in l) { yield l; continue }
    const text = l.text.trim()
    if (!text) continue
    try { yield { line: l.line, value: JSON.parse(text) } } catch { yield { line: l.line, error: 'The line is not valid JSON' } }
  }
}

/**
 * The elements of one top-level JSON array, each parsed on its own (a malformed element is one bad record).
 * Anything but an array at the top is an UnreadableFile.
 */
export async function* jsonArrayRecords(chunks: AsyncIterable<string>, maxRecord = MAX_RECORD_CHARS): AsyncGenerator<RawRecord> {
  let state: 'before' | 'between' | 'element' | 'after' = 'before'
  let depth = 0 // nesting inside the current element
  let inString = false
  let escaped = false
  let element = ''
  let skipping = false
  let line = 1
  let startLine = 1
  const finish = (): RawRecord | undefined => {
    const text = element.trim()
    element = ''
    if (skipping) { skipping = false; return { line: startLine, error: `The element ${tooLong}` } }
    if (!text) return { line: startLine, error: 'An array element is empty' }
    try { return { line: startLine, value: JSON.parse(text) } } catch { return { line: startLine, error: 'The element is not valid JSON' } }
  }
  for await (const chunk of chunks) {
    let from = 0 // start of the part of `chunk` not yet added to `element`
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk.charCodeAt(i)
      if (ch === 10) line++
      if (state === 'before' || state === 'after') {
        if (ch === 32 || ch === 10 || ch === 13 || ch === 9 || ch === 0xfeff) continue
        if (state === 'before' && ch === 91) { state = 'between'; continue } // [
        throw new UnreadableFile(state === 'before' ? 'A JSON import must be one array of objects: the file does not start with "["' : `Unexpected text after the closing "]" (line ${line})`)
      }
      if (state === 'between') {
        if (ch === 32 || ch === 10 || ch === 13 || ch === 9 || ch === 44) continue // a stray comma is harmless
        if (ch === 93) { state = 'after'; continue } // ]
        state = 'element'; startLine = line; depth = 0; inString = false; escaped = false; from = i
      }
      // state === 'element'
      if (inString) {
        if (escaped) escaped = false
        else if (ch === 92) escaped = true
        else if (ch === 34) inString = false
        continue
      }
      if (ch === 34) inString = true
      else if (ch === 123 || ch === 91) depth++
      else if (ch === 125 || ch === 93) {
        if (depth === 0) { // the array's own "]"
          if (!skipping) element += chunk.slice(from, i)
          yield finish()!
          state = 'after'
          continue
        }
        depth--
      } else if (ch === 44 && depth === 0) {
        if (!skipping) element += chunk.slice(from, i)
        yield finish()!
        state = 'between'
      }
    }
    if (state === 'element' && !skipping) {
      element += chunk.slice(from)
      if (element.length > maxRecord) { skipping = true; element = '' }
    }
  }
  if ((state as string) === 'before') throw new UnreadableFile('The file is empty: a JSON import must be one array of objects')
  if ((state as string) !== 'after') throw new UnreadableFile('The JSON array is not closed: the file ends before its "]"')
}
