// The one source of truth for table shapes. Every tenant-owned table carries
// `tenant_id` (FK with ON DELETE CASCADE, so the 30-day purge of a deleted
// tenant removes everything it owned in one statement).
import { sql } from 'drizzle-orm'
import {
  bigint, boolean, customType, date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core'

const bytea = customType<{ data: Uint8Array }>({ dataType: () => 'bytea' })

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('users_email_key').on(t.email)])

/** Opaque refresh tokens, stored hashed. A family is one login; rotation keeps the family. */
export const refreshTokens = pgTable('refresh_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  familyId: uuid('family_id').notNull(),
  tokenHash: text('token_hash').notNull(),
  expiresAt: tstz('expires_at').notNull(),
  rotatedAt: tstz('rotated_at'),
  revokedAt: tstz('revoked_at'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
  index('refresh_tokens_family_idx').on(t.familyId),
])

export const passwordResets = pgTable('password_resets', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  expiresAt: tstz('expires_at').notNull(),
  usedAt: tstz('used_at'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('password_resets_hash_key').on(t.tokenHash)])

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey().defaultRandom(),
  ownerId: uuid('owner_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  status: text('status', { enum: ['active', 'suspended', 'deleted'] }).notNull().default('active'),
  config: jsonb('config').notNull().default(sql`'{}'::jsonb`),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  deletedAt: tstz('deleted_at'),
}, (t) => [
  index('tenants_owner_idx').on(t.ownerId, t.createdAt),
  // Names are unique per admin among tenants that still exist.
  uniqueIndex('tenants_owner_name_key').on(t.ownerId, sql`lower(${t.name})`).where(sql`status <> 'deleted'`),
])

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  permissions: text('permissions', { enum: ['read', 'write'] }).notNull(),
  createdAt: createdAt(),
  lastUsedAt: tstz('last_used_at'),
  requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
  revokedAt: tstz('revoked_at'),
}, (t) => [
  uniqueIndex('api_keys_hash_key').on(t.keyHash),
  index('api_keys_tenant_idx').on(t.tenantId, t.createdAt),
])

/** The catalog (F-004): one row per tenant and productId. Soft-deleted rows stay readable. */
export const catalogItems = pgTable('catalog_items', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  productId: text('product_id').notNull(),
  name: text('name').notNull(),
  description: text('description'),
  category: text('category'),
  price: doublePrecision('price'),
  currency: text('currency'),
  imageUrl: text('image_url'),
  url: text('url'),
  attributes: jsonb('attributes').notNull().default(sql`'{}'::jsonb`),
  available: boolean('available').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  deletedAt: tstz('deleted_at'),
}, (t) => [
  primaryKey({ columns: [t.tenantId, t.productId] }),
  index('catalog_items_category_idx').on(t.tenantId, t.category),
  // Keyset paging walks (updated_at DESC, product_id) within a tenant; substring
  // search (GET /catalog?q=) by trigrams of name and description as one text (one index scan, not an OR
  // of two the planner would skip), with tenant_id in the same GIN index (btree_gin).
  index('catalog_items_updated_idx').on(t.tenantId, t.updatedAt.desc().nullsFirst(), t.productId),
  index('catalog_items_search_idx').using('gin', t.tenantId, sql`(${t.name} || E'\\n' || coalesce(${t.description}, '')) gin_trgm_ops`),
])

/**
 * Behavioural events (F-003). Range-partitioned by month on `ts` (the
 * migration adds PARTITION BY and ensure_event_partitions()); the idempotency
 * key (FR-016) includes the partition key, as PostgreSQL requires.
 */
export const events = pgTable('events', {
  id: uuid('id').notNull().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  eventType: text('event_type').notNull(),
  userId: text('user_id').notNull(),
  productId: text('product_id').notNull(),
  ts: tstz('ts').notNull(),
  sessionId: text('session_id'),
  metadata: jsonb('metadata'),
  placement: text('placement'),
  strategy: text('strategy'),
  receivedAt: tstz('received_at').notNull().defaultNow(),
  /** The client's idempotency key, when it sent one (event_ids makes it unique per tenant). */
  eventId: text('event_id'),
}, (t) => [
  // Also serves per-user lookups (its tenant_id, user_id prefix) and attribution
  // (tenant, user, 'recommendation_clicked', product, ts range).
  uniqueIndex('events_dedup_key').on(t.tenantId, t.userId, t.eventType, t.productId, t.ts),
  index('events_tenant_ts_idx').on(t.tenantId, t.ts),
])

/**
 * Idempotency keys clients send with events (`eventId`), one row per tenant and
 * key: events is partitioned by `ts`, so a unique index there could not span a
 * retry that carries a different timestamp. `ts` is the event's, for pruning
 * with the retention window (an older event is refused anyway).
 */
export const eventIds = pgTable('event_ids', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  eventId: text('event_id').notNull(),
  ts: tstz('ts').notNull(),
}, (t) => [primaryKey({ columns: [t.tenantId, t.eventId] }), index('event_ids_ts_idx').on(t.ts)])

/**
 * Each user's recent interactions, updated in the ingest transaction so that
 * recommendations see an event the moment it is acknowledged.
 * recent: [{ p: productId, e: eventType, t: epoch ms }], newest first as
 * written, capped at 100 (readers sort: a back-dated event may sit early).
 */
export const userProfiles = pgTable('user_profiles', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  recent: jsonb('recent').notNull().default(sql`'[]'::jsonb`),
  eventCount: integer('event_count').notNull().default(0),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.tenantId, t.userId] })])

/**
 * Each user's latest recommendation click per product, kept in the same
 * ingest statement: attribution of a purchase is a primary-key lookup here.
 */
export const recommendationClicks = pgTable('recommendation_clicks', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  productId: text('product_id').notNull(),
  clickedAt: tstz('clicked_at').notNull(),
  placement: text('placement'),
  strategy: text('strategy'),
  experimentId: text('experiment_id'),
  arm: text('arm'),
}, (t) => [primaryKey({ columns: [t.tenantId, t.userId, t.productId] })])

/** What each user has bought (for excludePurchased), kept in the same ingest statement. */
export const userPurchases = pgTable('user_purchases', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  productId: text('product_id').notNull(),
  lastPurchasedAt: tstz('last_purchased_at').notNull(),
  purchases: integer('purchases').notNull().default(1),
}, (t) => [primaryKey({ columns: [t.tenantId, t.userId, t.productId] })])

/**
 * Daily recommendation rollups, maintained at ingestion so analytics never
 * scan raw events. Empty strings stand for "none" in the key columns.
 */
export const analyticsDaily = pgTable('analytics_daily', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  day: date('day', { mode: 'string' }).notNull(),
  placement: text('placement').notNull().default(''),
  strategy: text('strategy').notNull().default(''),
  experimentId: text('experiment_id').notNull().default(''),
  arm: text('arm').notNull().default(''),
  impressions: bigint('impressions', { mode: 'number' }).notNull().default(0),
  clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
  conversions: bigint('conversions', { mode: 'number' }).notNull().default(0),
  revenue: doublePrecision('revenue').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.tenantId, t.day, t.placement, t.strategy, t.experimentId, t.arm] })])

/** The same rollups per product (top recommended / clicked / converting products). */
export const analyticsProductDaily = pgTable('analytics_product_daily', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  day: date('day', { mode: 'string' }).notNull(),
  productId: text('product_id').notNull(),
  placement: text('placement').notNull().default(''),
  strategy: text('strategy').notNull().default(''),
  impressions: bigint('impressions', { mode: 'number' }).notNull().default(0),
  clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
  conversions: bigint('conversions', { mode: 'number' }).notNull().default(0),
  revenue: doublePrecision('revenue').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.tenantId, t.day, t.productId, t.placement, t.strategy] })])

/**
 * Per-product totals over every placement and strategy, by day (grain 'd')
 * and by ISO week (grain 'w', day = its Monday), so an unfiltered top-10 over
 * 90 days reads about 18 rows per product instead of 90 × placements × strategies.
 */
export const analyticsProductTotals = pgTable('analytics_product_totals', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  grain: text('grain', { enum: ['d', 'w'] }).notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  productId: text('product_id').notNull(),
  impressions: bigint('impressions', { mode: 'number' }).notNull().default(0),
  clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
  conversions: bigint('conversions', { mode: 'number' }).notNull().default(0),
  revenue: doublePrecision('revenue').notNull().default(0),
}, (t) => [primaryKey({ name: 'analytics_product_totals_pk', columns: [t.tenantId, t.grain, t.day, t.productId] })])

/**
 * Per-product sums of analytics_product_daily over one ISO week (week = its
 * Monday) up to the fold's last day, written by a background fold (never by
 * ingestion), with one dimension collapsed: per placement over every strategy
 * (dims 'p', strategy ''), per strategy over every placement ('s',
 * placement ''), and per pair ('ps'). Filtered top-10s read these instead of
 * seven days × placements × strategies of daily rows. Only valid while the
 * week's row in analytics_week_folds still matches analytics_daily.
 */
export const analyticsProductWeekly = pgTable('analytics_product_weekly', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  week: date('week', { mode: 'string' }).notNull(),
  dims: text('dims', { enum: ['p', 's', 'ps'] }).notNull(),
  placement: text('placement').notNull(),
  strategy: text('strategy').notNull(),
  productId: text('product_id').notNull(),
  impressions: bigint('impressions', { mode: 'number' }).notNull().default(0),
  clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
  conversions: bigint('conversions', { mode: 'number' }).notNull().default(0),
  revenue: doublePrecision('revenue').notNull().default(0),
}, (t) => [primaryKey({ name: 'analytics_product_weekly_pk', columns: [t.tenantId, t.week, t.dims, t.placement, t.strategy, t.productId] })])

/**
 * One row per folded (tenant, week): the days folded ([week, through]) and
 * analytics_daily's totals over them at fold time. Rollups only grow, so the
 * fold is current exactly while those totals are unchanged.
 */
export const analyticsWeekFolds = pgTable('analytics_week_folds', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  week: date('week', { mode: 'string' }).notNull(),
  through: date('through', { mode: 'string' }).notNull(),
  impressions: bigint('impressions', { mode: 'number' }).notNull(),
  clicks: bigint('clicks', { mode: 'number' }).notNull(),
  conversions: bigint('conversions', { mode: 'number' }).notNull(),
  foldedAt: tstz('folded_at').notNull().defaultNow(),
}, (t) => [primaryKey({ name: 'analytics_week_folds_pk', columns: [t.tenantId, t.week] })])

/** What the retention job keeps of raw events older than 90 days. */
export const eventDailySummaries = pgTable('event_daily_summaries', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  day: date('day', { mode: 'string' }).notNull(),
  eventType: text('event_type').notNull(),
  productId: text('product_id').notNull(),
  events: bigint('events', { mode: 'number' }).notNull().default(0),
  users: bigint('users', { mode: 'number' }).notNull().default(0),
}, (t) => [primaryKey({ columns: [t.tenantId, t.day, t.eventType, t.productId] })])

/**
 * Each tenant's recommendation model (gzipped JSON of a TenantModel), shared
 * by every instance. The current model stays in place while a new one builds;
 * `lease_until` makes sure one worker builds a tenant at a time, and a build
 * whose worker died simply expires.
 */
export const recommendationModels = pgTable('recommendation_models', {
  tenantId: uuid('tenant_id').primaryKey().references(() => tenants.id, { onDelete: 'cascade' }),
  version: text('version'),
  builtAt: tstz('built_at'),
  model: bytea('model'),
  stats: jsonb('stats'),
  status: text('status', { enum: ['building', 'ready', 'failed', 'empty'] }).notNull().default('empty'),
  leaseUntil: tstz('lease_until'),
  /** Which worker holds the build lease (host:pid:random): only it may renew the lease or store the model. */
  leaseHolder: text('lease_holder'),
  requestedAt: tstz('requested_at'),
  lastError: text('last_error'),
})

/** A/B experiments (F-008): two strategies split by a deterministic hash of experiment and user. */
export const experiments = pgTable('experiments', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  control: text('control').notNull(),
  variant: text('variant').notNull(),
  trafficSplit: integer('traffic_split').notNull(),
  metric: text('metric', { enum: ['ctr', 'conversion_rate', 'revenue_per_visitor'] }).notNull(),
  /** Rows from before sequential analysis were set to 'fixed' by the migration that added it (their results read as they did). */
  analysis: text('analysis', { enum: ['sequential', 'fixed'] }).notNull().default('sequential'),
  /** Users per arm: the horizon of a fixed analysis; tunes the sequential one when given. */
  plannedSampleSize: integer('planned_sample_size'),
  /**
   * More than two arms: [{ key, strategy, weight }], the first the control; arm i owns buckets
   * [Σ_{j<i} weight × 100, Σ_{j≤i} weight × 100). null: the two-arm form (control/variant/trafficSplit).
   */
  variants: jsonb('variants').$type<{ key: string; strategy: string; weight: number }[]>(),
  /** Metrics watched for harm with a one-sided sequential test: 'conversion_rate' | 'revenue_per_visitor'. */
  guardrails: jsonb('guardrails').$type<string[]>().notNull().default([]),
  /** CUPED variance reduction (the metric over the 14 days before exposure as covariate); the per-experiment off switch. */
  cuped: boolean('cuped').notNull().default(true),
  /** null: every placement. */
  placement: text('placement'),
  status: text('status', { enum: ['draft', 'running', 'paused', 'completed'] }).notNull(),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  startedAt: tstz('started_at'),
  completedAt: tstz('completed_at'),
  /** FR-048: 90 days after completion the per-user data goes and this summary of the final results stays. */
  summary: jsonb('summary'),
  archivedAt: tstz('archived_at'),
}, (t) => [index('experiments_tenant_idx').on(t.tenantId, t.status, t.createdAt)])

/** First exposure of each user to an experiment (the unit of analysis). */
export const experimentExposures = pgTable('experiment_exposures', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  experimentId: uuid('experiment_id').notNull().references(() => experiments.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  arm: text('arm', { enum: ['control', 'variant'] }).notNull(),
  exposedAt: tstz('exposed_at').notNull(),
}, (t) => [primaryKey({ columns: [t.experimentId, t.userId] })])

/**
 * Widget settings per placement (F-012): what the SDK renders there. Each row holds only
 * what the merchant changed; the tenant config's `widget` fills in the rest when read.
 */
export const widgetConfigs = pgTable('widget_configs', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  placement: text('placement').notNull(),
  config: jsonb('config').notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.tenantId, t.placement] })])

/**
 * Bulk imports (F-017): one row per uploaded file, its progress written at least every second while it runs
 * (`updated_at` is that heartbeat: a running job whose heartbeat stops was on an instance that died).
 */
export const importJobs = pgTable('import_jobs', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  type: text('type', { enum: ['events', 'catalog'] }).notNull(),
  format: text('format', { enum: ['csv', 'ndjson', 'json'] }).notNull(),
  status: text('status', { enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] }).notNull(),
  /** What the upload asked for: mapping, replace, the default event type. */
  options: jsonb('options').notNull().default(sql`'{}'::jsonb`),
  rowsRead: bigint('rows_read', { mode: 'number' }).notNull().default(0),
  accepted: bigint('accepted', { mode: 'number' }).notNull().default(0),
  duplicates: bigint('duplicates', { mode: 'number' }).notNull().default(0),
  rejected: bigint('rejected', { mode: 'number' }).notNull().default(0),
  bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
  bytesTotal: bigint('bytes_total', { mode: 'number' }),
  error: text('error'),
  createdAt: createdAt(),
  startedAt: tstz('started_at'),
  finishedAt: tstz('finished_at'),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [index('import_jobs_tenant_idx').on(t.tenantId, t.createdAt.desc(), t.id), index('import_jobs_active_idx').on(t.status, t.updatedAt)])

/** The first 10,000 rows an import refused, each with where (line, column) and why. */
export const importErrors = pgTable('import_errors', {
  jobId: uuid('job_id').notNull().references(() => importJobs.id, { onDelete: 'cascade' }),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  seq: integer('seq').notNull(),
  line: bigint('line', { mode: 'number' }).notNull(),
  column: text('column').notNull(),
  message: text('message').notNull(),
}, (t) => [primaryKey({ columns: [t.jobId, t.seq] })])

export type User = typeof users.$inferSelect
export type Tenant = typeof tenants.$inferSelect
export type ApiKey = typeof apiKeys.$inferSelect
export type CatalogItem = typeof catalogItems.$inferSelect
export type Experiment = typeof experiments.$inferSelect
export type EventRow = typeof events.$inferSelect
export type ImportJob = typeof importJobs.$inferSelect

/**
 * Periodic fleet-wide duties (tenant purge, retention): one row per duty, claimed as a lease by one
 * process at a time and marked done, so N API and worker processes run each once per period.
 * A global table (a reference table under Citus): no tenant owns a duty.
 */
export const backgroundDuties = pgTable('background_duties', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  leaseUntil: tstz('lease_until'),
  doneAt: tstz('done_at'),
})

/**
 * Shopper erasures under way (GDPR): a row from the DELETE until everything is gone, leased by the
 * process erasing (holder + expiry, renewed per batch). A process that dies mid-erasure leaves the
 * row; a worker takes it over once the lease expires and finishes it. Deleted when done.
 */
export const shopperErasures = pgTable('shopper_erasures', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  requestedAt: tstz('requested_at').notNull(),
  leaseHolder: text('lease_holder'),
  leaseUntil: tstz('lease_until'),
}, (t) => [primaryKey({ columns: [t.tenantId, t.userId] })])
