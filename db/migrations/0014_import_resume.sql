CREATE TABLE "import_stored" (
	"job_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"event_type" text NOT NULL,
	"product_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "checkpoint" jsonb;--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "lease" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "import_stored_job_idx" ON "import_stored" USING btree ("job_id");