// Sends what the outbox holds. Runs in the worker process in production (MODEL_WORKER=off) and inline in the
// API process on the embedded default, like the model worker; any number may run at once: each claims due
// deliveries with FOR UPDATE SKIP LOCKED and a lease (db/queries/webhooks.ts), so none is sent twice at a time,
// and one that dies mid-send leaves its rows due again when the lease ends (at-least-once). Time comes from
// the injected clock, so tests drive retries with runOnce() and a moved clock.
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
  /** Deliveries claimed per round, and sent at once. */
  batch: number
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
  private running: Promise<number> | undefined
  private again = false
  private started = false
  private lastPrune = 0

  constructor(private d: DispatcherDeps, private opts: DispatcherOptions) {}

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
    await this.running
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.timer = undefined; void this.tick() }, ms)
  }

  private async tick() {
    if (this.running) { this.again = true; return }
    let sent = 0
    try {
      sent = await this.runOnce()
      const now = this.d.clock().getTime()
      if (now - this.lastPrune > 3600_000) {
        this.lastPrune = now
        await pruneWebhookEvents(this.d.raw, new Date(now - KEEP_EVENTS_DAYS * 86400_000))
      }
    } catch (error) { this.d.log.warn('webhooks: dispatch round failed', { error }) }
    if (!this.started) return
    // A full batch may mean more is due: go on at once; otherwise wait for the next poll (or a kick).
    this.schedule(this.again || sent === this.opts.batch ? 0 : this.opts.pollMs)
    this.again = false
  }

  /** One round: claims what is due, sends it, records each outcome. Returns how many were sent. */
  runOnce(): Promise<number> {
    const round = this.round().finally(() => { if (this.running === round) this.running = undefined })
    this.running = round
    return round
  }

  private async round(): Promise<number> {
    const now = this.d.clock()
    const claimed = await claimDueDeliveries(this.d.raw, now, new Date(now.getTime() + CLAIM_LEASE_MS), this.opts.batch)
    await Promise.all(claimed.map((c) => this.deliver(c)))
    return claimed.length
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
