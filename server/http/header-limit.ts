// Huge headers or a huge path answered as a problem document. The runtime's own
// limit answers with an empty body (Bun: 431, Deno: 400), so main.ts raises
// Bun's to 64 KiB and this smaller limit, checked before routing, answers first.
import { Elysia } from 'elysia'
import { HeadersTooLarge } from '../errors.ts'

/** Request line and headers together, as Bun counts them by default. */
const MAX_HEADER_BYTES = 16 * 1024

/** Bytes of the path, query and headers of a request (names, values and their separators). */
function headerBytes(request: Request): number {
  const url = request.url
  const start = url.indexOf('/', url.indexOf('//') + 2)
  let n = start < 0 ? 1 : url.length - start
  for (const [name, value] of request.headers) n += name.length + value.length + 4
  return n
}

export function headerLimit(maxBytes = MAX_HEADER_BYTES) {
  return new Elysia({ name: 'header-limit' })
    .onRequest(({ request }) => { // before routing, for every request
      if (headerBytes(request) > maxBytes) throw new HeadersTooLarge(`The request's path and headers exceed ${maxBytes} bytes`)
    })
}
