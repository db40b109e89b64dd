ALTER TABLE "event_ids" DROP CONSTRAINT "event_ids_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "user_purchases" DROP CONSTRAINT "user_purchases_tenant_id_tenants_id_fk";
