import { describe, expect, test } from 'bun:test'
import { PERSONAL_SLOTS, personalSlotKey, SHARED_SLOTS, slotKey } from './answer-slots.ts'

describe('answer slots (issue 17: a bounded shared answer cache)', () => {
  const tenant = '0b6f6c7e-8d41-4d0a-9a4b-6a2f0c1d2e3f'

  test('however many shoppers and requests, a tenant has at most 4,096 personal and 1,024 shared keys', () => {
    const personal = new Set<string>()
    const shared = new Set<string>()
    for (let u = 0; u < 20_000; u++) personal.add(slotKey(`rec:${tenant}:shopper-${u}:collaborative|p${u % 97}||8|1|`))
    for (let p = 0; p < 20_000; p++) shared.add(slotKey(`recp:${tenant}:trending|p${p}||8|1|`))
    expect(personal.size).toBeLessThanOrEqual(PERSONAL_SLOTS)
    expect(personal.size).toBeGreaterThan(PERSONAL_SLOTS * 0.99) // spread over the whole table
    expect(shared.size).toBeLessThanOrEqual(SHARED_SLOTS)
    for (const k of personal) expect(k).toStartWith(`rec:{t:${tenant}}:#`)
    for (const k of shared) expect(k).toStartWith(`recp:{t:${tenant}}:#`)
    // An erasure sweeps exactly these keys for a shopper's answers.
    const table = new Set(Array.from({ length: PERSONAL_SLOTS }, (_, n) => personalSlotKey(tenant, n)))
    for (const k of personal) expect(table.has(k)).toBe(true)
  })

  test('the same identity always lands in the same slot; tenants never share one', () => {
    const id = `rec:${tenant}:u1:trending||||8|1|`
    expect(slotKey(id)).toBe(slotKey(id))
    expect(slotKey(id.replace(tenant, 'another-tenant'))).not.toBe(slotKey(id))
  })
})
