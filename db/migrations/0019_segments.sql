CREATE TABLE "segments" (
	"tenant_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"conditions" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segments_tenant_id_key_pk" PRIMARY KEY("tenant_id","key")
);
--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "segment" text;--> statement-breakpoint
ALTER TABLE "import_stored" ADD COLUMN "metadata" jsonb;--> statement-breakpoint
ALTER TABLE "user_profiles" ADD COLUMN "first_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "user_profiles" ADD COLUMN "purchase_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_profiles" ADD COLUMN "total_spend" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_profiles" ADD COLUMN "last_purchase_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "user_profiles" ADD COLUMN "spend_days" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "user_profiles" ADD COLUMN "traits" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "segments" ADD CONSTRAINT "segments_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Profiles from before segments: first seen from their kept interactions, purchases from the purchase set
-- (spend is counted from this release on: amounts were never kept per shopper).
UPDATE "user_profiles" p SET
  "first_seen_at" = (SELECT to_timestamp(min((r->>'t')::bigint) / 1000.0) FROM jsonb_array_elements(p."recent") r),
  "purchase_count" = coalesce((SELECT sum(b."purchases")::int FROM "user_purchases" b WHERE b."tenant_id" = p."tenant_id" AND b."user_id" = p."user_id"), 0),
  "last_purchase_at" = (SELECT max(b."last_purchased_at") FROM "user_purchases" b WHERE b."tenant_id" = p."tenant_id" AND b."user_id" = p."user_id");
