// A stored model is decoded on a thread of its own, and what it hands over serves as the
// model decoded on this thread does: the same items and the same pair lists and matrix.
import { afterAll, expect, test } from 'bun:test'
import { Buffer } from 'node:buffer'
import { gzipSync } from 'node:zlib'
import { syntheticStore } from '../../scripts/eval/synthetic.ts'
import { buildModel } from '../engine/build.ts'
import { compactForServing } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'
import { decodeModelOffThread, stopLoadThread } from './load-runner.ts'

afterAll(() => stopLoadThread())

test('a stored model loads on its own thread into the index an inline load makes', async () => {
  const { input } = syntheticStore()
  const built = buildModel(input, undefined, { maxItemsPerUser: 40 })
  const json = JSON.stringify(built)
  const stored = Buffer.from(gzipSync(Buffer.from(json))).toString('base64')
  const loaded = await decodeModelOffThread(stored)
  expect(loaded.thread).toBe(true)
  const inline = JSON.parse(json) as TenantModel
  const want = compactForServing(inline)
  const got = compactForServing(loaded.model, loaded.parts)
  expect(loaded.model).toEqual(inline)
  expect(got.neighbors).toEqual(want.neighbors)
  expect(got.boughtWith).toEqual(want.boughtWith)
  expect(got.neighbors.item.length).toBeGreaterThan(0)
  expect(got.content).toEqual(want.content)
  expect([...got.byId]).toEqual([...want.byId])
  expect(got.popular).toEqual(want.popular)
})

test('a stored model that cannot be decoded fails its load; the thread goes on loading the next', async () => {
  await expect(decodeModelOffThread(Buffer.from('not gzip').toString('base64'))).rejects.toThrow(/model load failed/)
  const again = await decodeModelOffThread(Buffer.from(gzipSync(Buffer.from(JSON.stringify({ items: [], itemNeighbors: [], fbt: [], content: { dim: 4, vectors: [], terms: [] } })))).toString('base64'))
  expect(again.parts.content.value.length).toBe(0)
})
