// Who is calling. Two guards, as Elysia macros:
//   { admin: true }          an admin's access JWT (Authorization: Bearer <jwt>)
//   { tenant: 'read'|'write' } an API key (tenant implied) or an admin JWT plus
//                            X-Tenant-ID naming one of that admin's tenants.
// Both run in the transform phase, before body validation, so an
// unauthenticated or under-privileged request is refused as such (401/403)
// whatever its body. Tenant-key requests are rate limited here too.
import { Elysia } from 'elysia'
import type { Db } from '../../db/client.ts'
import { isUnreachable } from '../../db/client.ts'
import { findActiveKeyByHash } from '../../db/queries/api-keys.ts'
import { findTenant } from '../../db/queries/tenants.ts'
import type { Cache } from '../cache/index.ts'
import { perMinute, type BucketSpec, type Decision } from '../cache/token-bucket.ts'
import { Forbidden, NotFound, TooManyRequests, Unauthorized, ValidationFailed } from '../errors.ts'
import type { UsageRecorder } from '../modules/api-keys/usage.ts'
import { effectiveConfig, type TenantConfig } from '../modules/tenants/config.ts'

export type Permission = 'read' | 'write'
export interface Principal {
  kind: 'key' | 'admin'
  tenantId: string
  permissions: Permission
  config: TenantConfig
  keyId?: string
  keyName?: string
  userId?: string
}

export interface TokenVerifier { verifyAccess(token: string): Promise<string | undefined> }

export interface AuthDeps {
  db: Db
  cache: Cache
  usage: UsageRecorder
  tokens: TokenVerifier
  hashKey: (key: string) => Promise<string>
  /** Resolved keys are cached briefly; revocations and tenant changes invalidate (keyCache). */
  keyCache: KeyCache
  /** Per-key budgets, shared by every instance (leased in chunks from the cache's buckets); `local` answers without a promise when it can. */
  limiter: { take(key: string, spec: BucketSpec): Promise<Decision>; local?(key: string): Decision | undefined }
  onRateLimited?: (budget: Permission) => void
}

export const WRITE_REQUIRED = 'Insufficient permissions: write access required'

interface KeyRecord { id: string; tenantId: string; name: string; permissions: Permission; tenantStatus: string; config: TenantConfig }

/** A short-lived in-process map of presented key → key record, cleared on any change to keys or tenants. */
export class KeyCache {
  private entries = new Map<string, { rec: KeyRecord | null; until: number }>()
  /** Resolutions under way (see lookupKey); forgotten on clear, like the entries. */
  readonly resolving = new Map<string, Promise<KeyRecord | null>>()
  /** Bumped by clear: a resolution that started before a change does not store what it found. */
  generation = 0
  constructor(private ttlMs = 5000) {}
  get(key: string) {
    const e = this.entries.get(key)
    if (e && e.until > Date.now()) return e
    return undefined
  }
  /** An entry however old: what the key resolved to last, for when the database cannot be asked. */
  stale(key: string) { return this.entries.get(key) }
  set(key: string, rec: KeyRecord | null) {
    if (this.entries.size > 50_000) this.entries.clear()
    this.entries.set(key, { rec, until: Date.now() + this.ttlMs })
  }
  clear() { this.entries.clear(); this.resolving.clear(); this.generation++ }
}

const KEY_PATTERN = /^rk_(live|test)_[0-9A-Za-z]{32,}$/

// Headers are read from the request itself: naming Elysia's `headers` in a
// hook makes it copy every header into an object on each request.
function presentedKey(headers: Headers): string | undefined {
  const h = headers.get('x-api-key')
  if (h) return h.trim()
  const auth = headers.get('authorization')
  if (auth?.startsWith('Bearer rk_')) return auth.slice(7).trim()
}

function bearer(headers: Headers): string | undefined {
  const auth = headers.get('authorization')
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim()
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function authGuards(deps: AuthDeps) {
  const principals = new WeakMap<Request, Principal>()
  const admins = new WeakMap<Request, string>()

  async function adminUser(headers: Headers): Promise<string> {
    const token = bearer(headers)
    if (!token || token.startsWith('rk_')) throw new Unauthorized('Admin authentication required: send Authorization: Bearer <access token>')
    const userId = await deps.tokens.verifyAccess(token)
    if (!userId) throw new Unauthorized('The access token is invalid or expired')
    return userId
  }

  // Cached by the presented key itself: the HMAC costs more than the rest of
  // a cached recommendation, and the key is in this process's memory anyway
  // while its request runs. Entries live 5 s and go on any key/tenant change.
  // A hit is returned as is (no promise): most requests end there.
  // A key being resolved is resolved once: when its entry expires under load, the
  // requests that find it gone wait for one HMAC and one query, not one each.
  function lookupKey(key: string): KeyRecord | null | Promise<KeyRecord | null> {
    const hit = deps.keyCache.get(key)
    if (hit) return hit.rec
    const { resolving } = deps.keyCache
    let p = resolving.get(key)
    if (!p) {
      const resolved: Promise<KeyRecord | null> = resolveKey(key).finally(() => { if (resolving.get(key) === resolved) resolving.delete(key) })
      resolving.set(key, (p = resolved))
    }
    return p
  }

  async function resolveKey(key: string): Promise<KeyRecord | null> {
    if (!KEY_PATTERN.test(key)) return null
    const generation = deps.keyCache.generation
    const hash = await deps.hashKey(key)
    let row
    try {
      row = await findActiveKeyByHash(deps.db, hash)
    } catch (error) {
      // Database unreachable: a key this instance resolved before keeps working
      // (stale beats refusing every shopper); an unknown one cannot be checked.
      const last = deps.keyCache.stale(key)
      if (last && isUnreachable(error)) return last.rec
      throw error
    }
    const rec: KeyRecord | null = row
      ? { id: row.id, tenantId: row.tenantId, name: row.name, permissions: row.permissions, tenantStatus: row.tenantStatus, config: effectiveConfig(row.tenantConfig) }
      : null
    if (deps.keyCache.generation === generation) deps.keyCache.set(key, rec)
    return rec
  }

  type SetHeaders = { headers: Record<string, string | number> }

  /** Who calls with these headers; without a promise when the key and its rate-limit lease are in memory (most requests). */
  function tenantPrincipal(request: Request, headers: Headers, need: Permission, set: SetHeaders): Principal | Promise<Principal> {
    const key = presentedKey(headers)
    if (!key) return adminPrincipal(headers) // an admin may write to any of their tenants
    const found = lookupKey(key)
    return found instanceof Promise ? found.then((rec) => keyPrincipal(rec, request, need, set)) : keyPrincipal(found, request, need, set)
  }

  function keyPrincipal(rec: KeyRecord | null, request: Request, need: Permission, set: SetHeaders): Principal | Promise<Principal> {
    if (!rec) throw new Unauthorized('Invalid or revoked API key')
    if (rec.tenantStatus === 'suspended') throw new Forbidden('Tenant suspended')
    if (rec.tenantStatus === 'deleted') throw new Forbidden('Tenant deleted')
    // Writes spend the write budget, reads the read budget (NFR-011).
    const budget: Permission = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write'
    const bucket = `key:${rec.id}:${budget}`
    const local = deps.limiter.local?.(bucket)
    if (local) return admitKey(rec, budget, local, need, set)
    return deps.limiter.take(bucket, perMinute(rec.config.rateLimits[budget])).then((d) => admitKey(rec, budget, d, need, set))
  }

  function admitKey(rec: KeyRecord, budget: Permission, d: Decision, need: Permission, set: SetHeaders): Principal {
    const limit = rec.config.rateLimits[budget]
    set.headers['ratelimit-limit'] = String(limit)
    set.headers['ratelimit-remaining'] = String(d.remaining)
    set.headers['ratelimit-reset'] = String(Math.ceil(d.resetMs / 1000))
    if (!d.allowed) {
      deps.onRateLimited?.(budget)
      const e = new TooManyRequests(`Rate limit of ${limit} ${budget} requests per minute exceeded for this API key`, d.retryAfterMs / 1000)
      Object.assign(e.headers!, { 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(Math.ceil(d.resetMs / 1000)) })
      throw e
    }
    deps.usage.record(rec.id)
    if (need === 'write' && rec.permissions !== 'write') throw new Forbidden(WRITE_REQUIRED)
    return { kind: 'key', tenantId: rec.tenantId, permissions: rec.permissions, config: rec.config, keyId: rec.id, keyName: rec.name }
  }

  async function adminPrincipal(headers: Headers): Promise<Principal> {
    if (!bearer(headers)) throw new Unauthorized('Authentication required: send an API key (X-API-Key or Authorization: Bearer rk_…) or an admin access token with X-Tenant-ID')
    const userId = await adminUser(headers)
    const tenantId = headers.get('x-tenant-id')
    if (!tenantId) throw new ValidationFailed('X-Tenant-ID header is required with an admin token', [{ field: 'X-Tenant-ID', message: 'is required' }])
    if (!UUID.test(tenantId)) throw new NotFound('Tenant not found')
    const t = await findTenant(deps.db, userId, tenantId)
    if (!t || t.status === 'deleted') throw new NotFound('Tenant not found')
    return { kind: 'admin', tenantId: t.id, permissions: 'write', config: effectiveConfig(t.config), userId }
  }

  return new Elysia({ name: 'auth-guards' }).macro({
    admin: {
      async transform({ request }) { admins.set(request, await adminUser(request.headers)) },
      resolve: ({ request }) => ({ userId: admins.get(request)! }),
    },
    tenant: (need: Permission) => ({
      async transform({ request, set }) {
        const p = tenantPrincipal(request, request.headers, need, set as never)
        principals.set(request, p instanceof Promise ? await p : p)
      },
      resolve: ({ request }) => ({ principal: principals.get(request)! }),
    }),
  })
}
