import { describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig } from './config.ts'
import { parseRedisTarget } from './infra/cache/redis-url.ts'
import { fieldPath } from './errors.ts'
import { createLogger } from './logger.ts'

describe('config', () => {
  test('defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ port: 5008, consolePort: 3112, dataDir: './.data', corsOrigins: '*', logLevel: 'info', bcryptCost: 12, consoleUrl: 'http://localhost:3112' })
    expect(c.databaseUrl).toBeUndefined()
    expect(c.redisUrl).toBeUndefined()
  })
  test('model load threads: a core left to the serving thread, 1 to 2; MODEL_LOAD_THREADS overrides, 0 refused', () => {
    expect([1, 2, 3, 8].map((cores) => loadConfig({}, 2 ** 33, cores).modelLoadThreads)).toEqual([1, 1, 2, 2])
    expect(loadConfig({ MODEL_LOAD_THREADS: '4' }, 2 ** 33, 2).modelLoadThreads).toBe(4)
    expect(() => loadConfig({ MODEL_LOAD_THREADS: '0' })).toThrow(/MODEL_LOAD_THREADS/)
  })
  test('the warm-up at start: 20 s by default, 0 turns it off, past 600 s refused', () => {
    expect(loadConfig({}).modelWarmSeconds).toBe(20)
    expect(loadConfig({ MODEL_WARM_SECONDS: '0' }).modelWarmSeconds).toBe(0)
    expect(() => loadConfig({ MODEL_WARM_SECONDS: '601' })).toThrow(/MODEL_WARM_SECONDS/)
    expect(() => loadConfig({ MODEL_WARM_SECONDS: 'soon' })).toThrow(/MODEL_WARM_SECONDS/)
  })

  test('bad values stop start-up with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/)
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/)
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/)
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/)
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/)
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y' })).toThrow(ConfigError)
  })
  test('operator limits (issue 17): defaults, and a bad value names its variable', () => {
    expect(loadConfig({})).toMatchObject({ maxTenantRateLimit: 100_000, adminRateLimit: 1200, authFailureLimit: 60 })
    expect(loadConfig({ MAX_TENANT_RATE_LIMIT: '5000', ADMIN_RATE_LIMIT: '30', AUTH_FAILURE_LIMIT: '10' })).toMatchObject({ maxTenantRateLimit: 5000, adminRateLimit: 30, authFailureLimit: 10 })
    expect(() => loadConfig({ MAX_TENANT_RATE_LIMIT: 'lots' })).toThrow(/MAX_TENANT_RATE_LIMIT/)
    expect(() => loadConfig({ ADMIN_RATE_LIMIT: '0' })).toThrow(/ADMIN_RATE_LIMIT/)
    expect(() => loadConfig({ AUTH_FAILURE_LIMIT: '-1' })).toThrow(/AUTH_FAILURE_LIMIT/)
  })
  test('Redis Cluster (issue 26): REDIS_CLUSTER_NODES or a redis+cluster:// URL, bad nodes named', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7000' }).redisUrl).toBe('redis+cluster://10.0.0.1:7000,10.0.0.2:7000')
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000', REDIS_URL: 'rediss://app:s%40cret@ignored:6379' }).redisUrl).toBe('rediss+cluster://app:s%40cret@r1:7000')
    expect(loadConfig({ REDIS_URL: 'redis+cluster://a:7000,b:7001' }).redisUrl).toBe('redis+cluster://a:7000,b:7001')
    expect(parseRedisTarget('rediss+cluster://app:s%40cret@r1:7000,[::1]:7001')).toEqual({
      cluster: true, tls: true, username: 'app', password: 's@cret', nodes: [{ host: 'r1', port: 7000 }, { host: '::1', port: 7001 }],
    })
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'r1' })).toThrow(/REDIS_CLUSTER_NODES/)
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://a:99999' })).toThrow(/REDIS_URL/)
    expect(() => loadConfig({ REDIS_URL: 'memcached://a:1' })).toThrow(/REDIS_URL/)
  })
  test('DATABASE_READ_URL (issue 26): a postgres:// replica URL, unset by default, a bad one named', () => {
    expect(loadConfig({}).databaseReadUrl).toBeUndefined()
    expect(loadConfig({ DATABASE_URL: 'postgres://p/db', DATABASE_READ_URL: 'postgresql://r/db' }).databaseReadUrl).toBe('postgresql://r/db')
    expect(() => loadConfig({ DATABASE_READ_URL: 'mysql://r/db' })).toThrow(/Invalid DATABASE_READ_URL/)
  })
  test('CORS_ORIGINS is a comma list', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.com, https://b.com' }).corsOrigins).toEqual(['https://a.com', 'https://b.com'])
  })
  test('REUSE_PORT is off unless set on purpose; METRICS_TOKEN needs 16 characters', () => {
    expect(loadConfig({}).reusePort).toBe(false)
    expect(loadConfig({ REUSE_PORT: 'true' }).reusePort).toBe(true)
    expect(loadConfig({ REUSE_PORT: '0' }).reusePort).toBe(false)
    expect(() => loadConfig({ REUSE_PORT: 'maybe' })).toThrow(/REUSE_PORT/)
    expect(loadConfig({}).metricsToken).toBeUndefined()
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }).metricsToken).toBe('x'.repeat(16))
    expect(() => loadConfig({ METRICS_TOKEN: 'x'.repeat(15) })).toThrow(/METRICS_TOKEN/)
  })
})

test('field paths from JSON pointers', () => {
  expect(fieldPath('/email')).toBe('email')
  expect(fieldPath('/config/rateLimits/read')).toBe('config.rateLimits.read')
  expect(fieldPath('/items/3/name')).toBe('items[3].name')
})

test('logs are JSON lines with PII redacted', () => {
  const lines: string[] = []
  const log = createLogger('info', (l) => lines.push(l)).child({ requestId: 'r1' })
  log.debug('hidden')
  log.info('signup', { email: 'a@b.c', password: 'hunter22', nested: { apiKey: 'rk_live_x', token: 't', ok: 1 }, authorization: 'Bearer x' })
  expect(lines).toHaveLength(1)
  const o = JSON.parse(lines[0])
  expect(o).toMatchObject({ level: 'info', msg: 'signup', requestId: 'r1', email: '[redacted]', password: '[redacted]', authorization: '[redacted]', nested: { apiKey: '[redacted]', token: '[redacted]', ok: 1 } })
  expect(lines[0]).not.toContain('hunter22')
})
