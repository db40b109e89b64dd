// The thread pool jobs run on (model loads, builds): one queue, first come first served, each
// thread taking the next job when free, so a long job holds back one thread, not the jobs after it.
import { afterEach, expect, test } from 'bun:test'
import { threadRunner } from './thread-runner.ts'

const URL_ = new URL('./thread-runner.fixture.ts', import.meta.url)
type Q = { value: number; hold?: Int32Array; crash?: boolean }
let runners: { stop(): void }[] = []
const pool = (size: number, order: 'fifo' | 'both-ends' = 'fifo') => { const r = threadRunner<Q, { value: number }>(URL_, 'test job', size, order); runners.push(r); return r }
afterEach(() => { for (const r of runners) r.stop(); runners = [] })
const holder = () => new Int32Array(new SharedArrayBuffer(4))
const release = (hold: Int32Array) => { Atomics.store(hold, 0, 1); Atomics.notify(hold, 0) }

test('with two threads, jobs queued behind a long one are run by the other thread meanwhile', async () => {
  const r = pool(2)
  const hold = holder()
  let longDone = false
  const long = r.call({ value: 0, hold }).then((x) => { longDone = true; return x })
  const quick = await Promise.all([1, 2, 3, 4, 5].map((value) => r.call({ value })))
  expect(quick.map((x) => x.value)).toEqual([1, 2, 3, 4, 5])
  expect(longDone).toBe(false)
  expect(r.queued()).toEqual({ running: 1, waiting: 0 })
  release(hold)
  expect((await long).value).toBe(0)
})

test('with one thread, the jobs wait for the long one, first come first served', async () => {
  const r = pool(1)
  const hold = holder()
  const order: number[] = []
  const all = [r.call({ value: 0, hold }), ...[1, 2, 3].map((value) => r.call({ value }))].map((p) => p.then((x) => order.push(x.value)))
  expect(r.queued()).toEqual({ running: 1, waiting: 3 })
  release(hold)
  await Promise.all(all)
  expect(order).toEqual([0, 1, 2, 3])
})

test('both ends: the oldest and the newest in turn, so a job after a burst does not wait for all of it', async () => {
  const r = pool(1, 'both-ends')
  const hold = holder()
  const order: number[] = []
  const all = [r.call({ value: 0, hold }), ...[1, 2, 3, 4, 5].map((value) => r.call({ value }))].map((p) => p.then((x) => order.push(x.value)))
  release(hold)
  await Promise.all(all)
  expect(order).toEqual([0, 5, 1, 4, 2, 3])
})

test('a thread that dies fails its own job only; the next job runs on a new thread', async () => {
  const r = pool(1)
  const crashed = r.call({ value: 1, crash: true })
  const after = r.call({ value: 2 })
  await expect(crashed).rejects.toThrow(/test job thread failed/)
  expect((await after).value).toBe(2)
})

test('a pool made smaller lets its extra threads go as they finish', async () => {
  const r = pool(2)
  const hold = holder()
  const long = r.call({ value: 0, hold })
  expect((await r.call({ value: 1 })).value).toBe(1)
  r.resize(1)
  const waiting = r.call({ value: 2 })
  expect(r.queued()).toEqual({ running: 1, waiting: 1 })
  release(hold)
  expect((await long).value).toBe(0)
  expect((await waiting).value).toBe(2)
})
