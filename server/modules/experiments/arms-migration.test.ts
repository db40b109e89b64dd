import { expect, test } from 'bun:test'
import { acrossMigration, storedExperiment } from '../../test/across-migration.ts'

// Migration 0013: experiments stored before it keep the two-arm form, no guardrails and no CUPED
// (their results read as they did); experiments created afterwards get CUPED by default.
test('stored experiments: two-arm, no guardrails, CUPED off; new ones CUPED on', async () => {
  let insert: (name: string) => Promise<unknown> = async () => {}
  await acrossMigration('0013_experiment_arms', async (client) => {
    insert = await storedExperiment(client)
    await insert('old')
  }, async (client) => {
    await insert('new')
    const rows = (await client.query<{ name: string; variants: unknown; guardrails: unknown; cuped: boolean }>('select name, variants, guardrails, cuped from experiments order by name')).rows
    expect(rows).toEqual([{ name: 'new', variants: null, guardrails: [], cuped: true }, { name: 'old', variants: null, guardrails: [], cuped: false }])
  })
}, 30_000) // two migration runs on a fresh PGlite: seconds on a busy machine
