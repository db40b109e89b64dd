CREATE TABLE "import_chunks" (
	"job_id" uuid NOT NULL,
	"first_row" bigint NOT NULL,
	"rows" integer NOT NULL,
	"accepted" integer NOT NULL,
	"duplicates" integer NOT NULL,
	"rejected" integer NOT NULL,
	"reported" integer NOT NULL,
	CONSTRAINT "import_chunks_job_id_first_row_pk" PRIMARY KEY("job_id","first_row")
);
--> statement-breakpoint
CREATE TABLE "import_stored" (
	"job_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"event_type" text NOT NULL,
	"product_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "lease" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_chunks" ADD CONSTRAINT "import_chunks_job_id_import_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."import_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_stored_job_idx" ON "import_stored" USING btree ("job_id");