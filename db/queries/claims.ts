// Background claims across tenants, one locking statement per tenant: Citus row-locks (FOR UPDATE SKIP LOCKED)
// only in statements that name one tenant (citusdata/citus#4647), so a claim first lists the tenants with due
// work, without locks, and then claims inside each; moving to Citus changes no code (issue 26).
import type { RawSql } from '../client.ts'

/**
 * The tenants with due rows in `table` (where `due`), the one whose oldest due row is oldest first, at most
 * `limit`. Lock-free: a tenant listed here whose rows another claimer takes meanwhile simply yields none.
 */
export async function tenantsWithDueRows(raw: RawSql, table: string, due: string, oldest: string, params: unknown[], limit: number): Promise<string[]> {
  const rows = await raw.query<{ tenant_id: string }>(
    `select tenant_id from ${table} where ${due} group by tenant_id order by min(${oldest}), tenant_id limit $${params.length + 1}`,
    [...params, limit])
  return rows.map((r) => r.tenant_id)
}

/**
 * Claims up to `limit` rows over `tenants` (listed oldest due first) in rounds: each round offers every tenant
 * still yielding an equal share of what is left (at least one), so one tenant's backlog cannot starve another
 * tenant's single due row, and a batch still fills up from the tenants that have more.
 */
export async function claimRoundRobin<T>(tenants: string[], limit: number, claim: (tenantId: string, n: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = []
  let active = tenants
  while (out.length < limit && active.length) {
    const share = Math.max(1, Math.floor((limit - out.length) / active.length))
    const next: string[] = []
    for (const tenantId of active) {
      const n = Math.min(share, limit - out.length)
      if (n <= 0) break
      const got = await claim(tenantId, n)
      out.push(...got)
      if (got.length === n) next.push(tenantId) // it may have more
    }
    active = next
  }
  return out
}
