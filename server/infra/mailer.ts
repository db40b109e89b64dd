// Outgoing mail. The default writes each message to DATA_DIR/mail/ as a .eml
// file and logs that it did (never the body: it carries reset tokens), so a
// self-hosted install works without an SMTP server. Tests pass their own.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../logger.ts'

export interface Mail { to: string; subject: string; text: string }
export interface Mailer { send(mail: Mail): Promise<void> }

export function fileMailer(dataDir: string, log: Logger): Mailer {
  const dir = join(dataDir, 'mail')
  return {
    async send(mail) {
      await mkdir(dir, { recursive: true })
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${crypto.randomUUID().slice(0, 8)}.eml`)
      await writeFile(file, `To: ${mail.to}\nSubject: ${mail.subject}\nContent-Type: text/plain; charset=utf-8\n\n${mail.text}\n`, { mode: 0o600 })
      log.info('mail written', { subject: mail.subject, file })
    },
  }
}
