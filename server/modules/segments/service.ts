// Shopper segments (issue 21): the tenant's own (stored) and the built-in ones, membership from the live
// profile, and segment sizes. Each instance keeps a tenant's compiled segments for a few seconds; a change
// is broadcast so every instance drops them at once (Redis pub/sub when configured).
import type { RawSql } from '../../../db/client.ts'
import { activeProfiles, type UserProfile } from '../../../db/queries/profiles.ts'
import { countSegments, deleteSegment, findSegment, insertSegment, listSegments, updateSegment, type SegmentRow } from '../../../db/queries/segments.ts'
import { validateCondition, type Condition } from '../../engine/conditions.ts'
import type { TenantModel } from '../../engine/types.ts'
import { Conflict, NotFound, ValidationFailed } from '../../errors.ts'
import type { Cache } from '../../infra/cache/index.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'
import { ServingCache } from '../../serving-cache.ts'
import {
  BUILT_IN_DESCRIPTIONS, BUILT_IN_SEGMENTS, builtInConditions, compileSegments, isBuiltIn, SEGMENT_VOCABULARY, segmentsOf, type CompiledSegment,
} from './membership.ts'
import { MAX_SEGMENTS, SIZE_DAYS, SIZE_MAX_SHOPPERS } from './model.ts'

const SEGMENTS_CHANNEL = 'segments:changed'
const SEGMENTS_TTL_MS = 5000
const DAY_MS = 86_400_000

export interface SegmentDeps {
  raw: RawSql
  cache: Cache
  clock: () => Date
  /** The shopper's live profile (the cache ingestion keeps exact). */
  profiles: { get(tenantId: string, userId: string): InMemoryFirst<UserProfile | undefined> }
  /** The tenant's model: product categories, and the high_value threshold of its build. */
  models: { get(tenantId: string): InMemoryFirst<TenantModel | undefined> }
}

export interface SegmentView {
  key: string; name: string; conditions: Condition | null; builtIn: boolean; description?: string; shoppers?: number
  createdAt: string | null; updatedAt: string | null
}

const viewOf = (r: SegmentRow): SegmentView => ({
  key: r.key, name: r.name, conditions: r.conditions as Condition, builtIn: false,
  createdAt: new Date(r.created_ms).toISOString(), updatedAt: new Date(r.updated_ms).toISOString(),
})

/** The tenant's segments compiled once per model threshold. */
interface Compiled { stored: { key: string; conditions: Condition }[]; threshold?: number | null; list?: CompiledSegment[] }

export function createSegmentService(d: SegmentDeps) {
  const compiled = new ServingCache(async (tenantId): Promise<Compiled> =>
    ({ stored: (await listSegments(d.raw, tenantId)).map((r) => ({ key: r.key, conditions: r.conditions as Condition })) }), SEGMENTS_TTL_MS)
  d.cache.subscribe(SEGMENTS_CHANNEL, (tenantId) => compiled.forget(tenantId))
  const changed = (tenantId: string) => {
    compiled.forget(tenantId)
    void d.cache.publish(SEGMENTS_CHANNEL, tenantId).catch(() => {})
  }

  const checked = (conditions: unknown): Condition => {
    const c = validateCondition(conditions, SEGMENT_VOCABULARY, 'conditions')
    if (!c.ok) throw new ValidationFailed(`Invalid conditions: ${c.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, c.errors)
    return c.value
  }

  const listFor = (entry: Compiled, model: TenantModel | undefined): CompiledSegment[] => {
    const threshold = model?.highValueSpend ?? null
    if (!entry.list || entry.threshold !== threshold) { entry.list = compileSegments(entry.stored, threshold); entry.threshold = threshold }
    return entry.list
  }

  /** The tenant's compiled segments; without a promise while they are held here (the serving path). */
  function segmentsFor(tenantId: string, model: TenantModel | undefined): InMemoryFirst<CompiledSegment[]> {
    const entry = compiled.get(tenantId)
    return entry instanceof Promise ? entry.then((e) => listFor(e, model)) : listFor(entry, model)
  }

  const builtInView = (key: (typeof BUILT_IN_SEGMENTS)[number], model: TenantModel | undefined): SegmentView => ({
    key, ...BUILT_IN_DESCRIPTIONS[key], conditions: builtInConditions(key, model?.highValueSpend), builtIn: true, createdAt: null, updatedAt: null,
  })

  const modelOf = async (tenantId: string) => { try { return await d.models.get(tenantId) } catch { return undefined } }

  return {
    /**
     * The segments of a shopper whose profile and model the caller holds (serving): `only`, when given,
     * limits the test to those keys. A promise only when the tenant's segments are not held here.
     */
    membership(tenantId: string, profile: UserProfile | undefined, model: TenantModel | undefined, only?: ReadonlySet<string>): InMemoryFirst<string[]> {
      const list = segmentsFor(tenantId, model)
      const now = d.clock().getTime()
      return list instanceof Promise ? list.then((l) => segmentsOf(l, profile, now, model, only)) : segmentsOf(list, profile, now, model, only)
    },

    /** A shopper's segments now, from their live profile (GET /users/:userId/segments). */
    async forShopper(tenantId: string, userId: string): Promise<string[]> {
      const [profile, model] = await Promise.all([d.profiles.get(tenantId, userId), modelOf(tenantId)])
      return segmentsOf(await segmentsFor(tenantId, model), profile, d.clock().getTime(), model)
    },

    /** Every segment key of the tenant, and which of them each of these shoppers is in now (analytics). */
    async membershipOf(tenantId: string, userIds: readonly string[]): Promise<{ keys: string[]; of: Map<string, string[]> }> {
      const model = await modelOf(tenantId)
      const list = await segmentsFor(tenantId, model)
      const now = d.clock().getTime()
      const of = new Map<string, string[]>()
      for (let i = 0; i < userIds.length; i += 1000) {
        const chunk = userIds.slice(i, i + 1000)
        const profiles = await activeProfiles(d.raw, tenantId, new Date(0), chunk.length, chunk)
        // A shopper with impressions but no stored profile (erased since) is a new visitor now.
        for (const u of chunk) of.set(u, segmentsOf(list, profiles.get(u), now, model))
      }
      const stored = (await listSegments(d.raw, tenantId)).map((r) => r.key)
      return { keys: [...BUILT_IN_SEGMENTS, ...stored], of }
    },

    /** Whether the tenant has this segment (built-in or its own). */
    async exists(tenantId: string, key: string): Promise<boolean> {
      return isBuiltIn(key) || (await findSegment(d.raw, tenantId, key)) !== undefined
    },

    /** Built-ins first, then the tenant's by key; with `sizes`, how many of the recently active shoppers are in each. */
    async list(tenantId: string, sizes = false): Promise<{ data: SegmentView[]; meta?: { sizes: { days: number; counted: number; complete: boolean } } }> {
      const [rows, model] = await Promise.all([listSegments(d.raw, tenantId), modelOf(tenantId)])
      const data = [...BUILT_IN_SEGMENTS.map((k) => builtInView(k, model)), ...rows.map(viewOf)]
      if (!sizes) return { data }
      // Bounded: the most recently active shoppers, each tested against every segment in memory.
      const now = d.clock().getTime()
      const profiles = await activeProfiles(d.raw, tenantId, new Date(now - SIZE_DAYS * DAY_MS), SIZE_MAX_SHOPPERS)
      const list = compileSegments(rows.map((r) => ({ key: r.key, conditions: r.conditions as Condition })), model?.highValueSpend)
      const counts = new Map<string, number>()
      for (const p of profiles.values()) for (const k of segmentsOf(list, p, now, model)) counts.set(k, (counts.get(k) ?? 0) + 1)
      for (const s of data) s.shoppers = counts.get(s.key) ?? 0
      return { data, meta: { sizes: { days: SIZE_DAYS, counted: profiles.size, complete: profiles.size < SIZE_MAX_SHOPPERS } } }
    },

    async get(tenantId: string, key: string): Promise<SegmentView> {
      if (isBuiltIn(key)) return builtInView(key, await modelOf(tenantId))
      const row = await findSegment(d.raw, tenantId, key)
      if (!row) throw new NotFound(`No segment "${key}"`)
      return viewOf(row)
    },

    async create(tenantId: string, body: { key: string; name: string; conditions: unknown }): Promise<SegmentView> {
      if (isBuiltIn(body.key)) throw new Conflict(`"${body.key}" is a built-in segment`)
      const conditions = checked(body.conditions)
      if (await countSegments(d.raw, tenantId) >= MAX_SEGMENTS) throw new Conflict(`A tenant has at most ${MAX_SEGMENTS} segments; delete one first`)
      const row = await insertSegment(d.raw, tenantId, { key: body.key, name: body.name.trim(), conditions }, d.clock())
      if (!row) throw new Conflict(`Segment "${body.key}" exists already`)
      changed(tenantId)
      return viewOf(row)
    },

    async replace(tenantId: string, key: string, body: { key?: string; name: string; conditions: unknown }): Promise<SegmentView> {
      if (isBuiltIn(key)) throw new Conflict(`"${key}" is a built-in segment and cannot be changed`)
      if (body.key !== undefined && body.key !== key) throw new ValidationFailed('The key cannot change', [{ field: 'key', message: `must be "${key}", the key in the path` }])
      const conditions = checked(body.conditions)
      const row = await updateSegment(d.raw, tenantId, key, { name: body.name.trim(), conditions }, d.clock())
      if (!row) throw new NotFound(`No segment "${key}"`)
      changed(tenantId)
      return viewOf(row)
    },

    async remove(tenantId: string, key: string): Promise<void> {
      if (isBuiltIn(key)) throw new Conflict(`"${key}" is a built-in segment and cannot be deleted`)
      if (!(await deleteSegment(d.raw, tenantId, key))) throw new NotFound(`No segment "${key}"`)
      changed(tenantId)
    },
  }
}
export type SegmentService = ReturnType<typeof createSegmentService>
