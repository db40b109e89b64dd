import { describe, expect, test } from 'bun:test'
import { createLogger, scrubUrlCredentials } from './logger.ts'

describe('logger redaction', () => {
  test('credential query parameters are cut from every string: message, fields, nested values, errors', () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l))
    const url = 'http://console.example/embed/analytics?range=7d&token=eyJ.abc.def&session=es_secret1'
    log.info(`GET ${url}`, { url, nested: { href: url, list: [url] }, error: new Error(`failed ${url}`) })
    const out = lines.join('\n')
    expect(out).not.toContain('eyJ.abc.def')
    expect(out).not.toContain('es_secret1')
    expect(out).toContain('range=7d&token=[redacted]&session=[redacted]')
    expect(scrubUrlCredentials('/r?key=rk_live_x&q=1')).toBe('/r?key=[redacted]&q=1')
    expect(scrubUrlCredentials('no query here')).toBe('no query here')
  })
})
