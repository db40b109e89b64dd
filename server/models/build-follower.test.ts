// Builds follow the data: a tenant's first events after a model built on none (or after
// its data has doubled) ask for a build, once per debounce window; fewer, or a build
// already asked for, ask nothing.
import { describe, expect, test } from 'bun:test'
import { requestBuild } from '../../db/queries/models.ts'
import { backend, BACKENDS, quietLog } from '../test/backends.ts'
import { testApp } from '../test/harness.ts'
import { BuildFollower, type Defer } from './build-follower.ts'

const catalog = Array.from({ length: 12 }, (_, i) => ({ productId: `p-${i}`, name: `Product ${i}`, category: i % 2 ? 'odd' : 'even' }))

/** A timer that only records what was deferred, and for how long. */
function recordingTimer() {
  const deferred: { ms: number; cancelled: boolean }[] = []
  const defer: Defer = (_fn, ms) => { const e = { ms, cancelled: false }; deferred.push(e); return () => { e.cancelled = true } }
  return { defer, deferred }
}

for (const name of BACKENDS) {
  describe(`builds follow the data [${name}]`, async () => {
    const t = await testApp(name)
    const { raw } = (await backend(name)).database
    const status = async (key: string) => (await t.req('GET', '/api/v1/models', { key })).body.data
    const views = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ eventType: 'product_viewed', userId: `u-${from + i}`, productId: `p-${(from + i) % 12}` }))
    const send = async (writeKey: string, events: object[]) => {
      for (let i = 0; i < events.length; i += 100) expect((await t.req('POST', '/api/v1/events/batch', { key: writeKey, body: { events: events.slice(i, i + 100) } })).status).toBe(202)
    }

    test('the first events after a model built on none ask for a build, once per window; then only when the data doubles', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: catalog } })
      await t.app.services.models.build(k.tenantId) // the upload's build, before any event
      expect(await status(k.writeKey)).toMatchObject({ status: 'ready', stats: { interactions: 0 } })
      const timer = recordingTimer()
      const follower = new BuildFollower({ raw, askForBuild: (id) => requestBuild(raw, id), log: quietLog, defer: timer.defer }, { debounceMs: 10_000, minEvents: 50 })
      const stored = (n: number) => follower.eventsStored(Array.from({ length: n }, () => ({ tenantId: k.tenantId })))

      await send(k.writeKey, views(30))
      stored(10); stored(20)
      // One check for the burst, 10 s after its first events; nothing asked before it runs.
      expect(timer.deferred).toEqual([{ ms: 10_000, cancelled: false }])
      expect(follower.scheduled).toEqual([k.tenantId])
      expect((await status(k.writeKey)).status).toBe('ready')
      await follower.flush() // what the timer does when it fires
      expect((await status(k.writeKey)).status).toBe('building')
      expect(follower.scheduled).toEqual([])

      // While that build is asked for, more events ask nothing more.
      stored(200)
      await follower.flush()
      await t.app.services.models.build(k.tenantId)
      expect(await status(k.writeKey)).toMatchObject({ status: 'ready', stats: { interactions: 30 } })

      // A model with interactions: fewer new events than max(50, what it was built on) leave it to the regular refresh…
      await send(k.writeKey, views(70, 30))
      stored(49)
      await follower.flush()
      expect((await status(k.writeKey)).status).toBe('ready')
      // …and the 50th (counted across windows) asks for the next build.
      stored(1)
      await follower.flush()
      expect((await status(k.writeKey)).status).toBe('building')
      await t.app.services.models.build(k.tenantId)
      expect(await status(k.writeKey)).toMatchObject({ status: 'ready', stats: { interactions: 100 } })
      // Built on 100: doubling takes 100 more.
      stored(99)
      await follower.flush()
      expect((await status(k.writeKey)).status).toBe('ready')
      stored(1)
      await follower.flush()
      expect((await status(k.writeKey)).status).toBe('building')
      follower.stop()
    }, 30_000)

    test('events a build began after took in do not ask for another; those stored after it do', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: catalog } })
      await t.app.services.models.build(k.tenantId)
      let now = Date.now() - 60_000
      const follower = new BuildFollower({ raw, askForBuild: (id) => requestBuild(raw, id), log: quietLog, defer: recordingTimer().defer, now: () => now },
        { debounceMs: 10_000, minEvents: 50 })
      const stored = (n: number) => follower.eventsStored(Array.from({ length: n }, () => ({ tenantId: k.tenantId })))
      await send(k.writeKey, views(60))
      stored(60)
      // A rebuild asked for by other means (the API, a bulk load's) runs within the window and takes them in.
      await t.app.services.models.build(k.tenantId)
      expect(await status(k.writeKey)).toMatchObject({ status: 'ready', stats: { interactions: 60 } })
      await follower.flush()
      expect((await status(k.writeKey)).status).toBe('ready')
      // Stored after that build began: counted, and 60 doubles what it was built on.
      now = Date.now() + 60_000
      stored(60)
      await follower.flush()
      expect((await status(k.writeKey)).status).toBe('building')
      follower.stop()
    }, 30_000)

    test('events of a tenant that was never built ask for its first build; tenants are counted apart', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      const timer = recordingTimer()
      const follower = new BuildFollower({ raw, askForBuild: (id) => requestBuild(raw, id), log: quietLog, defer: timer.defer })
      follower.eventsStored([{ tenantId: a.tenantId }])
      expect(follower.scheduled).toEqual([a.tenantId])
      expect((await status(a.writeKey)).status).toBe('empty')
      await follower.flush()
      expect((await status(a.writeKey)).status).toBe('building')
      expect((await status(b.writeKey)).status).toBe('empty')
      // Stopped (at shutdown): nothing more is scheduled.
      follower.stop()
      follower.eventsStored([{ tenantId: b.tenantId }])
      expect(follower.scheduled).toEqual([])
    })

    test('wired to ingestion where builds run in the background (here: separate worker processes)', async () => {
      const app = await testApp(name, { modelWorker: 'off' })
      const k = await app.tenantWithKeys()
      expect((await app.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: 'product_viewed', userId: 'u', productId: 'p-1' } })).status).toBe(202)
      expect(app.app.services.buildFollower.scheduled).toEqual([k.tenantId])
      await app.app.services.buildFollower.flush()
      expect((await status(k.writeKey)).status).toBe('building')
      // The test apps build by hand: their ingestion schedules nothing.
      const other = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/events', { key: other.writeKey, body: { eventType: 'product_viewed', userId: 'u', productId: 'p-1' } })
      expect(t.app.services.buildFollower.scheduled).toEqual([])
      app.app.services.buildFollower.stop()
    })
  })
}
