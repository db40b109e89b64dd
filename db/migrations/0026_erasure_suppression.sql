CREATE TABLE "import_erased_shoppers" (
	"tenant_id" uuid NOT NULL,
	"job_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	CONSTRAINT "import_erased_shoppers_pk" PRIMARY KEY("tenant_id","job_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "erasures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_erased_shoppers" ADD CONSTRAINT "import_erased_shoppers_job_fk" FOREIGN KEY ("tenant_id","job_id") REFERENCES "public"."import_jobs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;