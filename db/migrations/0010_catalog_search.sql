-- Substring search in a tenant's catalog (GET /catalog?q=) through trigrams;
-- btree_gin lets tenant_id sit in the same GIN index. Both ship with PGlite.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
DROP INDEX "catalog_items_updated_idx";--> statement-breakpoint
CREATE INDEX "catalog_items_search_idx" ON "catalog_items" USING gin ("tenant_id","name" gin_trgm_ops,"description" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "catalog_items_updated_idx" ON "catalog_items" USING btree ("tenant_id","updated_at" DESC NULLS FIRST,"product_id");
