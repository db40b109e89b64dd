CREATE TABLE "background_duties" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text,
	"lease_until" timestamp with time zone,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "shopper_erasures" (
	"tenant_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"lease_holder" text,
	"lease_until" timestamp with time zone,
	CONSTRAINT "shopper_erasures_tenant_id_user_id_pk" PRIMARY KEY("tenant_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "recommendation_models" ADD COLUMN "lease_holder" text;--> statement-breakpoint
ALTER TABLE "shopper_erasures" ADD CONSTRAINT "shopper_erasures_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;