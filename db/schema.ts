// The one source of truth for table shapes. Every tenant-owned table carries
// `tenant_id` (FK with ON DELETE CASCADE, so the 30-day purge of a deleted
// tenant removes everything it owned in one statement).
import { sql } from 'drizzle-orm'
import {
  bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core'

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

export type User = typeof users.$inferSelect
export type Tenant = typeof tenants.$inferSelect
export type ApiKey = typeof apiKeys.$inferSelect
