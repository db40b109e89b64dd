// The composition root: builds every service from its parts and mounts the
// routes. Tests call createApp with their own parts (database, cache, clock,
// mailer); boot.ts calls it with the real ones.
import { jwt } from '@elysiajs/jwt'
import { Elysia } from 'elysia'
import type { DatabaseHandle } from '../db/client.ts'
import { lagTolerantReads } from '../db/lag-tolerant.ts'
import type { Cache } from './infra/cache/index.ts'
import type { Config } from './config.ts'
import { LeasedLimiter } from './infra/rate-limit/leased-limiter.ts'
import { hmacSha256, sealer, secretBox } from './infra/crypto.ts'
import { serviceMetrics } from './infra/metrics.ts'
import type { Logger } from './logger.ts'
import type { Mailer } from './infra/mailer.ts'
import { apiKeyRoutes } from './modules/api-keys/index.ts'
import { createApiKeyService } from './modules/api-keys/service.ts'
import { UsageRecorder } from './modules/api-keys/usage.ts'
import { authRoutes } from './modules/auth/index.ts'
import { accountRoutes } from './modules/accounts/index.ts'
import { usageRoutes } from './modules/usage/index.ts'
import { createUsageService } from './modules/usage/service.ts'
import { createAccountService } from './modules/accounts/service.ts'
import { weeklySummaries } from './modules/accounts/weekly-summary.ts'
import { experimentAlertMails } from './modules/experiments/alerts.ts'
import { ACCESS_TTL_S, createAuthService } from './modules/auth/service.ts'
import { sessionStore } from './modules/auth/sessions.ts'
import { catalogRoutes } from './modules/catalog/index.ts'
import { catalogChanges, createCatalogService } from './modules/catalog/service.ts'
import { searchGate } from './modules/catalog/search-gate.ts'
import { analyticsRoutes } from './modules/analytics/index.ts'
import { FoldWorker } from './modules/analytics/fold-worker.ts'
import { createAnalyticsService } from './modules/analytics/service.ts'
import { experimentRoutes } from './modules/experiments/index.ts'
import { ruleRoutes } from './modules/rules/index.ts'
import { createRuleService } from './modules/rules/service.ts'
import { createExperimentService, type ExperimentDeps } from './modules/experiments/service.ts'
import { recommendationRoutes } from './modules/recommendations/index.ts'
import { createRecommendationService } from './modules/recommendations/service.ts'
import { DEFAULT_MODEL_OPTIONS, ModelStore, type WarmUp } from './models/store.ts'
import { syncModelsWithCatalog } from './models/catalog-sync.ts'
import { ModelWorker } from './models/worker.ts'
import { loadQueue } from './models/load-runner.ts'
import { BuildFollower, DEFAULT_FOLLOW } from './models/build-follower.ts'
import { requestBuild, tenantsToWarm } from '../db/queries/models.ts'
import { DEFAULT_TENANT_CONFIG, effectiveConfig, type TenantConfig } from './modules/tenants/config.ts'
import { tenantHistoryDays } from '../db/queries/tenants.ts'
import { jsKernels, type Kernels } from './kernels/load.ts'
import { eventRoutes } from './modules/events/index.ts'
import { GroupCommitter, type Submitted } from './modules/events/ingest/group-commit.ts'
import { ProfileCache } from './modules/profiles/cache.ts'
import { createEventService } from './modules/events/service.ts'
import { recordLive } from './modules/events/ingest/live.ts'
import { healthRoutes, metricsRoutes } from './modules/health/index.ts'
import { tenantRoutes } from './modules/tenants/index.ts'
import { shopperRoutes } from './modules/shoppers/index.ts'
import { createShopperService } from './modules/shoppers/service.ts'
import { sdkRoutes } from './modules/sdk/index.ts'
import { segmentRoutes } from './modules/segments/index.ts'
import { createSegmentService } from './modules/segments/service.ts'
import { widgetRoutes } from './modules/widgets/index.ts'
import { createWidgetService } from './modules/widgets/service.ts'
import { emailRoutes, trackedLinkRoutes } from './modules/email/index.ts'
import { linkSigner } from './modules/email/links.ts'
import { createEmailService } from './modules/email/service.ts'
import { createTenantService } from './modules/tenants/service.ts'
import { importRoutes } from './modules/imports/index.ts'
import { createImportService } from './modules/imports/service.ts'
import { webhookRoutes } from './modules/webhooks/index.ts'
import { createWebhookService } from './modules/webhooks/service.ts'
import { WebhookDispatcher } from './modules/webhooks/dispatcher.ts'
import { authGuards, KeyCache } from './http/auth.ts'
import { bodyParser } from './http/body.ts'
import { cors } from './http/cors.ts'
import { headerLimit } from './http/header-limit.ts'
import { apiDocs, type RouteInfo } from './http/openapi.ts'
import { problemHandler } from './http/problems.ts'
import { requestContext } from './http/request-context.ts'
import { preserializedBodies } from './http/preserialized.ts'
import { exportSlots } from './http/export-stream.ts'
import type { Secrets } from './infra/secrets.ts'
import { embedAdminRoutes, embedRoutes } from './modules/embed/index.ts'
import { createEmbedService } from './modules/embed/service.ts'

export interface AppParts {
  config: Config
  database: DatabaseHandle
  cache: Cache
  log: Logger
  secrets: Secrets
  mailer: Mailer
  clock?: () => Date
  /** The caller's address, for login throttling; the runtime's server knows it. */
  clientIp?: (req: Request) => string
  /** How often batched API-key usage is written (ms); 0 = only on demand. */
  usageFlushMs?: number
  /** WASM kernels (boot loads them); the identical TypeScript fallbacks otherwise. */
  kernels?: Kernels
  /** Run the model worker and the analytics fold in this process (the embedded default); tests drive them by hand. */
  startWorker?: boolean
}

const KEY_CHANNEL = 'auth:keys-changed'
const DAY_MS = 86400_000
/** At most this many tenants are listed for the start-up warm-up; the cache budget or the time ends it sooner. */
const WARM_LIST_LIMIT = 10_000

/** Every service and background worker, wired, without HTTP: the model worker process runs on these alone. */
export async function createServices(parts: AppParts) {
  const { config, database, cache, log, secrets, mailer } = parts
  const db = database.db
  const bg = database.background
  const clock = parts.clock ?? (() => new Date())
  const metrics = serviceMetrics()
  // Analytics, the catalog list and the exports read from the replica when there is one (db/lag-tolerant.ts).
  const lagTolerant = lagTolerantReads({
    primary: { db, raw: database.raw }, replica: database.replica, log, now: () => clock().getTime(),
    onFallback: (reason) => metrics.replicaFallbacks.inc({ reason }),
  })
  const clientIp = parts.clientIp ?? ((req: Request) => req.headers.get('x-forwarded-for')?.split(',')[0].trim() || 'unknown')

  const jwtPlugin = jwt({ name: 'jwt', secret: secrets.jwtSecret, exp: `${ACCESS_TTL_S}s` })
  const { sign, verify } = jwtPlugin.decorator.jwt
  // An access token names its sign-in (`sid`, the refresh-token family) and is refused once that
  // sign-in ends (logout, password reset or change), on every instance at once; HS256 only, `exp` required.
  const sessions = sessionStore(db, cache)
  const tokens = {
    signAccess: (userId: string, sessionId: string) => sign({ sub: userId, sid: sessionId, typ: 'access' }),
    async verifyAccess(token: string) {
      const p = await verify(token, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub', 'sid'] })
      if (!p || p.typ !== 'access' || typeof p.sub !== 'string' || typeof p.sid !== 'string' || typeof p.exp !== 'number') return undefined
      const live = sessions.isLive(p.sid, p.sub)
      return (live instanceof Promise ? await live : live) ? { userId: p.sub, sessionId: p.sid } : undefined
    },
  }

  // Key lookups are cached briefly per instance; any key or tenant change is
  // broadcast so every instance drops its cache at once.
  const keyCache = new KeyCache()
  cache.subscribe(KEY_CHANNEL, () => keyCache.clear())
  const keysChanged = () => { keyCache.clear(); void cache.publish(KEY_CHANNEL, '1') }

  const hashKey = await hmacSha256(secrets.apiKeyPepper)
  const usage = new UsageRecorder(db, log, clock, parts.usageFlushMs ?? 5000)
  const guards = authGuards({
    db, cache, usage, tokens, hashKey, keyCache, limiter: new LeasedLimiter(cache), clientIp,
    limits: { adminPerMinute: config.adminRateLimit, authFailuresPerMinute: config.authFailureLimit, maxTenantPerMinute: config.maxTenantRateLimit },
    onRateLimited: (budget) => metrics.rateLimited.inc({ budget }),
  })

  const accounts = createAccountService({ db, mailer, clock, consoleUrl: config.consoleUrl, hashKey })
  const auth = createAuthService({
    db, cache, mailer, clock, bcryptCost: config.bcryptCost, consoleUrl: config.consoleUrl, signAccess: tokens.signAccess, onRevoked: sessions.revoked,
    invitation: accounts.invitationForSignup,
  })
  // A rebuild asked for (a catalog write, in the background; new model settings, before the update answers, so the
  // status it reports next is `building`); a worker in this process starts on it at once. Never rejects.
  const askForBuild = (tenantId: string): Promise<void> => requestBuild(database.raw, tenantId)
    .then(() => { if (parts.startWorker) worker.kick() }, (error) => log.warn('could not request a model build', { tenantId, error }))
  const tenants = createTenantService({
    db, clock, onChange: keysChanged, onModelSettingsChange: askForBuild, maxRateLimit: config.maxTenantRateLimit,
    hashKey, answers: await sealer(secrets.apiKeyPepper, 'idempotent-answers'),
  })
  const apiKeys = createApiKeyService({ db, tenants, usage, hashKey, clock, onRevoke: keysChanged })
  const billing = createUsageService({ db, tenants, usage, clock })
  const catalogChanged = catalogChanges(log)
  const catalog = createCatalogService({ db, raw: database.raw, clock, onChange: catalogChanged.emit, searches: searchGate(), lagTolerant })

  const kernels = parts.kernels ?? jsKernels()
  // Profiles are cached per instance; ingestion invalidates them before it answers.
  const profiles = new ProfileCache(database.raw, cache, { queries: database.kind === 'pglite' ? 1 : 4, now: () => clock().getTime() })
  const models = new ModelStore(database.raw, cache, log, kernels, clock, { ...DEFAULT_MODEL_OPTIONS, leaseMs: config.modelLeaseSeconds * 1000, cacheBytes: config.modelCacheMb * 2 ** 20, coldWaitMs: config.modelColdWaitMs, loadThreads: config.modelLoadThreads, databaseUrl: database.url }, (ms) => metrics.modelBuilds.observe({}, ms), bg.raw)
  const worker = new ModelWorker(bg.raw, models, log, clock, {
    pollMs: config.workerPollMs, refreshMinutes: config.modelRefreshMinutes, fullRebuildHours: config.modelRebuildHours,
  })
  // Merchandising rules: a per-instance rule book per tenant, dropped everywhere on each write.
  const rules = createRuleService({ db, cache, clock })
  const segments = createSegmentService({ raw: database.raw, cache, clock, profiles, models })
  const recommendations = createRecommendationService({
    raw: database.raw, store: models, profiles, cache, kernels, clock, log, rules, segments,
    onBuildRequested: () => { if (parts.startWorker) worker.kick() },
  })
  // Serving reads running experiments from a short per-instance cache, which every change clears everywhere;
  // promotion writes the winning strategy through the tenants service.
  const experimentDeps: Omit<ExperimentDeps, 'db' | 'raw'> = {
    clock, onChange: (tenantId) => recommendations.experimentsChanged(tenantId),
    setStrategy: (tenantId, placement, strategy) => tenants.setStrategy(tenantId, placement, strategy as TenantConfig['defaultStrategy']),
    segmentExists: (tenantId, key) => segments.exists(tenantId, key),
    alertsQueued: () => alertMails.sendDue().then(() => undefined, (error) => log.warn('experiment alerts: could not send', { error })),
  }
  const experiments = createExperimentService({ db, raw: database.raw, ...experimentDeps })
  catalogChanged.subscribe(syncModelsWithCatalog({ models, cache, log, askForBuild }))
  const countLive = recordLive({ live: cache.live, clock, log })
  /** What any stored event changes, sent live or imported: the shoppers' cached profiles, the live counters. */
  const eventsStored = (stored: Submitted[]) => { profiles.changed(stored); void countLive(stored) }
  // A tenant's first events after an empty (or outgrown) model ask for a build, debounced; where builds run in the
  // background at all (this process's worker, or separate worker processes): tests build by hand.
  const buildFollower = new BuildFollower({ raw: database.raw, askForBuild, log, now: () => clock().getTime() }, { ...DEFAULT_FOLLOW, debounceMs: config.modelFollowSeconds * 1000 })
  const followBuilds = parts.startWorker === true || config.modelWorker === 'off'
  const committer = new GroupCommitter(database.raw, 4, 1000, (stored) => {
    eventsStored(stored)
    if (followBuilds) buildFollower.eventsStored(stored)
  },
    (size, waitMs) => { metrics.groupSize.observe({}, size); metrics.groupWait.observe({}, waitMs) })
  const history = { days: DEFAULT_TENANT_CONFIG.historyDays, overrides: () => tenantHistoryDays(bg.db) }
  const events = createEventService({
    db, raw: database.raw, committer, clock, history, lagTolerant,
    onOutcomes: (accepted, duplicates, rejected) => {
      if (accepted) metrics.events.inc({ outcome: 'accepted' }, accepted)
      if (duplicates) metrics.events.inc({ outcome: 'duplicate' }, duplicates)
      if (rejected) metrics.events.inc({ outcome: 'rejected' }, rejected)
    },
  })
  // Retention, archiving and the tenant purge answer no request: the same services bound to the background
  // pool, where no statement timeout cuts them off.
  const housekeeping = {
    events: createEventService({
      db: bg.db, raw: bg.raw, committer, clock, onImported: eventsStored, onProfilesFolded: (users) => profiles.changed(users),
      history,
    }),
    experiments: createExperimentService({ db: bg.db, raw: bg.raw, ...experimentDeps }),
    tenants: createTenantService({ db: bg.db, clock, onChange: keysChanged, onModelSettingsChange: askForBuild }),
  }

  // A shopper's erasure deletes in the background pool's short batches; every instance forgets them from memory.
  const shoppers = createShopperService({
    raw: database.raw, events: housekeeping.events, experiments: housekeeping.experiments, recommendations, profiles, live: cache.live, clock, log,
  })
  // Bulk imports write on the background pool (the housekeeping services), in small chunks on PGlite, which runs
  // one statement at a time: between chunks the requests that read the database go in.
  const imports = createImportService({
    db, raw: bg.raw, clock, log, spoolDir: `${config.dataDir}/imports`, maxBytes: config.maxImportBytes,
    events: housekeeping.events, catalog: createCatalogService({ db: bg.db, raw: bg.raw, clock, onChange: catalogChanged.emit, searches: searchGate() }),
    chunkRows: database.kind === 'pglite' ? 250 : 25_000, writers: database.kind === 'pglite' ? 1 : 2,
    // PGlite's profile fold: 250 rows a statement (~20 ms at load 2–4, as a chunk's write).
    ...(database.kind === 'pglite' ? { targetWriteMs: 30, foldRows: 250 } : {}),
    onCompleted: askForBuild,
  })
  imports.start()

  const analytics = createAnalyticsService({ raw: lagTolerant.raw, clock, segments })
  // The weekly summary mail, sent by the hourly housekeeping (boot.ts) to users who want it.
  const summaries = weeklySummaries({
    db: bg.db, mailer, log, clock, consoleUrl: config.consoleUrl,
    overview: async (accountId) => (await analytics.overview(accountId, { range: '7d' })).data.filter((t) => t.status === 'active'),
  })
  // Experiment alert mails, sent right after the change that queues one and again by the housekeeping (boot.ts).
  const alertMails = experimentAlertMails({
    raw: bg.raw, mailer, log, clock, consoleUrl: config.consoleUrl, recipients: accounts.alertRecipients,
    verdict: async (tenantId, id, tenantConfig) =>
      (await housekeeping.experiments.results(tenantId, id, effectiveConfig(tenantConfig).attributionWindowHours)).decision.reason,
  })
  // Weekly per-placement / per-strategy product sums for filtered top-10s, folded in the background.
  const folds = new FoldWorker(bg.raw, log, clock)

  const widgets = createWidgetService({ db, clock })
  // Embed keys are sealed with a key derived from the JWT secret for that one purpose; the embed tokens themselves
  // are signed with each tenant's own random key.
  const embed = createEmbedService({
    db, cache, clock, sealer: await sealer(secrets.jwtSecret, 'embed-keys'), consoleUrl: config.consoleUrl,
    experimentExists: (tenantId, id) => experiments.get(tenantId, id),
  })
  // Email links are signed with a key derived from the JWT secret (links.ts): no second secret to keep.
  const email = createEmailService({ db, log, signer: await linkSigner(secrets.jwtSecret, clock), recommendations, catalog, events, widgets })

  // Webhooks (F-015): signing secrets sealed under a key derived from the JWT secret (no second secret to keep);
  // the dispatcher sends from the outbox on the background pool, where it runs (the worker process, or inline).
  const webhookBox = await secretBox(secrets.jwtSecret, 'recomengine webhook signing secrets v1')
  const webhookPolicy = { allowPrivate: config.webhookAllowPrivate }
  const dispatcher = new WebhookDispatcher({ raw: bg.raw, box: webhookBox, clock, log, mailer, consoleUrl: config.consoleUrl }, { pollMs: 1000, batch: 16, perTenant: 4, policy: webhookPolicy })
  const webhooks = createWebhookService({ db, raw: database.raw, box: webhookBox, clock, policy: webhookPolicy, onDue: () => dispatcher.kick() })

  metrics.gauge('recomengine_ingest_backlog', 'Events waiting for a group-commit write', () => committer.backlog)
  // The fleet's build queue, from the database: any instance reports it, wherever the workers run.
  metrics.gaugesFrom(() => worker.queue(), {
    due: { name: 'recomengine_model_builds_due', help: 'Tenants whose model is due for a build and not yet claimed by a worker' },
    building: { name: 'recomengine_model_builds_building', help: 'Tenants under a live build lease' },
    builtLastMinute: { name: 'recomengine_model_builds_per_minute', help: 'Models stored in the last minute, by every worker' },
    oldestDueSeconds: { name: 'recomengine_model_build_oldest_due_seconds', help: 'How long the longest-waiting due tenant has waited, in seconds' },
  })
  // Models held in this process (MODEL_CACHE_MB): what is held, and how often tenants come and go.
  metrics.gauge('recomengine_model_cache_bytes', 'Estimated bytes of the models this process holds in memory', () => models.cacheStats().bytes)
  metrics.gauge('recomengine_model_cache_budget_bytes', 'MODEL_CACHE_MB in bytes: past it the least recently used model is evicted', () => models.cacheStats().budgetBytes)
  metrics.gauge('recomengine_model_cache_models', 'Tenants whose model this process holds in memory', () => models.cacheStats().models)
  metrics.counterFrom('recomengine_model_cache_loads_total', 'Models brought into this process\'s memory (first use, or again after an eviction)', () => models.cacheStats().loads)
  metrics.counterFrom('recomengine_model_cache_evictions_total', 'Models evicted from this process\'s memory to stay within MODEL_CACHE_MB', () => models.cacheStats().evictions)
  metrics.counterFrom('recomengine_model_cache_load_ms_total', 'Milliseconds loaded models cost the serving thread (parsing the items in slices, the id map; reading and decoding run on the load threads when they could start)', () => models.cacheStats().loadMs)
  metrics.gauge('recomengine_model_loads_waiting', 'Model loads waiting for a free load thread (MODEL_LOAD_THREADS)', () => loadQueue().waiting)
  metrics.gauge('recomengine_redis_up', '1 while the shared cache answers (always 1 without Redis)', () => (cache.healthy() ? 1 : 0))

  return {
    metrics, guards, clientIp, catalogChanged, analytics,
    services: { summaries, alertMails, auth, accounts, tenants, apiKeys, usage, billing, events, committer, catalog, recommendations, rules, segments, models, worker, folds, experiments, widgets, email, housekeeping, buildFollower, shoppers, imports, embed, webhooks, dispatcher },
    /**
     * Before an API process reports ready: the models of the tenants asked for most since yesterday (then the newest
     * built) are loaded, for up to MODEL_WARM_SECONDS, so its first seconds of traffic find them in memory.
     */
    async warmUp(): Promise<Omit<WarmUp, 'tenantIds'> & { listed: number; ms: number } | undefined> {
      if (config.modelWarmSeconds === 0) return undefined
      const started = clock().getTime()
      const ids = await tenantsToWarm(bg.raw, new Date(started - DAY_MS).toISOString().slice(0, 10), WARM_LIST_LIMIT)
      const until = started + config.modelWarmSeconds * 1000
      // Their rules and running experiments too, so first requests do not read them either.
      const { tenantIds: _, ...warmed } = await models.warmUp(ids, until, (tenantId) => recommendations.prime(tenantId).catch(() => {}))
      const done = { ...warmed, listed: ids.length, ms: clock().getTime() - started }
      log.info('models loaded before serving', done)
      return done
    },
    /** Stops background work and writes what is pending; the caller closes db and cache. */
    async shutdown() { buildFollower.stop(); await imports.stop(); await Promise.all([worker.stop(), folds.stop(), shoppers.stop(), dispatcher.stop()]); await committer.drain(); await usage.close(); await recommendations.flush() },
  }
}
export type Services = Awaited<ReturnType<typeof createServices>>

/** The HTTP app: the services of createServices behind the shared plugins and every feature's routes. */
export async function createApp(parts: AppParts) {
  const { config, database, cache, log } = parts
  const wired = await createServices(parts)
  const { metrics, guards, clientIp, analytics } = wired
  const { auth, accounts, tenants, apiKeys, usage, billing, events, catalog, recommendations, rules, segments, worker, folds, experiments, widgets, shoppers, imports, email, embed, webhooks, dispatcher } = wired.services
  let ready = false

  // Exports stream as long as the client reads: two at once per tenant and instance (events and catalog together).
  const exports = { log, slots: exportSlots(2) }

  let routes = (): RouteInfo[] => []
  const app = new Elysia({ normalize: false })
    .use(requestContext(log, metrics))
    .use(preserializedBodies())
    .use(problemHandler(log, metrics))
    .use(cors({
      origins: config.corsOrigins,
      allowedHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'X-Tenant-ID', 'X-Account-ID', 'Idempotency-Key', 'X-Request-ID', 'X-Embed-Session'],
      exposeHeaders: ['X-Request-ID', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'Idempotent-Replayed'],
      maxAgeSeconds: 600,
    }))
    .use(headerLimit())
    .use(bodyParser(config.maxBodyBytes, ['/api/v1/track'], ['/api/v1/imports']))
    .use(apiDocs(() => routes()))
    .use(healthRoutes({ db: database.kind, cache, ready: () => ready }))
    .use(metricsRoutes(metrics, { token: config.metricsToken, production: config.nodeEnv === 'production' }))
    .use(sdkRoutes({ dataDir: config.dataDir, catalog }))
    .use(trackedLinkRoutes(email))
    .group('/api/v1', (v1) => v1
      .use(authRoutes(auth, guards, clientIp))
      .use(accountRoutes(accounts, guards))
      .use(usageRoutes(billing, guards))
      .use(tenantRoutes(tenants, guards))
      .use(catalogRoutes(catalog, guards, exports))
      .use(recommendationRoutes(recommendations, guards, metrics, usage))
      .use(emailRoutes(email, guards, config.publicUrl, usage))
      .use(experimentRoutes(experiments, guards))
      .use(ruleRoutes(rules, guards))
      .use(analyticsRoutes(analytics, guards))
      .use(apiKeyRoutes(apiKeys, guards))
      .use(eventRoutes(events, guards, exports, usage))
      .use(shopperRoutes(shoppers, guards))
      .use(segmentRoutes(segments, guards))
      .use(importRoutes(imports, guards))
      .use(webhookRoutes(webhooks, guards))
      .use(widgetRoutes(widgets, guards))
      .use(embedAdminRoutes(embed, tenants, guards))
      .use(embedRoutes(embed, analytics, experiments, guards.checkCredential)))

  routes = () => app.routes as unknown as RouteInfo[]
  metrics.gauge('recomengine_ready', '1 once serving, 0 while starting or draining', () => (ready ? 1 : 0))
  if (parts.startWorker) { worker.start(); folds.start(); dispatcher.start(); shoppers.startResuming(config.workerPollMs) }

  return Object.assign(app, {
    services: wired.services,
    /** The auth macros ({ admin }, { tenant }) for feature modules mounted later and for tests. */
    guards,
    /** Subscriptions for modules that react to writes elsewhere (catalog changes: productIds per tenant). */
    events: { onCatalogChange: wired.catalogChanged.subscribe },
    /** Loads the most wanted tenants' models (MODEL_WARM_SECONDS); the runtime calls it after listening, before markReady. */
    warmUp: wired.warmUp,
    markReady() { ready = true },
    /** Stops background work and writes what is pending; the caller closes db and cache. */
    async shutdown() { ready = false; await wired.shutdown() },
  })
}
export type App = Awaited<ReturnType<typeof createApp>>
