// Live counters in Redis, shared by every instance: one hash per tenant and hour
// (field "<type>|<product>"), one per tenant, hour and product for bought-together
// partners, a set per open basket and a tick per tenant. A batch is one script call per
// chunk, atomic and bounded like the in-process store. While Redis does not answer,
// counts go to (and are read from) this instance's memory, as the cache's do.
// Every key of a tenant carries its hash tag (`{t:<id>}`), so a chunk's keys are one slot of
// a Redis Cluster, and the script receives every key it touches through KEYS.
import type { ChainableCommander } from 'ioredis'
import type { RedisClient } from '../cache/redis-client.ts'
import { tenantTag } from '../cache/keys.ts'
import { MemoryLiveCounters } from './memory.ts'
import {
  BASKET_TTL_MS, KEPT_HOURS, MAX_BASKET_ITEMS, MAX_PAIR_UPDATES, MAX_PRODUCTS_PER_HOUR,
  type HourCounts, type LiveCounterStore, type LiveEvent,
} from './types.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'

// KEYS: [1] the tick, then the hour hashes, baskets and pair hashes the chunk touches.
// ARGV: hour TTL (s), basket TTL (s), products per hour, basket items, pair budget, then the
// pair-hash table (n, then n × "<hour>:<product>", key index), then per event: hour key index,
// type, product, basket key index (0 for none), hour.
// A pair hash is named after a basket's members, which the client read just before; a member
// added since (by another instance) has no declared key, so the script then changes nothing
// and returns -1, and the client reads again and retries.
const RECORD = `
local ttl = tonumber(ARGV[1])
local basketTtl = tonumber(ARGV[2])
local maxProducts = tonumber(ARGV[3])
local maxBasket = tonumber(ARGV[4])
local budget = tonumber(ARGV[5])
local nf = tonumber(ARGV[6])
local fk = {}
local i = 7
for _ = 1, nf do fk[ARGV[i]] = KEYS[tonumber(ARGV[i + 1])]; i = i + 2 end
local first = i
for j = first, #ARGV, 5 do
  local b = tonumber(ARGV[j + 3])
  if b > 0 then
    for _, m in ipairs(redis.call('SMEMBERS', KEYS[b])) do
      if not fk[ARGV[j + 4] .. ':' .. m] then return -1 end
    end
  end
end
for j = first, #ARGV, 5 do
  local key, field, product, b, hour = KEYS[tonumber(ARGV[j])], ARGV[j + 1] .. '|' .. ARGV[j + 2], ARGV[j + 2], tonumber(ARGV[j + 3]), ARGV[j + 4]
  if redis.call('HEXISTS', key, field) == 1 or redis.call('HLEN', key) < maxProducts then
    redis.call('HINCRBY', key, field, 1)
    redis.call('EXPIRE', key, ttl)
  end
  if b > 0 then
    local bkey = KEYS[b]
    local size = redis.call('SCARD', bkey)
    if size < maxBasket and redis.call('SISMEMBER', bkey, product) == 0 then
      if budget >= 2 * size then
        budget = budget - 2 * size
        local ka = fk[hour .. ':' .. product]
        for _, other in ipairs(redis.call('SMEMBERS', bkey)) do
          local kb = fk[hour .. ':' .. other]
          redis.call('HINCRBY', ka, other, 1)
          redis.call('EXPIRE', ka, ttl)
          redis.call('HINCRBY', kb, product, 1)
          redis.call('EXPIRE', kb, ttl)
        end
      end
      redis.call('SADD', bkey, product)
      if size == 0 then redis.call('PEXPIRE', bkey, basketTtl) end
    end
  end
end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ttl * 30)
return budget
`

/** Events per script call: a long batch is several calls, so other clients' commands run between them. */
const CHUNK = 250
/** Script calls refused because a basket grew between the read and the call, before giving up to the fallback. */
const RETRIES = 20

type Scripted = RedisClient & { liveRecord(numKeys: number, ...args: (string | number)[]): Promise<number> }

export class RedisLiveCounters implements LiveCounterStore {
  private local: MemoryLiveCounters
  private client: Scripted

  /** `ready`: whether the connection answers now (the cache's view of it). */
  constructor(client: RedisClient, private prefix: string, private ready: () => boolean, now: () => number = Date.now) {
    this.local = new MemoryLiveCounters(now)
    client.defineCommand('liveRecord', { lua: RECORD }) // the key count is the first argument: it varies per chunk
    this.client = client as Scripted
  }

  private keys(tenantId: string) { return `${this.prefix}lc:${tenantTag(tenantId)}:` }

  /** One chunk: reads its open baskets' members, then declares every key the script will touch. */
  private async recordChunk(tenantId: string, chunk: readonly LiveEvent[], budget: number): Promise<number> {
    const k = this.keys(tenantId)
    const baskets = [...new Set(chunk.flatMap((e) => (e.basket === undefined ? [] : [e.basket])))]
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const members = new Map<string, string[]>()
      if (baskets.length) {
        const batch = this.client.pipeline()
        for (const b of baskets) batch.smembers(k + 'b:' + b)
        const sets = await exec(batch)
        baskets.forEach((b, i) => members.set(b, sets[i] as string[]))
      }
      const keys: string[] = [k + 'tick']
      const index = new Map<string, number>([[keys[0]!, 1]])
      const at = (key: string) => { let n = index.get(key); if (n === undefined) { keys.push(key); index.set(key, (n = keys.length)) } return n }
      const pairs = new Map<string, number>()
      const pair = (hour: number, product: string) => { const name = `${hour}:${product}`; if (!pairs.has(name)) pairs.set(name, at(`${k}f:${name}`)) }
      const inChunk = new Map<string, string[]>()
      for (const e of chunk) {
        if (e.basket === undefined) continue
        let list = inChunk.get(e.basket)
        if (!list) inChunk.set(e.basket, (list = []))
        list.push(e.productId)
      }
      const events: (string | number)[] = []
      for (const e of chunk) {
        let b = 0
        if (e.basket !== undefined) {
          b = at(k + 'b:' + e.basket)
          for (const m of members.get(e.basket) ?? []) pair(e.hour, m)
          for (const m of inChunk.get(e.basket)!) pair(e.hour, m)
        }
        events.push(at(`${k}h:${e.hour}`), e.type, e.productId, b, e.hour)
      }
      const table: (string | number)[] = [pairs.size]
      for (const [name, n] of pairs) table.push(name, n)
      const left = Number(await this.client.liveRecord(keys.length, ...keys,
        KEPT_HOURS * 3600, BASKET_TTL_MS / 1000, MAX_PRODUCTS_PER_HOUR, MAX_BASKET_ITEMS, budget, ...table, ...events))
      if (left >= 0) return left
    }
    throw new Error('live counters: a basket kept changing under this batch')
  }

  private async attempt<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!this.ready()) return fallback()
    try { return await op() } catch { return fallback() }
  }

  record(tenantId: string, events: readonly LiveEvent[]): Promise<void> {
    if (!events.length) return Promise.resolve()
    return this.attempt(async () => {
      let budget = MAX_PAIR_UPDATES
      for (let from = 0; from < events.length; from += CHUNK) {
        budget = await this.recordChunk(tenantId, events.slice(from, from + CHUNK), budget) // what the chunk left of the batch's pair budget
      }
    }, () => this.local.record(tenantId, events))
  }

  tick(tenantId: string): Promise<number> {
    return this.attempt(async () => Number(await this.client.get(this.keys(tenantId) + 'tick') ?? 0), () => this.local.tick(tenantId))
  }

  hours(tenantId: string, hours: readonly number[]): Promise<HourCounts[]> {
    return this.attempt(async () => {
      const batch = this.client.pipeline()
      for (const h of hours) batch.hgetall(this.keys(tenantId) + 'h:' + h)
      return (await exec(batch)).map((fields) => {
        const counts: HourCounts = new Map()
        for (const [field, n] of Object.entries(fields as Record<string, string>)) {
          const bar = field.indexOf('|')
          const type = Number(field.slice(0, bar))
          if (!(type >= 0 && type < EVENT_TYPES.length)) continue
          const product = field.slice(bar + 1)
          let c = counts.get(product)
          if (!c) counts.set(product, (c = new Array<number>(EVENT_TYPES.length).fill(0)))
          c[type] = Number(n)
        }
        return counts
      })
    }, () => this.local.hours(tenantId, hours))
  }

  dropBaskets(tenantId: string, baskets: readonly string[]): Promise<void> {
    if (!baskets.length) return Promise.resolve()
    // Both: counts made here while Redis was down live in this instance's memory.
    return this.attempt(async () => {
      await this.client.del(...baskets.map((b) => this.keys(tenantId) + 'b:' + b))
      await this.local.dropBaskets(tenantId, baskets)
    }, () => this.local.dropBaskets(tenantId, baskets))
  }

  partners(tenantId: string, productId: string, hours: readonly number[]): Promise<Map<string, number>> {
    return this.attempt(async () => {
      const batch = this.client.pipeline()
      for (const h of hours) batch.hgetall(`${this.keys(tenantId)}f:${h}:${productId}`)
      const out = new Map<string, number>()
      for (const fields of await exec(batch)) for (const [other, n] of Object.entries(fields as Record<string, string>)) out.set(other, (out.get(other) ?? 0) + Number(n))
      return out
    }, () => this.local.partners(tenantId, productId, hours))
  }
}

async function exec(batch: ChainableCommander): Promise<unknown[]> {
  const results = (await batch.exec()) ?? []
  const failed = results.find(([error]) => error)
  if (failed) throw failed[0]
  return results.map(([, value]) => value)
}
