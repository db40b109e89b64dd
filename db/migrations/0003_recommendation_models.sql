CREATE TABLE "recommendation_models" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"version" text,
	"built_at" timestamp with time zone,
	"model" "bytea",
	"stats" jsonb,
	"status" text DEFAULT 'empty' NOT NULL,
	"lease_until" timestamp with time zone,
	"requested_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "recommendation_models" ADD CONSTRAINT "recommendation_models_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;