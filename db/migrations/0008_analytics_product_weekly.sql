CREATE TABLE "analytics_product_weekly" (
	"tenant_id" uuid NOT NULL,
	"week" date NOT NULL,
	"dims" text NOT NULL,
	"placement" text NOT NULL,
	"strategy" text NOT NULL,
	"product_id" text NOT NULL,
	"impressions" bigint DEFAULT 0 NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"conversions" bigint DEFAULT 0 NOT NULL,
	"revenue" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_product_weekly_pk" PRIMARY KEY("tenant_id","week","dims","placement","strategy","product_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_week_folds" (
	"tenant_id" uuid NOT NULL,
	"week" date NOT NULL,
	"through" date NOT NULL,
	"impressions" bigint NOT NULL,
	"clicks" bigint NOT NULL,
	"conversions" bigint NOT NULL,
	"folded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_week_folds_pk" PRIMARY KEY("tenant_id","week")
);
--> statement-breakpoint
ALTER TABLE "analytics_product_weekly" ADD CONSTRAINT "analytics_product_weekly_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_week_folds" ADD CONSTRAINT "analytics_week_folds_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;