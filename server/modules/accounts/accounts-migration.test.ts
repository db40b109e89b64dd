// Migration 0014 (accounts): every admin stored before it owns an account of their own holding
// exactly their tenants, and the unique name rule moves from the admin to the account.
import { expect, test } from 'bun:test'
import { acrossMigration } from '../../test/across-migration.ts'

test('existing users become owners of an account each, with their tenants in it', async () => {
  const ids: Record<string, string> = {}
  await acrossMigration('0014_accounts', async (client) => {
    for (const who of ['ann', 'bob']) {
      ids[who] = (await client.query<{ id: string }>(`insert into users (email, password_hash, name) values ('${who}@example.com', 'x', '${who}') returning id`)).rows[0]!.id
    }
    await client.query("insert into tenants (owner_id, name) values ($1, 'A1'), ($1, 'A2'), ($2, 'B1')", [ids.ann, ids.bob])
  }, async (client) => {
    const accounts = (await client.query<{ id: string; name: string }>('select id, name from accounts order by name')).rows
    expect(accounts).toEqual([{ id: ids.ann!, name: 'ann' }, { id: ids.bob!, name: 'bob' }])
    const members = (await client.query<{ account_id: string; user_id: string; role: string; status: string; email: string }>('select account_id, user_id, role, status, email from account_members order by email')).rows
    expect(members).toEqual([
      { account_id: ids.ann!, user_id: ids.ann!, role: 'owner', status: 'active', email: 'ann@example.com' },
      { account_id: ids.bob!, user_id: ids.bob!, role: 'owner', status: 'active', email: 'bob@example.com' },
    ])
    const tenants = (await client.query<{ name: string; account_id: string }>('select name, account_id from tenants order by name')).rows
    expect(tenants).toEqual([{ name: 'A1', account_id: ids.ann! }, { name: 'A2', account_id: ids.ann! }, { name: 'B1', account_id: ids.bob! }])
    // Names are unique per account now.
    await expect(client.query("insert into tenants (account_id, name) values ($1, 'a1')", [ids.ann])).rejects.toThrow()
    await client.query("insert into tenants (account_id, name) values ($1, 'A1')", [ids.bob])
  })
}, 60_000)
