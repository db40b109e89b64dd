// One webhook POST, bounded: the URL is checked against SSRF before every send, after DNS (address.ts), and the
// connection goes to the address that check vetted (transport.ts: no second DNS answer, so no rebinding);
// redirects are never followed (a 3xx is a failed attempt); 10 s for the whole exchange; at most 64 KB of the
// answer is read and 1 KB of it kept. Plain http (only with WEBHOOK_ALLOW_PRIVATE) skips the checks anyway.
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { blockedAddress } from './address.ts'
import type { Outcome } from '../../../db/queries/webhooks.ts'
import { bareHost, pinnedPost, type Answer, type Post } from './transport.ts'

export const SEND_TIMEOUT_MS = 10_000
export const MAX_READ_BYTES = 64 * 1024
export const KEPT_BODY_BYTES = 1024

export type Resolve = (host: string) => Promise<string[]>
export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

export interface SendPolicy {
  /** WEBHOOK_ALLOW_PRIVATE: private addresses and plain http allowed. */
  allowPrivate: boolean
  resolve?: Resolve
  timeoutMs?: number
  /** The transport (tests: a recorder, or the pinned one trusting a test CA). */
  post?: Post
}

const defaultPost = pinnedPost()

/** Why a URL may not be used, before resolving it (scheme, credentials), or null. */
export function urlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL
  try { url = new URL(raw) } catch { return 'is not a URL' }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return allowPrivate ? 'must be an http or https URL' : 'must be an https URL'
  if (url.username || url.password) return 'must not carry credentials'
  return null
}

/**
 * Vets the URL's host now: the addresses it resolves to, all allowed (the connection is pinned to the first), or
 * why it may not be reached (a refused address, or no answer). No resolution when private addresses are allowed.
 */
export async function vetAddress(raw: string, policy: SendPolicy): Promise<{ problem: string } | { address: string | null }> {
  if (policy.allowPrivate) return { address: null }
  const host = bareHost(new URL(raw))
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : await (policy.resolve ?? systemResolve)(host)
  } catch { return { problem: `host ${host} could not be resolved` } }
  if (!addresses.length) return { problem: `host ${host} could not be resolved` }
  for (const a of addresses) {
    const why = blockedAddress(a)
    if (why) return { problem: `resolves to ${a}, ${why} (set WEBHOOK_ALLOW_PRIVATE=true to allow)` }
  }
  return { address: addresses[0]! }
}

/** Why the URL's host may not be reached now (it resolves to a refused address, or not at all), or null. */
export async function addressProblem(raw: string, policy: SendPolicy): Promise<string | null> {
  const v = await vetAddress(raw, policy)
  return 'problem' in v ? v.problem : null
}

/** Reads at most `max` bytes of a body, then lets the rest go. */
async function readCapped(res: Answer, max: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < max) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally { void reader.cancel().catch(() => {}) }
  const out = new Uint8Array(Math.min(size, max))
  let at = 0
  for (const c of chunks) { const n = Math.min(c.byteLength, out.length - at); out.set(c.subarray(0, n), at); at += n; if (at >= out.length) break }
  return out
}

/** Sends one attempt; never throws. ok: a 2xx within the time limit. */
export async function sendWebhook(url: string, headers: Record<string, string>, body: string, policy: SendPolicy): Promise<Outcome & { ok: boolean }> {
  const badUrl = urlProblem(url, policy.allowPrivate)
  const vetted = badUrl ? { problem: badUrl } : await vetAddress(url, policy)
  if ('problem' in vetted) return { ok: false, code: null, body: null, error: `refused: ${vetted.problem}` }
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), policy.timeoutMs ?? SEND_TIMEOUT_MS)
  try {
    const res = await (policy.post ?? defaultPost)(url, {
      body, signal: abort.signal,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'RecomEngine-Webhooks/1' },
    }, vetted.address)
    const bytes = await readCapped(res, MAX_READ_BYTES)
    const text = new TextDecoder().decode(bytes.subarray(0, KEPT_BODY_BYTES))
    const ok = res.status >= 200 && res.status < 300
    return { ok, code: res.status, body: text, error: ok ? null : res.status >= 300 && res.status < 400 ? 'redirects are not followed' : null }
  } catch (error) {
    return { ok: false, code: null, body: null, error: abort.signal.aborted ? `no answer within ${(policy.timeoutMs ?? SEND_TIMEOUT_MS) / 1000} s` : String((error as Error).message ?? error).slice(0, 500) }
  } finally { clearTimeout(timer) }
}
