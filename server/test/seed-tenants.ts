// Independent tenants written straight into the database (no API, no ingestion): a catalog and
// a history of views each, enough to give every tenant a real model build. Used by the worker
// tests and scripts/bench/workers.ts, where thousands of events per tenant through the API
// would cost minutes.
import type { RawSql } from '../../db/client.ts'

export interface SeedShape {
  tenants: number; items: number; events: number; users: number; label: string
  /** Seed them suspended (no worker builds them half-written); activateTenants makes them due together. */
  suspended?: boolean
}

/** Creates the tenants (of one new account, created by one new admin) and returns their ids; each is due for its first build. */
export async function seedTenants(raw: RawSql, s: SeedShape): Promise<string[]> {
  const [owner] = await raw.query<{ id: string }>(
    `insert into users (email, password_hash, name) values ($1, 'not-a-hash', 'seed') returning id`,
    [`seed-${s.label}-${crypto.randomUUID()}@example.com`])
  const [account] = await raw.query<{ id: string }>(`insert into accounts (name) values ($1) returning id`, [`Seeded ${s.label}`])
  const tenants = await raw.query<{ id: string }>(
    `insert into tenants (account_id, owner_id, name, status) select $5, $1, $2 || ' ' || g, $4 from generate_series(1, $3::int) g returning id`,
    [owner.id, `Seeded ${s.label}`, s.tenants, s.suspended ? 'suspended' : 'active', account.id])
  const ids = tenants.map((t) => t.id)
  for (const id of ids) {
    await raw.query(
      `insert into catalog_items (tenant_id, product_id, name, category, price, description)
       select $1, 'p' || g, 'Product ' || g, 'category-' || (g % 20), 5 + g % 200, 'seeded product number ' || g from generate_series(1, $2::int) g`, [id, s.items])
    // Each user browses a neighbourhood of the catalog (co-views to learn from), over the last 30 days.
    await raw.query(
      `insert into events (tenant_id, event_type, user_id, product_id, ts)
       select $1, case when g % 10 = 0 then 'add_to_cart' else 'product_viewed' end, 'u' || (g % $3::int),
         'p' || (1 + ((g % $3::int) * 37 + (g / $3::int) % 15) % $2::int), now() - ((g * 7) % 43200) * interval '1 minute'
       from generate_series(1, $4::int) g`, [id, s.items, s.users, s.events])
  }
  return ids
}

export async function activateTenants(raw: RawSql, ids: string[]) {
  await raw.query(`update tenants set status = 'active' where id = any(select (jsonb_array_elements_text($1::jsonb))::uuid)`, [JSON.stringify(ids)])
}
