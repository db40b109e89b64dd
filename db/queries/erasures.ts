// Shopper erasures under way: a leased row per (tenant, shopper) from the request until the
// erasure is done, so one that a dying process leaves unfinished is taken over and finished.
import type { RawSql } from '../client.ts'

export interface ErasureLease { holder: string; now: Date; leaseMs: number }

/** Records the erasure and takes its lease; false when another process holds a live one (it is under way there). */
export async function startErasure(raw: RawSql, tenantId: string, userId: string, lease: ErasureLease): Promise<boolean> {
  const rows = await raw.query(
    `insert into shopper_erasures (tenant_id, user_id, requested_at, lease_holder, lease_until) values ($1, $2, $3::timestamptz, $4, $3::timestamptz + $5 * interval '1 millisecond')
     on conflict (tenant_id, user_id) do update set lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
     where shopper_erasures.lease_until is null or shopper_erasures.lease_until < $3::timestamptz
     returning user_id`, [tenantId, userId, lease.now.toISOString(), lease.holder, lease.leaseMs])
  return rows.length === 1
}

/** Takes over the oldest erasure nobody holds (its process died or stopped); skips rows another worker is claiming. */
export async function claimStaleErasure(raw: RawSql, lease: ErasureLease): Promise<{ tenantId: string; userId: string } | undefined> {
  const [row] = await raw.query<{ tenant_id: string; user_id: string }>(
    `update shopper_erasures set lease_holder = $1, lease_until = $2::timestamptz + $3 * interval '1 millisecond'
     where (tenant_id, user_id) = (select tenant_id, user_id from shopper_erasures where lease_until is null or lease_until < $2::timestamptz
                                   order by requested_at limit 1 for update skip locked)
     returning tenant_id, user_id`, [lease.holder, lease.now.toISOString(), lease.leaseMs])
  return row && { tenantId: row.tenant_id, userId: row.user_id }
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
