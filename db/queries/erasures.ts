// Shopper erasures under way: a leased row per (tenant, shopper) from the request until the
// erasure is done, so one that a dying process leaves unfinished is taken over and finished.
import type { RawSql } from '../client.ts'
import { claimRoundRobin, tenantsWithDueRows } from './claims.ts'
import { withholdFromImports } from './imports.ts'

export interface ErasureLease { holder: string; now: Date; leaseMs: number }

/**
 * Records the erasure and takes its lease; false when another process holds a live one (it is under way there).
 * In the same transaction, the tenant's events imports queued or running now are told to store none of the
 * shopper's rows from here on (withholdFromImports): their files were taken before the erasure.
 */
export async function startErasure(raw: RawSql, tenantId: string, userId: string, lease: ErasureLease): Promise<boolean> {
  return raw.transaction(async (tx) => {
    const taken = await recordErasure(tx, tenantId, userId, lease)
    if (taken) await withholdFromImports(tx, tenantId, userId)
    return taken
  })
}

async function recordErasure(raw: RawSql, tenantId: string, userId: string, lease: ErasureLease): Promise<boolean> {
  const rows = await raw.query(
    `insert into shopper_erasures (tenant_id, user_id, requested_at, lease_holder, lease_until) values ($1, $2, $3::timestamptz, $4, $3::timestamptz + $5 * interval '1 millisecond')
     on conflict (tenant_id, user_id) do update set lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
     where shopper_erasures.lease_until is null or shopper_erasures.lease_until < $3::timestamptz
     returning user_id`, [tenantId, userId, lease.now.toISOString(), lease.holder, lease.leaseMs])
  return rows.length === 1
}

/**
 * Takes over up to `limit` erasures nobody holds (their process died or stopped), oldest first, tenant by tenant
 * round-robin (db/queries/claims.ts): one tenant's backlog does not hold up another's; skips rows another worker is claiming.
 */
export async function claimStaleErasures(raw: RawSql, lease: ErasureLease, limit: number): Promise<{ tenantId: string; userId: string }[]> {
  const now = lease.now.toISOString()
  const tenants = await tenantsWithDueRows(raw, 'shopper_erasures', 'lease_until is null or lease_until < $1::timestamptz', 'requested_at', [now], limit)
  const rows = await claimRoundRobin(tenants, limit, (tenantId, n) => raw.query<{ tenant_id: string; user_id: string }>(
    // A CTE, evaluated once: `user_id in (select … limit n for update skip locked)` may be re-run by the plan and take more than n.
    `with c as (select user_id from shopper_erasures where tenant_id = $1 and (lease_until is null or lease_until < $3::timestamptz)
                order by requested_at limit $5 for update skip locked)
     update shopper_erasures e set lease_holder = $2, lease_until = $3::timestamptz + $4 * interval '1 millisecond'
     from c where e.tenant_id = $1 and e.user_id = c.user_id
     returning e.tenant_id, e.user_id`, [tenantId, lease.holder, now, lease.leaseMs, n]))
  return rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id }))
}

export async function renewErasure(raw: RawSql, tenantId: string, userId: string, lease: ErasureLease): Promise<boolean> {
  const rows = await raw.query(
    `update shopper_erasures set lease_until = $4::timestamptz + $5 * interval '1 millisecond' where tenant_id = $1 and user_id = $2 and lease_holder = $3 returning user_id`,
    [tenantId, userId, lease.holder, lease.now.toISOString(), lease.leaseMs])
  return rows.length === 1
}

/** Ends the holder's erasure: `done` deletes the row; otherwise (stopping) the lease is let go for another process to take at once. */
export async function endErasure(raw: RawSql, tenantId: string, userId: string, holder: string, done: boolean) {
  await raw.query(done
    ? 'delete from shopper_erasures where tenant_id = $1 and user_id = $2 and lease_holder = $3'
    : 'update shopper_erasures set lease_holder = null, lease_until = null where tenant_id = $1 and user_id = $2 and lease_holder = $3', [tenantId, userId, holder])
}
