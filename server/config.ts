// Configuration is read once, here, at start-up: parsed from the environment,
// validated with TypeBox, and handed to the composition root. Nothing else
// reads the environment. A bad value stops the process with a message naming
// the variable.
import { Type as T, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { cpus, totalmem } from 'node:os'
import { clusterUrlFromNodes, parseRedisTarget } from './infra/cache/redis-url.ts'

const LogLevel = T.Union([T.Literal('debug'), T.Literal('info'), T.Literal('warn'), T.Literal('error'), T.Literal('silent')])

const ConfigSchema = T.Object({
  nodeEnv: T.String(),
  port: T.Integer({ minimum: 0, maximum: 65535 }),
  consolePort: T.Integer({ minimum: 0, maximum: 65535 }),
  dataDir: T.String({ minLength: 1 }),
  databaseUrl: T.Optional(T.String({ pattern: '^postgres(ql)?://' })),
  /** A streaming replica for reads that tolerate a few seconds of lag (analytics, catalog list, exports). PostgreSQL only. */
  databaseReadUrl: T.Optional(T.String({ pattern: '^postgres(ql)?://' })),
  /** `redis://`/`rediss://` for one server; `redis+cluster://host:port,…` for a Redis Cluster (also built from REDIS_CLUSTER_NODES). */
  redisUrl: T.Optional(T.String({ pattern: '^rediss?(\\+cluster)?://' })),
  jwtSecret: T.Optional(T.String({ minLength: 32 })),
  apiKeyPepper: T.Optional(T.String({ minLength: 32 })),
  /** Requests per minute per admin user with an access token (console and scripts), whatever the tenant. */
  adminRateLimit: T.Integer({ minimum: 1 }),
  /** Failed authentications (invalid keys or tokens) per minute per client address; past it, 429 without a lookup. */
  authFailureLimit: T.Integer({ minimum: 1 }),
  /** '*' or a list of exact origins. */
  corsOrigins: T.Union([T.Literal('*'), T.Array(T.String({ minLength: 1 }))]),
  logLevel: LogLevel,
  /** Bearer token /metrics requires (≥ 16 characters); unset: open in development, refused in production. */
  metricsToken: T.Optional(T.String({ minLength: 16 })),
  /** Largest accepted request body. */
  maxBodyBytes: T.Integer({ minimum: 1024 }),
  /** Largest accepted import file (POST /imports streams it to disk, never into memory). */
  maxImportBytes: T.Integer({ minimum: 1024 }),
  /** The highest per-key rate limit (requests per minute) a tenant may set for itself. */
  maxTenantRateLimit: T.Integer({ minimum: 1 }),
  /** Where the console is reached; used in links sent by mail. */
  consoleUrl: T.String({ pattern: '^https?://' }),
  /** Where shoppers reach this API from a mail (the base of tracked /r and /o links); unset: the origin the request came to. */
  publicUrl: T.Optional(T.String({ pattern: '^https?://[^/\\s]+(/\\S*)?$' })),
  /** 'inline': this process keeps models fresh (the embedded default); 'off': separate `bun server/worker.ts` processes do. */
  modelWorker: T.Union([T.Literal('inline'), T.Literal('off')]),
  /** Incremental model refresh when users had new events, and the full rebuild period. */
  modelRefreshMinutes: T.Integer({ minimum: 1 }),
  modelRebuildHours: T.Integer({ minimum: 1 }),
  /** Seconds from a tenant's first events after an empty or outgrown model to the build they ask for (build-follower.ts). */
  modelFollowSeconds: T.Integer({ minimum: 0 }),
  /** A build's or periodic duty's lease, renewed every third of it while the work runs; a worker that dies mid-build blocks its tenant this long. */
  modelLeaseSeconds: T.Integer({ minimum: 1 }),
  /** Megabytes of models held in memory per process; past it the least recently used tenant's is evicted (reloaded on its next request). */
  modelCacheMb: T.Integer({ minimum: 1 }),
  /** How long a request waits for a model not in memory before it is answered from the fallback lists (ms; the load goes on). */
  modelColdWaitMs: T.Integer({ minimum: 0 }),
  modelLoadThreads: T.Integer({ minimum: 1, maximum: 64 }),
  /** Seconds an API process spends at start loading the most wanted tenants' models before it reports ready (0: none). */
  modelWarmSeconds: T.Integer({ minimum: 0, maximum: 600 }),
  /** How often a model worker asks which tenants are due (ms). */
  workerPollMs: T.Integer({ minimum: 10 }),
  /** Share the port with another process (SO_REUSEPORT) on purpose; otherwise a taken port stops start-up. */
  reusePort: T.Boolean(),
  /** bcrypt work factor for admin passwords (NFR-015: 12). */
  bcryptCost: T.Integer({ minimum: 4, maximum: 15 }),
  /** Longest a request-path SQL statement may run (ms, 0 = unbounded); past it → 503. PostgreSQL only. */
  statementTimeoutMs: T.Integer({ minimum: 0 }),
  /** Webhooks may reach loopback, private and link-local addresses, over plain http too (tests, one-machine installs). */
  webhookAllowPrivate: T.Boolean(),
})
export type Config = Static<typeof ConfigSchema>
export type LogLevelName = Static<typeof LogLevel>

export class ConfigError extends Error {}

const int = (v: string | undefined, fallback: number, name: string): number => {
  if (v === undefined || v === '') return fallback
  if (!/^\d+$/.test(v)) throw new ConfigError(`${name} must be a whole number, got "${v}"`)
  return Number(v)
}
const bool = (v: string | undefined, fallback: boolean, name: string): boolean => {
  if (v === undefined || v === '') return fallback
  if (/^(true|1|yes)$/i.test(v)) return true
  if (/^(false|0|no)$/i.test(v)) return false
  throw new ConfigError(`${name} must be true or false, got "${v}"`)
}
const opt = (v: string | undefined) => (v === undefined || v === '' ? undefined : v)

/** A quarter of the machine's memory, at least 256 MB and at most 4 GB: room for the rest of the process beside its models. */
export const defaultModelCacheMb = (totalBytes: number) => Math.min(4096, Math.max(256, Math.floor(totalBytes / 4 / 2 ** 20)))

/**
 * Threads loading models: a core is left to the serving thread (on 2 cores a second load thread
 * took CPU from it during a warm-up, BENCHMARKS.md "Many tenants"), at most 2, at least 1.
 */
export const defaultLoadThreads = (cores: number) => Math.max(1, Math.min(2, cores - 1))

/** Parses an environment record into a validated Config, or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined>, machineBytes = totalmem(), machineCores = cpus().length): Config {
  const cors = opt(env.CORS_ORIGINS) ?? '*'
  const raw = {
    nodeEnv: opt(env.NODE_ENV) ?? 'development',
    port: int(env.PORT, 5008, 'PORT'),
    consolePort: int(env.CONSOLE_PORT, 3112, 'CONSOLE_PORT'),
    dataDir: opt(env.DATA_DIR) ?? './.data',
    databaseUrl: opt(env.DATABASE_URL),
    databaseReadUrl: opt(env.DATABASE_READ_URL),
    // REDIS_CLUSTER_NODES names a cluster's seed nodes; REDIS_URL then only lends its credentials and TLS.
    redisUrl: opt(env.REDIS_CLUSTER_NODES) ? clusterUrlFromNodes(env.REDIS_CLUSTER_NODES!, opt(env.REDIS_URL)) : opt(env.REDIS_URL),
    jwtSecret: opt(env.JWT_SECRET),
    apiKeyPepper: opt(env.API_KEY_PEPPER),
    adminRateLimit: int(env.ADMIN_RATE_LIMIT, 1200, 'ADMIN_RATE_LIMIT'),
    authFailureLimit: int(env.AUTH_FAILURE_LIMIT, 60, 'AUTH_FAILURE_LIMIT'),
    corsOrigins: cors === '*' ? '*' : cors.split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: (opt(env.LOG_LEVEL) ?? 'info').toLowerCase(),
    maxBodyBytes: int(env.MAX_BODY_BYTES, 5 * 1024 * 1024, 'MAX_BODY_BYTES'),
    maxImportBytes: int(env.MAX_IMPORT_BYTES, 4 * 1024 ** 3, 'MAX_IMPORT_BYTES'),
    metricsToken: opt(env.METRICS_TOKEN),
    reusePort: bool(env.REUSE_PORT, false, 'REUSE_PORT'),
    maxTenantRateLimit: int(env.MAX_TENANT_RATE_LIMIT, 100_000, 'MAX_TENANT_RATE_LIMIT'),
    bcryptCost: int(env.BCRYPT_COST, 12, 'BCRYPT_COST'),
    consoleUrl: '',
    publicUrl: opt(env.PUBLIC_URL)?.replace(/\/$/, ''),
    modelWorker: (opt(env.MODEL_WORKER) ?? 'inline').toLowerCase(),
    modelRefreshMinutes: int(env.MODEL_REFRESH_MINUTES, 15, 'MODEL_REFRESH_MINUTES'),
    modelRebuildHours: int(env.MODEL_REBUILD_HOURS, 24, 'MODEL_REBUILD_HOURS'),
    modelFollowSeconds: int(env.MODEL_FOLLOW_SECONDS, 10, 'MODEL_FOLLOW_SECONDS'),
    modelLeaseSeconds: int(env.MODEL_LEASE_SECONDS, 60, 'MODEL_LEASE_SECONDS'),
    workerPollMs: int(env.WORKER_POLL_MS, 5000, 'WORKER_POLL_MS'),
    modelCacheMb: int(env.MODEL_CACHE_MB, defaultModelCacheMb(machineBytes), 'MODEL_CACHE_MB'),
    modelColdWaitMs: int(env.MODEL_COLD_WAIT_MS, 50, 'MODEL_COLD_WAIT_MS'),
    modelLoadThreads: int(env.MODEL_LOAD_THREADS, defaultLoadThreads(machineCores), 'MODEL_LOAD_THREADS'),
    modelWarmSeconds: int(env.MODEL_WARM_SECONDS, 20, 'MODEL_WARM_SECONDS'),
    statementTimeoutMs: int(env.STATEMENT_TIMEOUT_MS, 2000, 'STATEMENT_TIMEOUT_MS'),
    webhookAllowPrivate: bool(env.WEBHOOK_ALLOW_PRIVATE, false, 'WEBHOOK_ALLOW_PRIVATE'),
  }
  raw.consoleUrl = (opt(env.CONSOLE_URL) ?? `http://localhost:${raw.consolePort}`).replace(/\/$/, '')
  const names: Record<string, string> = {
    nodeEnv: 'NODE_ENV', port: 'PORT', consolePort: 'CONSOLE_PORT', dataDir: 'DATA_DIR', databaseUrl: 'DATABASE_URL', databaseReadUrl: 'DATABASE_READ_URL',
    redisUrl: 'REDIS_URL', jwtSecret: 'JWT_SECRET', apiKeyPepper: 'API_KEY_PEPPER', corsOrigins: 'CORS_ORIGINS',
    adminRateLimit: 'ADMIN_RATE_LIMIT', authFailureLimit: 'AUTH_FAILURE_LIMIT', maxTenantRateLimit: 'MAX_TENANT_RATE_LIMIT',
    logLevel: 'LOG_LEVEL', maxBodyBytes: 'MAX_BODY_BYTES', maxImportBytes: 'MAX_IMPORT_BYTES', bcryptCost: 'BCRYPT_COST', consoleUrl: 'CONSOLE_URL', publicUrl: 'PUBLIC_URL', modelWorker: 'MODEL_WORKER', modelRefreshMinutes: 'MODEL_REFRESH_MINUTES', modelRebuildHours: 'MODEL_REBUILD_HOURS', modelFollowSeconds: 'MODEL_FOLLOW_SECONDS', modelLeaseSeconds: 'MODEL_LEASE_SECONDS', workerPollMs: 'WORKER_POLL_MS',
    modelCacheMb: 'MODEL_CACHE_MB', modelColdWaitMs: 'MODEL_COLD_WAIT_MS', modelLoadThreads: 'MODEL_LOAD_THREADS', modelWarmSeconds: 'MODEL_WARM_SECONDS',
    metricsToken: 'METRICS_TOKEN', reusePort: 'REUSE_PORT', statementTimeoutMs: 'STATEMENT_TIMEOUT_MS', webhookAllowPrivate: 'WEBHOOK_ALLOW_PRIVATE',
  }
  const first = Value.Errors(ConfigSchema, raw).First()
  if (first) {
    const key = first.path.split('/')[1] ?? ''
    throw new ConfigError(`Invalid ${names[key] ?? key}: ${first.message}`)
  }
  if (raw.redisUrl) {
    try { parseRedisTarget(raw.redisUrl) } catch (error) { throw new ConfigError(`Invalid ${env.REDIS_CLUSTER_NODES ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'}: ${(error as Error).message}`) }
  }
  if (raw.nodeEnv === 'production' && raw.databaseUrl && (!raw.jwtSecret || !raw.apiKeyPepper)) {
    throw new ConfigError('JWT_SECRET and API_KEY_PEPPER are required when NODE_ENV=production with an external DATABASE_URL')
  }
  return raw as Config
}
