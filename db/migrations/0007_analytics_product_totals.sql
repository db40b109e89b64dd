CREATE TABLE "analytics_product_totals" (
	"tenant_id" uuid NOT NULL,
	"grain" text NOT NULL,
	"day" date NOT NULL,
	"product_id" text NOT NULL,
	"impressions" bigint DEFAULT 0 NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"conversions" bigint DEFAULT 0 NOT NULL,
	"revenue" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_product_totals_pk" PRIMARY KEY("tenant_id","grain","day","product_id")
);
--> statement-breakpoint
ALTER TABLE "analytics_product_totals" ADD CONSTRAINT "analytics_product_totals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Backfill from the per-placement product rollups kept so far: by day, then by ISO week.
INSERT INTO "analytics_product_totals" ("tenant_id", "grain", "day", "product_id", "impressions", "clicks", "conversions", "revenue")
SELECT "tenant_id", 'd', "day", "product_id", sum("impressions"), sum("clicks"), sum("conversions"), sum("revenue")
FROM "analytics_product_daily" GROUP BY 1, 3, 4;
--> statement-breakpoint
INSERT INTO "analytics_product_totals" ("tenant_id", "grain", "day", "product_id", "impressions", "clicks", "conversions", "revenue")
SELECT "tenant_id", 'w', date_trunc('week', "day")::date, "product_id", sum("impressions"), sum("clicks"), sum("conversions"), sum("revenue")
FROM "analytics_product_daily" GROUP BY 1, 3, 4;
