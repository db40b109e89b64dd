// JWT_SECRET and API_KEY_PEPPER: taken from config when set; otherwise made
// once and kept in DATA_DIR/secrets.json, so restarts keep sessions and keys
// valid. Generated secrets are for the embedded default; production with an
// external database must set both (config.ts enforces it).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { randomToken } from './crypto.ts'

export interface Secrets { jwtSecret: string; apiKeyPepper: string }

export async function resolveSecrets(config: Config, log: Logger): Promise<Secrets> {
  if (config.jwtSecret && config.apiKeyPepper) return { jwtSecret: config.jwtSecret, apiKeyPepper: config.apiKeyPepper }
  const file = join(config.dataDir, 'secrets.json')
  let stored: Partial<Secrets> = {}
  try {
    stored = JSON.parse(await readFile(file, 'utf8'))
  } catch { /* first start: nothing stored yet */ }
  const secrets: Secrets = {
    jwtSecret: config.jwtSecret ?? stored.jwtSecret ?? randomToken(48),
    apiKeyPepper: config.apiKeyPepper ?? stored.apiKeyPepper ?? randomToken(48),
  }
  if (secrets.jwtSecret !== stored.jwtSecret || secrets.apiKeyPepper !== stored.apiKeyPepper) {
    await mkdir(config.dataDir, { recursive: true })
    await writeFile(file, JSON.stringify(secrets), { mode: 0o600 })
  }
  log.warn(`JWT_SECRET/API_KEY_PEPPER not set: using secrets generated and kept in ${file}. Set both in production.`)
  return secrets
}
