import { expect, test } from 'bun:test'
import { acrossMigration, storedExperiment } from '../../test/across-migration.ts'

// Migration 0011: experiments stored before sequential analysis read as fixed (as
// they did); experiments created afterwards default to sequential.
test('stored experiments become fixed; new ones default to sequential', async () => {
  let insert: (name: string) => Promise<unknown> = async () => {}
  await acrossMigration('0011_experiment_analysis', async (client) => {
    insert = await storedExperiment(client)
    await insert('old')
  }, async (client) => {
    await insert('new')
    const rows = (await client.query<{ name: string; analysis: string; planned_sample_size: number | null }>('select name, analysis, planned_sample_size from experiments order by name')).rows
    expect(rows).toEqual([{ name: 'new', analysis: 'sequential', planned_sample_size: null }, { name: 'old', analysis: 'fixed', planned_sample_size: null }])
  })
}, 30_000) // two migration runs on a fresh PGlite: seconds on a busy machine
