// Periodic fleet-wide duties (tenant purge, retention): a row per duty in background_duties,
// claimed as a lease only when the duty is due (its last run is older than its period), so
// however many processes run the scheduler, each duty runs once per period.
import type { RawSql } from '../client.ts'

export interface DutyLease { holder: string; now: Date; leaseMs: number }

/** Takes a duty's lease if nobody holds a live one and its last run finished `everyMs` or more ago. */
export async function claimDuty(raw: RawSql, name: string, everyMs: number, lease: DutyLease): Promise<boolean> {
  const rows = await raw.query(
    `insert into background_duties (name, holder, lease_until) values ($1, $2, $3::timestamptz + $4 * interval '1 millisecond')
     on conflict (name) do update set holder = excluded.holder, lease_until = excluded.lease_until
     where (background_duties.lease_until is null or background_duties.lease_until < $3::timestamptz)
       and (background_duties.done_at is null or background_duties.done_at <= $3::timestamptz - $5 * interval '1 millisecond')
     returning name`, [name, lease.holder, lease.now.toISOString(), lease.leaseMs, everyMs])
  return rows.length === 1
}

/** Extends a duty's lease its holder still has; false when it was taken over. */
export async function renewDuty(raw: RawSql, name: string, lease: DutyLease): Promise<boolean> {
  const rows = await raw.query(
    `update background_duties set lease_until = $3::timestamptz + $4 * interval '1 millisecond' where name = $1 and holder = $2 returning name`,
    [name, lease.holder, lease.now.toISOString(), lease.leaseMs])
  return rows.length === 1
}

/** Ends the holder's lease; `done` records the run (the next is due a period later), otherwise it is retried at the next tick. */
export async function releaseDuty(raw: RawSql, name: string, holder: string, now: Date, done: boolean) {
  await raw.query(
    `update background_duties set holder = null, lease_until = null, done_at = case when $3 then $4::timestamptz else done_at end
     where name = $1 and holder = $2`, [name, holder, done, now.toISOString()])
}
