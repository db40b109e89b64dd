// A killed process loses no event: a child commits a change (and its outbox row) and is SIGKILLed before it
// sends, or while it sends; a dispatcher in this process, on the same database, then delivers it.
import { afterAll, describe, expect, setSystemTime, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { Webhook } from 'standardwebhooks'
import { openDatabase } from '../../../db/client.ts'
import { BACKENDS, PG_ADMIN_URL, quietLog, RUN_ID } from '../../test/backends.ts'
import { TEST_SECRETS } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'
import { secretBox } from '../../infra/crypto.ts'
import { CLAIM_LEASE_MS, WebhookDispatcher } from './dispatcher.ts'

const CHILD = new URL('./crash-child.ts', import.meta.url).pathname

/** A receiver that holds the first request open (the child dies waiting on it) when told to, and answers 200 otherwise. */
function holdingReceiver(holdFirst: boolean) {
  const got: { headers: Record<string, string>; body: string }[] = []
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1', idleTimeout: 0,
    async fetch(req) {
      got.push({ headers: Object.fromEntries(req.headers), body: await req.text() })
      if (holdFirst && got.length === 1) return new Promise<Response>(() => {}) // never answered
      return new Response('ok')
    },
  })
  return { url: `http://127.0.0.1:${server.port}/hook`, got, stop: () => server.stop(true) }
}

async function runChild(target: { databaseUrl?: string; dataDir?: string }, url: string, mode: 'after-commit' | 'mid-send') {
  const child = Bun.spawn([process.execPath, CHILD, JSON.stringify({ ...target, url, mode, ...TEST_SECRETS })], { stdout: 'pipe', stderr: 'inherit' })
  const reader = child.stdout.getReader()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`child exited before committing: ${text}`)
    text += new TextDecoder().decode(value)
    const line = text.split('\n').find((l) => l.startsWith('{'))
    if (line && text.includes('\n')) return { child, info: JSON.parse(line) as { tenantId: string; endpointId: string; secret: string; keyId: string } }
  }
}

const made: (() => Promise<void>)[] = []
afterAll(async () => { for (const m of made.splice(0)) await m().catch(() => {}) }, 30_000)

async function target(name: 'pglite' | 'postgres', tag: string): Promise<{ databaseUrl?: string; dataDir?: string }> {
  if (name === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'webhook-crash-'))
    made.push(async () => rmSync(dataDir, { recursive: true, force: true }))
    return { dataDir }
  }
  const db = `recomengine_crash_${tag}_${RUN_ID}`
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${db}`)
  await admin.end()
  made.push(async () => {
    const a = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} })
    await a.unsafe(`drop database if exists ${db} with (force)`)
    await a.end()
  })
  return { databaseUrl: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${db}`) }
}

for (const name of BACKENDS) describe(`outbox survives SIGKILL [${name}]`, () => {
  for (const mode of ['after-commit', 'mid-send'] as const) {
    test(`killed ${mode === 'after-commit' ? 'between commit and send' : 'while sending'}: another process delivers the event`, async () => {
      const where = await target(name, mode.replace('-', '_'))
      const rx = holdingReceiver(mode === 'mid-send')
      try {
        const { child, info } = await runChild(where, rx.url, mode)
        if (mode === 'mid-send') await waitFor('the child to start sending', () => rx.got.length === 1, { timeoutMs: 30_000 })
        child.kill('SIGKILL')
        await child.exited
        const database = await openDatabase(where)
        try {
          // Past the dead claim's lease (mid-send); the event is due at once otherwise.
          const now = new Date(Date.now() + (mode === 'mid-send' ? CLAIM_LEASE_MS + 1000 : 0))
          const box = await secretBox(TEST_SECRETS.jwtSecret, 'recomengine webhook signing secrets v1')
          const dispatcher = new WebhookDispatcher({ raw: database.background.raw, box, clock: () => now, log: quietLog, mailer: { send: async () => {} }, consoleUrl: 'http://x' },
            { pollMs: 1000, batch: 10, policy: { allowPrivate: true } })
          expect(await dispatcher.runOnce()).toBe(1)
          const delivered = rx.got.at(-1)!
          expect(rx.got).toHaveLength(mode === 'mid-send' ? 2 : 1)
          if (mode === 'mid-send') expect(delivered.headers['webhook-id']).toBe(rx.got[0]!.headers['webhook-id']) // at-least-once: the same id again
          setSystemTime(new Date(Number(delivered.headers['webhook-timestamp']) * 1000))
          const verified = new Webhook(info.secret).verify(delivered.body, delivered.headers) as { type: string; data: { apiKey: { id: string } } }
          setSystemTime()
          expect(verified).toMatchObject({ type: 'api_key.created', data: { apiKey: { id: info.keyId } } })
          const [row] = await database.raw.query<{ status: string; attempts: number }>('select status, attempts from webhook_deliveries where tenant_id = $1', [info.tenantId])
          expect(row).toMatchObject({ status: 'succeeded', attempts: mode === 'mid-send' ? 2 : 1 })
          expect(await dispatcher.runOnce()).toBe(0)
        } finally { await database.close() }
      } finally { rx.stop() }
    }, 180_000)
  }
})
