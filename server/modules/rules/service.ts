// Merchandising rules: their CRUD, the checks a body's shape alone cannot make (which
// parameters an action takes, the condition's fields and path), and the per-tenant rule
// book serving reads. The book is cached per instance; every write is broadcast on the
// shared cache's channel so every instance drops its copy at once (Redis pub/sub when
// configured, in-process otherwise).
import type { Db } from '../../../db/client.ts'
import { deleteRule, findRule, insertRule, listRules, updateRule, type NewRule } from '../../../db/queries/rules.ts'
import type { MerchandisingRule } from '../../../db/schema.ts'
import { validateCondition, type Condition } from '../../engine/conditions.ts'
import { ITEM_VOCABULARY, type RuleAction, type RuleSpec } from '../../engine/rules/rule.ts'
import { EMPTY_RULE_BOOK, ruleBook, type RuleBook } from '../../engine/rules/select.ts'
import { Conflict, NotFound, ValidationFailed, type FieldError } from '../../errors.ts'
import type { Cache } from '../../infra/cache/index.ts'
import { sha256Hex } from '../../infra/crypto.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'
import { ServingCache } from '../../serving-cache.ts'
import { MAX_RULES_PER_TENANT } from './model.ts'

const RULES_CHANNEL = 'rules:changed'
/** A safety net only: writes reach every instance by broadcast within milliseconds. */
const BOOK_TTL_MS = 60_000

export interface RuleDeps { db: Db; cache: Cache; clock: () => Date }

/** A rule as the API shows it. */
export type Rule = Omit<RuleSpec, 'scope'> & { scope: RuleSpec['scope']; createdAt: string; updatedAt: string }
/** What a create or replace body holds (the route's schema checked its types). */
export type RuleInput = Partial<Omit<RuleSpec, 'id'>> & Pick<RuleSpec, 'name' | 'action'>
/** A patch: any subset; null removes an optional field. */
export type RulePatch = { [K in keyof Omit<RuleSpec, 'id'>]?: RuleSpec[K] | null }

const PARAMS = ['factor', 'productIds', 'positions', 'maxPerCategory', 'maxPer', 'max'] as const
const PARAMS_OF: Record<RuleAction, readonly (typeof PARAMS)[number][]> = {
  filter: [], exclude: [], boost: ['factor'], bury: ['factor'], pin: ['productIds', 'positions'], diversify: ['maxPerCategory', 'maxPer', 'max'],
}

/** The checks across fields, each naming the field at fault; the normalised spec when none fails. */
export function checkRule(input: RuleInput): Omit<RuleSpec, 'id'> {
  const errors: FieldError[] = []
  const bad = (field: string, message: string) => { errors.push({ field, message }) }
  const { action } = input
  for (const p of PARAMS) if (input[p] !== undefined && !PARAMS_OF[action].includes(p)) bad(p, `is not a parameter of a ${action} rule`)
  if ((action === 'filter' || action === 'exclude') && input.condition === undefined) bad('condition', `is required for a ${action} rule`)
  if ((action === 'boost' || action === 'bury') && input.factor === undefined) bad('factor', `is required for a ${action} rule (0.1–10)`)
  if (action === 'pin') {
    if (!input.productIds) bad('productIds', 'is required for a pin rule')
    if (!input.positions) bad('positions', 'is required for a pin rule: a 1-based position per product')
    else if (input.productIds && input.positions.length !== input.productIds.length) bad('positions', `gives ${input.positions.length} positions for ${input.productIds.length} products: one each`)
    else if (new Set(input.positions).size !== input.positions.length) bad('positions', 'holds a position twice')
    if (input.productIds && new Set(input.productIds).size !== input.productIds.length) bad('productIds', 'holds a product twice')
  }
  if (action === 'diversify') {
    if (input.maxPerCategory !== undefined && (input.maxPer !== undefined || input.max !== undefined)) bad('maxPer', 'either maxPerCategory, or maxPer with max')
    else if (input.maxPerCategory === undefined && input.maxPer === undefined) bad('maxPerCategory', 'is required for a diversify rule (or maxPer with max)')
    else if (input.maxPer !== undefined && input.max === undefined) bad('max', 'is required with maxPer')
    else if (input.max !== undefined && input.maxPer === undefined) bad('maxPer', 'is required with max')
  }
  if (input.condition !== undefined) {
    const checked = validateCondition(input.condition, ITEM_VOCABULARY, 'condition')
    if (!checked.ok) errors.push(...checked.errors)
  }
  const { from, to } = input.schedule ?? {}
  if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to)) bad('schedule.to', 'must be after schedule.from')
  if (errors.length) throw new ValidationFailed(`The rule is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors)
  const spec: Omit<RuleSpec, 'id'> = { name: input.name, active: input.active ?? true, priority: input.priority ?? 0, scope: cleanScope(input.scope), action }
  if (input.condition !== undefined) spec.condition = input.condition as Condition
  if (input.schedule && (from !== undefined || to !== undefined)) spec.schedule = { ...(from ? { from: new Date(from).toISOString() } : {}), ...(to ? { to: new Date(to).toISOString() } : {}) }
  for (const p of PARAMS) if (input[p] !== undefined) (spec as Record<string, unknown>)[p] = input[p]
  return spec
}

/** Empty lists mean "everywhere", as an absent one does: stored absent. */
function cleanScope(scope: RuleSpec['scope'] | undefined): RuleSpec['scope'] {
  const out: RuleSpec['scope'] = {}
  for (const [k, v] of Object.entries(scope ?? {})) if (Array.isArray(v) && v.length) (out as Record<string, unknown>)[k] = [...new Set(v)]
  return out
}

type Definition = Omit<RuleSpec, 'id' | 'name' | 'active' | 'priority'>
const rowOf = (spec: Omit<RuleSpec, 'id'>): NewRule => {
  const { name, active, priority, ...definition } = spec
  return { name, active, priority, definition }
}
const specOf = (row: MerchandisingRule): RuleSpec => ({ id: row.id, name: row.name, active: row.active, priority: row.priority, ...(row.definition as Definition) })
const ruleOf = (row: MerchandisingRule): Rule => ({ ...specOf(row), createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() })

export function createRuleService(d: RuleDeps) {
  const books = new ServingCache(load, BOOK_TTL_MS)
  const forget = (tenantId: string) => books.forget(tenantId)
  d.cache.subscribe(RULES_CHANNEL, forget)
  const changed = async (tenantId: string) => {
    forget(tenantId)
    await d.cache.publish(RULES_CHANNEL, tenantId).catch(() => {})
  }
  async function load(tenantId: string): Promise<RuleBook> {
    const rows = await listRules(d.db, tenantId)
    // The version is the rules' content: every instance derives the same one, so shared cached answers agree.
    const specs = rows.map(specOf)
    return rows.length === 0 ? EMPTY_RULE_BOOK : ruleBook((await sha256Hex(JSON.stringify(specs))).slice(0, 16), specs)
  }
  const must = async (tenantId: string, id: string) => {
    const row = await findRule(d.db, tenantId, id)
    if (!row) throw new NotFound(`No rule ${id}`)
    return row
  }

  return {
    /** The tenant's rules as serving reads them: without a promise while cached. */
    bookFor(tenantId: string): InMemoryFirst<RuleBook> {
      return books.get(tenantId)
    },

    async list(tenantId: string): Promise<Rule[]> {
      return (await listRules(d.db, tenantId)).map(ruleOf)
    },
    async get(tenantId: string, id: string): Promise<Rule> {
      return ruleOf(await must(tenantId, id))
    },
    async create(tenantId: string, input: RuleInput): Promise<Rule> {
      const row = await insertRule(d.db, tenantId, rowOf(checkRule(input)), d.clock(), MAX_RULES_PER_TENANT)
      if (row === 'full') throw new Conflict(`A tenant keeps at most ${MAX_RULES_PER_TENANT} rules; delete or reuse one`)
      await changed(tenantId)
      return ruleOf(row)
    },
    async replace(tenantId: string, id: string, input: RuleInput): Promise<Rule> {
      const spec = checkRule(input)
      const row = await updateRule(d.db, tenantId, id, rowOf(spec), d.clock())
      if (!row) throw new NotFound(`No rule ${id}`)
      await changed(tenantId)
      return ruleOf(row)
    },
    async patch(tenantId: string, id: string, patch: RulePatch): Promise<Rule> {
      const { id: _, ...current } = specOf(await must(tenantId, id))
      const merged: Record<string, unknown> = { ...current }
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete merged[k]
        else if (v !== undefined) merged[k] = v
      }
      // A new action drops the parameters of the old one unless the patch gives them again.
      if (patch.action && patch.action !== current.action) for (const p of PARAMS) if (patch[p] === undefined) delete merged[p]
      return this.replace(tenantId, id, merged as RuleInput)
    },
    async remove(tenantId: string, id: string): Promise<void> {
      if (!(await deleteRule(d.db, tenantId, id))) throw new NotFound(`No rule ${id}`)
      await changed(tenantId)
    },
  }
}
export type RuleService = ReturnType<typeof createRuleService>
