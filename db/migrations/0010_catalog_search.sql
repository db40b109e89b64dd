-- Substring search in a tenant's catalog (GET /catalog?q=): trigrams of name and
-- description as one text, tenant_id in the same GIN index (btree_gin). Both
-- extensions ship with PGlite. Keyset pages walk the rebuilt updated index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
DROP INDEX "catalog_items_updated_idx";--> statement-breakpoint
CREATE INDEX "catalog_items_search_idx" ON "catalog_items" USING gin ("tenant_id",("name" || E'\n' || coalesce("description", '')) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "catalog_items_updated_idx" ON "catalog_items" USING btree ("tenant_id","updated_at" DESC NULLS FIRST,"product_id");
