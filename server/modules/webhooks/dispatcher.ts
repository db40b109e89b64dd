// Sends what the outbox holds. Runs in the worker process in production (MODEL_WORKER=off) and inline in the
// API process on the embedded default, like the model worker; any number may run at once: each claims due
// deliveries with FOR UPDATE SKIP LOCKED and a lease (db/queries/webhooks.ts), so none is sent twice at a time,
// and one that dies mid-send leaves its rows due again when the lease ends (at-least-once). Fair between
// tenants: a claim takes round-robin over the tenants with something due, at most `perTenant` sends of one
// tenant under way here at once, and a started dispatcher refills free send slots as sends finish instead of
// waiting for a whole batch, so a slow endpoint holds only its own tenant's slots. Time comes from the
// injected clock, so tests drive retries with runOnce() and a moved clock.
import type { RawSql } from '../../../db/client.ts'
import { claimDueDeliveries, pruneWebhookEvents, recordFailure, recordSuccess, tenantOwnerEmail, type ClaimedDelivery } from '../../../db/queries/webhooks.ts'
import type { SecretBox } from '../../infra/crypto.ts'
import type { Mailer } from '../../infra/mailer.ts'
import type { Logger } from '../../logger.ts'
import { nextAttemptAt } from './schedule.ts'
import { sendWebhook, type SendPolicy } from './send.ts'
import { signedHeaders } from './signature.ts'

/** Events in a row failed for good before an endpoint is disabled. */
export const DISABLE_AFTER_FAILED_EVENTS = 5
/** How long a claim holds a delivery: longer than a send may take (10 s), so a live dispatcher's rows are not taken. */
export const CLAIM_LEASE_MS = 60_000
/** Finished events are kept this long for the delivery log. */
export const KEEP_EVENTS_DAYS = 30

export interface DispatcherOptions {
  pollMs: number
  /** Sends under way at once (the slots a claim fills). */
  batch: number
  /** Sends of one tenant under way at once; default a quarter of `batch`. */
  perTenant?: number
  policy: SendPolicy
  random?: () => number
}

export interface DispatcherDeps {
  raw: RawSql
  box: SecretBox
  clock: () => Date
  log: Logger
  mailer: Mailer
  consoleUrl: string
}

/** The JSON body of a delivery: the same bytes on every attempt. */
export const deliveryBody = (d: Pick<ClaimedDelivery, 'type' | 'event_at' | 'data'>) =>
  JSON.stringify({ type: d.type, timestamp: new Date(d.event_at).toISOString(), data: d.data })

export class WebhookDispatcher {
  private timer: ReturnType<typeof setTimeout> | undefined
  private claiming: Promise<unknown> | undefined
  private again = false
  private started = false
  private lastPrune = 0
  /** Sends under way, and how many of them each tenant has. */
  private sending = new Set<Promise<void>>()
  private inFlight = new Map<string, number>()

  constructor(private d: DispatcherDeps, private opts: DispatcherOptions) {}

  private get perTenant() { return this.opts.perTenant ?? Math.max(1, Math.floor(this.opts.batch / 4)) }

  start() {
    if (this.started) return
    this.started = true
    this.schedule(0)
  }

  /** Sends what is due soon (an event was just written, a test ping, a retry); no-op unless started. */
  kick() { if (this.started) this.schedule(0) }

  async stop() {
    this.started = false
    if (this.timer) clearTimeout(this.timer)
    await this.claiming
    await Promise.all([...this.sending])
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.timer = undefined; void this.tick() }, ms)
  }

  /** Claims what the free slots can take and starts those sends without waiting for them. */
  private async tick() {
    if (this.claiming) { this.again = true; return }
    let full = false
    try {
      const free = this.opts.batch - this.sending.size
      const claimed = await this.guard(this.claim(free))
      for (const c of claimed) void this.launch(c)
      full = free > 0 && claimed.length === free
      const now = this.d.clock().getTime()
      if (now - this.lastPrune > 3600_000) {
        this.lastPrune = now
        await pruneWebhookEvents(this.d.raw, new Date(now - KEEP_EVENTS_DAYS * 86400_000))
      }
    } catch (error) { this.d.log.warn('webhooks: dispatch round failed', { error }) }
    if (!this.started) return
    // Every slot filled may mean more is due: claim again at once while slots are free (a finished send also
    // calls); otherwise wait for the next poll (or a kick).
    this.schedule(this.again || (full && this.sending.size < this.opts.batch) ? 0 : this.opts.pollMs)
    this.again = false
  }

  /** One round, waited for: claims what the free slots can take, sends it, records each outcome. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const claimed = await this.guard(this.claim(this.opts.batch - this.sending.size))
    await Promise.all(claimed.map((c) => this.launch(c)))
    return claimed.length
  }

  private guard<T>(p: Promise<T>): Promise<T> {
    const g = p.finally(() => { if (this.claiming === g) this.claiming = undefined })
    this.claiming = g
    return g
  }

  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return []
    const now = this.d.clock()
    return claimDueDeliveries(this.d.raw, now, new Date(now.getTime() + CLAIM_LEASE_MS), limit, this.perTenant, Object.fromEntries(this.inFlight))
  }

  /** Sends one claimed delivery in a slot; the slot is given back (and refilled, when started) once it is recorded. */
  private launch(c: ClaimedDelivery): Promise<void> {
    this.inFlight.set(c.tenant_id, (this.inFlight.get(c.tenant_id) ?? 0) + 1)
    const p: Promise<void> = this.deliver(c).finally(() => {
      const n = (this.inFlight.get(c.tenant_id) ?? 1) - 1
      if (n > 0) this.inFlight.set(c.tenant_id, n); else this.inFlight.delete(c.tenant_id)
      this.sending.delete(p)
      // Refilled once half the slots are free: one claim per several sends, not one per send.
      if (this.started && this.sending.size <= this.opts.batch / 2) this.schedule(0)
    })
    this.sending.add(p)
    return p
  }

  private async deliver(c: ClaimedDelivery) {
    const now = this.d.clock()
    const ref = { id: c.id, tenantId: c.tenant_id, endpointId: c.endpoint_id, attempts: c.attempts, manual: c.manual }
    try {
      const secrets = [await this.d.box.open(c.secret)]
      if (c.previous_secret && c.previous_secret_until && new Date(c.previous_secret_until) > now) secrets.push(await this.d.box.open(c.previous_secret))
      const body = deliveryBody(c)
      const headers = await signedHeaders(secrets, c.event_id, Math.floor(now.getTime() / 1000), body)
      const outcome = await sendWebhook(c.url, headers, body, this.opts.policy)
      const after = this.d.clock()
      if (outcome.ok) return await recordSuccess(this.d.raw, ref, outcome, after)
      const next = nextAttemptAt(c.attempts, new Date(c.created_at), after, (this.opts.random ?? Math.random)())
      const disabled = await recordFailure(this.d.raw, ref, outcome, next, after, DISABLE_AFTER_FAILED_EVENTS)
      if (disabled) await this.tellAdmin(c)
    } catch (error) {
      // Left as claimed: due again when the lease ends.
      this.d.log.warn('webhooks: could not deliver', { deliveryId: c.id, error })
    }
  }

  private async tellAdmin(c: ClaimedDelivery) {
    this.d.log.warn('webhooks: endpoint disabled after failed events', { tenantId: c.tenant_id, endpointId: c.endpoint_id })
    const owner = await tenantOwnerEmail(this.d.raw, c.tenant_id)
    if (!owner) return
    await this.d.mailer.send({
      to: owner.email,
      subject: `RecomEngine: webhook endpoint disabled for ${owner.tenant}`,
      text: `The webhook endpoint ${c.url} of "${owner.tenant}" failed to accept ${DISABLE_AFTER_FAILED_EVENTS} events in a row, `
        + 'each retried for 3 days, so it has been disabled: deliveries still pending wait, and new events are not recorded for it, until you enable it again '
        + `(PATCH /api/v1/webhooks/${c.endpoint_id} with {"active": true}, or in the console: ${this.d.consoleUrl}/dashboard/tenants/${c.tenant_id}/webhooks).\n`,
    }).catch((error) => this.d.log.error('webhooks: could not mail the admin', { error }))
  }
}
