CREATE TABLE "api_key_hashes" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"key_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "experiment_alerts" DROP CONSTRAINT "experiment_alerts_experiment_id_experiments_id_fk";
--> statement-breakpoint
ALTER TABLE "experiment_exposures" DROP CONSTRAINT "experiment_exposures_experiment_id_experiments_id_fk";
--> statement-breakpoint
ALTER TABLE "import_chunks" DROP CONSTRAINT "import_chunks_job_id_import_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "import_errors" DROP CONSTRAINT "import_errors_job_id_import_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_event_id_webhook_events_id_fk";
--> statement-breakpoint
DROP INDEX "api_keys_hash_key";--> statement-breakpoint
ALTER TABLE "experiment_alerts" DROP CONSTRAINT "experiment_alerts_experiment_id_kind_pk";--> statement-breakpoint
ALTER TABLE "experiment_exposures" DROP CONSTRAINT "experiment_exposures_experiment_id_user_id_pk";--> statement-breakpoint
ALTER TABLE "import_chunks" DROP CONSTRAINT "import_chunks_job_id_first_row_pk";--> statement-breakpoint
ALTER TABLE "import_errors" DROP CONSTRAINT "import_errors_job_id_seq_pk";--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_pkey";--> statement-breakpoint
ALTER TABLE "experiments" DROP CONSTRAINT "experiments_pkey";--> statement-breakpoint
ALTER TABLE "import_jobs" DROP CONSTRAINT "import_jobs_pkey";--> statement-breakpoint
ALTER TABLE "merchandising_rules" DROP CONSTRAINT "merchandising_rules_pkey";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_pkey";--> statement-breakpoint
ALTER TABLE "webhook_endpoints" DROP CONSTRAINT "webhook_endpoints_pkey";--> statement-breakpoint
ALTER TABLE "webhook_events" DROP CONSTRAINT "webhook_events_pkey";--> statement-breakpoint
-- Hand-moved and hand-written: import_chunks gains tenant_id, filled from its job, before the keys that name it.
ALTER TABLE "import_chunks" ADD COLUMN "tenant_id" uuid;--> statement-breakpoint
UPDATE "import_chunks" c SET "tenant_id" = j."tenant_id" FROM "import_jobs" j WHERE j."id" = c."job_id";--> statement-breakpoint
ALTER TABLE "import_chunks" ALTER COLUMN "tenant_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_pkey" PRIMARY KEY("tenant_id","id");--> statement-breakpoint
ALTER TABLE "experiment_alerts" ADD CONSTRAINT "experiment_alerts_pk" PRIMARY KEY("tenant_id","experiment_id","kind");--> statement-breakpoint
ALTER TABLE "experiment_exposures" ADD CONSTRAINT "experiment_exposures_pk" PRIMARY KEY("tenant_id","experiment_id","user_id");--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_pkey" PRIMARY KEY("tenant_id","id");--> statement-breakpoint
ALTER TABLE "import_chunks" ADD CONSTRAINT "import_chunks_pk" PRIMARY KEY("tenant_id","job_id","first_row");--> statement-breakpoint
ALTER TABLE "import_errors" ADD CONSTRAINT "import_errors_pk" PRIMARY KEY("tenant_id","job_id","seq");--> statement-breakpoint
ALTER TABLE "import_jobs" ADD CONSTRAINT "import_jobs_pkey" PRIMARY KEY("tenant_id","id");--> statement-breakpoint
ALTER TABLE "merchandising_rules" ADD CONSTRAINT "merchandising_rules_pkey" PRIMARY KEY("tenant_id","id");--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY("tenant_id","id");--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY("tenant_id","id");--> statement-breakpoint
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_pkey" PRIMARY KEY("tenant_id","id");--> statement-breakpoint
ALTER TABLE "api_key_hashes" ADD CONSTRAINT "api_key_hashes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_alerts" ADD CONSTRAINT "experiment_alerts_experiment_fk" FOREIGN KEY ("tenant_id","experiment_id") REFERENCES "public"."experiments"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_exposures" ADD CONSTRAINT "experiment_exposures_experiment_fk" FOREIGN KEY ("tenant_id","experiment_id") REFERENCES "public"."experiments"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_chunks" ADD CONSTRAINT "import_chunks_job_fk" FOREIGN KEY ("tenant_id","job_id") REFERENCES "public"."import_jobs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_errors" ADD CONSTRAINT "import_errors_job_fk" FOREIGN KEY ("tenant_id","job_id") REFERENCES "public"."import_jobs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_fk" FOREIGN KEY ("tenant_id","endpoint_id") REFERENCES "public"."webhook_endpoints"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_fk" FOREIGN KEY ("tenant_id","event_id") REFERENCES "public"."webhook_events"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Hand-written: the existing keys' hashes, where a presented key is now looked up.
INSERT INTO "api_key_hashes" ("key_hash", "tenant_id", "key_id") SELECT "key_hash", "tenant_id", "id" FROM "api_keys";
