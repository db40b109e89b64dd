// Experiment alert mails (§6 email preferences): when an experiment first turns significant, first shows a
// sample ratio mismatch, or completes, the transaction that marks it queues an alert (experiment_alerts);
// this sender claims the queued ones and mails the tenant's account members who keep experimentAlerts on.
// It runs right after that commit and again in the housekeeping, which picks up any a crash left queued.
import type { RawSql } from '../../../db/client.ts'
import { claimExperimentAlerts, type AlertKind } from '../../../db/queries/experiments.ts'
import type { Mailer } from '../../infra/mailer.ts'
import type { Logger } from '../../logger.ts'

const BATCH = 50

export interface AlertMail { kind: AlertKind; experimentName: string; tenantName: string; verdict: string; link: string }

const HEADLINE: Record<AlertKind, string> = {
  significant: 'has a significant result',
  srm_detected: 'shows a sample ratio mismatch',
  completed: 'is completed',
}

export const experimentAlertSubject = (m: AlertMail) => `Experiment "${m.experimentName}" ${HEADLINE[m.kind]} (${m.tenantName})`

/** The mail's text: pure, so its wording is tested without a database. */
export function experimentAlertText(name: string, m: AlertMail, consoleUrl: string): string {
  const what = m.kind === 'srm_detected'
    ? 'The arms do not match the configured traffic split, so its results cannot be trusted until the assignment and exposure logging are checked.'
    : m.kind === 'significant' ? 'Its results reached a decision.' : 'It no longer enrolls shoppers; its results are final.'
  return `Hello ${name},\n\nThe experiment "${m.experimentName}" of "${m.tenantName}" ${HEADLINE[m.kind]}. ${what}\n\n`
    + `Verdict: ${m.verdict}\n\nSee the results: ${m.link}\n`
    + `Turn these mails off under ${consoleUrl}/dashboard/settings (email preferences).\n`
}

export interface ExperimentAlertDeps {
  raw: RawSql
  mailer: Mailer
  log: Logger
  clock: () => Date
  consoleUrl: string
  /** Who wants the tenant's alerts (the accounts service). */
  recipients: (tenantId: string) => Promise<{ email: string; name: string }[]>
  /** The experiment's current decision text (its results, read with the tenant's config). */
  verdict: (tenantId: string, experimentId: string, tenantConfig: unknown) => Promise<string>
}

export function experimentAlertMails(d: ExperimentAlertDeps) {
  // Reading a verdict can queue another alert (a first SRM), which calls back here: that call leaves the work to
  // the loop already running, which goes round again.
  let running = false, again = false
  return {
    /** Mails every queued alert; answers how many alerts were claimed. A claimed alert is never mailed again. */
    async sendDue(): Promise<number> {
      if (running) { again = true; return 0 }
      running = true
      try { return await sendAll() } finally { running = false }
    },
  }

  async function sendAll(): Promise<number> {
    let claimed = 0
    for (;;) {
      again = false
      const due = await claimExperimentAlerts(d.raw, d.clock(), BATCH)
      claimed += due.length
      for (const a of due) {
        try {
          const verdict = await d.verdict(a.tenant_id, a.experiment_id, a.config)
          const mail: AlertMail = {
            kind: a.kind, experimentName: a.experiment_name, tenantName: a.tenant_name, verdict,
            link: `${d.consoleUrl}/dashboard/tenants/${a.tenant_id}/experiments/${a.experiment_id}`,
          }
          for (const r of await d.recipients(a.tenant_id)) {
            await d.mailer.send({ to: r.email, subject: experimentAlertSubject(mail), text: experimentAlertText(r.name, mail, d.consoleUrl) })
          }
        } catch (error) { d.log.warn('experiment alert: could not send', { experimentId: a.experiment_id, kind: a.kind, error }) }
      }
      if (due.length < BATCH && !again) return claimed
    }
  }
}
