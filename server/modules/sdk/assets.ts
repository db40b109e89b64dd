// A static asset prepared once for serving: compressed ahead of time (gzip and
// brotli at their best levels, since the work is done once per process), with a
// content hash as its ETag, and picked per request by Accept-Encoding.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

export type Coding = 'br' | 'gzip' | 'identity'

export interface PreparedAsset { etag: string; bodies: Record<Coding, Uint8Array> }

export async function prepareAsset(bytes: Uint8Array): Promise<PreparedAsset> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  const etag = `"${Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('')}"`
  return {
    etag,
    bodies: {
      identity: bytes,
      gzip: new Uint8Array(gzipSync(bytes, { level: 9 })),
      br: new Uint8Array(brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })),
    },
  }
}

/** The best coding the client accepts (q > 0): brotli, then gzip, else none. */
export function negotiate(acceptEncoding: string | null): Coding {
  const accepted = new Map<string, number>()
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    if (!name) continue
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    accepted.set(name, q ? Number(q.slice(2)) || 0 : 1)
  }
  const ok = (c: string) => (accepted.get(c) ?? accepted.get('*') ?? 0) > 0
  if (ok('br')) return 'br'
  if (ok('gzip')) return 'gzip'
  return 'identity'
}

/** Whether an If-None-Match header matches `etag` (weak comparison, as RFC 9110 asks for GET). */
export function notModified(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

/** The response for `asset`: 304 when the client has it, else the body in the best coding it accepts. */
export function serveAsset(req: Request, asset: PreparedAsset, headers: Record<string, string>): Response {
  const common = { ...headers, etag: asset.etag, vary: 'Accept-Encoding' }
  if (notModified(req.headers.get('if-none-match'), asset.etag)) return new Response(null, { status: 304, headers: common })
  const coding = negotiate(req.headers.get('accept-encoding'))
  const body = asset.bodies[coding]
  return new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { ...common, ...(coding === 'identity' ? {} : { 'content-encoding': coding }), 'content-length': String(body.length) },
  })
}
