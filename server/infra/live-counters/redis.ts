// Live counters in Redis, shared by every instance: one hash per tenant and hour
// (field "<type>|<product>"), one per tenant, hour and product for bought-together
// partners, a set per open basket and a tick per tenant. A batch is one script call per
// chunk, atomic and bounded like the in-process store. While Redis does not answer,
// counts go to (and are read from) this instance's memory, as the cache's do.
import type { Redis } from 'ioredis'
import { MemoryLiveCounters } from './memory.ts'
import {
  BASKET_TTL_MS, KEPT_HOURS, MAX_BASKET_ITEMS, MAX_PAIR_UPDATES, MAX_PRODUCTS_PER_HOUR,
  type HourCounts, type LiveCounterStore, type LiveEvent,
} from './types.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'

// ARGV: key prefix, hour TTL (s), basket TTL (s), products per hour, basket items, pair budget,
// then per event: hour, type, product, basket ('' for none).
const RECORD = `
local p = ARGV[1]
local ttl = tonumber(ARGV[2])
local basketTtl = tonumber(ARGV[3])
local maxProducts = tonumber(ARGV[4])
local maxBasket = tonumber(ARGV[5])
local budget = tonumber(ARGV[6])
for i = 7, #ARGV, 4 do
  local hour, field, product, basket = ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2], ARGV[i + 2], ARGV[i + 3]
  local key = p .. 'h:' .. hour
  if redis.call('HEXISTS', key, field) == 1 or redis.call('HLEN', key) < maxProducts then
    redis.call('HINCRBY', key, field, 1)
    redis.call('EXPIRE', key, ttl)
  end
  if basket ~= '' then
    local bkey = p .. 'b:' .. basket
    local size = redis.call('SCARD', bkey)
    if size < maxBasket and redis.call('SISMEMBER', bkey, product) == 0 then
      if budget >= 2 * size then
        budget = budget - 2 * size
        for _, other in ipairs(redis.call('SMEMBERS', bkey)) do
          local ka = p .. 'f:' .. hour .. ':' .. product
          local kb = p .. 'f:' .. hour .. ':' .. other
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
redis.call('INCR', p .. 'tick')
redis.call('EXPIRE', p .. 'tick', ttl * 30)
return budget
`

/** Events per script call: a long batch is several calls, so other clients' commands run between them. */
const CHUNK = 250

type Scripted = Redis & { liveRecord(...args: (string | number)[]): Promise<number> }

export class RedisLiveCounters implements LiveCounterStore {
  private local: MemoryLiveCounters
  private client: Scripted

  /** `ready`: whether the connection answers now (the cache's view of it). */
  constructor(client: Redis, private prefix: string, private ready: () => boolean, now: () => number = Date.now) {
    this.local = new MemoryLiveCounters(now)
    client.defineCommand('liveRecord', { numberOfKeys: 0, lua: RECORD })
    this.client = client as Scripted
  }

  private keys(tenantId: string) { return `${this.prefix}lc:${tenantId}:` }

  private async attempt<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!this.ready()) return fallback()
    try { return await op() } catch { return fallback() }
  }

  record(tenantId: string, events: readonly LiveEvent[]): Promise<void> {
    if (!events.length) return Promise.resolve()
    return this.attempt(async () => {
      let budget = MAX_PAIR_UPDATES
      for (let from = 0; from < events.length; from += CHUNK) {
        const args: (string | number)[] = [this.keys(tenantId), KEPT_HOURS * 3600, BASKET_TTL_MS / 1000, MAX_PRODUCTS_PER_HOUR, MAX_BASKET_ITEMS, budget]
        for (const e of events.slice(from, from + CHUNK)) args.push(e.hour, e.type, e.productId, e.basket ?? '')
        budget = Number(await this.client.liveRecord(...args)) // what the chunk left of the batch's pair budget
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

async function exec(batch: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await batch.exec()) ?? []
  const failed = results.find(([error]) => error)
  if (failed) throw failed[0]
  return results.map(([, value]) => value)
}
