// Embedded analytics (F-016): minting embed tokens with the tenant's own key, rotating that key (which revokes
// every token and session made with it), and the short sessions a token is exchanged for on the embedded
// page's first load. Sessions live in the shared cache (Redis or memory) under the hash of their id.
import type { Static } from 'elysia'
import type { Db } from '../../../db/client.ts'
import { embedTenantState, findEmbedKey, insertEmbedKeyIfAbsent, replaceEmbedKey } from '../../../db/queries/embed-keys.ts'
import { Forbidden, NotFound, Unauthorized } from '../../errors.ts'
import type { Cache } from '../../infra/cache/index.ts'
import { base64url, fromBase64url, randomToken, sha256Hex, type Sealer } from '../../infra/crypto.ts'
import { effectiveConfig, type TenantConfig } from '../tenants/config.ts'
import type { EmbedModel } from './model.ts'
import { parseEmbedToken, signEmbedToken, verifyEmbedToken, type EmbedClaims } from './token.ts'

/** A session lapses after this long unused (each use extends it), and never outlives its token. */
export const SESSION_IDLE_MS = 15 * 60_000
const SESSION_ID = /^es_[0-9A-Za-z]{40}$/
const INVALID = 'The embed token is invalid, expired or revoked'
const SESSION_GONE = 'The embed session is invalid or has expired'

export type MintInput = Static<typeof EmbedModel.mint>
export type SessionDto = Static<typeof EmbedModel.session>

export interface EmbedDeps {
  db: Db
  cache: Cache
  clock: () => Date
  /** Seals the tenants' embed keys at rest (AES-256-GCM). */
  sealer: Sealer
  /** The console's public origin: the minted `url` points at its /embed pages. */
  consoleUrl: string
  /** Throws NotFound unless the experiment is the tenant's (views naming one are checked when minted). */
  experimentExists: (tenantId: string, id: string) => Promise<unknown>
}

/** What a session may show: the analytics, every experiment, or the listed ones. */
export interface EmbedScope { analytics: boolean; experiments: 'all' | string[] }

export function scopeOf(views: readonly string[]): EmbedScope {
  const ids = views.filter((v) => v.startsWith('experiment:')).map((v) => v.slice('experiment:'.length))
  return { analytics: views.includes('analytics'), experiments: views.includes('experiments') ? 'all' : ids }
}

export const mayShowExperiment = (s: EmbedScope, id: string) => s.experiments === 'all' || s.experiments.includes(id)

/** The page a minted token opens first: its first view's. */
export function embedPath(view: string): string {
  if (view === 'analytics') return '/embed/analytics'
  if (view === 'experiments') return '/embed/experiments'
  return `/embed/experiments/${view.slice('experiment:'.length)}`
}

interface StoredSession {
  tenantId: string; kv: number; views: string[]; theme: Record<string, string>; locale: string | null; hideChrome: boolean
  /** When the token expires (ms). */
  exp: number
}

/** An embed session in use: its tenant (with its current config) and scope. */
export interface EmbedPrincipal { tenantId: string; config: TenantConfig; scope: EmbedScope; dto: SessionDto }

/** A key sealed for its text column, and back; a key that does not open (the server secret changed) is undefined. */
export function sealedKeys(sealer: Sealer) {
  return {
    seal: async (key: string) => base64url(await sealer.seal(key)),
    async open(stored: string): Promise<string | undefined> {
      const bytes = fromBase64url(stored)
      if (!bytes || bytes.length < 13) return undefined
      try { return await sealer.open(bytes) } catch { return undefined }
    },
  }
}

export function createEmbedService(d: EmbedDeps) {
  const box = sealedKeys(d.sealer)
  const cacheKey = async (id: string) => `embed:session:${await sha256Hex(id)}`

  /** The tenant's key (made on first use); a key that no longer opens (the server secret changed) is replaced. */
  async function signingKey(tenantId: string): Promise<{ key: string; version: number }> {
    const now = d.clock()
    const row = await findEmbedKey(d.db, tenantId) ?? await insertEmbedKeyIfAbsent(d.db, tenantId, await box.seal(randomToken(48)), now)
    const key = await box.open(row.sealedKey)
    if (key !== undefined) return { key, version: row.version }
    const fresh = randomToken(48)
    const { version } = await replaceEmbedKey(d.db, tenantId, await box.seal(fresh), now)
    return { key: fresh, version }
  }

  function dto(id: string, s: StoredSession, config: TenantConfig): SessionDto {
    return {
      session: id, expiresAt: new Date(s.exp).toISOString(), views: s.views, theme: s.theme, locale: s.locale,
      hideChrome: s.hideChrome, allowedOrigins: config.embed.allowedOrigins,
    }
  }

  return {
    /** A token for the tenant (already authorised by the caller) and these views. */
    async mint(tenantId: string, v: MintInput) {
      for (const view of v.views) if (view.startsWith('experiment:')) await d.experimentExists(tenantId, view.slice('experiment:'.length))
      const { key, version } = await signingKey(tenantId)
      const iat = Math.floor(d.clock().getTime() / 1000)
      const exp = iat + (v.ttlSeconds ?? 3600)
      const claims: EmbedClaims = {
        tid: tenantId, kv: version, views: v.views, iat, exp, jti: randomToken(16),
        ...(v.theme ? { theme: v.theme as Record<string, string> } : {}),
        ...(v.locale ? { locale: v.locale } : {}),
        ...(v.hideChrome !== undefined ? { hideChrome: v.hideChrome } : {}),
      }
      const token = await signEmbedToken(key, claims)
      const url = `${d.consoleUrl}${embedPath(v.views[0]!)}?token=${encodeURIComponent(token)}`
      return { token, url, expiresAt: new Date(exp * 1000).toISOString() }
    },

    /** A new key: every token and session made with the old one is refused from now on. */
    async rotate(tenantId: string) {
      const { version, rotatedAt } = await replaceEmbedKey(d.db, tenantId, await box.seal(randomToken(48)), d.clock())
      return { version, rotatedAt: rotatedAt.toISOString() }
    },

    /** Exchanges a valid token for a session; anything wrong with the token is the same 401. */
    async openSession(token: string): Promise<SessionDto> {
      const parsed = parseEmbedToken(token)
      if (!parsed) throw new Unauthorized(INVALID)
      const [row, state] = await Promise.all([findEmbedKey(d.db, parsed.tid), embedTenantState(d.db, parsed.tid)])
      const key = row && await box.open(row.sealedKey)
      if (!row || !key || !state || state.status !== 'active') throw new Unauthorized(INVALID)
      const nowMs = d.clock().getTime()
      const claims = await verifyEmbedToken(key, parsed, Math.floor(nowMs / 1000))
      if (!claims || claims.kv !== row.version) throw new Unauthorized(INVALID)
      const id = `es_${randomToken(40)}`
      const s: StoredSession = {
        tenantId: claims.tid, kv: claims.kv, views: claims.views, theme: claims.theme ?? {}, locale: claims.locale ?? null,
        hideChrome: claims.hideChrome === true, exp: claims.exp * 1000,
      }
      await d.cache.set(await cacheKey(id), JSON.stringify(s), Math.min(SESSION_IDLE_MS, s.exp - nowMs))
      return dto(id, s, effectiveConfig(state.config))
    },

    /** The session behind an X-Embed-Session header, checked against the tenant's current key; each use extends it. */
    async session(id: string | null): Promise<EmbedPrincipal> {
      if (!id || !SESSION_ID.test(id)) throw new Unauthorized(`${SESSION_GONE}: send X-Embed-Session`)
      const k = await cacheKey(id)
      const stored = await d.cache.get(k)
      if (!stored) throw new Unauthorized(SESSION_GONE)
      const s = JSON.parse(stored) as StoredSession
      const nowMs = d.clock().getTime()
      const state = s.exp > nowMs ? await embedTenantState(d.db, s.tenantId) : undefined
      // Rotated since (another version), suspended or deleted: the session ends with no data shown.
      if (!state || state.status !== 'active' || state.version !== s.kv) {
        await d.cache.del([k])
        throw new Unauthorized(SESSION_GONE)
      }
      await d.cache.set(k, stored, Math.min(SESSION_IDLE_MS, s.exp - nowMs))
      const config = effectiveConfig(state.config)
      return { tenantId: s.tenantId, config, scope: scopeOf(s.views), dto: dto(id, s, config) }
    },
  }
}
export type EmbedService = ReturnType<typeof createEmbedService>

/** Refuses what the session's views do not include (a 403 the embedded page shows as its 401 page). */
export function requireView(p: EmbedPrincipal, view: 'analytics' | 'experiments', experimentId?: string) {
  if (view === 'analytics' && !p.scope.analytics) throw new Forbidden('This embed token does not include the analytics view')
  if (view === 'experiments' && experimentId !== undefined && !mayShowExperiment(p.scope, experimentId)) throw new NotFound('Experiment not found')
  if (view === 'experiments' && experimentId === undefined && p.scope.experiments !== 'all' && p.scope.experiments.length === 0) {
    throw new Forbidden('This embed token does not include the experiments view')
  }
}
