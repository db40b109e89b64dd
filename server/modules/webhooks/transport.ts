// The connection of one webhook POST, pinned: it goes to the address the SSRF check vetted, never to a second
// DNS answer (rebinding). node:http(s) takes a `lookup` (Bun and Deno honour it, checked by ssrf.test.ts); the
// URL keeps its name, so the Host header, SNI and the certificate check are all against the name.
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'

/** What a send reads of an answer. */
export interface Answer { status: number; body: ReadableStream<Uint8Array> | null }

export interface PostInit { headers: Record<string, string>; body: string; signal: AbortSignal }

/** POSTs `init.body` to `url`; connects to `address` when given (else resolves the name as usual). Redirects are not followed. */
export type Post = (url: string, init: PostInit, address: string | null) => Promise<Answer>

/** A URL's host as sockets and the address check take it: an IPv6 literal without its brackets. */
export const bareHost = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '')

type LookupCallback = (error: Error | null, address: string | { address: string; family: number }[], family?: number) => void

/** The transport; `ca` replaces the trusted roots (tests' self-signed receiver). */
export function pinnedPost(opts: { ca?: string } = {}): Post {
  return (raw, init, address) => new Promise<Answer>((resolve, reject) => {
    const url = new URL(raw)
    const family = address ? isIP(address) : 0
    // Node asks with { all: true } when it may try several families; either way only the vetted address comes back.
    const lookup = address
      ? (_host: string, o: { all?: boolean }, cb: LookupCallback) => (o?.all ? cb(null, [{ address, family }]) : cb(null, address, family))
      : undefined
    const body = new TextEncoder().encode(init.body)
    const req = (url.protocol === 'https:' ? https : http).request({
      protocol: url.protocol, hostname: bareHost(url), port: url.port || undefined, path: url.pathname + url.search,
      method: 'POST', headers: { ...init.headers, 'content-length': String(body.byteLength) }, signal: init.signal,
      ...(lookup ? { lookup: lookup as never } : {}), ...(opts.ca ? { ca: opts.ca } : {}),
    }, (res) => {
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          let done = false
          res.on('data', (chunk: Uint8Array) => c.enqueue(new Uint8Array(chunk)))
          res.on('end', () => { done = true; c.close() })
          res.on('error', (e) => { if (!done) { done = true; c.error(e) } })
          // Aborted mid-answer (the time limit): closed without an end, so the reader must not wait for one.
          res.on('close', () => { if (!done) { done = true; c.error(new Error('connection closed before the answer ended')) } })
        },
        cancel() { res.destroy() },
      })
      resolve({ status: res.statusCode ?? 0, body: stream })
    })
    req.on('error', reject)
    req.end(body)
  })
}
