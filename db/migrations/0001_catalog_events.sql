CREATE TABLE "catalog_items" (
	"tenant_id" uuid NOT NULL,
	"product_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"category" text,
	"price" double precision,
	"currency" text,
	"image_url" text,
	"url" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"available" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "catalog_items_tenant_id_product_id_pk" PRIMARY KEY("tenant_id","product_id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"user_id" text NOT NULL,
	"product_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"session_id" text,
	"metadata" jsonb,
	"placement" text,
	"strategy" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY RANGE ("ts");
--> statement-breakpoint
ALTER TABLE "catalog_items" ADD CONSTRAINT "catalog_items_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "catalog_items_category_idx" ON "catalog_items" USING btree ("tenant_id","category");--> statement-breakpoint
CREATE INDEX "catalog_items_updated_idx" ON "catalog_items" USING btree ("tenant_id","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "events_dedup_key" ON "events" USING btree ("tenant_id","user_id","event_type","product_id","ts");--> statement-breakpoint
CREATE INDEX "events_tenant_ts_idx" ON "events" USING btree ("tenant_id","ts");--> statement-breakpoint
--> statement-breakpoint
-- Hand-written (drizzle-kit has no partitioning): monthly partitions of
-- events, created on demand by ingestion and ahead of time by a daily job.
CREATE OR REPLACE FUNCTION ensure_event_partitions(from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
  last date := date_trunc('month', to_ts AT TIME ZONE 'UTC')::date;
  made integer := 0;
  part text;
BEGIN
  -- Concurrent ingesters (and instances) may ask for the same month at once.
  PERFORM pg_advisory_xact_lock(72810502);
  WHILE m <= last LOOP
    part := format('events_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
    IF to_regclass(part) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
          part, (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        made := made + 1;
      EXCEPTION WHEN duplicate_table THEN NULL;
      END;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN made;
END $$;--> statement-breakpoint
SELECT ensure_event_partitions(now() - interval '3 months', now() + interval '3 months');