// Structured JSON logs, one object per line, with the request id when there
// is one. Values under PII-bearing keys are redacted before they are written,
// so a careless call site cannot leak a password, key or token.
import type { LogLevelName } from './config.ts'

const ORDER: Record<LogLevelName, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }
const SENSITIVE = /pass(word)?|secret|token|authorization|api[-_]?key|^key$|cookie|email|pepper/i
/** Credentials that travel in URLs (an embedded page's ?token= and ?session=): their values are cut from every logged string. */
const URL_CREDENTIAL = /([?&;](?:token|session|access_token|api_key|key)=)[^&#\s"'<>]*/gi

/** A string with the values of credential query parameters replaced. */
export const scrubUrlCredentials = (s: string) => (s.includes('=') ? s.replace(URL_CREDENTIAL, '$1[redacted]') : s)

export type LogFields = Record<string, unknown>
export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  child(fields: LogFields): Logger
  /** Whether lines of this level are written: a call site that builds fields on every request asks first. */
  enabled(level: Exclude<LogLevelName, 'silent'>): boolean
}

function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubUrlCredentials(value)
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (value instanceof Error) return { name: value.name, message: scrubUrlCredentials(value.message), stack: value.stack && scrubUrlCredentials(value.stack) }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE.test(k) ? '[redacted]' : redact(v, depth + 1)
  return out
}

export function createLogger(level: LogLevelName, write: (line: string) => void = (l) => console.log(l), base: LogFields = {}): Logger {
  const min = ORDER[level]
  const emit = (lvl: Exclude<LogLevelName, 'silent'>, msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < min) return
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: scrubUrlCredentials(msg), ...(redact({ ...base, ...fields }) as object) }))
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(level, write, { ...base, ...fields }),
    enabled: (lvl) => ORDER[lvl] >= min,
  }
}
