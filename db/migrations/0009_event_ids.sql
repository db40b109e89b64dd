CREATE TABLE "event_ids" (
	"tenant_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	CONSTRAINT "event_ids_tenant_id_event_id_pk" PRIMARY KEY("tenant_id","event_id")
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "event_id" text;--> statement-breakpoint
ALTER TABLE "event_ids" ADD CONSTRAINT "event_ids_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "event_ids_ts_idx" ON "event_ids" USING btree ("ts");--> statement-breakpoint
-- Hand-written: the partitions for exactly the months of the given
-- timestamps (ingestion's on-demand path), never the range between them: two
-- far-apart dates in one batch once created 120 months under the global lock.
CREATE OR REPLACE FUNCTION ensure_event_months(stamps timestamptz[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m date;
  made integer := 0;
  part text;
BEGIN
  FOR m IN SELECT DISTINCT date_trunc('month', s AT TIME ZONE 'UTC')::date FROM unnest(stamps) AS s ORDER BY 1 LOOP
    part := format('events_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
    IF to_regclass(part) IS NULL THEN
      -- Concurrent ingesters (and instances) may ask for the same month at once.
      PERFORM pg_advisory_xact_lock(72810502);
      IF to_regclass(part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
          part, (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        made := made + 1;
      END IF;
    END IF;
  END LOOP;
  RETURN made;
END $$;
