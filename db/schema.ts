// The one source of truth for table shapes. Every tenant-owned table carries
// `tenant_id` (FK with ON DELETE CASCADE, so the 30-day purge of a deleted
// tenant removes everything it owned in one statement), and has it in its primary key, every unique
// index and every foreign key to another tenant table, so the schema can be sharded by tenant
// (Citus: db/distribution.ts names the global tables; db/schema-distribution.test.ts checks the rest).
import { sql } from 'drizzle-orm'
import {
  bigint, boolean, customType, date, doublePrecision, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core'

const bytea = customType<{ data: Uint8Array }>({ dataType: () => 'bytea' })

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  name: text('name').notNull(),
  /** Which mails the user wants (§6 settings): { weeklySummary, experimentAlerts }, both on unless turned off. */
  emailPrefs: jsonb('email_prefs').notNull().default(sql`'{}'::jsonb`),
  /** When the weekly summary was last sent: the job claims a user by moving this, so two instances never both send. */
  weeklySummaryAt: tstz('weekly_summary_at'),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('users_email_key').on(t.email)])

/** An account: what owns tenants. One per signup; its members (users) act on its tenants by role. */
export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: createdAt(),
})

export const ROLES = ['owner', 'admin', 'analyst', 'viewer'] as const
export type Role = typeof ROLES[number]

/** Members and pending invitations of an account: an invitation is a row with status `invited`, a token hash and no user yet. */
export const accountMembers = pgTable('account_members', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
  email: text('email').notNull(),
  role: text('role', { enum: ROLES }).notNull(),
  status: text('status', { enum: ['invited', 'active'] }).notNull(),
  tokenHash: text('token_hash'),
  expiresAt: tstz('expires_at'),
  invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  joinedAt: tstz('joined_at'),
}, (t) => [
  uniqueIndex('account_members_email_key').on(t.accountId, t.email),
  uniqueIndex('account_members_user_key').on(t.accountId, t.userId),
  uniqueIndex('account_members_token_key').on(t.tokenHash),
  index('account_members_user_idx').on(t.userId),
])

/** Account keys (`ak_live_…`): act for the whole account on the management routes; stored as HMAC like tenant keys. */
export const accountApiKeys = pgTable('account_api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  lastUsedAt: tstz('last_used_at'),
  revokedAt: tstz('revoked_at'),
}, (t) => [
  uniqueIndex('account_api_keys_hash_key').on(t.keyHash),
  index('account_api_keys_account_idx').on(t.accountId, t.createdAt),
])

/** Answers of idempotent creations (Idempotency-Key), per account, kept 24 h; the answer is encrypted (it holds key secrets). */
export const idempotencyKeys = pgTable('idempotency_keys', {
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  key: text('key').notNull(),
  requestHash: text('request_hash').notNull(),
  status: integer('status'),
  response: bytea('response'),
  createdAt: createdAt(),
  expiresAt: tstz('expires_at').notNull(),
}, (t) => [primaryKey({ columns: [t.accountId, t.key] })])

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
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  /** The user who created it (none when an account key did). */
  ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
  /** The platform's own id for this store (account keys' provisioning), unique per account. */
  externalId: text('external_id'),
  name: text('name').notNull(),
  status: text('status', { enum: ['active', 'suspended', 'deleted'] }).notNull().default('active'),
  config: jsonb('config').notNull().default(sql`'{}'::jsonb`),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  deletedAt: tstz('deleted_at'),
}, (t) => [
  index('tenants_account_idx').on(t.accountId, t.createdAt),
  // Names and external ids are unique per account among tenants that still exist.
  uniqueIndex('tenants_account_name_key').on(t.accountId, sql`lower(${t.name})`).where(sql`status <> 'deleted'`),
  uniqueIndex('tenants_account_external_key').on(t.accountId, t.externalId).where(sql`status <> 'deleted' and external_id is not null`),
])

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').notNull().defaultRandom(),
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
  primaryKey({ name: 'api_keys_pkey', columns: [t.tenantId, t.id] }),
  index('api_keys_tenant_idx').on(t.tenantId, t.createdAt),
])

/**
 * Which tenant and key a key hash belongs to: a presented key is looked up before its tenant is known (the key
 * is the credential), so its uniqueness lives here, in a small global table (a reference table under Citus),
 * not in api_keys, whose unique keys must all start from tenant_id. Written with the key, never changed.
 */
export const apiKeyHashes = pgTable('api_key_hashes', {
  keyHash: text('key_hash').primaryKey(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  keyId: uuid('key_id').notNull(),
})

/** Per tenant, day and key (the nil uuid: admin or account-key calls): what a platform bills its own customers by. */
export const usageDaily = pgTable('usage_daily', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  day: date('day', { mode: 'string' }).notNull(),
  keyId: uuid('key_id').notNull(),
  apiCalls: bigint('api_calls', { mode: 'number' }).notNull().default(0),
  eventsIngested: bigint('events_ingested', { mode: 'number' }).notNull().default(0),
  recommendationRequests: bigint('recommendation_requests', { mode: 'number' }).notNull().default(0),
}, (t) => [primaryKey({ columns: [t.tenantId, t.day, t.keyId] })])

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
  // No foreign key to tenants: its per-row check was 40 % of a bulk import's insert. Tenant purge deletes
  // these rows itself (purgeDeletedTenants), in the transaction that deletes the tenant.
  tenantId: uuid('tenant_id').notNull(),
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
  // No foreign key to tenants (as events): purgeDeletedTenants deletes these rows.
  tenantId: uuid('tenant_id').notNull(),
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
  // What segments read (issue 21), kept in the same ingest statement: when the shopper was first seen, their
  // purchases and spend (metadata.price × quantity, else the catalog price), spend per day over the last
  // 90 days ({ "<days since epoch>": amount }, pruned as it is written) and traits (POST /users/:userId/traits,
  // or metadata.traits on events).
  firstSeenAt: tstz('first_seen_at'),
  purchaseCount: integer('purchase_count').notNull().default(0),
  totalSpend: doublePrecision('total_spend').notNull().default(0),
  lastPurchaseAt: tstz('last_purchase_at'),
  spendDays: jsonb('spend_days').notNull().default(sql`'{}'::jsonb`),
  traits: jsonb('traits').notNull().default(sql`'{}'::jsonb`),
}, (t) => [primaryKey({ columns: [t.tenantId, t.userId] })])

/** Shopper segments (issue 21): named conditions over a shopper's profile; the built-in ones are not stored. */
export const segments = pgTable('segments', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  key: text('key').notNull(),
  name: text('name').notNull(),
  conditions: jsonb('conditions').notNull(),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.tenantId, t.key] })])

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
  // No foreign key to tenants (as events): its check was two thirds of a bulk import's purchase upsert; purgeDeletedTenants deletes these rows.
  tenantId: uuid('tenant_id').notNull(),
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
  id: uuid('id').notNull().defaultRandom(),
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
  /** A segment key: only shoppers in it are enrolled (null: everyone). */
  segment: text('segment'),
  status: text('status', { enum: ['draft', 'running', 'paused', 'completed'] }).notNull(),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  startedAt: tstz('started_at'),
  completedAt: tstz('completed_at'),
  /** FR-048: 90 days after completion the per-user data goes and this summary of the final results stays. */
  summary: jsonb('summary'),
  archivedAt: tstz('archived_at'),
  /** When results first said significant / first showed a sample ratio mismatch: each webhook event is sent once. */
  significantAt: tstz('significant_at'),
  srmDetectedAt: tstz('srm_detected_at'),
}, (t) => [primaryKey({ name: 'experiments_pkey', columns: [t.tenantId, t.id] }), index('experiments_tenant_idx').on(t.tenantId, t.status, t.createdAt)])

/** First exposure of each user to an experiment (the unit of analysis). */
export const experimentExposures = pgTable('experiment_exposures', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  experimentId: uuid('experiment_id').notNull(),
  userId: text('user_id').notNull(),
  arm: text('arm', { enum: ['control', 'variant'] }).notNull(),
  exposedAt: tstz('exposed_at').notNull(),
}, (t) => [
  primaryKey({ name: 'experiment_exposures_pk', columns: [t.tenantId, t.experimentId, t.userId] }),
  foreignKey({ name: 'experiment_exposures_experiment_fk', columns: [t.tenantId, t.experimentId], foreignColumns: [experiments.tenantId, experiments.id] }).onDelete('cascade'),
])

/**
 * Experiment alert mails (§6 email preferences), one row per (experiment, kind): written in the transaction that
 * marks the moment (first significant, first SRM, completion), claimed by setting `sentAt` before mailing,
 * so each is mailed once however many instances look.
 */
export const experimentAlerts = pgTable('experiment_alerts', {
  experimentId: uuid('experiment_id').notNull(),
  kind: text('kind', { enum: ['significant', 'srm_detected', 'completed'] }).notNull(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  createdAt: tstz('created_at').notNull(),
  sentAt: tstz('sent_at'),
}, (t) => [
  primaryKey({ name: 'experiment_alerts_pk', columns: [t.tenantId, t.experimentId, t.kind] }),
  foreignKey({ name: 'experiment_alerts_experiment_fk', columns: [t.tenantId, t.experimentId], foreignColumns: [experiments.tenantId, experiments.id] }).onDelete('cascade'),
  index('experiment_alerts_unsent_idx').on(t.createdAt).where(sql`sent_at is null`),
])

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
 * Merchandising rules (F-018): filters, boosts, pins and diversity caps over a tenant's lists.
 * `definition` holds the rule's scope, action parameters, condition and schedule as the API
 * takes them (engine/rules/rule.ts RuleSpec); serving compiles it once per rules version.
 */
export const merchandisingRules = pgTable('merchandising_rules', {
  id: uuid('id').notNull().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  active: boolean('active').notNull().default(true),
  priority: integer('priority').notNull().default(0),
  definition: jsonb('definition').notNull(),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [primaryKey({ name: 'merchandising_rules_pkey', columns: [t.tenantId, t.id] }), index('merchandising_rules_tenant_idx').on(t.tenantId, t.createdAt)])

/**
 * Bulk imports (F-017): one row per uploaded file, its progress written at least every second while it runs
 * (`updated_at` is that heartbeat: a running job whose heartbeat stops was on an instance that died).
 */
export const importJobs = pgTable('import_jobs', {
  id: uuid('id').notNull().defaultRandom(),
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
  /** Bumped each time an instance takes the job (at start, or resuming it): a write by an older taker is refused. */
  lease: integer('lease').notNull().default(0),
  /**
   * Bumped by each erasure of one of the tenant's shoppers while the job is queued or running (with its row in
   * import_erased_shoppers): a chunk commits only if this is what it read before writing, else it is written again.
   */
  erasures: integer('erasures').notNull().default(0),
}, (t) => [
  primaryKey({ name: 'import_jobs_pkey', columns: [t.tenantId, t.id] }),
  index('import_jobs_tenant_idx').on(t.tenantId, t.createdAt.desc(), t.id),
  index('import_jobs_active_idx').on(t.status, t.updatedAt),
])

/**
 * The chunks of an import job that are stored, each written in the transaction that stored its rows: the
 * records of the file it covers ([firstRow, firstRow + rows), header excluded) and what became of them. A job
 * resumed after a restart skips exactly these records and adds up these counts, so no row counts twice.
 */
export const importChunks = pgTable('import_chunks', {
  tenantId: uuid('tenant_id').notNull(),
  jobId: uuid('job_id').notNull(),
  firstRow: bigint('first_row', { mode: 'number' }).notNull(),
  rows: integer('rows').notNull(),
  accepted: integer('accepted').notNull(),
  duplicates: integer('duplicates').notNull(),
  rejected: integer('rejected').notNull(),
  /** Refused rows of the chunk named in import_errors (within the job's first MAX_REPORTED_ERRORS). */
  reported: integer('reported').notNull(),
}, (t) => [
  primaryKey({ name: 'import_chunks_pk', columns: [t.tenantId, t.jobId, t.firstRow] }),
  foreignKey({ name: 'import_chunks_job_fk', columns: [t.tenantId, t.jobId], foreignColumns: [importJobs.tenantId, importJobs.id] }).onDelete('cascade'),
])

/**
 * The events an import job stored whose shoppers' profiles are not folded in yet (PostgreSQL's bulk path
 * folds them set-based once per job, not per chunk); written in each chunk's transaction, emptied by the fold.
 */
export const importStored = pgTable('import_stored', {
  // No foreign keys: a check per row would cost the bulk path what it saves; the fold empties a job's rows.
  jobId: uuid('job_id').notNull(),
  tenantId: uuid('tenant_id').notNull(),
  userId: text('user_id').notNull(),
  eventType: text('event_type').notNull(),
  productId: text('product_id').notNull(),
  ts: tstz('ts').notNull(),
  /** The event's metadata: spend (price, quantity) and traits reach the profile from it. */
  metadata: jsonb('metadata'),
  // By shopper and time within the job: the fold takes its rows in that order, a batch at a time.
}, (t) => [index('import_stored_job_user_ts_idx').on(t.jobId, t.userId, t.ts)])

/**
 * Shoppers erased while an events import job was queued or running: that job stores none of their rows from then
 * on (its file was taken before the erasure). Only while the job is queued or running: removed when it ends.
 */
export const importErasedShoppers = pgTable('import_erased_shoppers', {
  tenantId: uuid('tenant_id').notNull(),
  jobId: uuid('job_id').notNull(),
  userId: text('user_id').notNull(),
}, (t) => [
  primaryKey({ name: 'import_erased_shoppers_pk', columns: [t.tenantId, t.jobId, t.userId] }),
  foreignKey({ name: 'import_erased_shoppers_job_fk', columns: [t.tenantId, t.jobId], foreignColumns: [importJobs.tenantId, importJobs.id] }).onDelete('cascade'),
])

/** The first 10,000 rows an import refused, each with where (line, column) and why. */
export const importErrors = pgTable('import_errors', {
  jobId: uuid('job_id').notNull(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  seq: integer('seq').notNull(),
  line: bigint('line', { mode: 'number' }).notNull(),
  column: text('column').notNull(),
  message: text('message').notNull(),
}, (t) => [
  primaryKey({ name: 'import_errors_pk', columns: [t.tenantId, t.jobId, t.seq] }),
  foreignKey({ name: 'import_errors_job_fk', columns: [t.tenantId, t.jobId], foreignColumns: [importJobs.tenantId, importJobs.id] }).onDelete('cascade'),
])

/**
 * A tenant's key for signing embed tokens (F-016): random, its own (never the admin JWT secret), stored
 * sealed with AES-GCM (server/infra/crypto.ts sealer). Rotating replaces it and bumps `version`, which revokes every
 * token and embed session signed with the old one.
 */
export const embedKeys = pgTable('embed_keys', {
  tenantId: uuid('tenant_id').primaryKey().references(() => tenants.id, { onDelete: 'cascade' }),
  sealedKey: text('sealed_key').notNull(),
  version: integer('version').notNull().default(1),
  rotatedAt: tstz('rotated_at').notNull().defaultNow(),
})

/**
 * Webhook endpoints (F-015). The signing secret is stored encrypted (AES-GCM under a key derived from the
 * server secret, infra/crypto.ts); after a rotation the previous one keeps signing until `previous_secret_until`.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: uuid('id').notNull().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  description: text('description'),
  active: boolean('active').notNull().default(true),
  secret: text('secret').notNull(),
  previousSecret: text('previous_secret'),
  previousSecretUntil: tstz('previous_secret_until'),
  /** Events in a row whose delivery failed for good; the fifth disables the endpoint. Any success resets it. */
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  disabledAt: tstz('disabled_at'),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [primaryKey({ name: 'webhook_endpoints_pkey', columns: [t.tenantId, t.id] }), index('webhook_endpoints_tenant_idx').on(t.tenantId, t.createdAt)])

/**
 * The transactional outbox: one row per event, written in the same transaction as the state change that caused
 * it, with one delivery row per subscribed endpoint. Rows are only written when an endpoint subscribes.
 */
export const webhookEvents = pgTable('webhook_events', {
  id: uuid('id').notNull().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  type: text('type').notNull(),
  data: jsonb('data').notNull(),
  createdAt: tstz('created_at').notNull(),
}, (t) => [primaryKey({ name: 'webhook_events_pkey', columns: [t.tenantId, t.id] }), index('webhook_events_tenant_idx').on(t.tenantId, t.createdAt)])

/**
 * One event to one endpoint. A dispatcher claims due rows (FOR UPDATE SKIP LOCKED) and moves `next_attempt_at`
 * a lease ahead, so a dispatcher that dies mid-send leaves the row to be sent again (at-least-once).
 */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: uuid('id').notNull().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  endpointId: uuid('endpoint_id').notNull(),
  eventId: uuid('event_id').notNull(),
  status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: tstz('next_attempt_at'),
  lastAttemptAt: tstz('last_attempt_at'),
  lastResponseCode: integer('last_response_code'),
  lastResponseBody: text('last_response_body'),
  lastError: text('last_error'),
  /** A test ping or a manual retry: sent even while the endpoint is disabled, and not counted towards disabling it. */
  manual: boolean('manual').notNull().default(false),
  createdAt: tstz('created_at').notNull(),
  completedAt: tstz('completed_at'),
}, (t) => [
  primaryKey({ name: 'webhook_deliveries_pkey', columns: [t.tenantId, t.id] }),
  foreignKey({ name: 'webhook_deliveries_endpoint_fk', columns: [t.tenantId, t.endpointId], foreignColumns: [webhookEndpoints.tenantId, webhookEndpoints.id] }).onDelete('cascade'),
  foreignKey({ name: 'webhook_deliveries_event_fk', columns: [t.tenantId, t.eventId], foreignColumns: [webhookEvents.tenantId, webhookEvents.id] }).onDelete('cascade'),
  index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
  // The fair claim: which tenants have something due (a skip scan over tenant_id), then each one's oldest due.
  index('webhook_deliveries_tenant_due_idx').on(t.tenantId, t.nextAttemptAt).where(sql`status = 'pending'`),
  index('webhook_deliveries_endpoint_idx').on(t.tenantId, t.endpointId, t.createdAt.desc(), t.id),
])

export type User = typeof users.$inferSelect
export type Tenant = typeof tenants.$inferSelect
export type ApiKey = typeof apiKeys.$inferSelect
export type Account = typeof accounts.$inferSelect
export type AccountMember = typeof accountMembers.$inferSelect
export type AccountApiKey = typeof accountApiKeys.$inferSelect
export type CatalogItem = typeof catalogItems.$inferSelect
export type Experiment = typeof experiments.$inferSelect
export type EventRow = typeof events.$inferSelect
export type ImportJob = typeof importJobs.$inferSelect
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect
export type MerchandisingRule = typeof merchandisingRules.$inferSelect

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
