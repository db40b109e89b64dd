// A tenant's own segments (the built-in ones are not stored): every query takes the tenant first.
import type { RawSql } from '../client.ts'

export interface SegmentRow { key: string; name: string; conditions: unknown; created_ms: number; updated_ms: number }

const COLUMNS = `key, name, conditions, (extract(epoch from created_at) * 1000)::float8 as created_ms, (extract(epoch from updated_at) * 1000)::float8 as updated_ms`

export async function listSegments(raw: RawSql, tenantId: string): Promise<SegmentRow[]> {
  return raw.query<SegmentRow>(`select ${COLUMNS} from segments where tenant_id = $1 order by key`, [tenantId])
}

export async function findSegment(raw: RawSql, tenantId: string, key: string): Promise<SegmentRow | undefined> {
  const [row] = await raw.query<SegmentRow>(`select ${COLUMNS} from segments where tenant_id = $1 and key = $2`, [tenantId, key])
  return row
}

export async function countSegments(raw: RawSql, tenantId: string): Promise<number> {
  const [row] = await raw.query<{ n: number }>('select count(*)::int as n from segments where tenant_id = $1', [tenantId])
  return row!.n
}

/** Inserts a segment; undefined when the key is taken. */
export async function insertSegment(raw: RawSql, tenantId: string, s: { key: string; name: string; conditions: unknown }, at: Date): Promise<SegmentRow | undefined> {
  const [row] = await raw.query<SegmentRow>(
    `insert into segments (tenant_id, key, name, conditions, created_at, updated_at) values ($1, $2, $3, $4::jsonb, $5, $5)
     on conflict (tenant_id, key) do nothing returning ${COLUMNS}`, [tenantId, s.key, s.name, JSON.stringify(s.conditions), at.toISOString()])
  return row
}

/** Replaces a segment's name and conditions; undefined when the tenant has no such segment. */
export async function updateSegment(raw: RawSql, tenantId: string, key: string, s: { name: string; conditions: unknown }, at: Date): Promise<SegmentRow | undefined> {
  const [row] = await raw.query<SegmentRow>(
    `update segments set name = $3, conditions = $4::jsonb, updated_at = $5 where tenant_id = $1 and key = $2 returning ${COLUMNS}`,
    [tenantId, key, s.name, JSON.stringify(s.conditions), at.toISOString()])
  return row
}

export async function deleteSegment(raw: RawSql, tenantId: string, key: string): Promise<boolean> {
  const rows = await raw.query('delete from segments where tenant_id = $1 and key = $2 returning key', [tenantId, key])
  return rows.length > 0
}
