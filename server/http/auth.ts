// Who is calling. Three guards, as Elysia macros:
//   { admin: true }          a signed-in user's access JWT (Authorization: Bearer <jwt>), any account
//   { account: true }        the account guard: acts for one account, as `actor` — a member's access JWT
//                            (the account named by X-Account-ID, else their default one) or an account
//                            key (`ak_live_…`, Authorization: Bearer or X-API-Key), at the admin level
//   { tenant: 'read'|'write' } an API key (tenant implied), or an access JWT or account key plus
//                            X-Tenant-ID naming a tenant of an account the caller belongs to.
// Members' roles are checked here for every route, from the one table in roles.ts.
// Both run in the transform phase, before body validation, so an
// unauthenticated or under-privileged request is refused as such (401/403)
// whatever its body. Rate limits are kept here too: per API key (the tenant's
// own, capped by the operator), per admin user, and failed authentications per
// client address (past that an address's unknown credentials are not looked up).
import { Elysia } from 'elysia'
import { BoundedMap } from '../infra/cache/bounded-map.ts'
import type { Db } from '../../db/client.ts'
import { isUnreachable } from '../../db/client.ts'
import { findActiveKeyByHash } from '../../db/queries/api-keys.ts'
import { findActiveAccountKeyByHash, findMembership, findTenantMembership, touchAccountKey } from '../../db/queries/accounts.ts'
import { findTenant } from '../../db/queries/tenants.ts'
import { accessFor, atLeast, HUMAN_ONLY, type Role } from './roles.ts'
import type { Cache } from '../infra/cache/index.ts'
import { perMinute, type BucketSpec, type Decision } from '../infra/rate-limit/token-bucket.ts'
import { tenantTag } from '../infra/cache/keys.ts'
import { Forbidden, NotFound, TooManyRequests, Unauthorized, ValidationFailed } from '../errors.ts'
import type { UsageRecorder } from '../modules/api-keys/usage.ts'
import { effectiveConfig, type TenantConfig } from '../modules/tenants/config.ts'
import type { InMemoryFirst } from '../in-memory-first.ts'
import { SERVE_STALE_MS } from '../serving-cache.ts'

export type Permission = 'read' | 'write'
export interface Principal {
  /** key: a tenant's API key; admin: a member's access JWT; account-key: an account key (both with X-Tenant-ID). */
  kind: 'key' | 'admin' | 'account-key'
  tenantId: string
  permissions: Permission
  config: TenantConfig
  keyId?: string
  keyName?: string
  userId?: string
  /** The role the member (or account key: admin) acts with. */
  role?: Role
  accountKeyId?: string
}

/** Who acts for an account on the management routes ({ account: true }). */
export interface AccountActor {
  kind: 'user' | 'account-key'
  accountId: string
  role: Role
  userId?: string
  sessionId?: string
  accountKeyId?: string
}

/** An access token's user and sign-in (session), or undefined when it is invalid, expired or its session ended. */
export interface TokenVerifier { verifyAccess(token: string): Promise<{ userId: string; sessionId: string } | undefined> }

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
  onRateLimited?: (budget: Permission | 'admin' | 'auth-failures') => void
  /** The caller's address, for the failed-authentication limit. */
  clientIp?: (req: Request) => string
  limits?: GuardLimits
}

export interface GuardLimits {
  /** Requests per minute per admin user (ADMIN_RATE_LIMIT). */
  adminPerMinute: number
  /** Failed authentications per minute per client address (AUTH_FAILURE_LIMIT). */
  authFailuresPerMinute: number
  /** The ceiling on a tenant's own limits (MAX_TENANT_RATE_LIMIT); a limit stored before it was lowered is held to it. */
  maxTenantPerMinute: number
}
const NO_LIMITS: GuardLimits = { adminPerMinute: Infinity, authFailuresPerMinute: Infinity, maxTenantPerMinute: Infinity }

export const WRITE_REQUIRED = 'Insufficient permissions: write access required'

/**
 * Who may call a tenant route, said in its OpenAPI description. A read key sits in every
 * merchant page, so it opens only what a page needs: recommendations, widget settings,
 * /track, /me, the catalog, and a running experiment (the SDK's getVariant).
 */
export const ACCESS = {
  read: 'Any API key of the tenant (read keys too: this is what merchant pages call), or an admin access token with X-Tenant-ID.',
  write: 'A write API key, or an admin access token with X-Tenant-ID. Read keys (public, in merchant pages) get 403 "Insufficient permissions".',
  runningExperiment: 'A write API key or an admin access token with X-Tenant-ID. A read key may read a running experiment only (the SDK\'s getVariant); any other is 403 "Insufficient permissions".',
} as const

interface KeyRecord { id: string; tenantId: string; name: string; permissions: Permission; tenantStatus: string; config: TenantConfig }

/**
 * A short-lived in-process map of presented key → key record, cleared on any change to keys or tenants.
 * Valid keys and misses are kept apart, each bounded: a flood of made-up keys evicts only other
 * misses, never the keys real shoppers use.
 */
export class KeyCache {
  private valid: BoundedMap<string, { rec: KeyRecord | null; until: number }>
  private misses: BoundedMap<string, { rec: KeyRecord | null; until: number }>
  /** Keys this instance has seen valid, kept across clears: only a hint that a key is worth looking up (see `blocked`). */
  private seenValid: BoundedMap<string, true>
  /** Resolutions under way (see lookupKey); forgotten on clear, like the entries. */
  readonly resolving = new Map<string, Promise<KeyRecord | null>>()
  /** Bumped by clear: a resolution that started before a change does not store what it found. */
  generation = 0
  constructor(private ttlMs = 5000, maxValid = 50_000, maxMisses = 10_000) {
    this.valid = new BoundedMap(maxValid)
    this.misses = new BoundedMap(maxMisses)
    this.seenValid = new BoundedMap(maxValid)
  }
  get(key: string) {
    const e = this.stale(key)
    if (e && e.until > Date.now()) return e
    return undefined
  }
  /** A valid key's entry past its TTL by less than SERVE_STALE_MS: still served while it is looked up again (serving-cache.ts). */
  aging(key: string) {
    const e = this.valid.get(key)
    return e && e.until + SERVE_STALE_MS > Date.now() ? e : undefined
  }
  /** An entry however old: what the key resolved to last, for when the database cannot be asked. */
  stale(key: string) { return this.valid.get(key) ?? this.misses.get(key) }
  set(key: string, rec: KeyRecord | null) {
    const entry = { rec, until: Date.now() + this.ttlMs }
    if (rec) { this.misses.delete(key); this.valid.set(key, entry); this.seenValid.set(key, true) } else { this.valid.delete(key); this.misses.set(key, entry) }
  }
  wasValid(key: string) { return this.seenValid.get(key) === true }
  get size() { return { valid: this.valid.size, misses: this.misses.size } }
  clear() { this.valid.clear(); this.misses.clear(); this.resolving.clear(); this.generation++ }
}

const KEY_PATTERN = /^rk_(live|test)_[0-9A-Za-z]{32,}$/
const ACCOUNT_KEY_PATTERN = /^ak_live_[0-9A-Za-z]{32,}$/
/** An account key presented as X-API-Key or a bearer token. */
function presentedAccountKey(headers: Headers): string | undefined {
  const h = headers.get('x-api-key')?.trim()
  if (h?.startsWith('ak_')) return h
  const auth = headers.get('authorization')
  if (auth?.startsWith('Bearer ak_')) return auth.slice(7).trim()
}

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

type SetHeaders = { headers: Record<string, string | number> }

function rateHeaders(set: SetHeaders, limit: number, d: Decision) {
  set.headers['ratelimit-limit'] = String(limit)
  set.headers['ratelimit-remaining'] = String(d.remaining)
  set.headers['ratelimit-reset'] = String(Math.ceil(d.resetMs / 1000))
}

function limited(detail: string, limit: number, d: Decision) {
  const e = new TooManyRequests(detail, d.retryAfterMs / 1000)
  Object.assign(e.headers!, { 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(Math.ceil(d.resetMs / 1000)) })
  return e
}

export function authGuards(deps: AuthDeps) {
  const principals = new WeakMap<Request, Principal>()
  const admins = new WeakMap<Request, { userId: string; sessionId: string }>()
  const actors = new WeakMap<Request, AccountActor>()
  const limits = deps.limits ?? NO_LIMITS
  const clientIp = deps.clientIp ?? ((req: Request) => req.headers.get('x-forwarded-for')?.split(',')[0]!.trim() || 'unknown')

  // Failed authentications per client address. Each failure is counted in the shared
  // bucket, and past the limit is a 429; once the bucket refuses, this instance remembers
  // the address until it has a token again, and keys never seen valid here get 429 without
  // an HMAC or a query (keys in use keep working, from that address too).
  const failureSpec = perMinute(limits.authFailuresPerMinute)
  const blockedUntil = new BoundedMap<string, number>(10_000)
  const blocked = (ip: string) => {
    const until = blockedUntil.get(ip)
    if (until === undefined || until <= Date.now()) return undefined
    return limited(`Too many failed authentications from this address; retry in ${Math.ceil((until - Date.now()) / 1000)} s`, limits.authFailuresPerMinute,
      { allowed: false, remaining: 0, retryAfterMs: until - Date.now(), resetMs: until - Date.now() })
  }
  async function failed(request: Request, error: unknown): Promise<never> {
    if (!(error instanceof Unauthorized) || limits.authFailuresPerMinute === Infinity) throw error
    const ip = clientIp(request)
    const d = await deps.cache.take(`authfail:${ip}`, failureSpec, 1)
    if (d.allowed) throw error
    blockedUntil.set(ip, Date.now() + d.retryAfterMs)
    deps.onRateLimited?.('auth-failures')
    throw limited('Too many failed authentications from this address; retry later', limits.authFailuresPerMinute, d)
  }
  /** Runs a credential check; an invalid credential counts against its address. */
  function guarded<T>(request: Request, check: () => InMemoryFirst<T>): InMemoryFirst<T> {
    let out: InMemoryFirst<T>
    try { out = check() } catch (error) { return failed(request, error) }
    return out instanceof Promise ? out.catch((error) => failed(request, error)) : out
  }

  const adminSpec = perMinute(limits.adminPerMinute)
  async function adminUser(request: Request, set: SetHeaders): Promise<{ userId: string; sessionId: string }> {
    const token = bearer(request.headers)
    if (!token || token.startsWith('rk_') || token.startsWith('ak_')) throw new Unauthorized('Admin authentication required: send Authorization: Bearer <access token>')
    // Not refused up front like unknown keys: a forged token fails its signature check, which costs
    // no query, and an admin sharing an address with an attacker keeps working.
    const who = await guarded(request, async () => {
      const v = await deps.tokens.verifyAccess(token)
      if (!v) throw new Unauthorized('The access token is invalid or expired, or its session has ended')
      return v
    })
    // Per admin user, on every instance together: an admin token is no way around limits.
    if (limits.adminPerMinute !== Infinity) {
      const bucket = `admin:${who.userId}`
      const d = deps.limiter.local?.(bucket) ?? await deps.limiter.take(bucket, adminSpec)
      rateHeaders(set, limits.adminPerMinute, d)
      if (!d.allowed) {
        deps.onRateLimited?.('admin')
        throw limited(`Rate limit of ${limits.adminPerMinute} requests per minute exceeded for this admin account`, limits.adminPerMinute, d)
      }
    }
    return who
  }

  // Cached by the presented key itself: the HMAC costs more than the rest of
  // a cached recommendation, and the key is in this process's memory anyway
  // while its request runs. Entries live 5 s and go on any key/tenant change.
  // A hit is returned as is (no promise): most requests end there; a key in use
  // whose entry expired is served on while it is looked up again (see `aging`).
  // A key being resolved is resolved once: the requests that find it unknown
  // wait for one HMAC and one query, not one each.
  function lookupKey(key: string): InMemoryFirst<KeyRecord | null> {
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

  /** Who calls with these headers; without a promise when the key and its rate-limit lease are in memory (most requests). */
  function tenantPrincipal(request: Request, headers: Headers, need: Permission, set: SetHeaders, route: string): InMemoryFirst<Principal> {
    const key = presentedKey(headers)
    // An account key (X-API-Key: ak_… or Bearer ak_…): asked for only when no tenant key is presented, so the hot path reads no more headers.
    if (key ? key.startsWith('ak_') : presentedAccountKey(headers)) return accountKeyPrincipal(request, set, route)
    if (!key) return adminPrincipal(request, set, route) // a member may act on any tenant of their accounts, as their role allows
    const hit = deps.keyCache.get(key)
    if (hit?.rec) return keyPrincipal(hit.rec, request, need, set) // most requests: a key in use, no promise
    const aging = deps.keyCache.aging(key)
    if (aging?.rec) {
      // A key in use whose entry expired: this request goes on with it as the key is looked up behind it once.
      const again = lookupKey(key)
      if (again instanceof Promise) again.catch(() => {})
      return keyPrincipal(aging.rec, request, need, set)
    }
    const refused = deps.keyCache.wasValid(key) ? undefined : blocked(clientIp(request))
    if (refused) throw refused
    return guarded(request, () => {
      const found = lookupKey(key)
      return found instanceof Promise ? found.then((rec) => keyPrincipal(rec, request, need, set)) : keyPrincipal(found, request, need, set)
    })
  }

  function keyPrincipal(rec: KeyRecord | null, request: Request, need: Permission, set: SetHeaders): InMemoryFirst<Principal> {
    if (!rec) throw new Unauthorized('Invalid or revoked API key')
    if (rec.tenantStatus === 'suspended') throw new Forbidden('Tenant suspended')
    if (rec.tenantStatus === 'deleted') throw new Forbidden('Tenant deleted')
    // Writes spend the write budget, reads the read budget (NFR-011).
    const budget: Permission = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write'
    const bucket = `key:${tenantTag(rec.tenantId)}:${rec.id}:${budget}` // the tenant's slot on a Redis Cluster (infra/cache/keys.ts)
    const local = deps.limiter.local?.(bucket)
    if (local) return admitKey(rec, budget, local, need, set)
    return deps.limiter.take(bucket, perMinute(keyLimit(rec, budget))).then((d) => admitKey(rec, budget, d, need, set))
  }

  const keyLimit = (rec: KeyRecord, budget: Permission) => Math.min(rec.config.rateLimits[budget], limits.maxTenantPerMinute)

  function admitKey(rec: KeyRecord, budget: Permission, d: Decision, need: Permission, set: SetHeaders): Principal {
    const limit = keyLimit(rec, budget)
    rateHeaders(set, limit, d)
    if (!d.allowed) {
      deps.onRateLimited?.(budget)
      throw limited(`Rate limit of ${limit} ${budget} requests per minute exceeded for this API key`, limit, d)
    }
    deps.usage.record(rec.id, rec.tenantId)
    if (need === 'write' && rec.permissions !== 'write') throw new Forbidden(WRITE_REQUIRED)
    return { kind: 'key', tenantId: rec.tenantId, permissions: rec.permissions, config: rec.config, keyId: rec.id, keyName: rec.name }
  }

  function headerTenantId(headers: Headers): string {
    const tenantId = headers.get('x-tenant-id')
    if (!tenantId) throw new ValidationFailed('X-Tenant-ID header is required with an admin token or account key', [{ field: 'X-Tenant-ID', message: 'is required' }])
    if (!UUID.test(tenantId)) throw new NotFound('Tenant not found')
    return tenantId
  }

  async function adminPrincipal(request: Request, set: SetHeaders, route: string): Promise<Principal> {
    const headers = request.headers
    if (!bearer(headers)) throw new Unauthorized('Authentication required: send an API key (X-API-Key or Authorization: Bearer rk_…) or an admin access token with X-Tenant-ID')
    const { userId } = await adminUser(request, set)
    const tenantId = headerTenantId(headers)
    const t = await findTenantMembership(deps.db, userId, tenantId)
    if (!t || t.status === 'deleted') throw new NotFound('Tenant not found')
    allowRole(t.role, request.method, route, false)
    deps.usage.tally(t.id, undefined, 'apiCalls')
    return { kind: 'admin', tenantId: t.id, permissions: 'write', config: effectiveConfig(t.config), userId, role: t.role }
  }

  async function accountKeyPrincipal(request: Request, set: SetHeaders, route: string): Promise<Principal> {
    const actor = await accountKeyActor(request, set, route)
    const t = await findTenant(deps.db, actor.accountId, headerTenantId(request.headers))
    if (!t || t.status === 'deleted') throw new NotFound('Tenant not found')
    deps.usage.tally(t.id, undefined, 'apiCalls')
    return { kind: 'account-key', tenantId: t.id, permissions: 'write', config: effectiveConfig(t.config), role: actor.role, accountKeyId: actor.accountKeyId }
  }

  /** Refuses a role below the route's entry in the roles table (403). */
  function allowRole(role: Role, method: string, route: string, accountKey: boolean) {
    const access = accessFor(method, route)
    if (access === 'public' || access === 'signed-in') return
    if (accountKey && HUMAN_ONLY.has(`${method} ${route}`)) throw new Forbidden('Account keys cannot do this; sign in as an owner or admin of the account')
    if (!atLeast(role, access)) throw new Forbidden(`This needs the ${access} role or above; your role in this account is ${role}`)
  }

  // `lastUsedAt` of account keys: written at most once a minute per key and instance, in the background.
  const accountKeyTouched = new BoundedMap<string, number>(10_000)
  function touchAccountKeyNow(id: string) {
    const now = Date.now()
    if ((accountKeyTouched.get(id) ?? 0) > now - 60_000) return
    accountKeyTouched.set(id, now)
    void touchAccountKey(deps.db, id, new Date(now)).catch(() => accountKeyTouched.delete(id))
  }

  // Account keys are looked up on every use (an HMAC and one indexed query): the management API they
  // serve is low-volume, and a revoked key stops at once on every instance.
  async function accountKeyActor(request: Request, set: SetHeaders, route: string): Promise<AccountActor> {
    const key = presentedAccountKey(request.headers)!
    const refused = blocked(clientIp(request))
    if (refused) throw refused
    const k = await guarded(request, async () => {
      const found = ACCOUNT_KEY_PATTERN.test(key) ? await findActiveAccountKeyByHash(deps.db, await deps.hashKey(key)) : undefined
      if (!found) throw new Unauthorized('Invalid or revoked account key')
      return found
    })
    if (limits.adminPerMinute !== Infinity) {
      const bucket = `acctkey:${k.id}`
      const d = deps.limiter.local?.(bucket) ?? await deps.limiter.take(bucket, adminSpec)
      rateHeaders(set, limits.adminPerMinute, d)
      if (!d.allowed) {
        deps.onRateLimited?.('admin')
        throw limited(`Rate limit of ${limits.adminPerMinute} requests per minute exceeded for this account key`, limits.adminPerMinute, d)
      }
    }
    allowRole('admin', request.method, route, true)
    touchAccountKeyNow(k.id)
    return { kind: 'account-key', accountId: k.accountId, role: 'admin', accountKeyId: k.id }
  }

  /** The account guard: a member's access JWT (X-Account-ID or their default account) or an account key, role-checked. */
  async function accountActor(request: Request, set: SetHeaders, route: string): Promise<AccountActor> {
    if (presentedAccountKey(request.headers)) return accountKeyActor(request, set, route)
    const { userId, sessionId } = await adminUser(request, set)
    const named = request.headers.get('x-account-id')?.trim() || undefined
    if (named !== undefined && !UUID.test(named)) throw new Forbidden('You are not a member of this account')
    const m = await findMembership(deps.db, userId, named)
    if (!m) throw new Forbidden(named ? 'You are not a member of this account' : 'You are not a member of any account')
    allowRole(m.role, request.method, route, false)
    return { kind: 'user', accountId: m.accountId, role: m.role, userId, sessionId }
  }

  const plugin = new Elysia({ name: 'auth-guards' }).macro({
    admin: {
      async transform({ request, set }) { admins.set(request, await adminUser(request, set as never)) },
      resolve: ({ request }) => ({ userId: admins.get(request)!.userId, sessionId: admins.get(request)!.sessionId }),
    },
    account: {
      async transform({ request, set, route }) { actors.set(request, await accountActor(request, set as never, route)) },
      resolve: ({ request }) => ({ actor: actors.get(request)! }),
    },
    tenant: (need: Permission) => ({
      async transform({ request, set, route }) {
        const p = tenantPrincipal(request, request.headers, need, set as never, route)
        principals.set(request, p instanceof Promise ? await p : p)
      },
      resolve: ({ request }) => ({ principal: principals.get(request)! }),
    }),
  })
  /** Runs another credential check (an embed token or session) under the same failed-authentication limit per address. */
  const checkCredential = <T>(request: Request, check: () => Promise<T>): Promise<T> => check().catch((error) => failed(request, error))
  return Object.assign(plugin, { checkCredential })
}
